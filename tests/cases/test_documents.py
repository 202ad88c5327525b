import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from cases import services
from cases.documents import clean_original_name
from cases.exceptions import ActionForbidden, DocumentRejected
from cases.models import CaseDocument, CaseEvent
from cases.tasks import sweep_orphaned_documents
from tests.cases.factories import EXE_BYTES, JPEG_BYTES, PDF_BYTES, PNG_BYTES

pytestmark = pytest.mark.django_db


def _stored_files(media_root):
    return sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


@pytest.mark.parametrize(
    ("name", "content", "content_type", "extension"),
    [
        ("permit.pdf", PDF_BYTES, "application/pdf", "pdf"),
        ("site plan.png", PNG_BYTES, "image/png", "png"),
        ("photo.jpeg", JPEG_BYTES, "image/jpeg", "jpg"),
        # The name lies, the content decides: a PNG called .pdf is stored as the PNG it is.
        ("scan.pdf", PNG_BYTES, "image/png", "png"),
    ],
)
def test_document_add_stores_accepted_types_under_a_random_name(
    make_case, name, content, content_type, extension, _media_root
):
    # given
    case = make_case()
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")

    # when
    document = services.document_add(case=case, uploaded_by=case.applicant, upload=upload)

    # then
    assert (document.content_type, document.size, document.original_name) == (
        content_type,
        len(content),
        name,
    )
    stored = document.file.name
    assert stored.startswith(f"cases/{case.pk}/")
    assert stored.endswith(f".{extension}")
    assert name.rsplit(".", 1)[0] not in stored
    assert len(stored.rsplit("/", 1)[1]) == 32 + 1 + len(extension)
    with default_storage.open(stored, "rb") as stored_file:
        assert stored_file.read() == content
    assert _stored_files(_media_root) == [_media_root / stored]
    event = CaseEvent.objects.get(case=case, kind="document_added")
    assert (event.audience, event.actor, event.body) == ("participants", case.applicant, name)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("invoice.pdf", EXE_BYTES, "file_type"),  # a program renamed to .pdf
        ("notes.txt", b"just some text, no signature", "file_type"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_document_add_refuses_by_content_and_stores_nothing(
    make_case, name, content, code, _media_root
):
    # given
    case = make_case()
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    events_before = case.events.count()

    # when
    with pytest.raises(DocumentRejected) as refused:
        services.document_add(case=case, uploaded_by=case.applicant, upload=upload)

    # then
    assert refused.value.code == code
    assert CaseDocument.objects.count() == 0
    assert case.events.count() == events_before
    assert _stored_files(_media_root) == []


def test_document_add_refuses_files_over_the_limit_and_stores_nothing(
    settings, make_case, _media_root
):
    # given
    settings.DOCUMENT_MAX_BYTES = 1024
    case = make_case()
    too_big = PDF_BYTES + b"0" * (1025 - len(PDF_BYTES))
    just_fits = PDF_BYTES + b"0" * (1024 - len(PDF_BYTES))

    # when
    with pytest.raises(DocumentRejected) as refused:
        services.document_add(
            case=case, uploaded_by=case.applicant, upload=ContentFile(too_big, name="a.pdf")
        )
    services.document_add(
        case=case, uploaded_by=case.applicant, upload=ContentFile(just_fits, name="b.pdf")
    )

    # then
    assert refused.value.code == "too_large"
    assert "1.0\xa0KB" in refused.value.messages[0]
    assert list(CaseDocument.objects.values_list("original_name", flat=True)) == ["b.pdf"]
    assert len(_stored_files(_media_root)) == 1


def test_a_resident_upload_is_always_visible_to_them(make_case):
    case = make_case()
    document = services.document_add(
        case=case,
        uploaded_by=case.applicant,
        upload=ContentFile(PDF_BYTES, name="a.pdf"),
        public=False,
    )
    assert document.public is True


def test_staff_can_add_an_internal_document(make_case, clerk):
    case = make_case()
    document = services.document_add(
        case=case, uploaded_by=clerk, upload=ContentFile(PDF_BYTES, name="memo.pdf"), public=False
    )
    event = case.events.get(kind="document_added")
    assert (document.public, event.audience) == (False, "staff")


def test_a_stranger_cannot_add_documents(make_case, other_resident, _media_root):
    case = make_case()
    with pytest.raises(ActionForbidden):
        services.document_add(
            case=case, uploaded_by=other_resident, upload=ContentFile(PDF_BYTES, name="x.pdf")
        )
    assert _stored_files(_media_root) == []


def test_a_failed_row_write_removes_the_stored_file(make_case, _media_root, monkeypatch):
    # given: the database refuses the row after the file was written
    case = make_case()

    def refuse(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(CaseDocument, "save", refuse)

    # when
    with pytest.raises(RuntimeError):
        services.document_add(
            case=case, uploaded_by=case.applicant, upload=ContentFile(PDF_BYTES, name="a.pdf")
        )

    # then
    assert _stored_files(_media_root) == []


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("C:\\Users\\ana\\permit.pdf", "permit.pdf"),
        ("../../etc/passwd", "passwd"),
        ("bad\x00name\r\n.pdf", "badname.pdf"),
        ("", "document"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),  # 255 characters, extension kept
    ],
)
def test_clean_original_name(given, expected):
    assert clean_original_name(given) == expected


def _age(media_root, name, *, hours):
    """Backdate a stored file, as if it had been written `hours` ago."""
    path = media_root / name
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_a_file_left_by_a_rolled_back_upload_is_swept_once_it_is_old(make_case, _media_root):
    # given: one upload kept, one whose enclosing transaction rolled back after the write
    case = make_case()
    kept = services.document_add(
        case=case,
        uploaded_by=case.applicant,
        upload=SimpleUploadedFile("kept.pdf", PDF_BYTES),
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = services.document_add(
            case=case,
            uploaded_by=case.applicant,
            upload=SimpleUploadedFile("lost.pdf", PDF_BYTES),
        )
        raise RuntimeError("the caller's next step failed")
    assert default_storage.exists(lost.file.name)
    _age(_media_root, kept.file.name, hours=48)

    # when: the sweep runs while the orphan is fresh, then once it is old, then again
    while_fresh = sweep_orphaned_documents()
    _age(_media_root, lost.file.name, hours=48)
    once_old = sweep_orphaned_documents()
    again = sweep_orphaned_documents()

    # then
    assert (while_fresh, once_old, again) == (0, 1, 0)
    assert not default_storage.exists(lost.file.name)
    assert default_storage.exists(kept.file.name)
    assert list(CaseDocument.objects.values_list("pk", flat=True)) == [kept.pk]


def test_the_sweep_has_nothing_to_do_before_any_upload(_media_root):
    assert sweep_orphaned_documents() == 0
