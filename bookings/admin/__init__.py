"""The back office for bookings, by topic: facilities as data (`facilities`),
lotteries and waitlists (`release`), staff's work on bookings: approvals, calendars,
blocked time, check-in, deposits (`staff`).

Importing the package registers every model admin of the app.
"""

from bookings.admin import facilities, release, staff  # noqa: F401
