"""Writes on facilities: publishing and taking back to draft."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from bookings.models import Facility


@transaction.atomic
def facility_publish(*, facility: Facility) -> Facility:
    """Make a facility visible to visitors (idempotent)."""
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if facility.published_at is None:
        facility.published_at = timezone.now()
        facility.save(update_fields=["published_at", "updated_at"])
    return facility


@transaction.atomic
def facility_unpublish(*, facility: Facility) -> Facility:
    """Take a facility back to draft: no new holds; existing bookings stand."""
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if facility.published_at is not None:
        facility.published_at = None
        facility.save(update_fields=["published_at", "updated_at"])
    return facility
