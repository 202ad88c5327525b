from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxesConfig(AppConfig):
    name = "taxes"
    verbose_name = _("Property taxes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases.workbench import nav
        from notifications.reminders import register_source
        from portal.dashboard import register as register_section
        from portal.services_catalogue import CatalogueEntry, register
        from taxes import dashboard, receivers  # noqa: F401 (receivers connect)
        from taxes.reminders import INSTALMENT_DUE
        from taxes.staff_permissions import may_work_taxes

        register_source(INSTALMENT_DUE)
        register_section(dashboard.SECTION)
        nav.register(
            nav.NavItem(
                key="taxes.parcels",
                label=_("Property taxes: parcels and bills"),
                url_name="taxes_staff:search",
                order=60,
                shown_to=may_work_taxes,
            )
        )
        nav.register(
            nav.NavItem(
                key="taxes.delinquent",
                label=_("Property taxes past due"),
                url_name="taxes_staff:delinquent",
                order=61,
                shown_to=may_work_taxes,
            )
        )
        nav.register(
            nav.NavItem(
                key="taxes.paper_notices",
                label=_("Tax bills: paper notices to mail"),
                url_name="taxes_staff:paper_notices",
                order=62,
                shown_to=may_work_taxes,
            )
        )
        nav.register(
            nav.NavItem(
                key="taxes.reminder_runs",
                label=_("Tax reminder runs"),
                url_name="taxes_staff:reminder_runs",
                order=63,
                shown_to=may_work_taxes,
            )
        )

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
        register(
            CatalogueEntry(
                key="taxes.ebills",
                title=_("Get your property tax bills by e-mail"),
                description=_(
                    "Link your parcels to your account with the access code on the bill, go "
                    "paperless, and get a reminder before each instalment is due."
                ),
                url_name="taxes:my_parcels",
                keywords=(_("paperless"), _("tax reminder"), _("e-bill")),
                service=_("Property taxes"),
                order=66,
            )
        )
        _register_credit_refunds()


def _register_credit_refunds() -> None:
    from cases import permissions
    from cases.workbench import nav

    nav.register(
        nav.NavItem(
            key="taxes.credits",
            label=_("Property taxes: credits to refund"),
            url_name="taxes_credits:list",
            order=62,
            shown_to=lambda user: permissions.can(user, permissions.REFUND),
        )
    )
