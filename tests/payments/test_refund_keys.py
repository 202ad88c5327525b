"""A staff refund made with a form's one-time key is made once, however often it is sent."""

import uuid

import pytest

from payments import services
from payments.exceptions import RefundRefused
from payments.models import Refund
from tests.payments.factories import InvoiceFactory
from tests.payments.test_services import pay_locally

pytestmark = pytest.mark.django_db


def test_the_same_key_twice_refunds_once(clerk):
    # given
    invoice = InvoiceFactory(purpose="permits.fee")
    payment = pay_locally(invoice)
    key = uuid.uuid4()

    # when
    first = services.refund_issue(
        payment=payment, amount_cents=1000, reason="Fee reduced", actor=clerk, idempotency_key=key
    )
    again = services.refund_issue(
        payment=payment, amount_cents=1000, reason="Fee reduced", actor=clerk, idempotency_key=key
    )

    # then
    assert again.pk == first.pk
    assert Refund.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.amount_refunded_cents == 1000


def test_a_key_used_on_another_payment_is_refused_and_changes_nothing(clerk):
    # given
    key = uuid.uuid4()
    paid = pay_locally(InvoiceFactory(purpose="permits.fee"))
    other = pay_locally(InvoiceFactory(purpose="permits.fee"))
    services.refund_issue(
        payment=paid, amount_cents=1000, reason="Fee reduced", actor=clerk, idempotency_key=key
    )

    # when / then
    with pytest.raises(RefundRefused, match="already used for another payment"):
        services.refund_issue(
            payment=other, amount_cents=500, reason="Other", actor=clerk, idempotency_key=key
        )
    other.refresh_from_db()
    assert other.amount_refunded_cents == 0 and Refund.objects.count() == 1
