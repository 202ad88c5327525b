"""The portal's settings with the pet show installed, as an agency would add a service."""

from portal.settings import *  # noqa: F403
from portal.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.newservice.petshow.apps.PetshowConfig"]
