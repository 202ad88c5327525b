from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from cases import checks, dashboard, receivers, tokens  # noqa: F401 (receivers connect)
        from cases.declarations import sync_after_migrate
        from portal.dashboard import register

        tokens.register()
        _register_workbench_pages()
        register(dashboard.SECTION)
        # After every migrate (and every flush of a test database), the database accepts
        # exactly what the registered workflows declare.
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="cases_declarations")


def _register_workbench_pages() -> None:
    """The case engine's own page of the workbench: "My work", first in its navigation."""
    from cases.workbench import nav, queue

    nav.register(
        nav.NavItem(
            key="cases.my_work",
            label=_("My work"),
            url_name="workbench:queue",
            order=0,
            shown_to=queue.may_use_queue,
        )
    )
