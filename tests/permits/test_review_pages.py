"""Plan review's pages: the applicant's review page (what is open and with whom, letters,
revised sheets, sending back), the correction letter PDF, and the reviewers' back office."""

import hashlib
import io
import subprocess

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import (
    InMemoryUploadedFile,
    SimpleUploadedFile,
    TemporaryUploadedFile,
)
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from permits import workflow as wf
from permits.correction_letters import letter_html, letter_pdf
from permits.models.reviews import CorrectionLetter, ReviewComment, ReviewDecision
from permits.services import reviews as services
from tests.accounts.factories import StaffFactory, UserFactory
from tests.cases.factories import PNG_BYTES, pdf_bytes
from tests.permits.factories import department
from tests.permits.reviews import (
    approve,
    ask_corrections,
    review_of,
    reviewer_of,
    sheet_of,
    submitted_permit,
)
from tests.permits.uploads import chunk_only_uploads, large_pdf, sha256_of

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def _with_mfa(user):
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def zoning():
    return _with_mfa(reviewer_of("ZONING"))


@pytest.fixture
def fire():
    return _with_mfa(reviewer_of("FIRE"))


def _in_corrections(zoning, fire, **kwargs):
    permit = submitted_permit("ZONING", "FIRE", **kwargs)
    services.review_start(permit=permit, actor=None)
    ask_corrections(permit, "ZONING", zoning, text="Show the 5 ft side setback on the site plan.")
    approve(permit, "FIRE", fire, conditions="Smoke alarms in every bedroom.")
    permit.case.refresh_from_db()
    return permit


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


# --- The correction letter ----------------------------------------------------------------


def test_the_letter_gathers_every_department_in_one_pdf(zoning, fire, tmp_path):
    permit = _in_corrections(zoning, fire)
    letter = CorrectionLetter.objects.get(permit=permit)

    text = _pdf_text(letter_pdf(letter=letter), tmp_path)

    assert "Plan review: corrections required" in text
    assert permit.case.reference in text
    assert "Zoning" in text and "Fire" in text
    assert "Show the 5 ft side setback" in text
    assert "A1.0" in text
    assert "Smoke alarms in every bedroom." in text
    assert "Corrections required" in text and "Approved with conditions" in text


def test_the_letter_speaks_the_applicants_language(zoning, fire):
    applicant = UserFactory(preferred_language="es")
    permit = _in_corrections(zoning, fire, applicant=applicant)
    letter = CorrectionLetter.objects.get(permit=permit)

    html = letter_html(letter=letter)  # whoever opens it, in the applicant's language

    assert '<html lang="es">' in html
    with translation.override("es"):
        # the agency's date: between midnight UTC and the agency's midnight they differ
        issued_on = timezone.localtime(letter.issued_at).date()
        assert formats.date_format(issued_on, "DATE_FORMAT") in html
    assert "Show the 5 ft side setback on the site plan." in html  # the reviewer's words


# --- The applicant's review page --------------------------------------------------------


def _page(reference):
    return reverse("permits:review", args=[reference])


def test_the_applicant_sees_what_is_open_and_with_whom(client, zoning, fire):
    permit = _in_corrections(zoning, fire)
    client.force_login(permit.case.applicant)

    response = client.get(_page(permit.case.reference))

    assert response.status_code == 200
    assert "permits/review_status.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "Waiting for your revised sheets" in page
    assert "You: upload revised sheets" in page
    assert "Show the 5 ft side setback on the site plan." in page
    assert "Smoke alarms in every bedroom." in page
    assert reverse("permits:correction_letter", args=[permit.case.reference, 1]) in page
    # Departments and the reviewer's role, never a member of staff's name or address.
    assert zoning.full_name not in page and zoning.email not in page
    assert fire.full_name not in page


def test_nobody_else_opens_the_review_page_or_the_letter(client, zoning, fire):
    permit = _in_corrections(zoning, fire)
    client.force_login(UserFactory())

    assert client.get(_page(permit.case.reference)).status_code == 404
    letter_url = reverse("permits:correction_letter", args=[permit.case.reference, 1])
    assert client.get(letter_url).status_code == 404


