import logging

import pytest

from portal.logfilters import RedactPIIFilter


def _record(msg, *args):
    return logging.LogRecord("portal", logging.INFO, __file__, 1, msg, args, None)


@pytest.mark.parametrize(
    ("message", "args", "expected"),
    [
        ("Sent to %s", ("maria.lopez+tax@example.org",), "Sent to [email]"),
        ("SMS to %s failed", ("+1 (555) 010-0199",), "SMS to [phone] failed"),
        (
            "Case %s assigned to user %s",
            ("LIC-2026-000042", 17),
            "Case LIC-2026-000042 assigned to user 17",
        ),
    ],
)
def test_redact_pii_filter_masks_addresses_and_phone_numbers(message, args, expected):
    # given
    record = _record(message, *args)

    # when
    kept = RedactPIIFilter().filter(record)

    # then
    assert kept is True
    assert record.getMessage() == expected


def test_the_console_handler_carries_the_redaction_filter(settings):
    assert "redact_pii" in settings.LOGGING["handlers"]["console"]["filters"]


@pytest.mark.parametrize(
    "phone", ["555-010-0199", "(555) 010 0199", "+15550100199", "+34 612345678"]
)
def test_phone_numbers_in_common_spellings_are_masked(phone):
    record = _record("Texted %s", phone)

    RedactPIIFilter().filter(record)

    assert record.getMessage() == "Texted [phone]"
