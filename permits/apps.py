from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermitsConfig(AppConfig):
    name = "permits"
    verbose_name = _("Permits")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases.workflow import register
        from permits.workflow import PERMIT

        register(PERMIT)
