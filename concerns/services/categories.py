"""Concern categories as an administrator sets them up: a draft, seen only in the admin and
its preview, until it is published."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concerns.models import ConcernCategory


class CategoryNotPublishable(Exception):
    """The category cannot be taken back to a draft now; the message says why."""


def category_publish(*, category: ConcernCategory, actor) -> ConcernCategory:
    """Publish a draft: residents, the service search and the Open311 API's services list
    see it at once (if it is active). Publishing a published category changes nothing."""
    with transaction.atomic():
        locked = ConcernCategory.objects.select_for_update().get(pk=category.pk)
        if locked.published_at is None:
            locked.published_at = timezone.now()
            locked.save(update_fields=["published_at", "updated_at"])
    category.published_at = locked.published_at
    return locked


def category_unpublish(*, category: ConcernCategory, actor) -> ConcernCategory:
    """Take a category nobody has reported in back to a draft; one with reports is made
    inactive instead, so its reports keep a category residents once saw."""
    with transaction.atomic():
        locked = ConcernCategory.objects.select_for_update().get(pk=category.pk)
        if locked.reports.exists():
            raise CategoryNotPublishable(
                _(
                    "Residents have reported problems in this category: untick “active” to "
                    "stop new reports instead of taking it back to a draft."
                )
            )
        locked.published_at = None
        locked.save(update_fields=["published_at", "updated_at"])
    category.published_at = None
    return locked
