from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Installed by the benchmark server only: registers the workflow its cases use."""

    name = "tests.perf"
    label = "perf_bench"

    def ready(self):
        from tests.cases.workflows import register_test_workflows

        register_test_workflows()
