"""Pet show entries: a small service added the way docs/adding-a-service.md describes,
without a change to cases/, payments/ or notifications/. The test suite installs it in a
settings module of its own (`settings.py` here) and drives it end to end (`journey.py`)."""
