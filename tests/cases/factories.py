import io

import factory
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import NameObject

from cases import services
from cases.models import Case, Department
from tests.accounts.factories import UserFactory
from tests.cases.workflows import TEST_PERMIT


def pdf_bytes(*, pages: int = 1, **catalog) -> bytes:
    """A real PDF of blank letter-size pages, written by pypdf; `catalog` adds entries to
    its catalog (an /OpenAction, /Names...), already as pypdf objects."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    for key, value in catalog.items():
        writer.root_object[NameObject(f"/{key}")] = value
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def image_bytes(image_format: str, *, size=(40, 30), color=(200, 40, 40), **save) -> bytes:
    """A real image drawn by Pillow, encoded as `image_format` ("PNG", "JPEG", "HEIF"...)."""
    output = io.BytesIO()
    Image.new("RGB", size, color).save(output, format=image_format, **save)
    return output.getvalue()


# Real files of the accepted types: uploads are parsed and decoded, not just sniffed.
PDF_BYTES = pdf_bytes()
PNG_BYTES = image_bytes("PNG")
JPEG_BYTES = image_bytes("JPEG")
# A Windows program (MZ header), the classic thing to rename to .pdf.
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["code"]

    name = factory.Sequence(lambda n: f"Department {n}")
    code = factory.Sequence(lambda n: f"DEPT_{n}")


class CaseFactory(factory.Factory):
    """A case opened through `case_create`, as in production (reference, event, notice)."""

    class Meta:
        model = Case

    kind = TEST_PERMIT.kind
    applicant = factory.SubFactory(UserFactory)
    guest_name = ""
    guest_email = ""
    guest_phone = ""
    department = None
    submit = True
    actor = None

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.case_create(**kwargs)

    @classmethod
    def _build(cls, model_class, **kwargs):
        # Deliberately refused: an unsaved Case would skip the reference and workflow checks.
        raise TypeError("Cases are only made through case_create; use CaseFactory().")
