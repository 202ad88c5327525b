"""Back-office pages of licensing: the legacy CSV import, and the clerks' queue."""

import datetime
import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import services as case_services
from cases.models import Case
from licensing import services
from licensing.models import License, LicenseImport
from payments.services import payment_record_counter
from tests.accounts.factories import StaffFactory, UserFactory
from tests.cases.factories import PDF_BYTES, PNG_BYTES
from tests.licensing.factories import (
    ApplicationFactory,
    LicenseFactory,
    LicenseTypeFactory,
    RequiredDocumentFactory,
)

HEADER = "legacy_number,type_code,holder_name,holder_email,issued_on,expires_on,status\n"
ROWS = (
    "B-1,barber,Ada Lovelace,ada@example.org,2025-03-01,2027-03-01,active\n"
    "B-2,dentist,Grace Hopper,grace@example.org,2025-03-01,2027-03-01,active\n"
)
IMPORT_URL = reverse("admin:licensing_license_import")


@pytest.fixture
def barber(db):
    return LicenseTypeFactory(code="barber", number_prefix="BRB")


def _staff(*codenames, roles=None):
    user = StaffFactory(roles=roles)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="licensing", codename__in=codenames)
    )
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def importer(db):
    return _staff("view_license", "add_license")


def _csv(text: str, name="legacy.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_the_register_offers_the_import_only_to_staff_who_may_add_licenses(client, importer):
    # given
    reader = _staff("view_license")
    changelist = reverse("admin:licensing_license_changelist")

    # when
    client.force_login(importer)
    offered = client.get(changelist)
    page = client.get(IMPORT_URL)
    client.force_login(reader)
    not_offered = client.get(changelist)
    refused = client.get(IMPORT_URL)

    # then
    assert IMPORT_URL in offered.content.decode()
    assert page.status_code == 200
    assert "holder_email" in page.content.decode()
    assert IMPORT_URL not in not_offered.content.decode()
    assert refused.status_code == 403


def test_staff_without_two_factor_authentication_cannot_import(client, db):
    # given
    user = StaffFactory()
    user.user_permissions.add(Permission.objects.get(codename="add_license"))
    client.force_login(user)

    # when
    response = client.post(IMPORT_URL, {"file": _csv(HEADER + ROWS)})

    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa_activate_totp"))
    assert License.objects.count() == 0


def test_the_preview_lists_rows_and_errors_and_saves_nothing(client, importer, barber):
    # given
    client.force_login(importer)

    # when
    response = client.post(IMPORT_URL, {"file": _csv(HEADER + ROWS)})

    # then
    assert response.status_code == 200
    report = response.context["report"]
    assert [(row.line, row.outcome, row.errors) for row in report.rows] == [
        (2, "create", []),
        (3, "error", ["Unknown license type code “dentist”."]),
    ]
    body = response.content.decode()
    assert "Unknown license type code “dentist”." in body
    assert "Import 1 license" in body
    assert License.objects.count() == 0
    assert LicenseImport.objects.count() == 0


def test_import_applies_the_previewed_file_once(client, importer, barber):
    # given
    client.force_login(importer)
    token = client.post(IMPORT_URL, {"file": _csv(HEADER + ROWS)}).context["token"]

    # when
    response = client.post(IMPORT_URL, {"token": token})
    replayed = client.post(IMPORT_URL, {"token": token}, follow=True)

    # then
    batch = LicenseImport.objects.get()
    assert response.status_code == 302
    assert response.url == (
        reverse("admin:licensing_license_changelist") + f"?imported_in__id__exact={batch.pk}"
    )
    listed = client.get(response.url)
    assert listed.status_code == 200
    assert [license.legacy_reference for license in listed.context["cl"].result_list] == ["B-1"]
    assert (batch.created_count, batch.error_count, batch.imported_by) == (1, 1, importer)
    assert License.objects.get().holder is None
    assert "That preview has expired. Upload the file again." in replayed.content.decode()
    assert License.objects.count() == 1


def test_a_preview_token_is_good_only_for_the_clerk_who_uploaded(client, importer, barber):
    # given
    client.force_login(importer)
    token = client.post(IMPORT_URL, {"file": _csv(HEADER + ROWS)}).context["token"]
    client.force_login(_staff("view_license", "add_license"))

    # when
    response = client.post(IMPORT_URL, {"token": token})

    # then
    assert response.status_code == 302
    assert response.url == IMPORT_URL
    assert License.objects.count() == 0


def test_a_second_upload_of_an_imported_file_offers_nothing_to_import(client, importer, barber):
    # given
    client.force_login(importer)
    token = client.post(IMPORT_URL, {"file": _csv(HEADER + ROWS)}).context["token"]
    client.post(IMPORT_URL, {"token": token})

    # when
    response = client.post(IMPORT_URL, {"file": _csv(HEADER + ROWS)})

    # then
    assert response.context["token"] == ""
    assert [row.outcome for row in response.context["report"].rows] == ["already", "error"]
    assert "There is nothing to import from this file." in response.content.decode()


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"name,number\nx,y\n", "Missing columns: legacy_number, type_code"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV file: it holds binary data."),
        (b"x" * (5 * 1024 * 1024 + 10), "The file is too big: the limit is 5 MB."),
    ],
    ids=["wrong headers", "not csv", "too big"],
)
def test_a_file_that_cannot_be_read_is_shown_with_the_error(
    client, importer, barber, content, error
):
    # given
    client.force_login(importer)

    # when
    response = client.post(
        IMPORT_URL, {"file": SimpleUploadedFile("legacy.csv", content, "text/csv")}
    )

    # then
    assert response.status_code == 400
    assert error in response.content.decode()
    assert "The file was not imported. Nothing was saved." in response.content.decode()
    assert License.objects.count() == 0


