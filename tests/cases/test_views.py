import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import services
from cases.models import Case, CaseDocument, CaseEvent, CaseMessage, CaseStatus
from cases.tokens import guest_token
from tests.cases.factories import EXE_BYTES, PDF_BYTES, PNG_BYTES

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(make_case, resident):
    return make_case(applicant=resident)


@pytest.fixture
def signed_in(client, resident):
    client.force_login(resident)
    return client


def _detail(case):
    return reverse("cases:detail", kwargs={"reference": case.reference})


def _snapshot():
    """Everything a forged request could change."""
    return (
        list(Case.objects.order_by("pk").values_list("pk", "status", "assignee_id", "closed_at")),
        CaseEvent.objects.count(),
        CaseMessage.objects.count(),
        CaseDocument.objects.count(),
    )


# --- the case page -------------------------------------------------------------------------


def test_case_page_shows_plain_language_status_timeline_documents_and_messages(
    signed_in, case, clerk
):
    # given
    services.transition(case=case, to_status=CaseStatus.IN_REVIEW, actor=clerk, public_note="Hi!")
    services.case_add_note(case=case, author=clerk, body="Secret staff remark")
    services.document_add(case=case, uploaded_by=clerk, upload=ContentFile(PDF_BYTES, "p.pdf"))
    services.case_message_resident(case=case, author=clerk, body="Please send your ID.")

    # when
    response = signed_in.get(_detail(case))

    # then
    assert response.status_code == 200
    assert "cases/case_detail.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert f"Request {case.reference}" in page
    assert "Being reviewed" in page  # the workflow's wording, not the generic label
    assert "We are reviewing it." in page
    assert "Status: Being reviewed" in page and "Hi!" in page
    assert "Secret staff remark" not in page
    assert "p.pdf" in page
    assert "Please send your ID." in page
    assert 'name="reply-body"' in page and 'name="document-file"' in page
    assert "Withdraw" in page  # the resident's own move is offered
    assert "Start review" not in page  # staff moves are not
    assert CaseMessage.objects.get().read_at is not None  # the resident has now read it


def test_case_page_requires_sign_in(client, case):
    response = client.get(_detail(case))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_staff_do_not_use_the_resident_page(client, case_clerk, case):
    client.force_login(case_clerk)
    assert client.get(_detail(case)).status_code == 404


def test_case_page_query_count_does_not_grow_with_the_case(
    signed_in, case, clerk, django_assert_max_num_queries
):
    # given: a case with a long history
    def grow():
        services.case_message_resident(case=case, author=clerk, body="Another question")
        services.case_reply(case=case, author=case.applicant, body="Another answer")
        services.document_add(
            case=case, uploaded_by=clerk, upload=ContentFile(PNG_BYTES, "photo.png")
        )
        services.case_record_event(
            case=case, kind="update", body="Visited", audience="participants"
        )

    grow()
    with django_assert_max_num_queries(50) as small:
        signed_in.get(_detail(case))
    for _ in range(10):
        grow()

    # when / then
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = signed_in.get(_detail(case))
    # Each reply is on the thread and on the resident's timeline.
    assert response.content.decode().count("Another answer") == 22


# --- all my requests -----------------------------------------------------------------------


def test_all_my_requests_lists_only_mine_newest_first_a_page_at_a_time(
    signed_in, make_case, resident, other_resident
):
    # given
    mine = [make_case(applicant=resident) for _ in range(21)]
    theirs = make_case(applicant=other_resident)

    # when
    first = signed_in.get(reverse("cases:list"))
    second = signed_in.get(reverse("cases:list"), {"page": 2})

    # then
    assert first.status_code == 200
    assert "cases/case_list.html" in [t.name for t in first.templates]
    assert list(first.context["cases"]) == mine[:0:-1]
    assert list(second.context["cases"]) == mine[:1]
    html = first.content.decode()
    assert "<h1>All my requests</h1>" in html
    assert "Page 1 of 2" in html
    assert 'href="?page=2"' in html
    assert theirs.reference not in html + second.content.decode()


def test_all_my_requests_needs_sign_in(client):
    # when
    response = client.get(reverse("cases:list"))

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_all_my_requests_without_requests(signed_in):
    # when
    response = signed_in.get(reverse("cases:list"))

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "You have no requests yet." in html
    assert "usa-pagination" not in html


# --- replies -------------------------------------------------------------------------------


def test_reply_is_saved_and_redirects_back_with_a_message(signed_in, case):
    # when
    response = signed_in.post(
        reverse("cases:reply", kwargs={"reference": case.reference}),
        {"reply-body": "Here is my answer."},
        follow=True,
    )

    # then
    assert response.redirect_chain == [(f"{_detail(case)}#messages", 302)]
    assert CaseMessage.objects.get().body == "Here is my answer."
    assert "Your message has been sent." in response.content.decode()


