"""The back office for bookings, by topic: facilities as data (`facilities`).

Importing the package registers every model admin of the app.
"""

from bookings.admin import facilities  # noqa: F401