def test_no_file_is_an_error_on_the_field(client, importer):
    # given
    client.force_login(importer)

    # when
    response = client.post(IMPORT_URL, {})

    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {"file": ["This field is required."]}


# --- The clerks' queue and the application page -------------------------------------------


@pytest.fixture
def reviewer(db):
    user = _staff("view_application", "change_application")
    user.user_permissions.add(Permission.objects.get(codename="view_casedocument"))
    return user


def _submitted(applicant, license_type, pdf_bytes=PDF_BYTES):
    """An application sent to the clerks: about, answers, a document, fee paid."""
    application = ApplicationFactory(license_type=license_type, applicant=applicant)
    services.application_save_about(
        application=application, actor=applicant, holder_name="Robin Reyes", email="r@example.org"
    )
    requirement = license_type.documents.first()
    if requirement is not None:
        services.application_add_document(
            application=application,
            actor=applicant,
            requirement=requirement,
            upload=SimpleUploadedFile("id.pdf", pdf_bytes, content_type="application/pdf"),
        )
    invoice = services.application_request_payment(application=application, actor=applicant)
    payment_record_counter(
        invoice=invoice, method="cash", amount_cents=invoice.total_cents, actor=StaffFactory()
    )
    application.refresh_from_db()
    return application


@pytest.fixture
def typed(db):
    license_type = LicenseTypeFactory()
    RequiredDocumentFactory(license_type=license_type, name="Photo ID")
    return license_type


def test_the_queue_puts_overdue_first_hides_drafts_and_filters_by_assignee(client, reviewer, typed):
    # given
    on_time = _submitted(UserFactory(), typed)
    overdue = _submitted(UserFactory(), typed)
    Case.objects.filter(pk=overdue.case_id).update(due_date=datetime.date(2020, 1, 1))
    draft = ApplicationFactory(license_type=typed)
    case_services.case_assign(case=on_time.case, assignee=reviewer, actor=reviewer)
    client.force_login(reviewer)
    url = reverse("admin:licensing_application_changelist")

    # when
    queue = client.get(url)
    mine = client.get(url, {"assignee": "me"})
    unassigned = client.get(url, {"assignee": "none"})

    # then
    assert [a.pk for a in queue.context["cl"].result_list] == [overdue.pk, on_time.pk]
    assert draft.pk not in [a.pk for a in queue.context["cl"].result_list]
    page = queue.content.decode()
    assert page.count('class="case-overdue"') == 1
    assert "(Overdue by " in page and " business days)" in page
    assert [a.pk for a in mine.context["cl"].result_list] == [on_time.pk]
    assert [a.pk for a in unassigned.context["cl"].result_list] == [overdue.pk]


