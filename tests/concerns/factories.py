"""Factories for concern reports: categories with questions, and reports made through the
real `report_submit` service. Also small real images for photo tests."""

from __future__ import annotations

import io
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from cases.models import Department
from cases.questions.models import Question
from concerns import services
from concerns.attributes import question_add
from concerns.models import ConcernCategory, ConcernReport

# Inside the default agency area (CONCERNS_AREA_BOUNDS).
CITY_HALL = (Decimal("39.798700"), Decimal("-89.654300"))


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["code"]

    code = "PUBLIC_WORKS"
    name = "Public Works"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConcernCategory

    code = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"Category {n}")
    group = "Streets and sidewalks"
    description = "A problem in the street."
    department = factory.SubFactory(DepartmentFactory)
    target_days = 5
    published_at = factory.LazyFunction(timezone.now)


def add_question(
    category, *, code, datatype="string", required=False, values=(), description=None, **extra
) -> Question:
    """A question of the category, described as an Open311 attribute."""
    return question_add(
        category=category,
        code=code,
        description=description or f"Question {code}?",
        datatype=datatype,
        required=required,
        values=values,
        **extra,
    )


def pothole_category(**kwargs) -> ConcernCategory:
    """A category with one required list question ("size") and an optional text one."""
    category = CategoryFactory(code="pothole", name="Pothole", **kwargs)
    add_question(
        category,
        code="size",
        datatype="singlevaluelist",
        required=True,
        values=[("small", "Small"), ("large", "Large")],
        description="How big is it?",
    )
    add_question(category, code="lane", description="Which lane?")
    return category


def make_report(
    *,
    category=None,
    description="A deep pothole.",
    latitude=CITY_HALL[0],
    longitude=CITY_HALL[1],
    address="1 Main Street",
    answers=None,
    **kwargs,
) -> ConcernReport:
    category = category or CategoryFactory()
    return services.report_submit(
        category=category,
        description=description,
        address=address,
        latitude=latitude,
        longitude=longitude,
        answers=answers or {},
        **kwargs,
    )


def jpeg_bytes(*, size=(40, 30), exif_gps=None, color=(200, 30, 30)) -> bytes:
    """A real JPEG; with `exif_gps=(lat, lon)` it carries an EXIF GPS block and a camera
    make, as phone photos do."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if exif_gps is not None:
        lat, lon = exif_gps

        def dms(value):
            value = abs(float(value))
            degrees = int(value)
            minutes = int((value - degrees) * 60)
            seconds = round((value - degrees - minutes / 60) * 3600, 4)
            return (degrees, minutes, seconds)

        exif[0x8825] = {
            1: "N" if lat >= 0 else "S",
            2: dms(lat),
            3: "E" if lon >= 0 else "W",
            4: dms(lon),
        }
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif)
    return output.getvalue()


def png_bytes(*, size=(20, 20)) -> bytes:
    output = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 0, 128)).save(output, format="PNG")
    return output.getvalue()


def upload(content: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
