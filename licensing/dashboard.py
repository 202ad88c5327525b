"""The "My licenses" section of the resident's dashboard (see portal/dashboard.py): the
licenses the person holds, shown only when they hold one."""

from __future__ import annotations

from dataclasses import dataclass

from licensing.models import License
from portal.dashboard import Section


@dataclass(frozen=True)
class HeldLicenses:
    shown: list[License]  # the licenses expiring last first
    more: bool  # whether the person holds more than those


def held_licenses(*, user, limit: int) -> HeldLicenses | None:
    """`user`'s `limit` licenses that expire last, in one query; None if they hold none."""
    if user is None or not user.is_authenticated:
        return None
    licenses = list(
        License.objects.filter(holder=user)
        .select_related("license_type")
        .order_by("-expires_on", "-id")[: limit + 1]
    )
    if not licenses:
        return None
    return HeldLicenses(shown=licenses[:limit], more=len(licenses) > limit)


SECTION = Section(
    key="licensing.licenses",
    template="licensing/_dashboard_licenses.html",
    read=held_licenses,
    limit=5,
    order=20,
)
