from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Facility bookings")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from bookings import checkout_setup, release_setup
        from bookings.workflow import BOOKING
        from cases.workflow import register

        register(BOOKING)
        checkout_setup.register()
        release_setup.register()
