"""Who is asking (identity) and what they may do (permissions)."""

from cheeseshop.security.policy import SecurityPolicy


def includeme(config):
    config.set_security_policy(SecurityPolicy())
