import pytest


@pytest.fixture(scope="session", autouse=True)
def _case_workflows():
    """The case engine's test workflows, so the dashboard has cases to show."""
    from tests.cases.workflows import register_test_workflows

    register_test_workflows()