def test_signed_out_visitors_are_asked_to_sign_in(client, zoning, fire):
    permit = _in_corrections(zoning, fire)

    response = client.get(_page(permit.case.reference))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_applicant_downloads_the_letter(client, zoning, fire):
    permit = _in_corrections(zoning, fire)
    client.force_login(permit.case.applicant)

    response = client.get(reverse("permits:correction_letter", args=[permit.case.reference, 1]))
    missing = client.get(reverse("permits:correction_letter", args=[permit.case.reference, 2]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    assert missing.status_code == 404


def test_the_applicant_uploads_a_revised_sheet_and_sends_the_plans_back(client, zoning, fire):
    permit = _in_corrections(zoning, fire)
    client.force_login(permit.case.applicant)
    reference = permit.case.reference

    refused = client.post(reverse("permits:review_resubmit", args=[reference]))
    assert refused.status_code == 302
    permit.case.refresh_from_db()
    assert permit.case.status == wf.CORRECTIONS_REQUIRED

    uploaded = client.post(
        reverse("permits:review_sheet_upload", args=[reference]),
        {
            "sheet-sheet": "A1.0",
            "sheet-file": SimpleUploadedFile("a1.pdf", pdf_bytes(), "application/pdf"),
        },
    )
    assert uploaded.status_code == 302
    assert sheet_of(permit, "A1.0").version == 2

    sent = client.post(reverse("permits:review_resubmit", args=[reference]))

    assert sent.status_code == 302
    permit.case.refresh_from_db()
    assert permit.case.status == wf.IN_REVIEW
    assert review_of(permit, "ZONING").work_item.round == 2


def test_a_sheet_that_is_not_a_pdf_is_refused_on_the_form(client, zoning, fire):
    permit = _in_corrections(zoning, fire)
    client.force_login(permit.case.applicant)

    response = client.post(
        reverse("permits:review_sheet_upload", args=[permit.case.reference]),
        {"sheet-sheet": "A1.0", "sheet-file": SimpleUploadedFile("a1.png", PNG_BYTES)},
    )

    assert response.status_code == 400
    assert "The selected file is not a PDF." in response.content.decode()
    assert sheet_of(permit, "A1.0").version == 1


def test_a_sheet_over_the_limit_is_refused_on_the_form_and_nothing_is_stored(
    client, zoning, fire, settings
):
    # given: a limit of 1 MB and a 3 MB file that starts like a PDF
    settings.PERMITS_PLAN_MAX_BYTES = MB
    received = chunk_only_uploads(settings)
    permit = _in_corrections(zoning, fire)
    client.force_login(permit.case.applicant)
    stored_before = sorted(settings.MEDIA_ROOT.rglob("*.pdf"))
    big = SimpleUploadedFile("a1.pdf", b"%PDF-1.7\n" + b"0" * (3 * MB), "application/pdf")

    # when
    response = client.post(
        reverse("permits:review_sheet_upload", args=[permit.case.reference]),
        {"sheet-sheet": "A1.0", "sheet-title": "Site plan, revised", "sheet-file": big},
    )

    # then: the limit said in MB, the form back with what was typed, nothing stored
    page = response.content.decode()
    assert response.status_code == 400
    assert "a plan sheet must be smaller than 1.0\xa0MB" in page
    assert "A PDF, at most 1.0\xa0MB." in page
    assert 'value="A1.0"' in page
    assert 'value="Site plan, revised"' in page
    assert sheet_of(permit, "A1.0").version == 1
    assert sorted(settings.MEDIA_ROOT.rglob("*.pdf")) == stored_before
    assert len(received) == 1  # spooled to disk, and refused without reading it whole


def test_a_sheet_that_starts_like_a_pdf_and_is_not_one_is_refused_on_the_form(client, zoning, fire):
    permit = _in_corrections(zoning, fire)
    client.force_login(permit.case.applicant)
    broken = SimpleUploadedFile("a1.pdf", b"%PDF-1.7\n" + b"not a pdf\n" * 500, "application/pdf")

    response = client.post(
        reverse("permits:review_sheet_upload", args=[permit.case.reference]),
        {"sheet-sheet": "A1.0", "sheet-file": broken},
    )

    assert response.status_code == 400
    assert "The selected PDF could not be read." in response.content.decode()
    assert sheet_of(permit, "A1.0").version == 1


class _CountingFile(io.BytesIO):
    """A revised sheet's upload that counts the bytes read from it."""

    read_bytes = 0

    def read(self, size=-1):
        data = super().read(size)
        self.read_bytes += len(data)
        return data


def test_a_revised_sheet_is_read_through_once_to_check_it_and_once_to_store_it(
    zoning, fire, settings, tmp_path
):
    # given: a 3 MB revised sheet
    path = tmp_path / "a1.pdf"
    size = large_pdf(path, pages=3, page_bytes=MB)
    content = _CountingFile(path.read_bytes())
    upload = InMemoryUploadedFile(content, "file", "a1.pdf", "application/pdf", size, None)
    permit = _in_corrections(zoning, fire)

    # when
    revision = services.plan_sheet_revise(
        permit=permit, sheet="A1.0", upload=upload, actor=permit.case.applicant
    )

    # then: stored whole, and the bytes read are the check's one parse and the copy to
    # storage (not a third pass to count its size)
    assert (revision.version, revision.size_bytes, revision.page_count) == (2, size, 3)
    assert 2 * size <= content.read_bytes <= 2 * size + 64 * 1024, content.read_bytes / size


def test_a_large_revised_sheet_is_spooled_to_disk_and_stored_intact(
    client, zoning, fire, settings, tmp_path
):
    # given: a 5 MB sheet, past the size Django keeps in memory, and uploads whose read()
    # of the whole file fails the test
    received = chunk_only_uploads(settings)
    path = tmp_path / "a1.pdf"
    large_pdf(path, pages=2, page_bytes=2 * MB + MB // 2)
    content = path.read_bytes()
    assert len(content) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    permit = _in_corrections(zoning, fire)
    client.force_login(permit.case.applicant)

    # when
    response = client.post(
        reverse("permits:review_sheet_upload", args=[permit.case.reference]),
        {"sheet-sheet": "A1.0", "sheet-file": SimpleUploadedFile("a1.pdf", content)},
    )

    # then
    assert response.status_code == 302
    assert len(received) == 1
    assert isinstance(received[0], TemporaryUploadedFile)
    revision = sheet_of(permit, "A1.0")
    assert (revision.version, revision.size_bytes) == (2, len(content))
    with revision.file.open("rb") as stored:
        assert sha256_of(stored) == hashlib.sha256(content).hexdigest()


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_review_page_reads_the_same_number_of_queries_whatever_the_comments(
    client, zoning, fire
):
    # given: a permit with 2 departments and 1 comment, and one with 5 and 8 comments
    small = _in_corrections(zoning, fire)
    codes = ("ZONING", "FIRE", "HEALTH", "PUBLIC_WORKS", "BUILDING")
    large = submitted_permit(*codes, applicant=small.case.applicant)
    services.review_start(permit=large, actor=None)
    for code in codes:
        reviewer = reviewer_of(code)
        services.review_comment_add(
            review=review_of(large, code),
            sheet=sheet_of(large, "A1.0"),
            text="Fix A.",
            actor=reviewer,
        )
        if code in ("ZONING", "FIRE", "HEALTH"):
            services.review_comment_add(
                review=review_of(large, code),
                sheet=sheet_of(large, "S1.0"),
                text="Fix S.",
                actor=reviewer,
            )
        services.review_decide(
            review=review_of(large, code), decision=ReviewDecision.CORRECTIONS, actor=reviewer
        )
    assert ReviewComment.objects.filter(permit=large).count() == 8
    client.force_login(small.case.applicant)

    # when / then
    assert _count_queries(client, _page(small.case.reference)) == _count_queries(
        client, _page(large.case.reference)
    )


# --- The reviewers' back office ---------------------------------------------------------


def _review_url(review):
    return reverse("admin:permits_planreview_change", args=[review.pk])


def test_a_reviewer_sees_the_changed_sheets_and_every_comment(client, zoning, fire):
    # given: round 2, with A1.0 revised
    permit = _in_corrections(zoning, fire)
    services.plan_sheet_revise(
        permit=permit,
        sheet="A1.0",
        upload=SimpleUploadedFile("a1.pdf", pdf_bytes()),
        actor=permit.case.applicant,
    )
    services.review_resubmit(permit=permit, actor=permit.case.applicant)
    client.force_login(zoning)

    # when
    response = client.get(_review_url(review_of(permit, "ZONING")))

    # then
    assert response.status_code == 200
    assert "permits/admin/review.html" in [t.name for t in response.templates]
    sheets = {row.current.sheet: row for row in response.context["sheets"]}
    assert sheets["A1.0"].changed and not sheets["A2.0"].changed
    page = response.content.decode()
    assert "Changed" in page and "Mark resolved" in page
    assert "Show the 5 ft side setback on the site plan." in page


def test_the_queue_lists_a_reviewers_departments_only(client, zoning, fire):
    permit = submitted_permit("ZONING", "FIRE")
    services.review_start(permit=permit, actor=None)
    client.force_login(zoning)

    response = client.get(reverse("admin:permits_planreview_changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [review_of(permit, "ZONING")]
    assert client.get(_review_url(review_of(permit, "FIRE"))).status_code == 404


def test_a_reviewer_comments_and_decides_without_javascript(client, zoning, fire):
    permit = submitted_permit("ZONING", "FIRE")
    services.review_start(permit=permit, actor=None)
    review = review_of(permit, "ZONING")
    client.force_login(zoning)

    taken = client.post(reverse("admin:permits_planreview_take", args=[review.pk]))
    commented = client.post(
        reverse("admin:permits_planreview_comment", args=[review.pk]),
        {"comment-sheet": sheet_of(permit, "A2.0").pk, "comment-text": "Label the exits."},
    )
    decided = client.post(
        reverse("admin:permits_planreview_decide", args=[review.pk]),
        {"decision-decision": ReviewDecision.CORRECTIONS},
    )

    assert [taken.status_code, commented.status_code, decided.status_code] == [302, 302, 302]
    review = review_of(permit, "ZONING")
    assert review.work_item.assignee == zoning
    assert review.decision == ReviewDecision.CORRECTIONS
    assert ReviewComment.objects.get(permit=permit).sheet.sheet == "A2.0"


def test_a_refused_decision_comes_back_with_the_reason(client, zoning):
    permit = submitted_permit("ZONING")
    services.review_start(permit=permit, actor=None)
    review = review_of(permit, "ZONING")
    client.force_login(zoning)

    response = client.post(
        reverse("admin:permits_planreview_decide", args=[review.pk]),
        {"decision-decision": ReviewDecision.CONDITIONS, "decision-conditions": ""},
    )

    assert response.status_code == 400
    assert "Write the conditions of the approval." in response.content.decode()
    assert review_of(permit, "ZONING").is_open


def test_a_clerk_without_a_review_role_may_read_but_not_act(client, zoning):
    permit = submitted_permit("ZONING")
    services.review_start(permit=permit, actor=None)
    review = review_of(permit, "ZONING")
    clerk = _with_mfa(StaffFactory(roles=[("clerk", department("BUILDING"))]))
    client.force_login(clerk)

    page = client.get(_review_url(review))
    refused = client.post(
        reverse("admin:permits_planreview_decide", args=[review.pk]),
        {"decision-decision": ReviewDecision.APPROVED},
    )

    assert page.status_code == 200
    assert "Record the decision" not in page.content.decode()
    assert refused.status_code == 400
    assert review_of(permit, "ZONING").is_open


def test_a_resident_never_reaches_the_back_office(client):
    permit = submitted_permit("ZONING")
    services.review_start(permit=permit, actor=None)
    client.force_login(permit.case.applicant)

    response = client.get(_review_url(review_of(permit, "ZONING")))

    assert response.status_code == 403


def test_the_review_page_reads_the_same_number_of_queries_whatever_the_comments_admin(
    client, zoning
):
    def permit_with(comments: int, sheets):
        permit = submitted_permit("ZONING", sheets=sheets)
        services.review_start(permit=permit, actor=None)
        for i in range(comments):
            services.review_comment_add(
                review=review_of(permit, "ZONING"),
                sheet=sheet_of(permit, sheets[i % len(sheets)]),
                text=f"Comment {i}",
                actor=zoning,
            )
        return review_of(permit, "ZONING")

    small = permit_with(1, ("A1.0",))
    large = permit_with(9, ("A1.0", "A2.0", "A3.0", "S1.0", "E1.0"))
    client.force_login(zoning)

    assert _count_queries(client, _review_url(small)) == _count_queries(client, _review_url(large))


def test_a_supervisor_hands_a_review_to_a_reviewer_and_adds_a_department(client, zoning):
    # given
    permit = submitted_permit("ZONING")
    services.review_start(permit=permit, actor=None)
    review = review_of(permit, "ZONING")
    supervisor = _with_mfa(
        StaffFactory(
            roles=[("supervisor", department("ZONING")), ("clerk", department("BUILDING"))]
        )
    )
    client.force_login(supervisor)
    page = client.get(_review_url(review)).content.decode()
    assert "Save assignment" in page and "Add review" in page

    # when
    assigned = client.post(
        reverse("admin:permits_planreview_assign", args=[review.pk]),
        {"assign-assignee": zoning.pk},
    )
    added = client.post(
        reverse("admin:permits_planreview_add", args=[review.pk]),
        {"add-department": department("FIRE").pk},
    )
    refused = client.post(
        reverse("admin:permits_planreview_assign", args=[review.pk]),
        {"assign-assignee": supervisor.pk + 1000},
    )

    # then
    assert [assigned.status_code, added.status_code, refused.status_code] == [302, 302, 302]
    assert review_of(permit, "ZONING").work_item.assignee == zoning
    assert (review_of(permit, "FIRE").work_item.round) == 1


def test_a_reviewer_does_not_hand_reviews_out(client, zoning):
    permit = submitted_permit("ZONING")
    services.review_start(permit=permit, actor=None)
    client.force_login(zoning)

    page = client.get(_review_url(review_of(permit, "ZONING"))).content.decode()

    assert "Save assignment" not in page and "Add review" not in page


def test_the_case_page_tells_of_the_letter_and_the_permit_page_shows_the_review(
    client, zoning, fire
):
    permit = _in_corrections(zoning, fire)
    client.force_login(permit.case.applicant)

    case_page = client.get(permit.case.get_absolute_url()).content.decode()
    permit_page = client.get(reverse("permits:application", args=[permit.case.reference]))

    assert "Correction letter for review round 1: 1 comment to answer." in case_page
    assert permit_page.status_code == 200
    body = permit_page.content.decode()
    assert "Waiting for your revised sheets" in body
    assert reverse("permits:correction_letter", args=[permit.case.reference, 1]) in body
    assert reverse("permits:review", args=[permit.case.reference]) in body


def test_a_review_closed_with_its_withdrawn_application_says_so_and_offers_nothing(client, zoning):
    # given: the applicant withdrew while zoning was reviewing
    from permits.services.cancel import permit_withdraw

    permit = submitted_permit("ZONING")
    services.review_start(permit=permit, actor=None)
    review = review_of(permit, "ZONING")
    permit_withdraw(permit=permit, actor=permit.case.applicant)
    client.force_login(zoning)

    # when: the page, then a take and a decision posted from a page loaded before
    page = client.get(_review_url(review))
    taken = client.post(reverse("admin:permits_planreview_take", args=[review.pk]), follow=True)
    decided = client.post(
        reverse("admin:permits_planreview_decide", args=[review.pk]),
        {"decision-decision": ReviewDecision.APPROVED},
    )

    # then: the page says why and offers no action; each post is refused with the reason
    said = "This review was closed: the application was withdrawn or cancelled."
    assert page.status_code == 200
    assert said in page.content.decode()
    assert reverse("admin:permits_planreview_take", args=[review.pk]) not in page.content.decode()
    assert taken.status_code == 200
    assert "withdrawn or cancelled" in taken.content.decode()
    assert decided.status_code == 400
    assert "withdrawn or cancelled" in decided.content.decode()
    assert review_of(permit, "ZONING").work_item.assignee_id is None
