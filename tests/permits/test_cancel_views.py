"""The withdrawing page (the applicant's) and the cancelling page (the workbench's): ask
first, act on the POST, refuse strangers, without JavaScript."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from payments.models import InvoiceStatus
from permits import workflow as wf
from permits.models import Permit
from permits.services.issuance import permit_fee_invoice
from tests.accounts.factories import StaffFactory, UserFactory
from tests.permits.factories import department
from tests.permits.inspection_factories import approved_permit, issued_permit

pytestmark = pytest.mark.django_db

CANCEL = reverse("permits_staff:cancel")


def _status(permit) -> str:
    return Permit.objects.select_related("case").get(pk=permit.pk).case.status


@pytest.fixture
def clerk():
    person = StaffFactory(roles=[("clerk", department(wf.DEPARTMENT_CODE))])
    TOTP.activate(person, generate_totp_secret())
    return person


# --- The applicant withdraws ------------------------------------------------------------


def test_the_applicant_is_asked_then_withdraws(client):
    # given: an approved permit with its permit fee due
    permit = approved_permit()
    fee = permit_fee_invoice(permit=permit).invoice
    client.force_login(permit.case.applicant)
    page = reverse("permits:withdraw", args=[permit.case.reference])
    detail = client.get(permit.get_absolute_url()).content.decode()
    assert page in detail

    # when: the page asks first
    asked = client.get(page)

    # then
    assert asked.status_code == 200
    assert "is not refunded" in asked.content.decode()
    assert _status(permit) == wf.APPROVED

    # when: the applicant confirms
    response = client.post(page, {"reason": "Plans changed."})

    # then
    assert response.status_code == 302
    assert response["Location"] == permit.get_absolute_url()
    assert _status(permit) == wf.WITHDRAWN
    fee.refresh_from_db()
    assert fee.status == InvoiceStatus.VOID
    after = client.get(permit.get_absolute_url()).content.decode()
    assert "Withdrawn" in after and page not in after


def test_another_resident_gets_not_found(client):
    permit = approved_permit()
    client.force_login(UserFactory())

    response = client.post(reverse("permits:withdraw", args=[permit.case.reference]))

    assert response.status_code == 404
    assert _status(permit) == wf.APPROVED


def test_an_issued_permit_has_nothing_to_withdraw(client):
    permit = issued_permit()
    client.force_login(permit.case.applicant)

    response = client.post(reverse("permits:withdraw", args=[permit.case.reference]))

    assert response.status_code == 302
    assert _status(permit) == wf.ISSUED


# --- Staff cancel -----------------------------------------------------------------------


def test_staff_find_the_permit_then_cancel_it_with_a_reason(client, clerk):
    # given
    permit = issued_permit()
    client.force_login(clerk)

    # when: found by its permit number
    found = client.get(CANCEL, {"reference": permit.permit_number.lower()})

    # then
    assert found.status_code == 200
    assert permit.case.reference in found.content.decode()

    # when: sent without a reason, then with one
    refused = client.post(CANCEL, {"reference": permit.case.reference, "reason": ""})
    done = client.post(
        CANCEL, {"reference": permit.case.reference, "reason": "Issued for the wrong lot."}
    )

    # then
    assert refused.status_code == 400
    assert "Say why the permit is cancelled" in refused.content.decode()
    assert done.status_code == 302
    assert _status(permit) == wf.CANCELLED
    # and the applicant reads the reason on their permit's page
    client.force_login(permit.case.applicant)
    assert "Issued for the wrong lot." in client.get(permit.get_absolute_url()).content.decode()


def test_a_permit_of_no_department_of_theirs_is_not_found(client):
    parks = StaffFactory(roles=[("clerk", department("PARKS"))])
    TOTP.activate(parks, generate_totp_secret())
    permit = issued_permit()
    client.force_login(parks)

    response = client.post(CANCEL, {"reference": permit.case.reference, "reason": "No."})

    assert response.status_code == 400
    assert "No permit you may cancel" in response.content.decode()
    assert _status(permit) == wf.ISSUED


def test_a_resident_is_kept_out_of_the_workbench(client):
    permit = issued_permit()
    client.force_login(permit.case.applicant)

    response = client.post(CANCEL, {"reference": permit.case.reference, "reason": "Mine."})

    assert response.status_code == 403
    assert _status(permit) == wf.ISSUED


def test_the_workbench_lists_the_page_for_the_permit_office(client, clerk):
    client.force_login(clerk)

    html = client.get(reverse("workbench:home")).content.decode()

    assert CANCEL in html
