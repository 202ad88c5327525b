"""Logging filters that keep personal data out of the logs."""

import logging
import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# North American numbers in their usual spellings, and any E.164 number. Case references
# (LIC-2026-000042) and ids do not have this shape.
_PHONE = re.compile(
    r"(?<![\w-])(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}(?![\w-])"
    r"|\+\d{1,3}[ .-]?\d[\d .-]{6,14}\d\b"
)


class RedactPIIFilter(logging.Filter):
    """Mask e-mail addresses and phone numbers in a record's final message.

    Code logs ids, not people; this is the safety net for a message that slips through.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _PHONE.sub("[phone]", _EMAIL.sub("[email]", message))
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
