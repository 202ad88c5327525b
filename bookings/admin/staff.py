"""Staff's bookings back office: every booking staff may see (the changelist), the approval
queue, one booking's page, deposits to settle, and each facility's calendar with blocked
time. The pages are `bookings.views.staff` and `bookings.views.staff_calendar`, hung here on
the admin so they sit behind its sign-in and the staff MFA check
(`accounts.middleware.StaffMFAMiddleware`). Nothing here writes.
"""

from __future__ import annotations

from functools import partial

from django.contrib import admin
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from bookings import selectors_staff as selectors
from bookings.models import Booking
from bookings.views import staff, staff_calendar
from cases import permissions


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["reference", "facility", "period_start", "booker", "status"]
    list_filter = ["status", "facility"]
    search_fields = ["=reference", "=case__reference", "guest_name", "guest_email"]
    list_select_related = ["facility", "user", "case"]
    list_per_page = 50
    show_full_result_count = False
    ordering = ["-period"]
    change_list_template = "bookings/staff/change_list.html"

    def get_queryset(self, request):
        return selectors.bookings_for_staff(user=request.user)

    # Reach follows staff roles (cases.permissions), not model permissions; the services
    # judge every write.
    def has_module_permission(self, request):
        return permissions.can(request.user, permissions.VIEW)

    def has_view_permission(self, request, obj=None):
        return permissions.can(request.user, permissions.VIEW)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("starts"), ordering="period")
    def period_start(self, booking):
        return booking.starts_at

    @admin.display(description=_("booker"))
    def booker(self, booking):
        return booking.booker_name

    def changelist_view(self, request, extra_context=None):
        extra = {
            "approvals_waiting": selectors.approval_queue(user=request.user).count(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=extra)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not (str(object_id).isascii() and str(object_id).isdigit()):
            raise Http404
        return staff.booking_page(request, self, int(object_id))

    def get_urls(self):
        def wrap(view, *decorators):
            view = partial(view, model_admin=self)
            for decorator in decorators:
                view = decorator(view)
            return self.admin_site.admin_view(view)

        def name(suffix: str) -> str:
            return f"bookings_booking_{suffix}"

        return [
            path("approvals/", wrap(staff.approval_queue, require_GET), name=name("approvals")),
            path("deposits/", wrap(staff.deposit_list, require_GET), name=name("deposits")),
            path(
                "calendar/",
                wrap(staff_calendar.facility_list, require_GET),
                name=name("calendars"),
            ),
            path(
                "calendar/<int:facility_id>/",
                wrap(staff_calendar.facility_calendar, require_GET, never_cache),
                name=name("calendar"),
            ),
            path(
                "calendar/<int:facility_id>/block/",
                wrap(staff_calendar.block_add, require_POST),
                name=name("block"),
            ),
            path(
                "blocks/<int:block_id>/remove/",
                wrap(staff_calendar.block_remove, require_POST),
                name=name("unblock"),
            ),
            path("<int:pk>/approve/", wrap(staff.approve, require_POST), name=name("approve")),
            path("<int:pk>/decline/", wrap(staff.decline, require_POST), name=name("decline")),
            path("<int:pk>/check-in/", wrap(staff.check_in, require_POST), name=name("check_in")),
            path("<int:pk>/no-show/", wrap(staff.no_show, require_POST), name=name("no_show")),
            path(
                "<int:pk>/deposit/", wrap(staff.settle_deposit, require_POST), name=name("deposit")
            ),
            path(
                "<int:pk>/cancel/", wrap(staff.cancel_for_agency, require_POST), name=name("cancel")
            ),
            path(
                "<int:pk>/refund-again/",
                wrap(staff.refund_again, require_POST),
                name=name("refund_again"),
            ),
            *super().get_urls(),
        ]
