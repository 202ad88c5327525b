"""Licensing's reminder source: active licenses by their expiry date.

The reminder rules that use it (90, 60, 30 and 7 days before expiry by default) are data in
notifications' `ReminderRule`, narrowed to license types by their `scope`; the engine
(`notifications.services.reminders_run`) queues the messages and this source's `record`
writes the reminder entry of the license's own timeline.

A license without an account gets the e-mail with a signed, expiring link that opens its
renewal without signing in; the link is signed when the message is rendered
(`licensing.services.renewal_links`), so the queued row holds no credential.
"""

from django.utils.translation import gettext_lazy as _

from notifications.reminders import ReminderSource

SOURCE_KEY = "licensing.license_expiry"
TEMPLATE_KEY = "licensing/renewal_reminder"

LICENSE_EXPIRY = ReminderSource(
    key=SOURCE_KEY,
    label=_("Licenses, by expiry date"),
    from_sql="licensing_license AS l JOIN licensing_licensetype AS t ON t.id = l.license_type_id",
    row_id="l.id",
    date="l.expires_on",
    # Active licenses not expired yet, and not renewed and paid already while the renewal
    # waits for the clerk: no reminder to renew those.
    where="""
        l.status = 'active'
        AND l.expires_on > %(today)s
        AND NOT EXISTS (
                SELECT 1
                  FROM licensing_application AS a
                  JOIN cases_case AS c ON c.id = a.case_id
                 WHERE a.renews_id = l.id
                   AND a.paid_at IS NOT NULL
                   AND c.status IN ('submitted', 'in_review', 'awaiting_info'))
    """,
    account="l.holder_id",
    guest_email="l.holder_email",
    context={
        "license_id": "l.id",
        "license_number": "l.number",
        "license_type": "t.name",
        "holder_name": "l.holder_name",
        "expires_on": "to_char(l.expires_on, 'YYYY-MM-DD')",
        "guest": "l.holder_id IS NULL",
    },
    link=("licensing:license", {"number": "l.number"}),
    scope="l.license_type_id",
    scope_model="licensing.LicenseType",
    # The license page says "Renewal reminder sent, N days before expiry on …".
    record="""
        INSERT INTO licensing_licenseevent (license_id, kind, expires_on, offset_days, created_at)
        SELECT object_id, 'reminder', on_date, %(days)s, statement_timestamp()
          FROM queued_rows
            ON CONFLICT DO NOTHING
        RETURNING 1
    """,
)
