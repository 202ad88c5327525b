"""Who on staff works bookings: the roles of `cases.permissions`, in the bookings workflow's
department (Parks).

A booking's case carries its department, so a booking's own work is judged on its case
(`can(user, action, booking.case)`). The facility's time (the calendar, blocks) belongs to
no case: it is judged on the department the bookings workflow names. Refusals raise
PermissionDenied with words for the member of staff, as `cases.permissions.require` does.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from bookings import workflow
from bookings.models import Booking
from cases import permissions


def may_work_facilities(user, action: str = permissions.VIEW) -> bool:
    """May `user` do `action` on facilities' time (see the calendar: VIEW; block: MOVE)?"""
    return permissions.can(user, action, workflow.DEPARTMENT_CODE)


def require_facility_staff(user, action: str = permissions.MOVE) -> None:
    if not may_work_facilities(user, action):
        raise PermissionDenied(_("Only staff of the department that runs the facilities may."))


def require_booking_staff(user, booking: Booking, action: str = permissions.MOVE) -> None:
    if booking.case is None or not permissions.can(user, action, booking.case):
        raise PermissionDenied(_("Only staff of the department that runs the facility may."))
