"""Script services (seed 000 section 3): start, stop, call and inspect scripts served by the runtime."""