def test_invalid_reply_rerenders_with_error_summary_and_typed_text(signed_in, case):
    # when
    typed = "x" * 5001
    response = signed_in.post(
        reverse("cases:reply", kwargs={"reference": case.reference}), {"reply-body": typed}
    )

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_reply-body"' in page
    assert typed in page
    assert CaseMessage.objects.count() == 0


def test_a_reply_with_invisible_formatting_characters_is_refused_and_kept(signed_in, case):
    # when
    typed = "Thanks, see the \u202efdp.exe attached"
    response = signed_in.post(
        reverse("cases:reply", kwargs={"reference": case.reference}), {"reply-body": typed}
    )

    # then
    page = response.content.decode()
    assert "Remove the invisible formatting characters from this answer." in page
    assert typed in page
    assert CaseMessage.objects.count() == 0


def test_empty_reply_says_what_to_do(signed_in, case):
    response = signed_in.post(
        reverse("cases:reply", kwargs={"reference": case.reference}), {"reply-body": " "}
    )
    assert "Enter your message." in response.content.decode()
    assert CaseMessage.objects.count() == 0


# --- uploads and downloads -----------------------------------------------------------------


def test_upload_stores_the_document_and_redirects(signed_in, case):
    upload = SimpleUploadedFile("my permit.pdf", PDF_BYTES, content_type="application/pdf")

    response = signed_in.post(
        reverse("cases:upload", kwargs={"reference": case.reference}), {"document-file": upload}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{_detail(case)}#documents"
    document = CaseDocument.objects.get()
    assert (document.original_name, document.content_type) == ("my permit.pdf", "application/pdf")


def test_upload_of_a_disguised_program_is_refused_with_an_error(signed_in, case, _media_root):
    upload = SimpleUploadedFile("invoice.pdf", EXE_BYTES, content_type="application/pdf")

    response = signed_in.post(
        reverse("cases:upload", kwargs={"reference": case.reference}), {"document-file": upload}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "The selected file must be a PDF, JPG, PNG, HEIC or WebP." in page
    assert 'href="#id_document-file"' in page
    assert CaseDocument.objects.count() == 0
    assert not _media_root.exists() or not any(p.is_file() for p in _media_root.rglob("*"))


def test_upload_without_a_file(signed_in, case):
    response = signed_in.post(reverse("cases:upload", kwargs={"reference": case.reference}), {})
    assert "Select a file to upload." in response.content.decode()


def test_download_streams_the_file_as_an_attachment(signed_in, case):
    document = services.document_add(
        case=case,
        uploaded_by=case.applicant,
        upload=SimpleUploadedFile("Permit scan.pdf", PDF_BYTES),
    )

    response = signed_in.get(document.get_absolute_url())

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Permit scan.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_an_image_is_downloaded_too_never_shown_in_the_page(signed_in, case):
    document = services.document_add(
        case=case, uploaded_by=case.applicant, upload=SimpleUploadedFile("plan.PNG", PNG_BYTES)
    )

    response = signed_in.get(document.get_absolute_url())

    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="plan.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_download_of_an_internal_document_is_404_for_the_resident(signed_in, case, clerk):
    memo = services.document_add(
        case=case, uploaded_by=clerk, upload=ContentFile(PDF_BYTES, "memo.pdf"), public=False
    )
    assert signed_in.get(memo.get_absolute_url()).status_code == 404


def test_staff_need_a_role_that_reads_documents_and_mfa_to_download(client, case, clerk):
    # given: an internal document, and a member of staff whose role reads no documents yet
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from cases.staffing import staff_membership_grant
    from tests.accounts.factories import StaffFactory

    memo = services.document_add(
        case=case, uploaded_by=clerk, upload=ContentFile(PDF_BYTES, "memo.pdf"), public=False
    )
    staff = StaffFactory(roles=["inspector"])
    services.case_assign(case=case, assignee=staff, actor=clerk)
    client.force_login(staff)
    url = memo.get_absolute_url()

    # when / then: an inspector on the case reads none of its documents
    assert client.get(url).status_code == 404
    staff_membership_grant(user=staff, role="reviewer")
    client.force_login(staff)
    assert client.get(url).status_code == 403  # a reviewer may, once MFA is on
    TOTP.activate(staff, generate_totp_secret())
    assert client.get(url).status_code == 200


def test_staff_may_download_any_document(client, case, case_clerk):
    memo = services.document_add(
        case=case, uploaded_by=case_clerk, upload=ContentFile(PDF_BYTES, "memo.pdf"), public=False
    )
    client.force_login(case_clerk)
    assert client.get(memo.get_absolute_url()).status_code == 200


# --- the resident's own status moves -------------------------------------------------------


def test_resident_can_withdraw(signed_in, case):
    response = signed_in.post(
        reverse("cases:transition", kwargs={"reference": case.reference}),
        {"to_status": "withdrawn"},
    )

    assert response.status_code == 302
    assert response["Location"] == _detail(case)
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN


@pytest.mark.parametrize(
    ("to_status", "expected"),
    [
        ("approved", 400),  # exists in the workflow, but not from "submitted"
        ("no-such-status", 400),
        ("", 400),
        ("in_review", 403),  # a real move from here, but staff's to make
        ("cancelled", 403),  # a real move from here, but the system's
    ],
)
def test_forged_status_moves_are_refused_and_change_nothing(signed_in, case, to_status, expected):
    before = _snapshot()

    response = signed_in.post(
        reverse("cases:transition", kwargs={"reference": case.reference}),
        {"to_status": to_status},
    )

    assert response.status_code == expected
    assert _snapshot() == before


def test_transition_endpoint_refuses_get(signed_in, case):
    response = signed_in.get(reverse("cases:transition", kwargs={"reference": case.reference}))
    assert response.status_code == 405


# --- another resident's case: 404 everywhere, nothing changed ------------------------------


def test_another_residents_case_is_404_on_every_url(client, make_case, other_resident, clerk):
    # given: a case with a document, and a different resident signed in
    case = make_case()
    document = services.document_add(
        case=case, uploaded_by=case.applicant, upload=ContentFile(PDF_BYTES, "a.pdf")
    )
    services.case_message_resident(case=case, author=clerk, body="Hello")
    client.force_login(other_resident)
    ref = {"reference": case.reference}
    urls = {
        "detail": reverse("cases:detail", kwargs=ref),
        "reply": reverse("cases:reply", kwargs=ref),
        "upload": reverse("cases:upload", kwargs=ref),
        "transition": reverse("cases:transition", kwargs=ref),
        "document": document.get_absolute_url(),
    }
    posts = {
        "reply": {"reply-body": "intrusion"},
        "upload": {"document-file": SimpleUploadedFile("x.pdf", PDF_BYTES)},
        "transition": {"to_status": "withdrawn"},
    }
    before = _snapshot()
    read_before = list(CaseMessage.objects.values_list("read_at", flat=True))

    # when / then
    for name, url in urls.items():
        get = client.get(url)
        assert get.status_code in (404, 405), (name, get.status_code)
        if name in ("detail", "document"):
            assert get.status_code == 404, name
        post = client.post(url, posts.get(name, {}))
        assert post.status_code in (404, 405), (name, post.status_code)
        if name in posts:
            assert post.status_code == 404, name
    assert _snapshot() == before
    assert list(CaseMessage.objects.values_list("read_at", flat=True)) == read_before


def test_a_made_up_document_id_on_my_own_case_is_404(signed_in, case, make_case, other_resident):
    theirs = make_case(applicant=other_resident)
    their_document = services.document_add(
        case=theirs, uploaded_by=other_resident, upload=ContentFile(PDF_BYTES, "t.pdf")
    )
    url = reverse(
        "cases:document", kwargs={"reference": case.reference, "document_id": their_document.pk}
    )
    assert signed_in.get(url).status_code == 404


# --- guests --------------------------------------------------------------------------------


def test_guest_link_shows_status_and_public_timeline(client, make_case, clerk):
    # given
    case = make_case(applicant=None, guest_name="Ana", guest_email="ana@example.org")
    services.case_add_note(case=case, author=clerk, body="Internal only")

    # when
    response = client.get(reverse("cases:guest", kwargs={"token": guest_token(case=case)}))

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert case.reference in page and "Received" in page
    assert "Internal only" not in page
    assert response["Referrer-Policy"] == "no-referrer"


def test_guest_link_refuses_forged_tokens_and_account_cases(client, case):
    forged = guest_token(case=case)[:-2] + "xx"
    assert client.get(reverse("cases:guest", kwargs={"token": forged})).status_code == 404
    # A case with an account behind it is read after signing in, not by link.
    own = client.get(reverse("cases:guest", kwargs={"token": guest_token(case=case)}))
    assert own.status_code == 410
    assert "Sign in to continue" in own.content.decode()


def test_error_pages_say_so_in_the_title(signed_in, case):
    response = signed_in.post(
        reverse("cases:reply", kwargs={"reference": case.reference}), {"reply-body": ""}
    )
    assert f"<title>Error: Request {case.reference}" in response.content.decode()


def test_no_uploads_on_a_closed_request(signed_in, case):
    services.transition(case=case, to_status=CaseStatus.WITHDRAWN, actor=case.applicant)

    page = signed_in.get(_detail(case)).content.decode()
    response = signed_in.post(
        reverse("cases:upload", kwargs={"reference": case.reference}),
        {"document-file": SimpleUploadedFile("late.pdf", PDF_BYTES)},
        follow=True,
    )

    assert 'name="document-file"' not in page
    assert response.redirect_chain == [(f"{_detail(case)}#documents", 302)]
    assert "This request is closed: you can no longer add documents." in response.content.decode()
    assert CaseDocument.objects.count() == 0
