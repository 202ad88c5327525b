"""Another agency's configuration: a third language, another default, another area."""

from portal.settings import *  # noqa: F403

LANGUAGES = [("en", "English"), ("es", "Spanish"), ("vi", "Vietnamese")]
LANGUAGE_CODE = "es"
CONCERNS_AREA_BOUNDS = ("25.000000", "-81.000000", "26.000000", "-80.000000")
