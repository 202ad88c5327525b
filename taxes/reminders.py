"""Taxes' reminder source: the instalments of linked parcels, by their due date.

The rules that use it (14 and 3 days before each due date, and on the day, by default: see
the data migration) are notifications' `ReminderRule`s; the engine queues the messages in one
statement per rule and this source's `record` writes each reminder on the bill's timeline.

Who is told: every resident who linked the parcel (by their preferences, in their language)
and every other recipient they named (`BillRecipient`) once that recipient confirmed
their address (`confirmed_at`; never before): an address of a verified account
is told as that account, any other address by e-mail in the linking resident's language.
One source row per person and instalment, so each has their own dedupe key: the row id is
``8 * link id + (sequence - 1)`` for the resident, ``8 * recipient id + 4 + (sequence - 1)``
for another recipient (at most four instalments a bill).

Never for an instalment already paid: the rule's statement reads the instalment's paid
principal when it runs, so a payment applied a minute before the run is seen; and a
reminder queued for its send-time that an online payment overtakes is withdrawn
(`taxes.services.notices.paid_reminders_withdraw`, from the payment's receiver). Escrowed bills
are left out: their lender pays them, and a reminder would invite the duplicate payment the
escrow warning is there to stop.
"""

from django.utils.translation import gettext_lazy as _

from notifications.reminders import ReminderSource

SOURCE_KEY = "taxes.instalment_due"
TEMPLATE_KEY = "taxes/instalment_reminder"

# The rows of both kinds of recipient. The engine's window on `t.due_date` is pushed into
# each branch, where the instalments' due dates are read.
_ROWS = """
(
    SELECT l.id * 8 + (i.sequence - 1) AS row_id,
           l.user_id AS account_id,
           ''::text AS guest_email,
           ''::text AS guest_language,
           NULL::bigint AS recipient_id,
           i.id AS instalment_id, i.sequence, i.due_date,
           i.amount_cents + i.adjustment_cents - i.principal_paid_cents - i.discount_cents
               AS owed_cents,
           b.id AS bill_id, b.number AS bill_number, b.escrow_lender,
           p.number AS parcel_number, p.situs_address
      FROM taxes_parcellink AS l
      JOIN taxes_parcel AS p ON p.id = l.parcel_id
      JOIN taxes_taxbill AS b ON b.parcel_id = l.parcel_id
      JOIN taxes_instalment AS i ON i.bill_id = b.id
    UNION ALL
    SELECT r.id * 8 + 4 + (i.sequence - 1),
           (SELECT e.user_id FROM account_emailaddress AS e
             WHERE e.email = r.email AND e.verified AND e.user_id <> l.user_id
             ORDER BY e.id LIMIT 1),
           r.email,
           o.preferred_language,
           r.id,
           i.id, i.sequence, i.due_date,
           i.amount_cents + i.adjustment_cents - i.principal_paid_cents - i.discount_cents,
           b.id, b.number, b.escrow_lender,
           p.number, p.situs_address
      FROM taxes_billrecipient AS r
      JOIN taxes_parcellink AS l ON l.id = r.link_id
      JOIN accounts_user AS o ON o.id = l.user_id
      JOIN taxes_parcel AS p ON p.id = l.parcel_id
      JOIN taxes_taxbill AS b ON b.parcel_id = l.parcel_id
      JOIN taxes_instalment AS i ON i.bill_id = b.id
     WHERE r.confirmed_at IS NOT NULL
) AS t
"""

# The bill's timeline: one entry per instalment and reminder day, however many people were
# told. The bill, instalment and sequence come from the messages' context (`queued_rows`),
# as the rule's statement read them a moment before, so the entry reads no table again.
_RECORD = """
INSERT INTO taxes_billevent (bill_id, kind, key, data, created_at)
SELECT DISTINCT (q.context ->> 'bill_id')::bigint, 'reminder',
       'reminder:' || (q.context ->> 'instalment_id') || ':' || to_char(q.due_on, 'YYYY-MM-DD'),
       jsonb_build_object('sequence', (q.context ->> 'sequence')::integer,
                          'due_date', to_char(q.on_date, 'YYYY-MM-DD'),
                          'days_before', -%(offset)s::integer),
       statement_timestamp()
  FROM queued_rows AS q
    ON CONFLICT (bill_id, key) DO NOTHING
RETURNING 1
"""

INSTALMENT_DUE = ReminderSource(
    key=SOURCE_KEY,
    label=_("Tax instalments of linked parcels, by due date"),
    from_sql=_ROWS,
    row_id="t.row_id",
    date="t.due_date",
    where="t.owed_cents > 0 AND t.escrow_lender = ''",
    account="t.account_id",
    guest_email="t.guest_email",
    guest_language="t.guest_language",
    context={
        "bill_id": "t.bill_id",
        "instalment_id": "t.instalment_id",
        "bill_number": "t.bill_number",
        "parcel_number": "t.parcel_number",
        "address": "t.situs_address",
        "sequence": "t.sequence",
        "due_date": "to_char(t.due_date, 'YYYY-MM-DD')",
        "owed_cents": "t.owed_cents",
        # Another recipient's messages carry the link that removes them (taxes_recipients).
        "recipient_id": "t.recipient_id",
    },
    # Linked residents see the bill at once; anyone else is asked the bill's second factor.
    link=("taxes:my_bill", {"number": "t.bill_number"}),
    link_for_guests=True,
    record=_RECORD,
)
