"""Who is asking (identity) and what they may do (permissions)."""

from cheeseshop.security.policy import SecurityPolicy
from cheeseshop.security.throttling import LoginThrottled, login_throttled


def includeme(config):
    config.set_security_policy(SecurityPolicy())
    config.add_exception_view(login_throttled, context=LoginThrottled)
