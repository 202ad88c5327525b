"""Renewal links on cases.links: scope, the renewed term, links of before."""

import datetime

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from cases.links import LinkScope, issue_link
from licensing import services
from licensing.models import Application
from licensing.services.renewal_links import renewal_guest_token, renewal_link_token
from tests.licensing.factories import LicenseFactory, LicenseTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(db):
    return LicenseFactory(
        license_type=LicenseTypeFactory(
            renewal_window_days=90, grace_days=30, auto_approve_renewals=True
        ),
        holder=None,
        holder_email="pat@example.net",
        expires_on=timezone.localdate() + datetime.timedelta(days=28),
    )


def renew_page(token: str) -> str:
    return reverse("licensing:renew_link", kwargs={"token": token})


def test_a_renewal_link_starts_the_renewal(imported, client):
    token = renewal_link_token(license_id=imported.pk, expires_on=imported.expires_on)

    assert client.get(renew_page(token)).status_code == 200
    assert client.post(renew_page(token)).status_code == 302
    assert Application.objects.filter(renews=imported).count() == 1


def test_a_view_link_to_the_license_cannot_renew_it(imported, client):
    view = issue_link(imported, LinkScope.VIEW, page="licensing:renew_link")

    got = client.get(renew_page(view.token))
    posted = client.post(renew_page(view.token))

    assert got.status_code == posted.status_code == 404
    assert Application.objects.count() == 0


def test_renewing_the_term_revokes_its_links(imported, client, settings):
    # given: a renewal started by link, paid, and so approved (auto-approval)
    settings.PAYMENTS_GATEWAY = "local"
    token = renewal_link_token(license_id=imported.pk, expires_on=imported.expires_on)
    application = services.renewal_start(license=imported, actor=None, by_link=True)
    services.renewal_save(
        application=application,
        actor=None,
        by_link=True,
        answers={},
        uploads={},
        holder_name="Pat Holder",
        email="pat@example.net",
        address="2 Elm St",
    )
    invoice = services.renewal_request_payment(application=application, actor=None, by_link=True)
    from payments.services import payment_attempt_start, payment_local_complete

    payment = payment_attempt_start(invoice=invoice, success_url="/", cancel_url="/")
    payment_local_complete(payment=payment, approved=True)
    imported.refresh_from_db()
    assert imported.expires_on > timezone.localdate() + datetime.timedelta(days=300)

    # when
    response = client.get(renew_page(token))

    # then
    assert response.status_code == 410
    assert "This link no longer works" in response.content.decode()


def test_a_renewal_status_link_of_before_still_opens(imported, client):
    application = services.renewal_start(license=imported, actor=None, by_link=True)
    old = signing.dumps(application.case.reference, salt="licensing.renewal-guest")
    new = renewal_guest_token(application=application)

    for token in (old, new):
        response = client.get(reverse("licensing:renew_guest_details", kwargs={"token": token}))
        assert response.status_code == 200


def test_a_reminder_link_of_before_still_renews(imported, client):
    old = signing.dumps(
        {"l": imported.pk, "x": imported.expires_on.isoformat()}, salt="licensing.renewal-link"
    )

    assert client.post(renew_page(old)).status_code == 302
    assert Application.objects.filter(renews=imported).count() == 1
