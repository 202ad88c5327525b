"""Large plan sets are checked and stored without being held in memory: the size is measured
without reading and refused past the limit, the PDF is parsed where it lies, and the check
reads the file through once."""

import io
import tracemalloc

import pytest
from django.core.files import File
from django.core.files.uploadedfile import (
    InMemoryUploadedFile,
    SimpleUploadedFile,
    TemporaryUploadedFile,
)
from django.urls import reverse

from permits.exceptions import PlanRejected
from permits.models import PlanSheet
from permits.plan_files import plan_pdf_check
from permits.services.apply_plans import plan_sheet_add
from tests.cases.factories import PNG_BYTES
from tests.permits.factories import PermitFactory
from tests.permits.uploads import chunk_only_uploads, large_pdf, sha256_of

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


class CountingReader(io.BytesIO):
    """A file that counts the bytes read from it."""

    read_bytes = 0

    def read(self, size=-1):
        data = super().read(size)
        self.read_bytes += len(data)
        return data


def test_a_large_plan_set_is_checked_and_stored_in_bounded_memory(settings, tmp_path):
    # given: a 40 MB plan set of 20 sheets, on disk as Django spools a large upload
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PERMITS_PLAN_MAX_BYTES = 60 * MB
    path = tmp_path / "plans.pdf"
    size = large_pdf(path, pages=20, page_bytes=2 * MB)
    permit = PermitFactory()

    # when
    with open(path, "rb") as handle:
        tracemalloc.start()
        try:
            sheet = plan_sheet_add(
                permit=permit,
                actor=permit.case.applicant,
                sheet="A1",
                upload=File(handle, name="plans.pdf"),
            )
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    # then: stored whole, its pages counted, and never more than a fraction of it in memory
    assert (sheet.size_bytes, sheet.page_count) == (size, 20)
    assert sheet.file.size == size
    assert peak < 16 * MB, f"peak {peak / MB:.1f} MB for a {size / MB:.0f} MB file"


def test_a_large_file_over_the_limit_is_refused_on_the_plans_page(client, settings):
    # given: a limit of 5 MB and an 8 MB file that starts like a PDF
    settings.PERMITS_PLAN_MAX_BYTES = 5 * MB
    received = chunk_only_uploads(settings)
    permit = PermitFactory()
    client.force_login(permit.case.applicant)
    big = SimpleUploadedFile(
        "plans.pdf", b"%PDF-1.7\n" + b"0" * (8 * MB), content_type="application/pdf"
    )

    # when
    response = client.post(
        reverse("permits:apply_plans", args=[permit.case.reference]),
        {"sheet": "A1", "title": "Site plan", "file": big},
    )

    # then: the limit said in MB, the form back with what was typed, nothing stored
    page = response.content.decode()
    assert response.status_code == 400
    assert "a plan sheet must be smaller than 5.0\xa0MB" in page
    assert 'value="A1"' in page
    assert 'value="Site plan"' in page
    assert not PlanSheet.objects.filter(permit=permit).exists()
    assert not list(settings.MEDIA_ROOT.rglob("*.pdf"))
    assert len(received) == 1  # on disk, and refused without reading it whole


