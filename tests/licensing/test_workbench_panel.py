"""The licensing panel of the staff workbench's case page: the application's answers, its
license type and its license, shown to the department's clerks only."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Department
from licensing import services
from licensing.panels import application_panel
from payments.services import payment_record_counter
from tests.accounts.factories import StaffFactory, UserFactory
from tests.cases.factories import PDF_BYTES, DepartmentFactory
from tests.licensing.factories import (
    ApplicationFactory,
    LicenseTypeFactory,
    QuestionFactory,
    RequiredDocumentFactory,
)

pytestmark = pytest.mark.django_db


def staff(roles):
    person = StaffFactory(roles=roles)
    TOTP.activate(person, generate_totp_secret())
    return person


@pytest.fixture
def licensing():
    return Department.objects.get_or_create(code="LICENSING", defaults={"name": "Licensing"})[0]


@pytest.fixture
def barber(licensing):
    license_type = LicenseTypeFactory(code="barber", name="Barber license")
    QuestionFactory(license_type=license_type, code="years", label="Years of practice?")
    QuestionFactory(
        license_type=license_type, code="elsewhere", label="Licensed elsewhere?", kind="yes_no"
    )
    RequiredDocumentFactory(license_type=license_type, name="Photo ID")
    return license_type


def cashier():
    return StaffFactory(roles=["cashier"])


def sent_application(license_type, resident, *, years="12"):
    application = ApplicationFactory(license_type=license_type, applicant=resident)
    services.application_save_about(
        application=application, actor=resident, holder_name="Robin Barber", email="r@example.org"
    )
    services.application_save_answers(
        application=application, actor=resident, answers={"years": years, "elsewhere": "no"}
    )
    services.application_add_document(
        application=application,
        actor=resident,
        requirement=license_type.documents.get(),
        upload=SimpleUploadedFile("id.pdf", PDF_BYTES, content_type="application/pdf"),
    )
    invoice = services.application_request_payment(application=application, actor=resident)
    payment_record_counter(invoice=invoice, method="cash", amount_cents=5000, actor=cashier())
    application.refresh_from_db()
    return application


def page(reference):
    return reverse("workbench:case", kwargs={"reference": reference})


def test_the_case_page_shows_the_answers_and_license_type_to_the_departments_clerk(
    client, resident, licensing, barber
):
    application = sent_application(barber, resident)
    client.force_login(staff([("clerk", licensing)]))

    response = client.get(page(application.case.reference))

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="licensing-panel-heading"' in body
    assert "Barber license" in body
    assert "Years of practice?" in body and "12" in body
    assert "Licensed elsewhere?" in body and "No" in body
    assert "not issued" in body


def test_another_departments_clerk_gets_404(client, resident, barber):
    application = sent_application(barber, resident)
    client.force_login(staff([("clerk", DepartmentFactory(code="ROADS", name="Roads"))]))

    assert client.get(page(application.case.reference)).status_code == 404


def test_the_panel_reads_nothing_for_staff_who_may_not_see_the_case(resident, barber):
    application = sent_application(barber, resident)
    outsider = staff([("clerk", DepartmentFactory(code="ROADS", name="Roads"))])

    assert application_panel(case=application.case, user=outsider) is None


def test_the_panel_reads_in_constant_queries(
    resident, licensing, barber, django_assert_max_num_queries
):
    clerk = staff([("clerk", licensing)])
    few = sent_application(barber, resident)
    for n in range(6):
        QuestionFactory(license_type=barber, code=f"extra{n}", label=f"Extra {n}", required=False)
    many = sent_application(barber, UserFactory())
    application_panel(case=few.case, user=clerk)  # warm the content type cache

    with django_assert_max_num_queries(4):
        shown = application_panel(case=many.case, user=clerk)
    assert len(shown.answers) == 8
