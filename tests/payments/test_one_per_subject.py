"""An invoice made once per subject: the database refuses a second, the service says so."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from payments.exceptions import InvoiceExists
from payments.models import Invoice, InvoiceLine
from tests.payments.factories import InvoiceFactory

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_second_invoice_of_the_purpose_for_the_subject(resident):
    # given: an invoice made once for this subject
    first = InvoiceFactory(subject=resident, one_per_subject=True)

    # when / then: a second row of the same purpose for the same subject, written straight
    # to the table past the service
    with (
        pytest.raises(IntegrityError, match="payments_invoice_one_per_subject"),
        transaction.atomic(),
    ):
        Invoice.objects.create(
            reference="INV-TEST-SECOND",
            purpose=first.purpose,
            description="A second one",
            subject_type=ContentType.objects.get_for_model(resident),
            subject_id=resident.pk,
            payer=resident,
            currency=first.currency,
            total_cents=5000,
            one_per_subject=True,
        )


def test_the_database_refuses_once_per_subject_without_a_subject(resident):
    with pytest.raises(IntegrityError, match="one_per_subject_has_subject"), transaction.atomic():
        Invoice.objects.create(
            reference="INV-TEST-NOSUBJ",
            purpose="tests.application_fee",
            description="No subject",
            payer=resident,
            currency="USD",
            total_cents=5000,
            one_per_subject=True,
        )


def test_a_second_invoice_create_raises_invoice_exists_and_changes_nothing(resident):
    # given
    first = InvoiceFactory(subject=resident, one_per_subject=True)
    invoices, lines = Invoice.objects.count(), InvoiceLine.objects.count()

    # when: the service is asked again, inside the caller's own transaction
    with transaction.atomic():
        with pytest.raises(InvoiceExists) as refused:
            InvoiceFactory(subject=resident, one_per_subject=True, payer=resident)
        # then: the caller's transaction is still usable
        assert Invoice.objects.filter(pk=first.pk).exists()

    # then: it carries the first invoice, and nothing was written
    assert refused.value.existing == first
    assert first.reference in str(refused.value)
    assert (Invoice.objects.count(), InvoiceLine.objects.count()) == (invoices, lines)


def test_other_purposes_and_subjects_and_plain_invoices_are_not_limited(resident, other_resident):
    # given
    InvoiceFactory(subject=resident, one_per_subject=True)

    # when: another purpose for the subject, the purpose for another subject, and plain
    # invoices (the default) for the same subject
    InvoiceFactory(subject=resident, one_per_subject=True, purpose="tests.other_fee")
    InvoiceFactory(subject=other_resident, one_per_subject=True)
    InvoiceFactory(subject=resident)
    InvoiceFactory(subject=resident)

    # then
    assert Invoice.objects.filter(subject_id__in=[resident.pk, other_resident.pk]).count() == 5


def test_once_per_subject_needs_a_subject():
    with pytest.raises(ValueError, match="needs its subject"):
        InvoiceFactory(one_per_subject=True)
