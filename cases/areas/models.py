"""The areas' tables. Imported by `cases.models`, so they belong to the cases app.

A boundary is kept twice: as the GeoJSON the administrator entered (`Area.boundary`, what the
admin shows back) and as one PostgreSQL `polygon` row per ring (`AreaRing`), which the
database tests points against (`polygon @> point`; no PostGIS needed). The rings are written
only by `cases.areas.locating.area_save`, from a boundary `cases.areas.boundaries` checked.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.lookups import Regex
from django.utils.translation import gettext_lazy as _


class RingField(models.Field):
    """A closed ring of (longitude, latitude) points, stored as a PostgreSQL `polygon`."""

    description = "A polygon ring (PostgreSQL polygon)"

    def db_type(self, connection) -> str:
        return "polygon"

    def get_prep_value(self, value):
        if value is None or isinstance(value, str):
            return value
        return "(" + ",".join(f"({float(x)!r},{float(y)!r})" for x, y in value) + ")"

    def from_db_value(self, value, expression, connection):
        if value is None or not isinstance(value, str):
            return value
        numbers = [float(n) for n in value.replace("(", " ").replace(")", " ").split(",")]
        return list(zip(numbers[0::2], numbers[1::2], strict=True))


class Area(models.Model):
    """A named district of the agency: a boundary, and ZIP codes for addresses without a point.

    A case with a point lies in the area whose boundary holds it; a case with only an address
    in the area that lists the address's ZIP code. Where areas overlap, the one created first
    wins.
    """

    code = models.SlugField(
        _("code"), max_length=32, unique=True, help_text=_("Short identifier, e.g. ward-1.")
    )
    name = models.CharField(_("name"), max_length=100)
    name_es = models.CharField(_("name in Spanish"), max_length=100, blank=True)
    boundary = models.JSONField(
        _("boundary"),
        null=True,
        blank=True,
        help_text=_(
            "A GeoJSON Polygon or MultiPolygon in longitude and latitude, as drawing tools "
            "export it (a Feature holding one is accepted too)."
        ),
    )
    postal_codes = ArrayField(
        models.CharField(max_length=10),
        verbose_name=_("ZIP codes"),
        default=list,
        blank=True,
        help_text=_(
            "For cases with an address but no point on the map: the ZIP codes of this area, "
            "separated by commas."
        ),
    )

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(boundary__isnull=False) | ~Q(postal_codes=[]),
                name="cases_area_has_boundary_or_zip",
                violation_error_message=_("Give the area a boundary, its ZIP codes, or both."),
            ),
            # Five digits each, as an address is read: any other code could never match.
            models.CheckConstraint(
                condition=Regex(
                    Func(
                        F("postal_codes"),
                        Value(","),
                        function="array_to_string",
                        output_field=models.TextField(),
                    ),
                    r"^([0-9]{5}(,[0-9]{5})*)?$",
                ),
                name="cases_area_zip_codes_five_digits",
                violation_error_message=_("Each ZIP code is 5 digits, as 62701."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AreaRing(models.Model):
    """One ring of an area's boundary (an outer edge or a hole). A point is in the area when
    an odd number of its rings hold it: inside an outer ring, not inside one of its holes."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="rings")
    ring = RingField()

    class Meta:
        verbose_name = _("area ring")
        verbose_name_plural = _("area rings")

    def __str__(self) -> str:
        return f"{self.area_id}: ring {self.pk}"
