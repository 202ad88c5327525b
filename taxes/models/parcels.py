"""Parcels as the assessor's roll describes them, and their owners.

A parcel's number is the assessor's, unique across the agency; the roll import keys every row
by it. Owners are many per parcel (joint owners, a trust and its trustee), each with the
mailing address the bill goes to; the first owner's last name is one of the bill look-up's
second factors.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import TimeStampedModel

# Assessor's parcel numbers: letters, digits, dots and dashes ("12-345-678.000"), upper case.
PARCEL_NUMBER_PATTERN = r"^[0-9A-Z][0-9A-Z.\-]{0,31}$"


class LandUse(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential")
    COMMERCIAL = "commercial", _("Commercial")
    INDUSTRIAL = "industrial", _("Industrial")
    AGRICULTURAL = "agricultural", _("Agricultural")
    VACANT = "vacant", _("Vacant land")
    EXEMPT = "exempt", _("Exempt (public, religious, charitable)")
    OTHER = "other", _("Other")


class Parcel(TimeStampedModel):
    # Unique by a constraint rather than unique=True: no second (LIKE) index to keep up
    # when a roll of a million parcels is loaded.
    number = models.CharField(_("parcel number"), max_length=32)
    situs_address = models.CharField(
        _("property address"), max_length=200, help_text=_("Where the property is.")
    )
    land_use = models.CharField(
        _("land use"), max_length=16, choices=LandUse.choices, default=LandUse.RESIDENTIAL
    )

    class Meta:
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="taxes_parcel_number_unique"),
            models.CheckConstraint(
                condition=Q(number__regex=PARCEL_NUMBER_PATTERN),
                name="taxes_parcel_number_format",
            ),
            models.CheckConstraint(
                condition=Q(land_use__in=LandUse.values), name="taxes_parcel_land_use_valid"
            ),
        ]
        indexes = [
            # The public look-up by address: "12 elm st" finds "12 ELM STREET".
            models.Index(
                models.functions.Upper("situs_address"), name="taxes_parcel_address_upper"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.situs_address}"


class Owner(TimeStampedModel):
    # Indexed by the (parcel, position) constraint.
    parcel = models.ForeignKey(
        Parcel,
        on_delete=models.CASCADE,
        related_name="owners",
        verbose_name=_("parcel"),
        db_index=False,
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=1, help_text=_("1 for the first owner named on the roll.")
    )
    name = models.CharField(_("name"), max_length=200)
    last_name = models.CharField(
        _("last name"),
        max_length=100,
        blank=True,
        help_text=_("Or the first word of a company's name: what the bill look-up asks for."),
    )
    mailing_address = models.TextField(_("mailing address"))

    class Meta:
        verbose_name = _("owner")
        verbose_name_plural = _("owners")
        ordering = ["parcel", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["parcel", "position"], name="taxes_owner_one_per_position"
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="taxes_owner_position"),
        ]

    def __str__(self) -> str:
        return self.name
