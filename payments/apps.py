from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from payments import checks, dashboard  # noqa: F401 - checks registers the system checks
        from portal.dashboard import register as register_section
        from portal.services_catalogue import CatalogueEntry, register

        register_section(dashboard.SECTION)

        register(
            CatalogueEntry(
                key="payments.pay",
                title=_("Pay a bill or fee"),
                description=_(
                    "Pay an invoice with its reference number, and see your payments and receipts."
                ),
                url_name="payments:find",
                keywords=(_("pay"), _("payment"), _("invoice"), _("fee"), _("bill")),
                service=_("Payments"),
                order=60,
            )
        )
        register(
            CatalogueEntry(
                key="payments.mine",
                title=_("My payments"),
                description=_("See your invoices, payments and refunds, and download receipts."),
                url_name="payments:mine",
                keywords=(_("receipt"), _("refund"), _("account")),
                service=_("Payments"),
                order=910,
            )
        )
