"""The "My requests" section of the resident's dashboard (see portal/dashboard.py): the newest
cases of every service, with a link to all of them."""

from __future__ import annotations

from dataclasses import dataclass

from cases.models import Case
from cases.selectors import newest_cases_of_resident
from portal.dashboard import Section

# As many as the dashboard lists; the page of all requests has the rest.
NEWEST_CASES = 10


@dataclass(frozen=True)
class NewestCases:
    shown: list[Case]  # the resident's newest cases, newest first
    more: bool  # whether they have more than those


def newest_cases(*, user, limit: int) -> NewestCases:
    """`user`'s `limit` newest cases and whether there are more, in one query."""
    # One more than shown, to know whether to link to the full list.
    cases = newest_cases_of_resident(user=user, limit=limit + 1)
    return NewestCases(shown=cases[:limit], more=len(cases) > limit)


SECTION = Section(
    key="cases.requests",
    template="cases/_dashboard_requests.html",
    read=newest_cases,
    limit=NEWEST_CASES,
    order=10,
)
