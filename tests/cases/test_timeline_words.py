"""Every kind of entry a service writes on its cases' timelines has words, as the resident
reads them on their case page and staff on the workbench's case page.

Each row is an event a service's code records (kind, audience and payload as its service
writes them: permits' fees, correction letters, inspections and extensions; licensing's fees,
licenses and complaints). Concerns and taxes write none of their own (a concern report's
timeline is the engine's moves and notes; a tax bill keeps its own events, not a case's).
"""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from cases import services
from licensing import workflow as licensing
from permits import inspection_events as inspections
from permits import workflow as permits
from tests.accounts.factories import StaffFactory
from tests.cases.factories import CaseFactory, DepartmentFactory

pytestmark = pytest.mark.django_db

_INSPECTION = {
    "inspection": "Footing",
    "inspection_es": "Cimentación",
    "day_on": "2027-03-10",
    "period": "am",
    "time": "",
}

# (workflow, kind, audience, payload, body), as the services record them.
RECORDED = [
    # permits/services/apply/sending.py: the application fee
    (permits.PERMIT, "payment", "participants", {"fee": "application", "amount_cents": 15000}),
    # permits/services/issuance.py: the permit fee, paid to issue
    (permits.PERMIT, "payment", "participants", {"amount_cents": 40000, "what": "permit_fee"}),
    # permits/services/reviews.py
    (permits.PERMIT, "correction_letter", "participants", {"round": 1, "comments": 3}),
    # permits/services/inspections/*.py, permits/services/cancel.py
    (permits.PERMIT, inspections.INSPECTION_BOOKED, "participants", _INSPECTION),
    (
        permits.PERMIT,
        inspections.INSPECTION_MOVED,
        "participants",
        {**_INSPECTION, "by_staff": True, "reason": "Inspector ill"},
    ),
    (
        permits.PERMIT,
        inspections.INSPECTION_CANCELLED,
        "participants",
        {**_INSPECTION, "by_staff": False, "reason": ""},
    ),
    (permits.PERMIT, inspections.INSPECTION_RESULT, "public", {**_INSPECTION, "result": "passed"}),
    (permits.PERMIT, inspections.PERMIT_EXTENSION, "participants", {"status": "requested"}),
    (
        permits.PERMIT,
        inspections.PERMIT_EXTENSION,
        "participants",
        {"status": "granted", "expires_on": "2028-03-10"},
    ),
    (permits.PERMIT, inspections.PERMIT_EXTENSION, "participants", {"status": "refused"}),
    # licensing/services/applications.py
    (licensing.LICENSE_APPLICATION, "payment", "participants", {"fee": "application"}),
    (
        licensing.LICENSE_APPLICATION,
        licensing.LICENSE_ISSUED,
        "participants",
        {"number": "LIC-2027-000001", "expires_on": "2028-03-10"},
    ),
    # licensing/services/renewals.py
    (licensing.LICENSE_RENEWAL, "payment", "participants", {"fee": "renewal"}),
    (
        licensing.LICENSE_RENEWAL,
        licensing.LICENSE_RENEWED,
        "participants",
        {"number": "LIC-2027-000001", "expires_on": "2029-03-10"},
    ),
    # licensing/services/enforcement.py
    (
        licensing.LICENSE_COMPLAINT,
        licensing.COMPLAINT_FILED,
        "participants",
        {
            "holder": "Rosa's Tacos",
            "license_type": "Food truck",
            "license_type_es": "Camión de comida",
            "number": "LIC-2027-000001",
            "occurred_on": "2027-03-01",
        },
    ),
    (
        licensing.LICENSE_COMPLAINT,
        licensing.ACTION_TAKEN,
        "participants",
        {"summary": "Fined $200 for food held too warm.", "action": "fine"},
    ),
]


def _id(row) -> str:
    workflow, kind, _audience, payload = row
    return f"{workflow.kind}-{kind}-{'-'.join(str(value) for value in payload.values())[:30]}"


def _pages(case):
    """The resident's case page and the workbench's, as their readers get them."""
    resident = Client()
    resident.force_login(case.applicant)
    clerk = StaffFactory(roles=[("clerk", case.department)])
    TOTP.activate(clerk, generate_totp_secret())
    staff = Client()
    staff.force_login(clerk)
    resident_page = resident.get(reverse("cases:detail", kwargs={"reference": case.reference}))
    staff_page = staff.get(reverse("workbench:case", kwargs={"reference": case.reference}))
    assert resident_page.status_code == 200
    assert staff_page.status_code == 200
    return resident_page.content.decode(), staff_page.content.decode()


@pytest.mark.parametrize("row", RECORDED, ids=[_id(row) for row in RECORDED])
def test_every_entry_a_service_records_has_words_on_both_case_pages(row):
    # given: a case of the service's workflow
    workflow, kind, audience, payload = row
    case = CaseFactory(
        kind=workflow.kind, department=DepartmentFactory(code=workflow.department_code)
    )

    # when: the service's entry is recorded
    event = services.case_record_event(case=case, kind=kind, audience=audience, payload=payload)

    # then: it says what happened, beyond its heading, for the resident and for staff
    text = event.text.strip()
    assert text, f"{workflow.kind} {kind} {payload} renders no words"
    assert text != str(event.title)
    for body in _pages(case):
        assert escape(text) in body
