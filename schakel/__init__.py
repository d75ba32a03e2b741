"""Schakel: lawful, careful information sharing against human trafficking."""

__version__ = "0.1.0"
