from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class LicensingConfig(AppConfig):
    name = "licensing"
    verbose_name = _("Licensing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases.claims import register_case_claims, register_claim
        from cases.workflow import register
        from licensing import (  # noqa: F401
            dashboard,
            enforcement_tasks,
            receivers,
            services,
        )
        from licensing.case_panel import register_panel as register_invoices_panel
        from licensing.panels import register_panels
        from licensing.reminders import LICENSE_EXPIRY
        from licensing.selectors import SERVICE_NAME, license_types_searchable
        from licensing.services import renewal_links
        from licensing.workflow import LICENSE_APPLICATION, LICENSE_COMPLAINT, LICENSE_RENEWAL
        from notifications.reminders import register_source
        from portal.dashboard import register as register_section
        from portal.services_catalogue import CatalogueEntry, register_search_source
        from portal.services_catalogue import register as register_entry

        renewal_links.register()
        register_claim(
            "licensing.licenses",
            claim=services.licenses_link_account,
            noun=ngettext_lazy("%(count)d license", "%(count)d licenses", "count"),
        )
        register_case_claims(
            kind=LICENSE_COMPLAINT.kind,
            noun=ngettext_lazy("%(count)d complaint", "%(count)d complaints", "count"),
        )
        register(LICENSE_APPLICATION)
        register(LICENSE_RENEWAL)
        register(LICENSE_COMPLAINT)
        register_source(LICENSE_EXPIRY)
        register_section(dashboard.SECTION)
        register_entry(
            CatalogueEntry(
                key="licensing.apply",
                title=_("Apply for a license"),
                description=_(
                    "Professional and business licenses for barbers, electricians, childcare and "
                    "more, and dog licenses. Apply, pay and follow your application online."
                ),
                url_name="licensing:types",
                keywords=(_("license"), _("business"), _("profession"), _("permit to trade")),
                service=SERVICE_NAME,
                order=10,
            )
        )
        register_entry(
            CatalogueEntry(
                key="licensing.lookup",
                title=_("Check a license"),
                description=_("Look up a license holder by name, number or type."),
                url_name="licensing:lookup",
                keywords=(_("verify"), _("license"), _("contractor")),
                service=SERVICE_NAME,
                order=11,
            )
        )
        register_entry(
            CatalogueEntry(
                key="licensing.renew",
                title=_("Renew a license"),
                description=_(
                    "Renew your license before it expires and pay the renewal fee online: "
                    "open it from your licenses, or use the link in the reminder we sent you."
                ),
                url_name="licensing:mine",
                keywords=(_("renew"), _("Renewal"), _("expire"), _("license")),
                service=SERVICE_NAME,
                order=12,
            )
        )
        register_search_source("licensing.types", license_types_searchable)
        register_panels()
        register_invoices_panel()
