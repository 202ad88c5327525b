"""Stripe webhook events: stored by id, then applied once.

The view verifies the signature, then calls `webhook_event_receive`. A redelivery of an
event already applied is answered from its stored row (one indexed read: no transaction, no
lock). A new event is stored and applied in one transaction: the INSERT of its row claims
its id (a concurrent delivery of the same event waits for that transaction, then finds the
row applied), and applying it (locking the invoice, then the payment) runs in a savepoint,
so if applying fails the event is still kept as `received` and the next delivery applies it;
a process killed half way commits nothing, and Stripe delivers the event again.
`webhook_event_record` and `webhook_event_apply` do the same in two steps. An event is
applied only while its row says `received` (or `waiting`), so redeliveries, even concurrent
ones, change nothing; events out of order are safe because
every handler only moves a payment forward from the state it expects (an `expired` after a
`completed` finds a settled payment and does nothing).

A refund (`charge.refunded`) can arrive before the checkout it refunds has been reported: it
names only the payment intent, which the portal learns when the payment settles. Such an
event is kept as `waiting` and applied as soon as a payment with that intent is settled,
whichever way (`webhook_events_apply_waiting`, scheduled by `settle_locked` after commit; a
periodic run catches up on any missed). One still waiting after
PAYMENTS_WEBHOOK_GRACE_MINUTES is listed in the reconciliation report.

Since API version 2022-11-15 a charge in a `charge.refunded` event no longer embeds its
refunds: the portal asks Stripe for them (`Gateway.refunds_of`) before it opens a transaction
or takes a lock, then locks and reconciles with what Stripe listed. If Stripe cannot be
reached, nothing is applied: a new event is kept as `received` and the webhook answers 503, so
Stripe delivers it again; a waiting one keeps waiting for the next periodic run.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from payments.gateways import GatewayError, ProviderRefund, get_gateway
from payments.gateways.stripe import state_from_session
from payments.models import (
    GatewayIntent,
    IntentStatus,
    Invoice,
    Payment,
    PaymentGateway,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundOrigin,
    RefundStatus,
    SettlementSource,
    StripeEvent,
    StripeEventStatus,
)
from payments.services._locks import lock_invoice, lock_payment
from payments.services.attempts import SettleOutcome, settle_locked
from payments.services.intents import REFUND_UNANSWERED
from payments.services.refunds import refund_apply_locked

logger = logging.getLogger("payments")

COMPLETED = "checkout.session.completed"
ASYNC_SUCCEEDED = "checkout.session.async_payment_succeeded"
ASYNC_FAILED = "checkout.session.async_payment_failed"
EXPIRED = "checkout.session.expired"
CHARGE_REFUNDED = "charge.refunded"


def _checked(payload: dict) -> tuple[str, str]:
    """The event's (id, type) as stored; ValueError if `payload` is not a Stripe event."""
    event_id, event_type = payload.get("id"), payload.get("type")
    data = payload.get("data")
    if not (isinstance(event_id, str) and event_id and isinstance(event_type, str)):
        raise ValueError("Not a Stripe event: no id or type.")
    if not (isinstance(data, dict) and isinstance(data.get("object"), dict)):
        raise ValueError("Not a Stripe event: no data object.")
    return event_id[:255], event_type[:100]


def webhook_event_record(*, payload: dict) -> tuple[StripeEvent, bool]:
    """Store a verified event by its id; return (event, created).

    A redelivered event returns the stored row untouched. Raises ValueError if the payload
    is not a Stripe event (no id or type, or no data object).
    """
    event_id, event_type = _checked(payload)
    # No transaction around it: a repeat (half of Stripe's deliveries can be) is one indexed
    # read; a new event one INSERT in its own short transaction.
    return StripeEvent.objects.get_or_create(
        event_id=event_id,
        defaults={
            "type": event_type,
            "livemode": bool(payload.get("livemode")),
            "payload": payload,
        },
    )


def _stored(event_id: str) -> StripeEvent | None:
    # Without the payload: a repeat needs only the outcome, and the payload is the row's bulk.
    return StripeEvent.objects.defer("payload").filter(event_id=event_id).first()


# The INSERT that claims a new event's id; nothing (and no error) if a row has it already.
_INSERT_SQL = """
INSERT INTO payments_stripeevent (event_id, type, livemode, payload, status, detail,
                                  received_at)
VALUES (%s, %s, %s, %s::jsonb, %s, '', %s)
ON CONFLICT (event_id) DO NOTHING
RETURNING id
"""


