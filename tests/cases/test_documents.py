import io
import os
import struct
import time
import zlib
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from cases import services
from cases.documents import clean_original_name
from cases.exceptions import ActionForbidden, DocumentRejected
from cases.models import CaseDocument, CaseEvent
from cases.tasks import sweep_orphaned_documents
from tests.cases.factories import (
    EXE_BYTES,
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    image_bytes,
    pdf_bytes,
)
from tests.concerns.factories import jpeg_bytes

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
    assert (document.content_type, document.original_name) == (content_type, name)
    stored = document.file.name
    assert stored.startswith(f"cases/{case.pk}/")
    assert stored.endswith(f".{extension}")
    assert name.rsplit(".", 1)[0] not in stored
    assert len(stored.rsplit("/", 1)[1]) == 32 + 1 + len(extension)
    with default_storage.open(stored, "rb") as stored_file:
        kept = stored_file.read()
    if content_type == "application/pdf":
        assert kept == content  # parsed, then stored as given
    else:
        assert Image.open(io.BytesIO(kept)).size == Image.open(io.BytesIO(content)).size
    assert document.size == len(kept)
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


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` x `height` pixels: a few bytes on disk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def _encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF_BYTES)))
    writer.encrypt(user_password="secret", owner_password="owner")
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _pdf_with_attachment() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF_BYTES)))
    writer.add_attachment("payload.exe", EXE_BYTES)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _pdf_with_document_script() -> bytes:
    """A document-level script, in the catalog's /Names /JavaScript tree."""
    script = _action("JavaScript", JS="app.alert('hello');")
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("greeting"), script])}
    )
    return pdf_bytes(Names=DictionaryObject({NameObject("/JavaScript"): tree}))


def _action(kind: str, **entries) -> DictionaryObject:
    action = DictionaryObject({NameObject("/S"): NameObject(f"/{kind}")})
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = TextStringObject(value)
    return action


HTML_AFTER_PDF_HEADER = (
    b"%PDF-1.4\n<html><body><script>fetch('/accounts/email/')</script></body></html>\n%%EOF\n"
)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (HTML_AFTER_PDF_HEADER, "pdf_unreadable"),
        (PDF_BYTES[: len(PDF_BYTES) // 2], "pdf_unreadable"),  # cut short
        (_encrypted_pdf(), "pdf_encrypted"),
        (_pdf_with_document_script(), "pdf_active_content"),
        (_pdf_with_attachment(), "pdf_active_content"),
        (pdf_bytes(OpenAction=_action("JavaScript", JS="app.alert(1)")), "pdf_active_content"),
        (pdf_bytes(OpenAction=_action("Launch", F="cmd.exe")), "pdf_active_content"),
    ],
    ids=["html", "truncated", "encrypted", "javascript", "attachment", "open-js", "launch"],
)
def test_a_pdf_is_parsed_and_refused_when_broken_locked_or_active(
    make_case, content, code, _media_root
):
    # given
    case = make_case()
    upload = SimpleUploadedFile("form.pdf", content, content_type="application/pdf")

    # when
    with pytest.raises(DocumentRejected) as refused:
        services.document_add(case=case, uploaded_by=case.applicant, upload=upload)

    # then
    assert refused.value.code == code
    assert CaseDocument.objects.count() == 0
    assert _stored_files(_media_root) == []


def test_a_pdf_with_many_pages_is_stored_as_given(make_case):
    case = make_case()
    content = pdf_bytes(pages=30)
    document = services.document_add(
        case=case, uploaded_by=case.applicant, upload=ContentFile(content, name="plans.pdf")
    )
    with document.file.open("rb") as stored:
        assert stored.read() == content


def test_an_image_of_too_many_pixels_is_refused_before_it_is_decoded(make_case, _media_root):
    # given: 30000 x 30000 pixels in a file of under a hundred bytes
    case = make_case()
    upload = SimpleUploadedFile("plan.png", _png_header(30000, 30000), content_type="image/png")

    # when
    with pytest.raises(DocumentRejected) as refused:
        services.document_add(case=case, uploaded_by=case.applicant, upload=upload)

    # then
    assert refused.value.code == "too_many_pixels"
    assert refused.value.messages == [
        "The selected image is too large: it must have fewer than 40 million pixels "
        "(width times height). Save it at a smaller size."
    ]
    assert _stored_files(_media_root) == []


def test_an_image_that_does_not_decode_is_refused(make_case):
    case = make_case()
    broken = PNG_BYTES[:40]
    with pytest.raises(DocumentRejected) as refused:
        services.document_add(
            case=case, uploaded_by=case.applicant, upload=ContentFile(broken, name="a.png")
        )
    assert refused.value.code == "image_unreadable"


def test_an_image_is_stored_upright_without_its_camera_metadata(make_case):
    # given: a phone photo with a GPS position and a camera maker in its EXIF block
    case = make_case()
    content = jpeg_bytes(size=(64, 48), exif_gps=(Decimal("39.781700"), Decimal("-89.650100")))
    assert Image.open(io.BytesIO(content)).getexif().get_ifd(0x8825)

    # when
    document = services.document_add(
        case=case, uploaded_by=case.applicant, upload=ContentFile(content, name="id.jpg")
    )

    # then
    with document.file.open("rb") as stored:
        kept = stored.read()
    image = Image.open(io.BytesIO(kept))
    assert (image.format, image.size, document.content_type) == ("JPEG", (64, 48), "image/jpeg")
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info
    assert b"PhoneMaker" not in kept


def test_a_png_keeps_its_pixels_and_loses_its_text_and_exif(make_case):
    # given
    from PIL.PngImagePlugin import PngInfo

    case = make_case()
    text = PngInfo()
    text.add_text("Author", "Ana Ruiz, 12 Elm Street")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    content = image_bytes("PNG", size=(10, 8), pnginfo=text, exif=exif)

    # when
    document = services.document_add(
        case=case, uploaded_by=case.applicant, upload=ContentFile(content, name="plan.png")
    )

    # then
    with document.file.open("rb") as stored:
        kept = stored.read()
    image = Image.open(io.BytesIO(kept))
    assert (image.format, image.size, image.getpixel((3, 3))) == ("PNG", (10, 8), (200, 40, 40))
    assert b"Elm Street" not in kept and b"PhoneMaker" not in kept


def test_a_heic_photo_is_stored_as_a_jpeg(make_case):
    # given: an iPhone's default format, which browsers do not show
    case = make_case()
    content = image_bytes("HEIF", size=(64, 48))

    # when
    document = services.document_add(
        case=case, uploaded_by=case.applicant, upload=ContentFile(content, name="IMG_0001.HEIC")
    )

    # then
    assert (document.content_type, document.download_name) == ("image/jpeg", "IMG_0001.jpg")
    assert document.file.name.endswith(".jpg")
    with document.file.open("rb") as stored:
        assert Image.open(stored).size == (64, 48)


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
