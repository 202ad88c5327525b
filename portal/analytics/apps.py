from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "portal.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self):
        from cases import permissions
        from cases.workbench.nav import NavItem, register

        register(
            NavItem(
                key="analytics.dashboard",
                label=_("Analytics"),
                url_name="analytics:dashboard",
                order=90,
                shown_to=permissions.may_read_analytics,
            )
        )
