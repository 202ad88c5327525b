"""Plan sheets: PDF only, checked by content, within the size limit, with clear refusals;
a draft's sheet uploaded again replaces it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from permits.exceptions import PermitNotEditable, PlanRejected
from permits.models import PlanSheet
from permits.services.apply_plans import plan_sheet_add, plan_sheet_remove
from tests.cases.factories import PDF_BYTES, image_bytes
from tests.permits.factories import PermitFactory

pytestmark = pytest.mark.django_db


def _upload(content=PDF_BYTES, name="sheet.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def permit():
    return PermitFactory()


def _refused(permit, upload) -> PlanRejected:
    with pytest.raises(PlanRejected) as refused:
        plan_sheet_add(permit=permit, actor=permit.case.applicant, sheet="A1", upload=upload)
    assert not PlanSheet.objects.filter(permit=permit).exists()
    return refused.value


def test_a_pdf_sheet_is_stored_with_its_pages(permit):
    row = plan_sheet_add(
        permit=permit,
        actor=permit.case.applicant,
        sheet=" a1.0 ",
        title="Site plan",
        upload=_upload(),
    )
    assert (row.sheet, row.title, row.version, row.review_round) == ("A1.0", "Site plan", 1, 1)
    assert row.page_count == 1
    assert row.size_bytes == len(PDF_BYTES)
    assert row.uploaded_by == permit.case.applicant
    assert row.file.read() == PDF_BYTES


def test_the_same_sheet_again_replaces_it_in_a_draft(permit):
    first = plan_sheet_add(permit=permit, actor=permit.case.applicant, sheet="A1", upload=_upload())
    second = plan_sheet_add(
        permit=permit, actor=permit.case.applicant, sheet="a1", title="Revised", upload=_upload()
    )
    assert list(permit.plan_sheets.values_list("pk", "title")) == [(second.pk, "Revised")]
    assert not PlanSheet.objects.filter(pk=first.pk).exists()


def test_an_image_named_pdf_is_not_a_pdf(permit):
    refusal = _refused(permit, _upload(image_bytes("PNG"), name="plan.pdf"))
    assert refusal.code == "file_type"
    assert refusal.messages == [
        "The selected file is not a PDF. Save or export the sheet as a PDF and upload it."
    ]


def test_an_empty_file(permit):
    assert _refused(permit, _upload(b"")).code == "empty"


def test_a_file_over_the_limit(permit, settings):
    settings.PERMITS_PLAN_MAX_BYTES = len(PDF_BYTES) - 1
    refusal = _refused(permit, _upload())
    assert refusal.code == "too_large"
    assert "a plan sheet must be smaller than" in refusal.messages[0]


def test_a_file_at_the_limit_is_accepted(permit, settings):
    settings.PERMITS_PLAN_MAX_BYTES = len(PDF_BYTES)
    assert plan_sheet_add(permit=permit, actor=permit.case.applicant, sheet="A1", upload=_upload())


def test_a_broken_pdf(permit):
    refusal = _refused(permit, _upload(b"%PDF-1.4\n garbage \n%%EOF"))
    assert refusal.code == "pdf_unreadable"


def test_only_the_applicant_adds_sheets(permit):
    from tests.accounts.factories import UserFactory

    with pytest.raises(PermitNotEditable):
        plan_sheet_add(permit=permit, actor=UserFactory(), sheet="A1", upload=_upload())


def test_a_sheet_is_removed_from_a_draft(permit):
    row = plan_sheet_add(permit=permit, actor=permit.case.applicant, sheet="A1", upload=_upload())
    plan_sheet_remove(permit=permit, actor=permit.case.applicant, sheet_id=row.pk)
    assert not permit.plan_sheets.exists()
    other = PermitFactory()
    mine = plan_sheet_add(permit=other, actor=other.case.applicant, sheet="A1", upload=_upload())
    with pytest.raises(PlanSheet.DoesNotExist):
        plan_sheet_remove(permit=permit, actor=permit.case.applicant, sheet_id=mine.pk)
