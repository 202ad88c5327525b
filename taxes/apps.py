from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxesConfig(AppConfig):
    name = "taxes"
    verbose_name = _("Property taxes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal.services_catalogue import CatalogueEntry, register
        from taxes import receivers  # noqa: F401

        register(
            CatalogueEntry(
                key="taxes.lookup",
                title=_("Find your property tax bill"),
                description=_(
                    "Look up a property tax bill by parcel number, bill number or address, "
                    "and see what is owed today, penalties and discounts included."
                ),
                url_name="taxes:search",
                keywords=(_("tax"), _("property tax"), _("parcel"), _("instalment")),
                service=_("Property taxes"),
                order=65,
            )
        )
