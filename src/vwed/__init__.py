"""VWED Script Platform: Python scripts as services and scheduled tasks, safely."""

__version__ = "0.1.0"
