from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermitsConfig(AppConfig):
    name = "permits"
    verbose_name = _("Permits")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases.workflow import register
        from notifications.reminders import register_source
        from permits import dashboard, receivers  # noqa: F401 (receivers connect the signal)
        from permits.reminders import INSPECTION_DAY
        from permits.selectors_search import permit_types_searchable
        from permits.workflow import PERMIT
        from portal.dashboard import register as register_section
        from portal.services_catalogue import CatalogueEntry, register_search_source
        from portal.services_catalogue import register as register_entry

        register(PERMIT)
        register_source(INSPECTION_DAY)
        register_entry(
            CatalogueEntry(
                key="permits.apply",
                title=_("Apply for a permit"),
                description=_(
                    "Building, electrical, plumbing, roofing, fence, pool and demolition permits: "
                    "apply with your plans, see the fee before paying, and follow the review."
                ),
                url_name="permits:types",
                keywords=(_("permit"), _("building"), _("construction"), _("plans")),
                service=_("Permits"),
                order=20,
            )
        )
        register_search_source("permits.types", permit_types_searchable)
        register_section(dashboard.SECTION)
