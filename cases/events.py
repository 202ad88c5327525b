"""Kinds of timeline event: what each records, who may read it, and how it reads.

The engine writes eight kinds itself on every case (`CORE_EVENT_KINDS`: submission, status
change, assignment, internal note, message, reply, document, escalation). A workflow declares
any other kind it records in its `event_kinds` (a payment, a reminder, an inspection result, a
public update), usually by reusing one of the standard kinds below. The database accepts an event
only if its case's workflow declares its kind for its audience (the `DeclaredEventKind`
table, kept in step with these declarations; see cases/declarations.py).

An event stores facts, not sentences: its `payload` holds who, what, reason, dates and
amounts, and `EventKind.text` turns them into words when the event is shown, in the reader's
language. A webhook processed in English therefore never puts English into a Spanish
resident's timeline. `body` holds only what a person wrote (a public note, a message), shown
as written, and the text of events written before payloads existed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import formats
from django.utils.dateparse import parse_date
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

STAFF = "staff"
PARTICIPANTS = "participants"
PUBLIC = "public"
ALL_AUDIENCES = frozenset({STAFF, PARTICIPANTS, PUBLIC})
PRIVATE_AUDIENCES = frozenset({STAFF, PARTICIPANTS})


@dataclass(frozen=True)
class EventKind:
    """One kind of timeline entry.

    `audiences` are the readers an entry of this kind may have (the database refuses any
    other). `text` says what happened, rendered when shown: either a translatable template
    whose ``{placeholders}`` are filled from the event's payload (``_("Fee of {amount}
    paid.")``), or a callable taking the payload and returning the words (for dates and
    amounts that need formatting). `recordable` lets a service write it with
    `cases.services.case_record_event`; the engine's own kinds have their own services.
    """

    label: str | Promise
    audiences: frozenset[str] = ALL_AUDIENCES
    text: str | Promise | Callable[[Mapping], str] | None = None
    recordable: bool = True

    def __post_init__(self):
        object.__setattr__(self, "audiences", frozenset(self.audiences))

    def render(self, payload: Mapping | None) -> str:
        """The words for an event with `payload`, in the active language ("" if none)."""
        if self.text is None or not payload:
            return ""
        if callable(self.text) and not isinstance(self.text, (str, Promise)):
            return str(self.text(payload))
        try:
            return str(self.text).format_map(display_values(payload))
        except (KeyError, IndexError, ValueError):
            return ""


def display_values(payload: Mapping) -> dict[str, str]:
    """Every payload value as the reader should see it, plus ``amount`` from ``amount_cents``."""
    values = {key: display_value(key, value) for key, value in payload.items()}
    if "amount_cents" in payload:
        values["amount"] = money(payload["amount_cents"])
    return values


def display_value(key: str, value) -> str:
    """A payload value as the reader should see it: amounts in dollars, dates localised.

    Keys ending in ``date`` or ``_on`` hold ISO dates, shown in the active language's date
    format; everything else is shown as it is.
    """
    if value is None:
        return ""
    if key.endswith("date") or key.endswith("_on"):
        parsed = value if isinstance(value, datetime.date) else parse_date(str(value))
        if parsed is not None:
            return formats.date_format(parsed, "DATE_FORMAT")
    return str(value)


def money(cents) -> str:
    """Integer cents as the portal shows amounts: ``$1,234.50``."""
    try:
        amount = Decimal(int(cents)) / 100
    except (TypeError, ValueError, InvalidOperation):
        return ""
    return "$" + formats.number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)


# --- The engine's own kinds, on every case ----------------------------------------------------

SUBMITTED = "submitted"
STATUS_CHANGED = "status_changed"
ASSIGNED = "assigned"
NOTE = "note"
MESSAGE = "message"
REPLY = "reply"
DOCUMENT_ADDED = "document_added"
ESCALATED = "escalated"


def _escalated_text(payload) -> str:
    from django.utils.translation import gettext

    values = {"date": display_value("due_date", payload.get("due_date"))}
    if payload.get("supervisors"):
        values["names"] = payload["supervisors"]
        return gettext("Overdue since %(date)s: told %(names)s.") % values
    return gettext("Overdue since %(date)s: no supervisor to tell.") % values


CORE_EVENT_KINDS: dict[str, EventKind] = {
    SUBMITTED: EventKind(label=pgettext_lazy("timeline event", "Submitted"), recordable=False),
    STATUS_CHANGED: EventKind(label=_("Status changed"), recordable=False),
    ASSIGNED: EventKind(label=_("Assigned"), audiences={STAFF}, recordable=False),
    NOTE: EventKind(label=_("Internal note"), audiences={STAFF}),
    MESSAGE: EventKind(label=_("Message from staff"), audiences={PARTICIPANTS}, recordable=False),
    REPLY: EventKind(
        label=_("Reply from the resident"), audiences={PARTICIPANTS}, recordable=False
    ),
    DOCUMENT_ADDED: EventKind(
        label=_("Document added"), audiences=PRIVATE_AUDIENCES, recordable=False
    ),
    # The case went past a due date and its department's supervisors were told
    # (cases/escalations.py; payload: due_date, status, supervisors).
    ESCALATED: EventKind(
        label=_("Escalated"), audiences={STAFF}, text=_escalated_text, recordable=False
    ),
}


# --- Standard kinds a workflow may declare ----------------------------------------------------

PAYMENT = "payment"
REMINDER_SENT = "reminder_sent"
UPDATE = "update"


def _payment_text(payload) -> str:
    """A payment says how much was paid (payload: amount_cents, and whatever else the service
    keeps, such as the invoice or which fee)."""
    from django.utils.translation import gettext

    amount = money(payload.get("amount_cents")) if "amount_cents" in payload else ""
    if not amount:
        return gettext("Payment received.")
    return gettext("Paid %(amount)s.") % {"amount": amount}


# A fee paid, refunded or waived: personal, never public. Its text says what was paid; a
# workflow recording refunds or waivers under it declares its own kind with its own words.
PAYMENT_KIND = EventKind(label=_("Payment"), audiences=PRIVATE_AUDIENCES, text=_payment_text)
# A reminder sent to the resident: theirs and staff's.
REMINDER_SENT_KIND = EventKind(label=_("Reminder sent"), audiences=PRIVATE_AUDIENCES)
# Anything else a service records; public only in a workflow whose history is published.
UPDATE_KIND = EventKind(label=_("Update"))
