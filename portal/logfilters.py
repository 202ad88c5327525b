"""Logging filters that keep personal data out of the logs."""

import logging
import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d ().-]{7,}\d")


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
