"""The "My licenses" section of the resident's dashboard (see portal/dashboard.py): the
licenses the person holds, shown only when they hold one."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from licensing.models import License, LicenseType
from portal import sql
from portal.dashboard import Section

# What the section shows of a license, and of its type.
_LICENSE_COLUMNS = sql.columns(License, ("id", "number", "license_type_id", "status", "expires_on"))
_TYPE_COLUMNS = sql.columns(LicenseType, ("id", "name"))
_HELD_SQL = f"""
    SELECT {sql.select_list(_LICENSE_COLUMNS, alias="l")},
           {sql.select_list(_TYPE_COLUMNS, alias="t")}
      FROM {License._meta.db_table} AS l
      JOIN {LicenseType._meta.db_table} AS t ON t.id = l.license_type_id
     WHERE l.holder_id = %s
     ORDER BY l.expires_on DESC, l.id DESC
     LIMIT %s
"""  # noqa: S608 (tables and columns come from the models, values are parameters)


@dataclass(frozen=True)
class HeldLicenses:
    shown: list[License]  # the licenses expiring last first
    more: bool  # whether the person holds more than those


def held_licenses(*, user, limit: int) -> HeldLicenses | None:
    """`user`'s `limit` licenses that expire last, with their types, in one plain-SQL read
    (see portal/sql.py); None if they hold none."""
    if user is None or not user.is_authenticated:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_HELD_SQL, [user.pk, limit + 1])
        rows = cursor.fetchall()
    if not rows:
        return None
    width = len(_LICENSE_COLUMNS)
    licenses = sql.instances(License, _LICENSE_COLUMNS, rows)
    types = sql.instances(LicenseType, _TYPE_COLUMNS, [row[width:] for row in rows])
    for license, license_type in zip(licenses, types, strict=True):
        license.license_type = license_type
    return HeldLicenses(shown=licenses[:limit], more=len(licenses) > limit)


HELD_LIMIT = 5
# What the section shows of each license that can change, with its type's name.
STAMP = f"""
    SELECT string_agg(concat_ws(',', l.id, l.status, l.expires_on, l.updated_at, t.name), ';'
                      ORDER BY l.expires_on DESC, l.id DESC)
      FROM (SELECT id, status, expires_on, updated_at, license_type_id
              FROM {License._meta.db_table}
             WHERE holder_id = %(user)s
             ORDER BY expires_on DESC, id DESC
             LIMIT {HELD_LIMIT + 1}) AS l
      JOIN {LicenseType._meta.db_table} AS t ON t.id = l.license_type_id
"""  # noqa: S608 (tables from the models, the limit a constant, the person a parameter)


SECTION = Section(
    key="licensing.licenses",
    template="licensing/_dashboard_licenses.html",
    read=held_licenses,
    limit=HELD_LIMIT,
    order=20,
    stamp=STAMP,
)