def _store_and_apply(
    payload: dict, event_id: str, event_type: str, looked_up: _ChargeRefunds | None
) -> StripeEvent | None:
    """Store and apply a new event in one transaction; None if it was stored already.

    An event whose look-up at Stripe failed (`looked_up`) is stored, not applied."""
    event = StripeEvent(
        event_id=event_id,
        type=event_type,
        livemode=bool(payload.get("livemode")),
        payload=payload,
        received_at=timezone.now(),
    )
    failure = None
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                _INSERT_SQL,
                [
                    event.event_id,
                    event.type,
                    event.livemode,
                    json.dumps(payload),
                    event.status,
                    event.received_at,
                ],
            )
            inserted = cursor.fetchone()
        if inserted is None:
            return None
        event.pk = inserted[0]
        event._state.adding = False
        if looked_up is not None and looked_up.failure:
            _not_looked_up(event, looked_up)
            return event
        try:
            # A savepoint: if applying fails, the event is still kept, as `received`.
            with transaction.atomic():
                _apply_locked(event, looked_up)
        except Exception as error:
            failure = error
    if failure is not None:
        raise failure
    return event


def webhook_event_receive(*, payload: dict) -> StripeEvent:
    """Store a verified event by its id and apply it once; return it with its outcome in
    `status` and `detail` (see `webhook_event_apply`).

    A redelivery of an event already applied costs one indexed read; a new event is stored
    and applied in one transaction (see the module). Raises ValueError if the payload is not
    a Stripe event (no id or type, or no data object), and whatever applying it raised (the
    event is then kept as `received`).
    """
    event_id, event_type = _checked(payload)
    stored = _stored(event_id)
    if stored is None:
        # Asked before the transaction: Stripe's answer is awaited holding no lock.
        looked_up = _look_up(event_type, payload)
        event = _store_and_apply(payload, event_id, event_type, looked_up)
        if event is not None:
            return _after_applying(event)
        # Another delivery of the same event stored it first (and has committed).
        stored = _stored(event_id)
    return webhook_event_apply(event_id=event_id, stored=stored)


def _outcome(event: StripeEvent, status: str, detail: str, *, invoice=None, payment=None) -> None:
    event.status = status
    event.detail = detail[:255]
    if invoice is not None:
        event.invoice = invoice
    if payment is not None:
        event.payment = payment
        event.invoice_id = payment.invoice_id


def _lock_session_payment(session: dict) -> tuple[Invoice, Payment] | None:
    """Lock the invoice, then the attempt, of a Checkout Session (one query each); None if
    no attempt has the session or its metadata names another invoice."""
    session_id = session.get("id")
    if not isinstance(session_id, str) or not session_id:
        return None
    invoice = (
        Invoice.objects.select_related("payer")
        .select_for_update(of=("self",), no_key=True)
        .filter(
            pk__in=Payment.objects.filter(
                gateway=PaymentGateway.STRIPE, provider_reference=session_id
            ).values("invoice_id")[:1]
        )
        .first()
    )
    if invoice is None:
        return None
    payment = (
        Payment.objects.select_for_update(no_key=True)
        .filter(invoice_id=invoice.pk, gateway=PaymentGateway.STRIPE, provider_reference=session_id)
        .first()
    )
    if payment is None:
        return None
    metadata = session.get("metadata") or {}
    claimed = metadata.get("invoice_id") if isinstance(metadata, dict) else None
    if claimed is not None and str(claimed) != str(payment.invoice_id):
        return None
    return invoice, payment


