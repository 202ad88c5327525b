"""What the payments back office's pages share."""

from __future__ import annotations


class ReadOnlyMixin:
    """Rows are written by the services only; the admin shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
