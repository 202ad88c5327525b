"""Invoices made through the real service, with readable defaults."""

import factory

from payments.models import Invoice
from payments.services import LineItem, invoice_create
from tests.accounts.factories import UserFactory


class InvoiceFactory(factory.Factory):
    """An invoice of $50.00 (one line) to a resident, issued by `invoice_create`."""

    class Meta:
        model = Invoice

    purpose = "tests.application_fee"
    description = "Test application fee"
    lines = factory.LazyFunction(lambda: [LineItem("Application fee", 5000)])
    payer = factory.SubFactory(UserFactory)
    notify = False

    @classmethod
    def _create(cls, model_class, **kwargs):
        return invoice_create(**kwargs)


class GuestInvoiceFactory(InvoiceFactory):
    """The same invoice to a guest (no account)."""

    payer = None
    guest_name = "Pat Guest"
    guest_email = factory.Sequence(lambda n: f"guest{n}@example.net")
