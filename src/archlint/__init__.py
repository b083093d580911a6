"""archlint: a static analyzer for Python backends."""

__version__ = "0.1.0"
