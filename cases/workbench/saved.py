"""Each person's saved filters of the "My work" queue: writes and the one read."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Value
from django.db.models.functions import Lower
from django.utils.translation import gettext

from cases.workbench.models import SavedQueueFilter

# A person keeps at most this many: the list is read on every queue page.
MAX_SAVED_FILTERS = 30


class SavedFilterError(ValueError):
    """The filter could not be saved; the message says why, for the person."""


def saved_filters_of(*, user) -> QuerySet[SavedQueueFilter]:
    """`user`'s own saved filters, by name."""
    return SavedQueueFilter.objects.filter(user=user).order_by("name", "pk")


def saved_filter_save(*, user, name: str, query: str) -> SavedQueueFilter:
    """Keep `query` (a queue query string the filter form cleaned) under `name` for `user`.

    Saving a name again replaces its filter. Raises SavedFilterError for an empty name or
    one person's filters beyond MAX_SAVED_FILTERS.
    """
    name = (name or "").strip()
    if not name:
        raise SavedFilterError(gettext("Give the filter a name."))
    with transaction.atomic():
        # The same name by the unique constraint's rule, lower case (name__iexact compares
        # upper case, which differs for some letters: the Kelvin sign lowers to "k").
        existing = (
            SavedQueueFilter.objects.select_for_update()
            .alias(lowered=Lower("name"))
            .filter(user=user, lowered=Lower(Value(name)))
            .first()
        )
        if existing is not None:
            existing.query = query
            existing.save(update_fields=["query"])
            return existing
        if SavedQueueFilter.objects.filter(user=user).count() >= MAX_SAVED_FILTERS:
            raise SavedFilterError(
                gettext("You have %(count)s saved filters: delete one first.")
                % {"count": MAX_SAVED_FILTERS}
            )
        try:
            with transaction.atomic():
                return SavedQueueFilter.objects.create(user=user, name=name, query=query)
        except IntegrityError:
            # Saved at the same moment from another tab: that one stands.
            raise SavedFilterError(gettext("A filter of that name was just saved.")) from None


def saved_filter_delete(*, user, filter_id: int) -> bool:
    """Delete `user`'s own saved filter `filter_id`; False if they have no such filter."""
    with transaction.atomic():
        deleted, _ = SavedQueueFilter.objects.filter(user=user, pk=filter_id).delete()
    return bool(deleted)
