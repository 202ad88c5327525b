from django.urls import reverse

from cases.workbench.nav import items_for


def workbench(request) -> dict:
    """The workbench's navigation, on its pages only (other pages never read it)."""
    if not request.user.is_authenticated or not request.path.startswith(reverse("workbench:home")):
        return {}
    return {"workbench_nav": items_for(request.user, current_path=request.path)}
