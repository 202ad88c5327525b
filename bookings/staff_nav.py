"""Bookings' pages in the staff workbench's navigation (`cases.workbench.nav`), registered
once from BookingsConfig.ready().

Each link is listed to staff whose roles reach the department that runs the facilities
(`bookings.staff_permissions.may_work_facilities`), for the action its page needs: seeing
(the calendars, the bookings) or deciding (approvals, deposits). The pages check again.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cases import permissions


def _viewers(user) -> bool:
    from bookings.staff_permissions import may_work_facilities

    return may_work_facilities(user, permissions.VIEW)


def _deciders(user) -> bool:
    from bookings.staff_permissions import may_work_facilities

    return may_work_facilities(user, permissions.MOVE)


def register() -> None:
    from cases.workbench.nav import NavItem
    from cases.workbench.nav import register as register_item

    for item in (
        NavItem(
            key="bookings.approvals",
            label=_("Bookings waiting for approval"),
            url_name="admin:bookings_booking_approvals",
            order=40,
            shown_to=_deciders,
        ),
        NavItem(
            key="bookings.calendars",
            label=_("Facility calendars"),
            url_name="admin:bookings_booking_calendars",
            order=41,
            shown_to=_viewers,
        ),
        NavItem(
            key="bookings.deposits",
            label=_("Deposits to settle after the event"),
            url_name="admin:bookings_booking_deposits",
            order=42,
            shown_to=_deciders,
        ),
        NavItem(
            key="bookings.bookings",
            label=_("Facility bookings"),
            url_name="admin:bookings_booking_changelist",
            order=43,
            shown_to=_viewers,
        ),
    ):
        register_item(item)
