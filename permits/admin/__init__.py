"""The back office for permits, by topic: permit types as data (`types`), plan
reviews (`reviews`).

Importing the package registers every model admin of the app.
"""

from permits.admin import inspections, reviews, types  # noqa: F401
