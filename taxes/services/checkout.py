"""Paying a tax bill online through the payments app, and recording the payment once it
settles.

The payer chooses the next instalment(s), the whole year or a partial amount (at least
`settings.TAXES_MINIMUM_PARTIAL_PAYMENT_CENTS`, at most what is owed). That amount becomes a
payments invoice (`PURPOSE`), paid at the gateway. When the invoice is paid, the payments
app's signal (taxes.receivers) applies the amount to the bill through
`taxes.services.payments.bill_payment_apply`, once per invoice, as of the agency's date the
payment was started: a payment begun before a due date and completed after it is on time.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from payments.models import Invoice, InvoiceStatus
from payments.money import format_cents
from payments.services import LineItem, invoice_create
from taxes.charges import agency_date
from taxes.models import BillPayment, TaxBill
from taxes.selectors import PayOption, bill_pay_options
from taxes.services.notices import paid_reminders_withdraw
from taxes.services.payments import bill_payment_apply

PURPOSE = "taxes.bill"
PARTIAL = "partial"
# An amount is worked out for the day the payment starts; the invoice stops being payable a
# day later, so a payment cannot be started before a due date and completed weeks after it.
INVOICE_LIFETIME = datetime.timedelta(hours=24)


class PaymentInvalid(Exception):
    """The payer's choice cannot be paid: `errors` by form field (None: the whole form)."""

    def __init__(self, errors: dict[str | None, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _amount_for(*, choice: str, amount_cents: int | None, options: list[PayOption]) -> int:
    balance = options[-1].amount_cents if options else 0
    if balance <= 0:
        raise PaymentInvalid({None: _("Nothing is owed on this bill.")})
    if choice != PARTIAL:
        for option in options:
            if option.key == choice:
                return option.amount_cents
        raise PaymentInvalid({"choice": _("Choose what to pay.")})
    if amount_cents is None:
        raise PaymentInvalid({"amount": _("Enter the amount you want to pay.")})
    currency = settings.AGENCY["currency"]
    if amount_cents > balance:
        raise PaymentInvalid(
            {
                "amount": _("That is more than is owed today (%(balance)s).")
                % {"balance": format_cents(balance, currency)}
            }
        )
    minimum = min(settings.TAXES_MINIMUM_PARTIAL_PAYMENT_CENTS, balance)
    if amount_cents < minimum:
        raise PaymentInvalid(
            {
                "amount": _("A partial payment is at least %(minimum)s.")
                % {"minimum": format_cents(minimum, currency)}
            }
        )
    return amount_cents


def bill_payment_start(
    *,
    bill: TaxBill,
    choice: str,
    amount_cents: int | None = None,
    user=None,
    email: str = "",
    now: datetime.datetime | None = None,
):
    """Issue the invoice that pays `bill` as chosen: an option key of
    `taxes.selectors.bill_pay_options` or `PARTIAL` with `amount_cents`. A signed-in `user`
    pays with their account; a guest gives `email` (where the receipt goes).

    Raises PaymentInvalid (nothing owed, an unknown choice, a partial amount under the
    minimum or over the balance, a guest without an e-mail address).
    """
    now = now or timezone.now()
    email = (email or "").strip()
    if user is None and not email:
        raise PaymentInvalid({"email": _("Enter your e-mail address for the receipt.")})
    options = bill_pay_options(bill=bill, on=agency_date(now))
    amount = _amount_for(choice=choice, amount_cents=amount_cents, options=options)
    chosen = next((option for option in options if option.key == choice), None)
    label = str(chosen.label) if chosen is not None else _("Partial payment")
    with transaction.atomic():
        # A second click on "pay" (or the back button and pay again) takes the invoice the
        # first one issued, so one payment cannot turn into two. NO KEY UPDATE excludes
        # another payment start and a payment being applied (FOR UPDATE), but not the
        # inserts that only refer to the bill (the reminder run's timeline entries), which
        # need not wait for a checkout.
        TaxBill.objects.select_for_update(no_key=True).filter(pk=bill.pk).values_list(
            "pk", flat=True
        ).first()
        issued = _open_invoice(bill=bill, user=user, email=email, amount_cents=amount, now=now)
        if issued is not None:
            return issued
        return invoice_create(
            purpose=PURPOSE,
            description=_("Property tax bill %(number)s (%(year)s)")
            % {"number": bill.number, "year": bill.tax_year},
            lines=[LineItem(label, amount)],
            payer=user,
            guest_email=email if user is None else "",
            subject=bill,
            expires_at=now + INVOICE_LIFETIME,
            notify=False,
        )


def _open_invoice(*, bill: TaxBill, user, email: str, amount_cents: int, now):
    """The payer's invoice for this bill and amount that still takes payments, if any."""
    payer = {"payer": user} if user is not None else {"payer__isnull": True, "guest_email": email}
    return (
        Invoice.objects.filter(
            subject_type=ContentType.objects.get_for_model(TaxBill),
            subject_id=bill.pk,
            purpose=PURPOSE,
            status=InvoiceStatus.OPEN,
            amount_paid_cents=0,
            total_cents=amount_cents,
            expires_at__gt=now,
            **payer,
        )
        .order_by("-pk")
        .first()
    )


def bill_invoice_paid(
    *, invoice_id: int, bill_id: int, amount_cents: int, started_at, batch_id: int | None = None
) -> BillPayment:
    """Apply a paid invoice to its bill, once (a bulk payer's invoice, `batch_id` given,
    pays each of its bills by a call per bill).

    Runs in the payment's transaction (the invoice locked by the payments app), the bill
    locked here: a second call for the same invoice (a replayed or duplicate settlement)
    finds the invoice's BillPayment and changes nothing; the UNIQUE constraint on it is the
    last guard. The payment counts as made on the agency's date of `started_at` (when the
    invoice was issued). What is left over once the bill is paid off is kept as a credit.
    Reminders still waiting to be sent for the instalments it paid are withdrawn.
    """
    with transaction.atomic():
        bill = TaxBill.objects.select_for_update().get(pk=bill_id)
        existing = BillPayment.objects.filter(invoice_id=invoice_id, bill=bill).first()
        if existing is not None:
            return existing
        paid_on = agency_date(started_at)
        try:
            with transaction.atomic():
                record = BillPayment.objects.create(
                    bill=bill,
                    invoice_id=invoice_id,
                    amount_cents=amount_cents,
                    paid_on=paid_on,
                    batch_id=batch_id,
                )
        except IntegrityError:
            return BillPayment.objects.get(invoice_id=invoice_id, bill=bill)
        application = bill_payment_apply(
            bill=bill, amount_cents=amount_cents, paid_on=paid_on, invoice_id=invoice_id
        )
        if application.left_over_cents:
            record.credit_cents = application.left_over_cents
            record.save(update_fields=["credit_cents", "updated_at"])
        # A reminder waiting for its send-time is not sent for what is paid now, whoever
        # paid it (the owner online, or a lender's batch).
        paid_reminders_withdraw(bill_id=bill.pk)
        return record
