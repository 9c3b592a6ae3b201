"""Scheduled tasks (seed 004): the API, the schedule computation and the engine that runs them."""
