"""The back office for bookings, by topic: facilities as data (`facilities`), staff's work
on bookings: approvals, calendars, blocked time, check-in, deposits (`staff`).

Importing the package registers every model admin of the app.
"""

from bookings.admin import facilities, staff  # noqa: F401
