"""cheeseshop: a Python package index server."""
