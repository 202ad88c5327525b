from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Facility bookings")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from bookings import case_panel, checkout_setup, release_setup, staff_nav
        from bookings.reminders import BOOKING_DAY
        from bookings.selectors_public import SERVICE_NAME, facilities_searchable
        from bookings.workflow import BOOKING
        from cases.workflow import register
        from notifications.reminders import register_source
        from portal.services_catalogue import CatalogueEntry, register_search_source
        from portal.services_catalogue import register as register_entry

        register(BOOKING)
        register_source(BOOKING_DAY)
        checkout_setup.register()
        release_setup.register()
        staff_nav.register()
        case_panel.register_panel()
        register_entry(
            CatalogueEntry(
                key="bookings.facilities",
                title=_("Book a park pavilion or room"),
                description=_(
                    "See the free times of pavilions, community rooms, sports fields and gyms, "
                    "book one and pay online, with or without an account."
                ),
                url_name="bookings:facilities",
                keywords=(
                    _("reserve"),
                    _("reservation"),
                    _("rent"),
                    _("park"),
                    _("picnic"),
                    _("party"),
                    _("field"),
                ),
                service=SERVICE_NAME,
                order=35,
            )
        )
        register_search_source("bookings.facilities", facilities_searchable)
