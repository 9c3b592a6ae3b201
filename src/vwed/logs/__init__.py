"""Script logs: the live WebSocket feed (seed 000 section 4), batched storage, queries and retention."""
