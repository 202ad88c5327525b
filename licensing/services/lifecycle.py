"""Expiry and lapse: the daily move of licenses whose dates have passed.

Set-based: one statement per rule, whatever the number of licenses, and nothing is read into
Python. Each statement changes only rows still in the old status, so a second run the same
day (or two workers at once) changes nothing, and a run missed yesterday is caught up today.
Every change also writes the license's timeline entry in the same statement.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db import connection, transaction

from licensing.fees import agency_today

logger = logging.getLogger(__name__)

# A license is expired from its expiry date (the agency's date): issued for a term ending on
# 1 March, it is no longer valid on 1 March.
_EXPIRE_SQL = """
WITH changed AS (
    UPDATE licensing_license
       SET status = 'expired', updated_at = statement_timestamp()
     WHERE status = 'active'
       AND expires_on <= %(today)s
 RETURNING id, expires_on
), logged AS (
    INSERT INTO licensing_licenseevent (license_id, kind, expires_on, offset_days, created_at)
    SELECT id, 'expired', expires_on, NULL, statement_timestamp()
      FROM changed
        ON CONFLICT DO NOTHING
)
SELECT count(*) FROM changed
"""

# Lapsed once the grace period is over: the last day to renew is expiry + grace days.
_LAPSE_SQL = """
WITH changed AS (
    UPDATE licensing_license AS l
       SET status = 'lapsed', updated_at = statement_timestamp()
      FROM licensing_licensetype AS t
     WHERE t.id = l.license_type_id
       AND l.status = 'expired'
       AND l.expires_on + t.grace_days < %(today)s
 RETURNING l.id, l.expires_on
), logged AS (
    INSERT INTO licensing_licenseevent (license_id, kind, expires_on, offset_days, created_at)
    SELECT id, 'lapsed', expires_on, NULL, statement_timestamp()
      FROM changed
        ON CONFLICT DO NOTHING
)
SELECT count(*) FROM changed
"""


@dataclass(frozen=True)
class LifecycleOutcome:
    expired: int
    lapsed: int


def licenses_expire(*, today: datetime.date | None = None) -> LifecycleOutcome:
    """Expire active licenses whose expiry date has come, and lapse expired ones whose grace
    period is over, as of `today` (the agency's date by default). Returns how many of each.

    Expiry runs before lapse, so a license missed for longer than its grace period goes from
    active to lapsed in one run, with both entries on its timeline.
    """
    today = today or agency_today()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_EXPIRE_SQL, {"today": today})
        expired = cursor.fetchone()[0]
        cursor.execute(_LAPSE_SQL, {"today": today})
        lapsed = cursor.fetchone()[0]
    logger.info("Licenses on %s: %s expired, %s lapsed", today, expired, lapsed)
    return LifecycleOutcome(expired=expired, lapsed=lapsed)