def test_a_file_that_is_not_a_pdf_is_refused_on_the_plans_page(client, settings):
    permit = PermitFactory()
    client.force_login(permit.case.applicant)

    response = client.post(
        reverse("permits:apply_plans", args=[permit.case.reference]),
        {"sheet": "A1", "title": "Site plan", "file": SimpleUploadedFile("plans.pdf", PNG_BYTES)},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "The selected file is not a PDF." in page
    assert 'value="Site plan"' in page
    assert not PlanSheet.objects.filter(permit=permit).exists()


def test_a_large_plan_set_is_spooled_to_disk_and_stored_intact_from_the_plans_page(
    client, settings, tmp_path
):
    # given: a 6 MB plan set, past the size Django keeps in memory, and uploads whose
    # read() of the whole file fails the test
    received = chunk_only_uploads(settings)
    path = tmp_path / "plans.pdf"
    size = large_pdf(path, pages=3, page_bytes=2 * MB)
    assert size > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    permit = PermitFactory()
    client.force_login(permit.case.applicant)

    # when
    with open(path, "rb") as handle:
        response = client.post(
            reverse("permits:apply_plans", args=[permit.case.reference]),
            {"sheet": "A1", "title": "Site plan", "file": handle},
        )

    # then: received as a temporary file on disk, and stored byte for byte
    assert response.status_code == 302
    assert len(received) == 1
    assert isinstance(received[0], TemporaryUploadedFile)
    sheet = PlanSheet.objects.get(permit=permit)
    assert (sheet.size_bytes, sheet.page_count) == (size, 3)
    with sheet.file.open("rb") as stored, open(path, "rb") as original:
        assert sha256_of(stored) == sha256_of(original)


def test_the_limit_holds_when_the_declared_size_is_wrong(settings):
    # given: 3 MB whose upload claims 100 bytes, and a limit of 1 MB
    settings.PERMITS_PLAN_MAX_BYTES = MB
    content = CountingReader(b"%PDF-1.7\n" + b"0" * (3 * MB))
    upload = InMemoryUploadedFile(content, "file", "plans.pdf", "application/pdf", 100, None)

    # when
    with pytest.raises(PlanRejected) as refused:
        plan_pdf_check(upload)

    # then: refused for its real size, without reading any of it
    assert refused.value.code == "too_large"
    assert (
        "The selected file is 3.0\xa0MB: a plan sheet must be smaller than 1.0"
        in (refused.value.messages[0])
    )
    assert content.read_bytes == 0


def test_a_file_of_exactly_the_limit_passes_and_one_byte_more_is_refused(settings, tmp_path):
    # given: a real PDF, and the limit set at its size
    path = tmp_path / "plans.pdf"
    size = large_pdf(path, pages=1, page_bytes=MB)
    data = path.read_bytes()

    # when / then
    settings.PERMITS_PLAN_MAX_BYTES = size
    assert plan_pdf_check(SimpleUploadedFile("plans.pdf", data)).size == size
    settings.PERMITS_PLAN_MAX_BYTES = size - 1
    with pytest.raises(PlanRejected) as refused:
        plan_pdf_check(SimpleUploadedFile("plans.pdf", data))
    assert refused.value.code == "too_large"


def test_the_check_reads_a_good_plan_through_once(settings, tmp_path):
    # given: a 3 MB plan set of three sheets
    settings.PERMITS_PLAN_MAX_BYTES = 60 * MB
    path = tmp_path / "plans.pdf"
    size = large_pdf(path, pages=3, page_bytes=MB)
    content = CountingReader(path.read_bytes())
    upload = InMemoryUploadedFile(content, "file", "plans.pdf", "application/pdf", size, None)

    # when
    checked = plan_pdf_check(upload)

    # then: passed, rewound for storing, and read once (the parse), not once more to count
    # its size: at most the file and the first bytes that show its type
    assert (checked.size, checked.pages, content.tell()) == (size, 3, 0)
    assert size <= content.read_bytes <= size + 64 * 1024, content.read_bytes / size


def test_a_bad_pdf_is_still_refused_after_one_read(settings):
    # given: bytes that start like a PDF and are not one
    settings.PERMITS_PLAN_MAX_BYTES = MB
    content = CountingReader(b"%PDF-1.7\n" + b"not a pdf at all\n" * 1000)

    # when
    with pytest.raises(PlanRejected) as refused:
        plan_pdf_check(
            InMemoryUploadedFile(
                content, "file", "plans.pdf", "application/pdf", len(content.getvalue()), None
            )
        )

    # then
    assert refused.value.code == "pdf_unreadable"
