"""The back office for permits, by topic: permit types as data (`types`).

Importing the package registers every model admin of the app.
"""

from permits.admin import types  # noqa: F401
