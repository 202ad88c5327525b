"""Settings of the portal under fault tests: production's (DEBUG off), except that static
files are referred to by their plain names, so no collectstatic run (minutes of compression)
is needed before the server starts. The pages under test need no stylesheet."""

from portal.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
