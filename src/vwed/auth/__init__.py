"""Bearer-token authentication: who is calling, and which tenant's rows they may see."""
