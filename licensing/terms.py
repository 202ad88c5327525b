"""Dates of a license's life: expiry from the term, the renewal window and the grace period.

All dates are the agency's calendar dates (settings.TIME_ZONE): a license issued on 1 March
with a 12-month term expires on 1 March of the next year, and is expired from that day.
"""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta


def expiry_date(*, issued_on: datetime.date, term_months: int) -> datetime.date:
    """The day the license stops being valid: `term_months` after `issued_on`.

    A month-end issue keeps to the end of shorter months (31 January + 1 month = 28/29
    February), as relativedelta does.
    """
    return issued_on + relativedelta(months=term_months)


def renewal_opens_on(*, expires_on: datetime.date, window_days: int) -> datetime.date:
    return expires_on - datetime.timedelta(days=window_days)


def grace_ends_on(*, expires_on: datetime.date, grace_days: int) -> datetime.date:
    """The last day a renewal is still accepted (with the late fee)."""
    return expires_on + datetime.timedelta(days=grace_days)
