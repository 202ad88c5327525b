from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Facility bookings")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from bookings import checkout_setup
        from bookings.reminders import BOOKING_DAY
        from bookings.workflow import BOOKING
        from cases.workflow import register
        from notifications.reminders import register_source

        register(BOOKING)
        register_source(BOOKING_DAY)
        checkout_setup.register()
