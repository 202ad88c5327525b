"""The applying pages, as a resident uses them without JavaScript: the whole journey from
the type to the reference, refusals re-rendered with an error summary and the values kept, a
page sent after the session ended kept for after signing in, another resident's draft a 404,
and the check page's queries the same whatever the number of sheets and questions."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from licensing.models import LicenseStatus
from payments.models import Invoice
from payments.services import payment_attempt_start, payment_local_complete
from permits.models import ContractorTrade, FeeMethod, Permit
from permits.services import apply
from permits.services.apply_plans import plan_sheet_add
from permits.views.apply.flow import PENDING_KEY, PENDING_PAGES_MAX
from tests.accounts.factories import UserFactory
from tests.cases.factories import PDF_BYTES, image_bytes
from tests.licensing.factories import LicenseFactory, LicenseTypeFactory, QuestionFactory
from tests.permits.factories import FeeTierFactory, PermitTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def builders():
    return LicenseTypeFactory(name="General contractor")


@pytest.fixture
def addition(builders):
    permit_type = PermitTypeFactory(
        code="addition",
        name="Residential addition",
        name_es="Ampliación residencial",
        application_fee_cents=10_000,
        fee_method=FeeMethod.VALUATION,
        plan_review_percent=Decimal("65"),
        contractor_required=True,
        contractor_trade=ContractorTrade.GENERAL,
    )
    permit_type.contractor_license_types.add(builders)
    FeeTierFactory(permit_type=permit_type, from_cents=0, base_cents=5_000)
    FeeTierFactory(
        permit_type=permit_type, from_cents=2_500_000, base_cents=40_000, per_thousand_cents=1_500
    )
    return permit_type


@pytest.fixture
def resident(client):
    user = UserFactory()
    client.force_login(user)
    return user


def _url(name, permit):
    return reverse(f"permits:{name}", args=[permit.case.reference])


def _pdf(name="a1.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def test_the_journey_from_the_type_to_the_reference(client, resident, addition, builders):
    LicenseFactory(license_type=builders, number="GC-2026-000001", business_name="Oak Build")
    LicenseFactory(license_type=builders, number="GC-2026-000002", status=LicenseStatus.SUSPENDED)

    # the type's page says what it costs, and starts a draft
    page = client.get(reverse("permits:type", args=["addition"]))
    assert page.status_code == 200
    assert "Residential addition" in page.content.decode()
    response = client.post(reverse("permits:start", args=["addition"]))
    permit = Permit.objects.get(case__applicant=resident)
    assert response.url == _url("apply_property", permit)

    # the property: a missing address is refused with the error summary
    response = client.post(_url("apply_property", permit), {"address": " ", "parcel_number": ""})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert "Enter the address of the property, or its parcel number." in response.content.decode()
    response = client.post(
        _url("apply_property", permit), {"address": "12 Elm Street", "parcel_number": "01-234"}
    )
    assert response.url == _url("apply_work", permit)

    # the work, valuation in dollars as people type it
    response = client.post(
        _url("apply_work", permit),
        {
            "work_description": "Rear addition",
            "valuation_cents": "$45,000",
            "square_feet": "400",
            "housing_units": "0",
        },
    )
    assert response.url == _url("apply_contractor", permit)

    # a suspended contractor is refused with the reason, and the number typed is kept
    response = client.post(_url("apply_contractor", permit), {"license_number": "GC-2026-000002"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "is suspended: the contractor cannot take out permits" in body
    assert 'value="GC-2026-000002"' in body
    response = client.post(_url("apply_contractor", permit), {"license_number": "gc-2026-000001"})
    assert response.url == _url("apply_plans", permit)

    # plans: a picture is refused, a PDF is kept
    response = client.post(
        _url("apply_plans", permit),
        {
            "sheet": "A1",
            "file": SimpleUploadedFile("a1.pdf", image_bytes("PNG"), content_type="image/png"),
        },
    )
    assert response.status_code == 400
    assert "The selected file is not a PDF." in response.content.decode()
    response = client.post(_url("apply_plans", permit), {"sheet": "A1", "file": _pdf()})
    assert response.status_code == 302
    page = client.get(_url("apply_plans", permit))
    assert "a1.pdf" in page.content.decode()

    # no questions: straight to the check
    response = client.post(_url("apply_questions", permit), {})
    assert response.url == _url("apply_check", permit)

    # the fee is shown before paying: $100 + 65% of ($400 + 20 x $15)
    page = client.get(_url("apply_check", permit))
    body = page.content.decode()
    assert "$455.00" in body
    assert "$555.00" in body
    assert "$245.00" in body  # the rest of the permit fee, due at issue
    response = client.post(_url("apply_check", permit))
    invoice = Invoice.objects.get(purpose=apply.PURPOSE_APPLICATION)
    assert response.url == reverse("payments:invoice", args=[invoice.reference])
    assert invoice.total_cents == 55_500

    # paid: the reference and the status
    payment = payment_attempt_start(invoice=invoice, success_url="/", cancel_url="/")
    payment_local_complete(payment=payment, approved=True)
    page = client.get(_url("application", permit))
    body = page.content.decode()
    assert "Application sent" in body
    assert permit.case.reference in body
    # the draft's pages now lead to the status page
    assert client.get(_url("apply_work", permit)).url == _url("application", permit)


def test_save_and_come_back_later_keeps_what_does_not_pass(client, resident, addition):
    permit = apply.permit_start(permit_type=addition, applicant=resident)
    response = client.post(
        _url("apply_work", permit),
        {"work_description": "Deck", "valuation_cents": "lots", "save": "later"},
    )
    assert response.url == reverse("permits:mine")
    permit.refresh_from_db()
    assert permit.typed["work"]["valuation_cents"] == "lots"
    page = client.get(_url("apply_work", permit))
    assert 'value="lots"' in page.content.decode()
    assert "There is a problem" in page.content.decode()


def test_a_page_sent_after_the_session_ended_loses_nothing(client, addition):
    # given: a draft, and the applicant's session has ended
    applicant = UserFactory()
    permit = apply.permit_start(permit_type=addition, applicant=applicant)
    # when: they send the page anyway
    response = client.post(
        _url("apply_property", permit), {"address": "7 Oak Lane", "parcel_number": "55-1"}
    )
    # then: sent to sign in, back to the page after it
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert _url("apply_property", permit) in response.url.replace("%2F", "/")
    client.force_login(applicant)
    page = client.get(_url("apply_property", permit))
    assert "7 Oak Lane" in page.content.decode()
    permit.refresh_from_db()
    assert permit.typed["property"]["address"] == "7 Oak Lane"  # saved on the draft too


def test_pages_sent_without_a_session_are_kept_for_a_few_drafts_only(client, addition):
    # given: a visitor without a session sending pages for many references (a careless
    # script, or someone filling the session they carry)
    applicant = UserFactory()
    permit = apply.permit_start(permit_type=addition, applicant=applicant)
    filler = {"address": "x" * 4000, "parcel_number": "y" * 4000}
    for number in range(40):
        client.post(reverse("permits:apply_property", args=[f"PRM-{number:06}"]), filler)
    # when: the real page is sent last
    client.post(_url("apply_property", permit), {"address": "7 Oak Lane"})

    # then: only the latest pages are kept, so the session stays small, and the real page
    # is among them
    kept = client.session[PENDING_KEY]
    assert len(kept) <= PENDING_PAGES_MAX
    assert f"{permit.case.reference}:apply_property" in kept
    client.force_login(applicant)
    assert "7 Oak Lane" in client.get(_url("apply_property", permit)).content.decode()


def test_what_another_resident_sent_never_reaches_a_draft(client, addition):
    owner = UserFactory()
    permit = apply.permit_start(permit_type=addition, applicant=owner)
    client.post(_url("apply_property", permit), {"address": "Intruder Road"})
    client.force_login(UserFactory())
    assert client.get(_url("apply_property", permit)).status_code == 404
    permit.refresh_from_db()
    assert permit.typed == {}


def test_another_residents_draft_and_plans_are_not_found(client, resident, addition):
    other = UserFactory()
    permit = apply.permit_start(permit_type=addition, applicant=other)
    sheet = plan_sheet_add(permit=permit, actor=other, sheet="A1", upload=_pdf())
    for name in ("apply_property", "apply_check", "application"):
        assert client.get(_url(name, permit)).status_code == 404
    url = reverse("permits:plan_sheet", args=[permit.case.reference, sheet.pk])
    assert client.get(url).status_code == 404


def test_the_applicant_downloads_their_sheet(client, resident, addition):
    permit = apply.permit_start(permit_type=addition, applicant=resident)
    sheet = plan_sheet_add(permit=permit, actor=resident, sheet="A1", upload=_pdf())
    response = client.get(reverse("permits:plan_sheet", args=[permit.case.reference, sheet.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF_BYTES


def _check_page_queries(client, permit) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_url("apply_check", permit)).status_code == 200
    return len(queries)


def test_the_check_page_queries_do_not_grow_with_sheets_and_questions(client, resident, addition):
    # given
    permit = apply.permit_start(permit_type=addition, applicant=resident)
    plan_sheet_add(permit=permit, actor=resident, sheet="A1", upload=_pdf())
    QuestionFactory(owner=addition, code="q_first", required=False)
    few = _check_page_queries(client, permit)
    # when
    for number in range(2, 7):
        plan_sheet_add(permit=permit, actor=resident, sheet=f"A{number}", upload=_pdf())
        QuestionFactory(owner=addition, code=f"q_{number}", required=False)
    # then
    assert _check_page_queries(client, permit) == few


def test_the_plans_page_takes_the_types_documents_too(client, resident, addition):
    from tests.licensing.factories import RequiredDocumentFactory

    survey = RequiredDocumentFactory(owner=addition, name="Site survey")
    permit = apply.permit_start(permit_type=addition, applicant=resident)
    page = client.get(_url("apply_plans", permit))
    assert "Your plans and documents" in page.content.decode()
    # a document form sent without a file is refused on its own form
    response = client.post(
        _url("apply_plans", permit), {"form": "document", "document-requirement": survey.pk}
    )
    assert response.status_code == 400
    assert "Choose a file to upload." in response.content.decode()
    response = client.post(
        _url("apply_plans", permit),
        {
            "form": "document",
            "document-requirement": survey.pk,
            "document-file": SimpleUploadedFile(
                "survey.pdf", PDF_BYTES, content_type="application/pdf"
            ),
        },
    )
    assert response.status_code == 302
    assert permit.supplied_documents.get().requirement == survey
    assert "survey.pdf" in client.get(_url("apply_plans", permit)).content.decode()


def _mine_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("permits:mine")).status_code == 200
    return len(queries)


def test_the_applicants_permits_page_queries_do_not_grow(client, resident, addition):
    apply.permit_start(permit_type=addition, applicant=resident)
    few = _mine_queries(client)
    for number in range(4):
        permit = apply.permit_start(
            permit_type=PermitTypeFactory(code=f"other-{number}"), applicant=resident
        )
        apply.permit_save_property(permit=permit, actor=resident, address=f"{number} Elm St")
    assert _mine_queries(client) == few


def test_a_discarded_draft_leads_back_to_the_applicants_permits(client, resident, addition):
    permit = apply.permit_start(permit_type=addition, applicant=resident)
    assert client.get(_url("discard", permit)).status_code == 200
    response = client.post(_url("discard", permit))
    assert response.url == reverse("permits:mine")
    # the back button
    response = client.get(_url("apply_property", permit))
    assert response.url == reverse("permits:mine")
    # someone else's discarded draft stays not found
    client.force_login(UserFactory())
    assert client.get(_url("apply_property", permit)).status_code == 404
