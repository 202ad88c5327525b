"""License types as an administrator sets them up: a draft, seen only in the admin and its
preview, until it is published."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing.exceptions import LicensingError
from licensing.models import LicenseType


class LicenseTypeNotPublishable(LicensingError):
    """The type cannot be published or taken back to a draft now; the message says why."""


def license_type_publish(*, license_type: LicenseType, actor) -> LicenseType:
    """Publish a draft: residents, the catalogue and the service search see it at once
    (if it is open for applications). Publishing a published type changes nothing."""
    with transaction.atomic():
        locked = LicenseType.objects.select_for_update().get(pk=license_type.pk)
        if locked.published_at is None:
            locked.published_at = timezone.now()
            locked.save(update_fields=["published_at", "updated_at"])
    license_type.published_at = locked.published_at
    return locked


def license_type_unpublish(*, license_type: LicenseType, actor) -> LicenseType:
    """Take a type nobody has applied for back to a draft; one with applications is closed
    instead (untick "open for applications"), so its records keep their type."""
    with transaction.atomic():
        locked = LicenseType.objects.select_for_update().get(pk=license_type.pk)
        if locked.applications.exists():
            raise LicenseTypeNotPublishable(
                _(
                    "Residents have applied for this type: close it to new applications "
                    "instead of taking it back to a draft."
                )
            )
        locked.published_at = None
        locked.save(update_fields=["published_at", "updated_at"])
    license_type.published_at = None
    return locked