def _apply_checkout(event: StripeEvent) -> None:
    session = event.payload["data"]["object"]
    locked = _lock_session_payment(session)
    if locked is None:
        _outcome(event, StripeEventStatus.UNMATCHED, "No invoice of this portal has this checkout.")
        return
    invoice, payment = locked
    state = state_from_session(session)

    if event.type in (COMPLETED, ASYNC_SUCCEEDED):
        if not state.paid:
            _outcome(
                event,
                StripeEventStatus.APPLIED,
                "Checkout complete; the payment is not confirmed yet.",
                payment=payment,
            )
            return
        outcome = settle_locked(
            invoice,
            payment,
            amount_cents=state.amount_cents,
            currency=state.currency,
            source=SettlementSource.WEBHOOK,
            provider_payment_id=state.provider_payment_id,
            method=PaymentMethod.CARD,
        )
        if outcome == SettleOutcome.FLAGGED:
            _outcome(
                event,
                StripeEventStatus.FLAGGED,
                f"Not applied: {payment.get_review_reason_display()}.",
                payment=payment,
            )
        else:
            detail = "Invoice paid." if outcome == SettleOutcome.SETTLED else "Already applied."
            _outcome(event, StripeEventStatus.APPLIED, detail, payment=payment)
        return

    if payment.status != PaymentStatus.PENDING:
        _outcome(
            event,
            StripeEventStatus.APPLIED,
            f"Nothing to do: the payment is already {payment.status}.",
            payment=payment,
        )
        return
    if event.type == ASYNC_FAILED:
        payment.status, payment.failure_reason = PaymentStatus.FAILED, "Payment failed at Stripe"
    else:
        payment.status, payment.failure_reason = PaymentStatus.EXPIRED, "Checkout expired"
    payment.save(update_fields=["status", "failure_reason", "updated_at"])
    _outcome(event, StripeEventStatus.APPLIED, f"Attempt {payment.status}.", payment=payment)


def _payment_intent_of(event: StripeEvent) -> str:
    payment_intent = event.payload["data"]["object"].get("payment_intent")
    return payment_intent if isinstance(payment_intent, str) else ""


def _payment_with_intent(payment_intent: str) -> Payment | None:
    """The settled (or flagged) Stripe payment of `payment_intent`, if any."""
    if not payment_intent:
        return None
    return Payment.objects.filter(
        gateway=PaymentGateway.STRIPE, provider_payment_id=payment_intent
    ).first()


def _payment_for_charge(event: StripeEvent) -> Payment | None:
    """The settled (or flagged) payment a charge event is about, by its payment intent."""
    return _payment_with_intent(_payment_intent_of(event))


@dataclass(frozen=True)
class _ChargeRefunds:
    """What Stripe listed, before any lock, as the refunds of a charge's payment.

    `payment_id`: the payment they were asked for (None: no payment had the charge's intent
    then, and nothing was asked); `failure`: why the look-up could not be made ("" if made).
    """

    payment_id: int | None
    refunds: tuple[ProviderRefund, ...] = ()
    failure: str = ""


def _look_up(event_type: str, payload: dict) -> _ChargeRefunds | None:
    """For a `charge.refunded` event, ask the payment's gateway for its refunds (no
    transaction or lock held); None for any other event."""
    if event_type != CHARGE_REFUNDED:
        return None
    payment_intent = payload["data"]["object"].get("payment_intent")
    payment = _payment_with_intent(payment_intent if isinstance(payment_intent, str) else "")
    if payment is None:
        return _ChargeRefunds(payment_id=None)
    try:
        refunds = get_gateway(payment.gateway).refunds_of(payment=payment)
    except GatewayError as error:
        return _ChargeRefunds(payment_id=payment.pk, failure=str(error) or "no answer")
    return _ChargeRefunds(payment_id=payment.pk, refunds=tuple(refunds or ()))


_NOT_LOOKED_UP = "Not applied yet: Stripe could not be reached to list the charge's refunds"


def _not_looked_up(event: StripeEvent, looked_up: _ChargeRefunds) -> None:
    """Keep `event` (its row locked or just inserted) as it is, applicable, saying why."""
    event.detail = f"{_NOT_LOOKED_UP} ({looked_up.failure})."[:255]
    event.save(update_fields=["detail"])
    logger.warning("Stripe event %s not applied: %s", event.event_id, looked_up.failure)


