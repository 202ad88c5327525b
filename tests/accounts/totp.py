"""Codes of an authenticator app, for tests that sign in or turn on two-factor authentication."""

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

PERIOD_SECONDS = 30
# A code read this close to the end of its window may reach the server in the next one
# (allauth accepts only the current window), so the caller waits for the next.
SAFETY_SECONDS = 5


def current_totp_code(secret: str) -> str:
    """The code an authenticator app shows for `secret` now, at least SAFETY_SECONDS before
    it changes."""
    left = PERIOD_SECONDS - time.time() % PERIOD_SECONDS
    if left < SAFETY_SECONDS:
        time.sleep(left + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // PERIOD_SECONDS))
