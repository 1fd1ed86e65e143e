"""Reproducible HTML, PDF and EPUB editions of Creative Commons articles."""

__version__ = "0.1.0"
