from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxesConfig(AppConfig):
    name = "taxes"
    verbose_name = _("Property taxes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases import permissions
        from cases.workbench import nav
        from notifications.reminders import register_source
        from portal.dashboard import register as register_section
        from portal.services_catalogue import CatalogueEntry, register
        from taxes import dashboard, receivers  # noqa: F401 (receivers connect)
        from taxes.reminders import INSTALMENT_DUE
        from taxes.staff_permissions import may_work_taxes

        register_source(INSTALMENT_DUE)
        register_section(dashboard.SECTION)

        def may_refund(user) -> bool:
            return permissions.can(user, permissions.REFUND)

        # The staff's pages in the workbench's navigation: key, label, page, order, who sees it.
        staff_pages = (
            (
                "parcels",
                _("Property taxes: parcels and bills"),
                "taxes_staff:search",
                60,
                may_work_taxes,
            ),
            (
                "delinquent",
                _("Property taxes past due"),
                "taxes_staff:delinquent",
                61,
                may_work_taxes,
            ),
            (
                "paper_notices",
                _("Tax bills: paper notices to mail"),
                "taxes_staff:paper_notices",
                62,
                may_work_taxes,
            ),
            (
                "credits",
                _("Property taxes: credits to refund"),
                "taxes_credits:list",
                62,
                may_refund,
            ),
            (
                "reminder_runs",
                _("Tax reminder runs"),
                "taxes_staff:reminder_runs",
                63,
                may_work_taxes,
            ),
        )
        for key, label, url_name, order, shown_to in staff_pages:
            nav.register(
                nav.NavItem(
                    key=f"taxes.{key}",
                    label=label,
                    url_name=url_name,
                    order=order,
                    shown_to=shown_to,
                )
            )

        for entry in (
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
            ),
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
            ),
        ):
            register(entry)
