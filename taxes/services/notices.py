"""Messages about bills that must not be lost: paper notices for undelivered ones, and the
notice that a bill is published.

A tax reminder or bill notice that bounces (or that the dispatcher gives up on) is flagged
for staff, who mail a paper notice to the owner's mailing address and mark it mailed; both
steps show on the bill's timeline.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from notifications.services import (
    bulk_enqueue_params,
    bulk_enqueue_sql,
    notifications_withdraw,
)
from notifications.services.outbox import schedule_dispatch
from taxes.exceptions import NoticeRefused
from taxes.models import BillEvent, BillEventKind, Instalment, PaperNotice, TaxBill
from taxes.staff_permissions import require_tax_staff

TEMPLATE_PREFIX = "taxes/"
PUBLISHED_TEMPLATE = "taxes/bill_published"


def paper_notice_flag(
    *,
    notification_id: int,
    template_key: str,
    channel: str,
    to_address: str,
    context: dict,
    reason: str,
) -> PaperNotice | None:
    """Flag the bill of an undelivered taxes message for a paper notice, once per message.

    Messages of other services, and in-app messages (the inbox cannot bounce), are not
    flagged: returns None. Runs in the caller's transaction.
    """
    if not template_key.startswith(TEMPLATE_PREFIX) or channel == "in_app":
        return None
    bill_id = context.get("bill_id")
    if not isinstance(bill_id, int) or not TaxBill.objects.filter(pk=bill_id).exists():
        return None
    due_date = context.get("due_date")
    notice, created = PaperNotice.objects.get_or_create(
        notification_id=notification_id,
        defaults={
            "bill_id": bill_id,
            "channel": channel,
            "address": to_address[:254],
            "reason": reason[:255],
            "instalment_sequence": context.get("sequence"),
            "due_date": datetime.date.fromisoformat(due_date) if due_date else None,
        },
    )
    if created:
        BillEvent.objects.get_or_create(
            bill_id=bill_id,
            key=f"bounced:{notification_id}",
            defaults={
                "kind": BillEventKind.BOUNCED,
                "data": {"channel": channel, "sequence": context.get("sequence")},
            },
        )
    return notice


def paper_notice_mark_mailed(*, notice_id: int, actor) -> PaperNotice:
    """Record that staff mailed the paper notice, on the notice and the bill's timeline.

    Raises PermissionDenied for anyone but the tax collector's staff who may change a bill's
    record (`taxes.staff_permissions`, MOVE), NoticeRefused if it was marked already (two
    clerks at once: the second is told).
    """
    require_tax_staff(actor, permissions.MOVE)
    with transaction.atomic():
        notice = PaperNotice.objects.select_for_update().filter(pk=notice_id).first()
        if notice is None:
            raise NoticeRefused(_("There is no such paper notice."))
        if notice.mailed_at is not None:
            raise NoticeRefused(_("This paper notice was marked mailed already."))
        notice.mailed_at = timezone.now()
        notice.mailed_by = actor
        notice.save(update_fields=["mailed_at", "mailed_by", "updated_at"])
        BillEvent.objects.get_or_create(
            bill_id=notice.bill_id,
            key=f"paper_notice:{notice.pk}",
            defaults={
                "kind": BillEventKind.PAPER_NOTICE,
                "data": {"sequence": notice.instalment_sequence},
            },
        )
    return notice


_URL_MARKER = "BILLNUMBERMARKER"

# The bills an import created for parcels enrolled in paperless bills, their linking
# residents and the other recipients they named who confirmed their address: one message
# each, once (the dedupe key), and "Bill published" on each bill's timeline.
_PUBLISHED_SQL = """
WITH bills AS MATERIALIZED (
    SELECT b.id AS bill_id, l.id AS link_id, l.user_id,
           jsonb_build_object(
               'bill_id', b.id, 'bill_number', b.number, 'tax_year', b.tax_year,
               'parcel_number', p.number, 'address', p.situs_address,
               'total_cents', (SELECT COALESCE(sum(i.amount_cents + i.adjustment_cents), 0)
                                 FROM taxes_instalment AS i WHERE i.bill_id = b.id),
               'first_due_date', (SELECT to_char(min(i.due_date), 'YYYY-MM-DD')
                                    FROM taxes_instalment AS i WHERE i.bill_id = b.id)
           ) AS context,
           replace(%(url)s, %(marker)s, b.number) AS link_url
      FROM taxes_parcellink AS l
      JOIN taxes_parcel AS p ON p.id = l.parcel_id
      JOIN taxes_taxbill AS b ON b.parcel_id = l.parcel_id
     WHERE l.paperless_since IS NOT NULL
       AND b.id = ANY(%(bill_ids)s)
),
recipients AS (
    SELECT user_id AS account_id, ''::text AS guest_email, ''::text AS guest_phone,
           ''::text AS guest_language, context, link_url,
           'taxes:published:' || bill_id || ':link:' || link_id AS key,
           statement_timestamp() AS available_at
      FROM bills
    UNION ALL
    SELECT (SELECT e.user_id FROM account_emailaddress AS e
             WHERE e.email = r.email AND e.verified AND e.user_id <> bills.user_id
             ORDER BY e.id LIMIT 1),
           r.email, '', o.preferred_language,
           bills.context || jsonb_build_object('recipient_id', r.id), bills.link_url,
           'taxes:published:' || bills.bill_id || ':recipient:' || r.id,
           statement_timestamp()
      FROM bills
      JOIN taxes_billrecipient AS r
        ON r.link_id = bills.link_id AND r.confirmed_at IS NOT NULL
      JOIN accounts_user AS o ON o.id = bills.user_id
),
queued AS (
{enqueue}
),
recorded AS (
    INSERT INTO taxes_billevent (bill_id, kind, key, data, created_at)
    SELECT DISTINCT bill_id, 'published', 'published', '{{}}'::jsonb, statement_timestamp()
      FROM bills
        ON CONFLICT (bill_id, key) DO NOTHING
    RETURNING 1
)
SELECT (SELECT count(*) FROM queued), (SELECT count(*) FROM recorded)
"""


def bills_published_notify(*, bill_ids: list[int]) -> int:
    """Tell the paperless owners of `bill_ids` (and the others they named) that the bill is
    published, in one statement, in the caller's transaction. Safe to call again: nobody is
    told twice. Returns how many messages were queued."""
    if not bill_ids:
        return 0
    url = settings.SITE_URL + reverse("taxes:my_bill", kwargs={"number": _URL_MARKER})
    params = {
        **bulk_enqueue_params(template_key=PUBLISHED_TEMPLATE, channels=["email", "sms", "in_app"]),
        "bill_ids": list(bill_ids),
        "url": url,
        "marker": _URL_MARKER,
    }
    statement = _PUBLISHED_SQL.format(enqueue=bulk_enqueue_sql(recipients="recipients"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        queued, _recorded = cursor.fetchone()
        if queued:
            schedule_dispatch()
    return queued


def roll_bills_published_notify(*, roll_import_id: int) -> int:
    """Tell the paperless owners of the bills the roll import `roll_import_id` created."""
    bill_ids = list(
        TaxBill.objects.filter(
            roll_import_id=roll_import_id, parcel__links__paperless_since__isnull=False
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    return bills_published_notify(bill_ids=bill_ids)


def paid_reminders_withdraw(*, bill_id: int) -> int:
    """Withdraw the tax-due reminders still waiting to be sent for the bill's instalments
    that are paid now: a reminder queued in the night for its morning send-time is not sent
    after a payment in between. Returns how many messages were withdrawn."""
    from taxes.reminders import TEMPLATE_KEY

    paid = Instalment.objects.filter(
        bill_id=bill_id,
        amount_cents__lte=F("principal_paid_cents") + F("discount_cents") - F("adjustment_cents"),
    ).values_list("pk", flat=True)
    return notifications_withdraw(
        template_key=TEMPLATE_KEY, context_key="instalment_id", values=list(paid)
    )
