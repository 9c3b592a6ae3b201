"""HTTP: the FastAPI application, its dependencies and the error-to-envelope handlers."""
