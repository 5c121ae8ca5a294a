"""Users, passwords and roles."""
