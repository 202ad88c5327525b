"""What a renewal costs on a given day, in the agency's calendar.

The window opens `renewal_window_days` before expiry. Up to the day before expiry the renewal
fee alone is due; from the expiry date to the last day of the grace period the late fee is
added; after that the license can no longer be renewed (it lapses and a new application is
needed). "Today" is always the agency's local date (settings.TIME_ZONE), never the server's
or UTC: a holder paying at 11 p.m. on the eve of expiry pays on time.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from licensing.exceptions import RenewalNotOpen
from licensing.models import License, LicenseStatus
from licensing.terms import grace_ends_on, renewal_opens_on

RENEWABLE_STATUSES = (LicenseStatus.ACTIVE, LicenseStatus.EXPIRED, LicenseStatus.SUSPENDED)


@dataclass(frozen=True)
class RenewalFee:
    renewal_cents: int
    late_cents: int
    # The last agency day this amount holds: the eve of expiry on time, the grace end if late.
    valid_until: datetime.date

    @property
    def total_cents(self) -> int:
        return self.renewal_cents + self.late_cents

    @property
    def late(self) -> bool:
        return self.late_cents > 0


def agency_today(now: datetime.datetime | None = None) -> datetime.date:
    """The agency's calendar date at `now` (default: this instant)."""
    return timezone.localdate(now)


def renewal_fee(*, license: License, today: datetime.date | None = None) -> RenewalFee:
    """The fee to renew `license` on `today` (the agency's date by default).

    Raises RenewalNotOpen, with a message for the holder, before the window opens, after the
    grace period, or for a license that cannot be renewed (revoked, lapsed).
    """
    today = today or agency_today()
    license_type = license.license_type
    if license.status not in RENEWABLE_STATUSES:
        raise RenewalNotOpen(
            _("A %(status)s license cannot be renewed. Apply for a new license instead.")
            % {"status": license.get_status_display().lower()}
        )
    opens = renewal_opens_on(
        expires_on=license.expires_on, window_days=license_type.renewal_window_days
    )
    closes = grace_ends_on(expires_on=license.expires_on, grace_days=license_type.grace_days)
    if today < opens:
        raise RenewalNotOpen(
            _("Renewal opens on %(date)s, %(days)s days before your license expires.")
            % {"date": opens.isoformat(), "days": license_type.renewal_window_days}
        )
    if today > closes:
        raise RenewalNotOpen(
            _("The grace period to renew ended on %(date)s. Apply for a new license instead.")
            % {"date": closes.isoformat()}
        )
    if today < license.expires_on:
        return RenewalFee(
            renewal_cents=license_type.renewal_fee_cents,
            late_cents=0,
            valid_until=license.expires_on - datetime.timedelta(days=1),
        )
    return RenewalFee(
        renewal_cents=license_type.renewal_fee_cents,
        late_cents=license_type.late_fee_cents,
        valid_until=closes,
    )


def end_of_agency_day(day: datetime.date) -> datetime.datetime:
    """The first instant after `day` in the agency's time zone (an aware datetime)."""
    start = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    return timezone.make_aware(start, timezone.get_default_timezone())
