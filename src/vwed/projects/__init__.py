"""Script projects and their files (seed 000, sections 1 and 2)."""
