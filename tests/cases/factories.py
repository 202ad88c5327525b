import factory

from cases import services
from cases.models import Case, Department
from tests.accounts.factories import UserFactory
from tests.cases.workflows import TEST_PERMIT

# Signatures of the accepted types, enough for detection by content.
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
)
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
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
