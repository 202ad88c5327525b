from django.apps import AppConfig


class PetshowConfig(AppConfig):
    name = "tests.newservice.petshow"
    label = "petshow"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases.workflow import register
        from notifications.reminders import register_source
        from tests.newservice.petshow import receivers  # noqa: F401 (connects the signal)
        from tests.newservice.petshow.reminders import SHOW_DAY
        from tests.newservice.petshow.workflow import WORKFLOW

        register(WORKFLOW)
        register_source(SHOW_DAY)
