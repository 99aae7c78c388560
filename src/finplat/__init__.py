"""finplat: an open-source internet finance platform."""

__version__ = "0.1.0"
