"""The children's independent advocacy service."""

__version__ = "0.1.0"
