"""The back office for bookings, by topic: facilities as data (`facilities`),
lotteries and waitlists (`release`).

Importing the package registers every model admin of the app.
"""

from bookings.admin import facilities, release  # noqa: F401
