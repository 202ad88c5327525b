"""The staff back office for concern reports, by topic: the triage queue and its working forms
(`reports`), reporters' photos (`photos`), categories with their questions and canned responses
(`categories`) and Open311 API keys (`open311`).

Importing the package registers every model admin of the app.
"""

from concerns.admin import categories, open311, photos, reports  # noqa: F401