def _apply_charge_refunded(event: StripeEvent, looked_up: _ChargeRefunds | None) -> None:
    """Record refunds made outside the portal (Stripe's dashboard) or lost after Stripe
    accepted them, as Stripe lists them (`looked_up`, asked before any lock): the portal's
    own refunds (named in their metadata) are completed, any other refund Stripe made is
    recorded once, under its Stripe id; refunds already recorded change nothing.

    A refund of a payment the portal has not recorded yet waits for it (see the module)."""
    charge = event.payload["data"]["object"]
    payment = _payment_for_charge(event)
    if payment is None:
        if _payment_intent_of(event):
            _outcome(event, StripeEventStatus.WAITING, "Waiting for the payment of this charge.")
        else:
            _outcome(event, StripeEventStatus.UNMATCHED, "The charge names no payment.")
        return
    if looked_up is None or looked_up.payment_id != payment.pk:
        # The payment was recorded after Stripe was asked (about no payment): waiting, this
        # event is applied again at once (`_after_applying`), Stripe asked outside the locks.
        _outcome(event, StripeEventStatus.WAITING, "Waiting for the payment of this charge.")
        return
    invoice = lock_invoice(payment.invoice_id)
    payment = lock_payment(payment.pk)
    refunded = charge.get("amount_refunded")
    currency = charge.get("currency").upper() if isinstance(charge.get("currency"), str) else ""
    if type(refunded) is not int or currency != payment.currency:
        _outcome(
            event,
            StripeEventStatus.FLAGGED,
            "Refund amount or currency unreadable or not the payment's.",
            payment=payment,
        )
        return
    made = [item for item in looked_up.refunds if item.made]
    completed = _complete_pending_refunds(invoice, payment, made)
    # Not the portal's (a refund it asked for carries its id), and not recorded yet.
    ours = set(payment.refunds.values_list("pk", flat=True))
    others = [item for item in made if _refund_id_of(item) not in ours]
    known = set(
        Refund.objects.filter(
            provider_reference__in=[item.provider_reference for item in others]
        ).values_list("provider_reference", flat=True)
    )
    missing = [item for item in others if item.provider_reference not in known]
    if sum(item.amount_cents for item in missing) > payment.refundable_cents:
        _outcome(
            event,
            StripeEventStatus.FLAGGED,
            "Stripe refunded more than the portal counts as paid.",
            payment=payment,
        )
        return
    # Oldest first (Stripe lists newest first), so receipts are numbered as refunds were made.
    for item in reversed(missing):
        refund = Refund.objects.create(
            payment=payment,
            amount_cents=item.amount_cents,
            reason="Refunded in Stripe",
            provider_reference=item.provider_reference,
            provider_status=item.status,
            origin=RefundOrigin.GATEWAY,
        )
        refund_apply_locked(invoice, payment, refund)
    recorded = completed + len(missing)
    if recorded == 0:
        detail = "Refunds already recorded."
    else:
        detail = "Refund recorded." if recorded == 1 else f"{recorded} refunds recorded."
    _outcome(event, StripeEventStatus.APPLIED, detail, payment=payment)


def _refund_id_of(item: ProviderRefund) -> int | None:
    """The portal's refund `item` is, by the id the portal put in its metadata; else None."""
    refund_id = item.metadata.get("refund_id", "")
    return int(refund_id) if refund_id.isdigit() and len(refund_id) < 19 else None


def _complete_pending_refunds(invoice, payment: Payment, made: list[ProviderRefund]) -> int:
    """Count the portal's own refunds in progress that Stripe lists as made (their answer to
    the portal was lost, or has not been recorded yet); the intent is then done. Return how
    many were counted."""
    ours = {}
    for item in made:
        refund_id = _refund_id_of(item)
        if refund_id is not None:
            ours[refund_id] = item
    if not ours:
        return 0
    # Lock order: intent, then refund (as `intents` takes them).
    intents = {
        intent.refund_id: intent
        for intent in GatewayIntent.objects.select_for_update(no_key=True)
        .filter(refund_id__in=list(ours), payment=payment)
        .order_by("pk")
    }
    # A refund given up with no answer is the portal's too: Stripe made it after all.
    pending = Refund.objects.select_for_update(no_key=True).filter(
        Q(status=RefundStatus.PENDING)
        | Q(status=RefundStatus.FAILED, provider_status=REFUND_UNANSWERED),
        payment=payment,
        pk__in=list(ours),
    )
    completed = 0
    for refund in pending.order_by("pk"):
        intent = intents.get(refund.pk)
        if intent is not None and intent.status != IntentStatus.SUCCEEDED:
            intent.status = IntentStatus.SUCCEEDED
            intent.completed_at = timezone.now()
            intent.save(update_fields=["status", "completed_at", "updated_at"])
        if refund.status == RefundStatus.PENDING:
            payment.refund_pending_cents -= refund.amount_cents
        item = ours[refund.pk]
        refund.status = RefundStatus.SUCCEEDED
        refund.provider_reference = item.provider_reference
        refund.provider_status = item.status
        refund.save(update_fields=["status", "provider_reference", "provider_status", "updated_at"])
        refund_apply_locked(invoice, payment, refund)
        completed += 1
    return completed


_CHECKOUT_EVENTS = (COMPLETED, ASYNC_SUCCEEDED, ASYNC_FAILED, EXPIRED)


_APPLICABLE = (StripeEventStatus.RECEIVED, StripeEventStatus.WAITING)


