"""Where the workbench sends staff to open one case.

Every link from the workbench to a case's staff page goes through `case_page_url`, so the
day the workbench has its own case page only this function changes.
"""

from __future__ import annotations

from django.urls import reverse


def case_page_url(case) -> str:
    """The staff page of `case`: the workbench's case page."""
    return reverse("workbench:case", kwargs={"reference": case.reference})
