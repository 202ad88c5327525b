"""Permit types as an administrator sets them up: a draft, seen only in the admin, until it
is published."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from permits.exceptions import PermitTypeNotPublishable
from permits.models import PermitType


def permit_type_publish(*, permit_type: PermitType, actor) -> PermitType:
    """Publish a draft: residents see it at once (if open for applications). Publishing a
    published type changes nothing."""
    with transaction.atomic():
        locked = PermitType.objects.select_for_update().get(pk=permit_type.pk)
        if locked.published_at is None:
            locked.published_at = timezone.now()
            locked.save(update_fields=["published_at", "updated_at"])
    permit_type.published_at = locked.published_at
    return locked


def permit_type_unpublish(*, permit_type: PermitType, actor) -> PermitType:
    """Take a type nobody has applied for back to a draft; one with applications is closed
    instead (untick "open for applications"), so its permits keep their type."""
    with transaction.atomic():
        locked = PermitType.objects.select_for_update().get(pk=permit_type.pk)
        if locked.permits.exists():
            raise PermitTypeNotPublishable(
                _(
                    "People have applied for this type: close it to new applications instead "
                    "of taking it back to a draft."
                )
            )
        locked.published_at = None
        locked.save(update_fields=["published_at", "updated_at"])
    permit_type.published_at = None
    return locked