def _apply_locked(event: StripeEvent, looked_up: _ChargeRefunds | None) -> None:
    """Apply `event`, whose row the caller's transaction holds, with what Stripe listed
    before (`_look_up`), and record the outcome."""
    if event.type == CHARGE_REFUNDED:
        _apply_charge_refunded(event, looked_up)
    elif event.type in _CHECKOUT_EVENTS:
        _apply_checkout(event)
    else:
        _outcome(event, StripeEventStatus.IGNORED, "Not an event the portal acts on.")
    event.applied_at = timezone.now()
    # Not the payload: it never changes, and rewriting it costs a JSON encoding.
    event.save(update_fields=["status", "detail", "invoice", "payment", "applied_at"])


def _apply_once(event_id: str) -> StripeEvent:
    # Stripe is asked first, with no transaction open; the event is then applied under its
    # lock only if still applicable (another delivery may have applied it meanwhile).
    unlocked = StripeEvent.objects.only("type", "payload", "status").get(event_id=event_id)
    looked_up = None
    if unlocked.status in _APPLICABLE:
        looked_up = _look_up(unlocked.type, unlocked.payload)
    with transaction.atomic():
        event = StripeEvent.objects.select_for_update(no_key=True).get(event_id=event_id)
        if event.status not in _APPLICABLE:
            return event
        if looked_up is not None and looked_up.failure:
            _not_looked_up(event, looked_up)
            return event
        _apply_locked(event, looked_up)
    return event


def webhook_event_apply(*, event_id: str, stored: StripeEvent | None = None) -> StripeEvent:
    """Apply a stored event once; return it with its outcome in `status` and `detail`.

    `applied` and `ignored` (a type the portal does not act on) are done; `waiting` (a refund
    of a payment not recorded yet) is applied when the payment comes; `unmatched` (no invoice
    of this portal) and `flagged` (money that cannot be applied) are listed for staff. An event
    already past `received` or `waiting` is returned untouched: when `stored` (the row just
    read by `webhook_event_record`) says so, without a transaction or a lock (a repeat, half
    of Stripe's deliveries at times, costs one indexed read).
    """
    if stored is not None and stored.status not in _APPLICABLE:
        return stored
    return _after_applying(_apply_once(event_id))


def _after_applying(event: StripeEvent) -> StripeEvent:
    if (
        event.status == StripeEventStatus.WAITING
        and not event.detail.startswith(_NOT_LOOKED_UP)
        and _payment_for_charge(event) is not None
    ):
        # The payment was settled while this event was being applied, and its settlement,
        # looking for waiting events before this one committed, did not see it: apply it now.
        # (One of the two always sees the other's commit; applying twice changes nothing.)
        # Not if Stripe could not be reached just now: the periodic run asks again later.
        event = _apply_once(event.event_id)
    if event.status in (StripeEventStatus.UNMATCHED, StripeEventStatus.FLAGGED):
        logger.warning("Stripe event %s (%s): %s", event.event_id, event.type, event.status)
    return event


_ANY_WAITING_SQL = """
SELECT 1 FROM payments_stripeevent
 WHERE status = 'waiting' AND payload -> 'data' -> 'object' ->> 'payment_intent' = %s
 LIMIT 1
"""


def _any_waiting(provider_payment_id: str) -> bool:
    # After every settled payment, and almost always none: one plain statement over the
    # partial index of events needing attention, not a query built by the ORM.
    with connection.cursor() as cursor:
        cursor.execute(_ANY_WAITING_SQL, [provider_payment_id])
        return cursor.fetchone() is not None


def webhook_events_apply_waiting(*, provider_payment_id: str = "") -> int:
    """Apply the waiting events of `provider_payment_id` (of every payment if empty) whose
    payment is now recorded; return how many were applied.

    Called after a payment is settled, and periodically to catch up; safe to run any number of
    times at once, since each event is applied under its own lock, once.
    """
    waiting = StripeEvent.objects.filter(status=StripeEventStatus.WAITING)
    if provider_payment_id:
        if not _any_waiting(provider_payment_id):
            return 0
        waiting = waiting.filter(payload__data__object__payment_intent=provider_payment_id)
    applied = 0
    for event in waiting.order_by("received_at", "id"):
        if _payment_for_charge(event) is None:
            continue
        if webhook_event_apply(event_id=event.event_id).status != StripeEventStatus.WAITING:
            applied += 1
    return applied