def test_assign_to_me_from_the_queue(client, reviewer, typed):
    # given
    first, second = _submitted(UserFactory(), typed), _submitted(UserFactory(), typed)
    client.force_login(reviewer)

    # when
    response = client.post(
        reverse("admin:licensing_application_changelist"),
        {"action": "assign_to_me", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )

    # then
    assert response.status_code == 200
    assert "2 cases assigned to you." in response.content.decode()
    assert set(Case.objects.values_list("assignee", flat=True)) == {reviewer.pk}


def test_the_application_page_shows_documents_inline_to_staff_allowed(
    client, reviewer, typed, resident
):
    # given
    application = _submitted(resident, typed)
    later = case_services.document_add(
        case=application.case,
        uploaded_by=resident,
        upload=SimpleUploadedFile("photo.png", PNG_BYTES, content_type="image/png"),
    )
    client.force_login(reviewer)

    # when
    page = client.get(reverse("admin:licensing_application_change", args=[application.pk]))
    documents = page.context["documents"]
    pdf = client.get(documents[0]["url"])
    png = client.get(documents[1]["url"])

    # then
    assert page.status_code == 200
    assert [(d["answers"], d["document"].original_name) for d in documents] == [
        ("Photo ID", "id.pdf"),
        ("Sent later, on the case page", "photo.png"),
    ]
    assert documents[1]["document"] == later
    assert 'target="_blank"' in page.content.decode()
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'inline; filename="id.pdf"'
    assert b"".join(pdf.streaming_content) == PDF_BYTES
    assert pdf["X-Content-Type-Options"] == "nosniff"
    assert png["Content-Type"] == "image/png"
    assert png["Content-Disposition"] == 'inline; filename="photo.png"'
    assert png["X-Content-Type-Options"] == "nosniff"
    # A re-encoded image is shown in a sandbox that runs nothing; a PDF keeps the site's
    # policy (Chromium will not show a PDF in a sandbox).
    assert png["Content-Security-Policy"] == (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    )
    policy = dict(
        directive.strip().partition(" ")[::2]
        for directive in pdf["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert "sandbox" not in policy


def test_documents_are_refused_to_staff_without_the_permission_and_to_residents(
    client, typed, resident
):
    # given
    application = _submitted(resident, typed)
    document = application.case.documents.get()
    url = reverse("admin:licensing_application_document", args=[application.pk, document.pk])
    # An inspector holding the case may open it, but its role reads no documents.
    without = _staff("view_application", "change_application", roles=["inspector"])
    case_services.case_assign(case=application.case, assignee=without, actor=StaffFactory())
    other = _submitted(UserFactory(), typed)
    reviewer = _staff("view_application", "view_casedocument")
    wrong_application = reverse(
        "admin:licensing_application_document", args=[other.pk, document.pk]
    )

    # when
    client.force_login(without)
    refused = client.get(url)
    page = client.get(reverse("admin:licensing_application_change", args=[application.pk]))
    client.force_login(reviewer)
    mismatched = client.get(wrong_application)
    client.force_login(resident)
    resident_response = client.get(url)

    # then
    assert refused.status_code == 404
    assert page.context["documents"] == []
    assert "You do not have permission to see case documents." in page.content.decode()
    assert mismatched.status_code == 404
    assert resident_response.status_code == 403


def test_assign_assign_to_me_and_notes_on_the_application_page(client, reviewer, typed):
    # given
    application = _submitted(UserFactory(), typed)
    colleague = _staff("view_application")
    client.force_login(reviewer)
    assign_url = reverse("admin:licensing_application_assign", args=[application.pk])
    note_url = reverse("admin:licensing_application_note", args=[application.pk])
    page_url = reverse("admin:licensing_application_change", args=[application.pk])

    # when
    to_colleague = client.post(assign_url, {"assignee": colleague.pk})
    after_colleague = Case.objects.get(pk=application.case_id).assignee
    to_me = client.post(assign_url, {"assignee": colleague.pk, "assign_to_me": "1"})
    noted = client.post(note_url, {"note-body": "Called the school: hours confirmed."})
    page = client.get(page_url)

    # then
    assert (to_colleague.status_code, to_colleague.url) == (302, page_url)
    assert after_colleague == colleague
    assert to_me.status_code == 302
    assert Case.objects.get(pk=application.case_id).assignee == reviewer
    assert noted.status_code == 302
    assert page.context["assigned_to_me"] is True
    notes = [e.body for e in page.context["timeline"] if e.kind == "note"]
    assert notes == ["Called the school: hours confirmed."]


def test_a_refused_assignment_or_empty_note_keeps_the_page_and_the_text(
    client, reviewer, typed, resident
):
    # given
    application = _submitted(UserFactory(), typed)
    client.force_login(reviewer)

    # when
    bad_assignee = client.post(
        reverse("admin:licensing_application_assign", args=[application.pk]),
        {"assignee": resident.pk},
    )
    empty_note = client.post(
        reverse("admin:licensing_application_note", args=[application.pk]), {"note-body": "  "}
    )

    # then
    assert bad_assignee.status_code == 400
    assert "assignee" in bad_assignee.context["assign_form"].errors
    assert empty_note.status_code == 400
    assert empty_note.context["note_form"].errors == {"body": ["This field is required."]}
    assert Case.objects.get(pk=application.case_id).assignee is None


CHANGELISTS = ["license", "licensetype", "application", "complaint", "disciplinaryaction"]


def _one_of_each(typed):
    """A license type, a submitted application, a license, a complaint and a warning."""
    license_type = LicenseTypeFactory()
    _submitted(UserFactory(), typed)
    license = LicenseFactory(license_type=license_type)
    services.complaint_file(license=license, details="Rude.", user=UserFactory())
    services.disciplinary_action_record(
        license=license, actor=StaffFactory(), kind="warning", public_summary="First warning."
    )


@pytest.mark.parametrize("model", CHANGELISTS)
def test_each_changelist_reads_the_same_number_of_queries_however_many_rows(
    client, typed, model, django_assert_max_num_queries
):
    # given: one row of each, then three more
    admin_user = StaffFactory(is_superuser=True)
    TOTP.activate(admin_user, generate_totp_secret())
    client.force_login(admin_user)
    url = reverse(f"admin:licensing_{model}_changelist")
    _one_of_each(typed)
    with django_assert_max_num_queries(100) as few:
        assert client.get(url).status_code == 200
    baseline = len(few.captured_queries)
    for _ in range(3):
        _one_of_each(typed)

    # when / then
    with django_assert_max_num_queries(baseline):
        response = client.get(url)
    assert response.context["cl"].result_count >= 4


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        (
            {"kind": "number", "min_value": 5, "max_value": 1},
            "cases_question_min_not_above_max",
        ),
        ({"kind": "text", "min_value": 0}, "cases_question_number_limits_on_numbers"),
        ({"kind": "number", "date_range": "not_past"}, "cases_question_date_range_on_dates"),
        ({"kind": "date", "date_range": "someday"}, "cases_question_date_range_known"),
    ],
)
def test_the_database_refuses_limits_that_contradict_the_question(db, fields, constraint):
    from django.db import IntegrityError, transaction

    from tests.licensing.factories import QuestionFactory

    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        QuestionFactory(**fields)


def test_the_question_form_explains_limits_that_contradict_each_other(db):
    # given
    from cases.questions.admin import QuestionInlineForm
    from cases.questions.models import Question
    from tests.licensing.factories import LicenseTypeFactory

    license_type = LicenseTypeFactory()
    data = {"order": 1, "code": "staff", "label": "Staff", "kind": "number", "required": "on"}

    # when
    reversed_limits = QuestionInlineForm(
        {**data, "min_value": "10", "max_value": "1"},
        instance=Question(owner=license_type),
    )
    on_text = QuestionInlineForm(
        {**data, "kind": "text", "min_value": "0"}, instance=Question(owner=license_type)
    )

    # then
    assert reversed_limits.errors["__all__"] == [
        "The smallest number allowed must not be more than the largest."
    ]
    assert on_text.errors["__all__"] == ["Only a number question has a smallest or largest number."]


def test_the_queue_shows_the_service_level_in_as_many_queries_for_more_applications(
    client, reviewer, typed
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(reviewer)
    url = reverse("admin:licensing_application_changelist")

    def count():
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url).content.decode()
        return len(captured.captured_queries), page

    # given
    _submitted(UserFactory(), typed)
    few, page = count()

    # when: four more applications
    for _ in range(4):
        _submitted(UserFactory(), typed)
    many, _page = count()

    # then
    assert many == few
    assert "business days left)" in page


# --- Money in dollars ----------------------------------------------------------------------


def _readonly_values(page: str) -> list[str]:
    """The texts of the read-only fields of an admin change page."""
    return [value.strip() for value in re.findall(r'<div class="readonly">(.*?)</div>', page)]


def test_the_application_page_shows_the_fee_in_dollars(client, reviewer, resident):
    # given
    license_type = LicenseTypeFactory(application_fee_cents=12345)
    application = _submitted(resident, license_type)
    client.force_login(reviewer)

    # when
    page = client.get(reverse("admin:licensing_application_change", args=[application.pk]))

    # then
    values = _readonly_values(page.content.decode())
    assert "$123.45" in values
    assert "12345" not in values


def test_a_fine_is_shown_in_dollars_on_the_action_and_the_license(client, licensing_clerk):
    # given
    license = LicenseFactory()
    action = services.disciplinary_action_record(
        license=license,
        actor=licensing_clerk,
        kind="fine",
        fine_cents=125050,
        public_summary="Worked without a permit.",
    )
    licensing_clerk.user_permissions.add(Permission.objects.get(codename="view_disciplinaryaction"))
    client.force_login(licensing_clerk)

    # when
    action_page = client.get(
        reverse("admin:licensing_disciplinaryaction_change", args=[action.pk])
    ).content.decode()
    license_page = client.get(
        reverse("admin:licensing_license_change", args=[license.pk])
    ).content.decode()

    # then
    assert "$1,250.50" in _readonly_values(action_page)
    assert "125050" not in _readonly_values(action_page)
    assert "$1,250.50" in license_page
    assert ">125050<" not in license_page
