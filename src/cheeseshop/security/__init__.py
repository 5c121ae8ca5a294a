"""Who is asking (identity) and what they may do (permissions)."""

from cheeseshop.accounts.remembered_logins import RememberedLogins
from cheeseshop.accounts.tokens import load_key
from cheeseshop.security.challenge import forbidden
from cheeseshop.security.policy import SecurityPolicy
from cheeseshop.security.throttling import LoginThrottled, login_throttled


def includeme(config):
    settings = config.registry.cheeseshop_settings
    key = load_key(settings)
    config.registry["token_key"] = key
    policy = SecurityPolicy(key, RememberedLogins(key, settings.login_remember_seconds))
    config.set_security_policy(policy)
    config.registry.security_policy = policy
    config.add_exception_view(login_throttled, context=LoginThrottled)
    config.add_forbidden_view(forbidden)
