"""Claims (cases/claims.py): verifying an e-mail address links the guest reports, invoices
and licenses under it to the account, says what was linked, and takes nothing else."""

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.urls import reverse

from cases.claims import claims_for_verified_email
from cases.models import Case
from cases.tokens import guest_token
from licensing.models import License
from payments.models import Invoice
from tests.accounts.factories import UserFactory
from tests.concerns.factories import make_report
from tests.licensing.factories import LicenseFactory
from tests.payments.factories import GuestInvoiceFactory

pytestmark = pytest.mark.django_db


def verify(user, email: str):
    """Verify `email` for `user` as allauth does, with a request to carry the message."""
    request = RequestFactory().get("/accounts/confirm-email/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    request.user = user
    address = EmailAddress.objects.create(user=user, email=email, verified=True)
    email_confirmed.send(sender=EmailAddress, request=request, email_address=address)
    return [str(message) for message in get_messages(request)]


@pytest.fixture
def guest_rows():
    """Two reports, one invoice and one license left by a guest, and the same of a stranger."""
    mine = [
        make_report(guest_email="pat@example.net").case,
        make_report(guest_email="PAT@Example.net").case,
    ]
    theirs = make_report(guest_email="sam@example.net").case
    return {
        "reports": mine,
        "invoice": GuestInvoiceFactory(guest_email="pat@example.net"),
        "license": LicenseFactory(holder=None, holder_email="Pat@example.net"),
        "their_report": theirs,
        "their_invoice": GuestInvoiceFactory(guest_email="sam@example.net"),
        "their_license": LicenseFactory(holder=None, holder_email="sam@example.net"),
    }


def test_verifying_an_address_links_its_reports_invoices_and_licenses(guest_rows):
    # given
    user = UserFactory(email="pat@example.net", verified=False)

    # when
    said = verify(user, "pat@example.net")

    # then: each kind is the account's, and the message says what was linked
    for case in guest_rows["reports"]:
        case.refresh_from_db()
        assert case.applicant == user
    assert Invoice.objects.get(pk=guest_rows["invoice"].pk).payer == user
    assert License.objects.get(pk=guest_rows["license"].pk).holder == user
    assert said == ["We linked 2 reports, 1 invoice and 1 license to your account."]


def test_another_addresses_rows_are_never_claimed(guest_rows):
    user = UserFactory(email="pat@example.net", verified=False)

    verify(user, "pat@example.net")

    assert Case.objects.get(pk=guest_rows["their_report"].pk).applicant is None
    assert Invoice.objects.get(pk=guest_rows["their_invoice"].pk).payer is None
    assert License.objects.get(pk=guest_rows["their_license"].pk).holder is None


def test_rows_of_another_account_stay_theirs(resident):
    # given: an invoice already paid by an account, under the same address
    owned = GuestInvoiceFactory(guest_email="pat@example.net")
    Invoice.objects.filter(pk=owned.pk).update(payer=resident)

    # when
    result = claims_for_verified_email(user=UserFactory(), email="pat@example.net")

    # then
    assert Invoice.objects.get(pk=owned.pk).payer == resident
    assert result.total == 0 and result.message() == ""


def test_nothing_to_claim_says_nothing():
    assert verify(UserFactory(email="new@example.net", verified=False), "new@example.net") == []


def test_each_kind_is_claimed_on_its_own(db):
    # given: only an invoice
    GuestInvoiceFactory(guest_email="pat@example.net")

    # when
    result = claims_for_verified_email(user=UserFactory(), email="pat@example.net")

    # then
    assert result.message() == "We linked 1 invoice to your account."


def test_a_claimed_reports_guest_link_asks_to_sign_in(client, guest_rows):
    token = guest_token(case=guest_rows["reports"][0])

    verify(UserFactory(email="pat@example.net", verified=False), "pat@example.net")
    response = client.get(reverse("concerns:guest", kwargs={"token": token}))

    assert response.status_code == 410
    assert "Sign in to continue" in response.content.decode()


def test_claiming_twice_links_nothing_more(guest_rows):
    user = UserFactory(email="pat@example.net", verified=False)
    verify(user, "pat@example.net")

    again = claims_for_verified_email(user=user, email="pat@example.net")

    assert again.total == 0
