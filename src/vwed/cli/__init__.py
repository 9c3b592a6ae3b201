"""The `vwed` command line."""
