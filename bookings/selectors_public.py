"""Reads of the public facility pages: published facilities only, each page in a fixed number
of queries whatever the number of facilities' bookings. A draft facility is not found here."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from bookings.models import CancellationTier, Facility, FacilityPhoto, OpeningHours
from portal.localized import localized
from portal.services_catalogue import Searchable

# The heading of bookings' results in the service search (the catalogue entry's service).
SERVICE_NAME = _("Facility bookings")


def facilities_published():
    """Published facilities, by name (one query)."""
    return Facility.objects.filter(published_at__isnull=False).order_by("name", "pk")


def facility_published(*, code: str) -> Facility:
    """The published facility `code` with its hours, tiers and photos (four queries).

    Raises Facility.DoesNotExist for an unknown code or a draft.
    """
    return (
        facilities_published()
        .prefetch_related(
            Prefetch("hours", queryset=OpeningHours.objects.order_by("weekday", "opens")),
            Prefetch(
                "cancellation_tiers", queryset=CancellationTier.objects.order_by("-days_before")
            ),
            Prefetch("photos", queryset=FacilityPhoto.objects.order_by("order", "pk")),
        )
        .get(code=code)
    )


def facility_for_booking(*, code: str) -> Facility:
    """The published facility `code` with its opening hours, for availability and holds
    (two queries). Raises Facility.DoesNotExist for an unknown code or a draft."""
    return facilities_published().prefetch_related("hours").get(code=code)


def facility_photo(*, code: str, photo_id: int, drafts: bool = False) -> FacilityPhoto:
    """A photo of a published facility (or of a draft too, for `drafts`);
    FacilityPhoto.DoesNotExist otherwise."""
    photos = FacilityPhoto.objects.select_related("facility").filter(
        pk=photo_id, facility__code=code
    )
    if not drafts:
        photos = photos.filter(facility__published_at__isnull=False)
    return photos.get()


def _every_language(label) -> list[str]:
    texts = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            texts.append(str(label()))
    return texts


def facilities_searchable() -> list[Searchable]:
    """Published facilities for the site's service search, each linking to its page (one
    query): a facility is found as soon as it is published."""
    facilities = facilities_published().only(
        "code",
        "name",
        "name_es",
        "kind",
        "description",
        "description_es",
        "location",
        "location_es",
    )
    return [
        Searchable(
            key=f"bookings.facility.{facility.code}",
            title=localized(facility, "name"),
            description=localized(facility, "description"),
            url=facility.get_absolute_url(),
            service=SERVICE_NAME,
            texts=(
                facility.name,
                facility.name_es,
                *_every_language(facility.get_kind_display),
                facility.description,
                facility.description_es,
                facility.location,
                facility.location_es,
            ),
        )
        for facility in facilities
    ]
