"""cheeseshop: a Python package index server."""

from .app import main

__all__ = ["main"]
