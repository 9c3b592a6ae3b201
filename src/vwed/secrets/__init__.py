"""Secrets task scripts read with `get_secret`: write-only values, encrypted at rest."""
