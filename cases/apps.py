from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from cases import checks, dashboard, tokens  # noqa: F401
        from cases.declarations import sync_after_migrate
        from portal.dashboard import register

        tokens.register()
        register(dashboard.SECTION)
        # After every migrate (and every flush of a test database), the database accepts
        # exactly what the registered workflows declare.
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="cases_declarations")
