"""Importing licenses from a legacy system's CSV export.

One function, `license_import`, reads the file, checks every row and either only reports
what would happen (`dry_run=True`, the preview: nothing is written) or applies it. Both go
through the same checks, so the import does exactly what the preview showed, unless another
import or a clerk changed the register in between (the checks run again under the lock).

The valid rows are applied and the refused ones are reported and skipped, rather than the
whole file being refused: a legacy export of thousands of rows nearly always holds a few
that cannot be fixed at once, and because each license is keyed by its type and legacy
number, uploading the corrected file again creates only the rows missing ("already
imported" for the rest). A file that cannot be read as a whole (wrong encoding, not a CSV,
wrong column names, too big) is refused before any row is looked at.

Imported licenses have no account (`holder` is null): the holder's e-mail address is kept for
their renewal reminders, and they take an account when they renew.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import logging
import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from phonenumber_field.phonenumber import PhoneNumber

from cases.references import reference_allocate_block
from licensing.exceptions import LicensingError
from licensing.models import License, LicenseImport, LicenseStatus, LicenseType
from portal.validators import has_invisible_characters, invisible_message

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")
# Serialises applied imports (two clerks uploading the same file at once), so the second
# one sees the first one's licenses as already imported instead of failing on the key.
_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('licensing.license_import'))"


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    required: bool
    hint: str


COLUMNS = (
    Column(
        "legacy_number",
        gettext_lazy("legacy number"),
        True,
        gettext_lazy("The number the old system gave the license; unique within its type."),
    ),
    Column(
        "type_code",
        gettext_lazy("type code"),
        True,
        gettext_lazy("The license type's code, as in the license types list (e.g. barber)."),
    ),
    Column("holder_name", gettext_lazy("holder name"), True, gettext_lazy("The holder's name.")),
    Column(
        "business_name",
        gettext_lazy("business name"),
        False,
        gettext_lazy("Business or trading name; may be empty."),
    ),
    Column(
        "holder_email",
        gettext_lazy("holder e-mail"),
        False,
        gettext_lazy("Where renewal reminders go; may be empty (then no reminder is sent)."),
    ),
    Column(
        "phone",
        gettext_lazy("phone"),
        False,
        gettext_lazy("A phone number; may be empty."),
    ),
    Column(
        "issued_on",
        gettext_lazy("issued on"),
        True,
        gettext_lazy("Date of issue, as YYYY-MM-DD or MM/DD/YYYY."),
    ),
    Column(
        "expires_on",
        gettext_lazy("expires on"),
        True,
        gettext_lazy("Expiry date, after the date of issue, same formats."),
    ),
    Column(
        "status",
        gettext_lazy("status"),
        True,
        gettext_lazy("One of: active, expired, lapsed, suspended, revoked."),
    ),
)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
REQUIRED_COLUMNS = tuple(column.name for column in COLUMNS if column.required)
_LABELS = {column.name: column.label for column in COLUMNS}


class ImportRefused(LicensingError):
    """The file cannot be read as a whole; nothing was looked at or saved."""


class RowOutcome:
    CREATE = "create"
    ALREADY = "already"
    REPEAT = "repeat"
    ERROR = "error"


@dataclass
class ImportRow:
    """One data row of the file and what the import does with it."""

    line: int  # as a spreadsheet numbers it: the header is row 1
    raw: dict
    record: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    outcome: str = RowOutcome.ERROR
    note: str = ""
    license_type: LicenseType | None = None
    license_number: str = ""

    @property
    def key(self) -> tuple | None:
        if self.license_type is None or not self.record.get("legacy_number"):
            return None
        return (self.license_type.pk, self.record["legacy_number"])


@dataclass
class ImportReport:
    file_name: str
    sha256: str
    rows: list[ImportRow]
    applied: bool = False
    batch: LicenseImport | None = None

    def _with(self, outcome: str) -> list[ImportRow]:
        return [row for row in self.rows if row.outcome == outcome]

    @property
    def to_create(self) -> list[ImportRow]:
        return self._with(RowOutcome.CREATE)

    @property
    def already(self) -> list[ImportRow]:
        return self._with(RowOutcome.ALREADY) + self._with(RowOutcome.REPEAT)

    @property
    def refused(self) -> list[ImportRow]:
        return self._with(RowOutcome.ERROR)


def license_import(*, content: bytes, file_name: str, actor, dry_run: bool = False) -> ImportReport:
    """Check a legacy CSV file of licenses and, unless `dry_run`, create its valid rows.

    Every row is reported with its outcome: created (or to be created), already imported
    (same type, legacy number and data as a license in the register, or as an earlier row of
    the file), or refused with its errors. Applied, it runs in one transaction that also
    records a `LicenseImport`. A dry run writes nothing at all.
    Raises ImportRefused for a file that cannot be read (nothing is saved).
    """
    if len(content) > MAX_BYTES:
        raise ImportRefused(
            _("The file is too big: the limit is %(limit)d MB. Split it into smaller files.")
            % {"limit": MAX_BYTES // (1024 * 1024)}
        )
    text = _decode(content)
    sha256 = hashlib.sha256(content).hexdigest()
    parsed = _parse(text)
    if dry_run:
        return ImportReport(file_name=file_name, sha256=sha256, rows=_check(parsed))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_SQL)
        rows = _check(parsed)
        report = ImportReport(file_name=file_name, sha256=sha256, rows=rows, applied=True)
        report.batch = LicenseImport.objects.create(
            imported_by=actor,
            file_name=file_name[:255],
            file_sha256=sha256,
            rows=len(rows),
            created_count=len(report.to_create),
            already_count=len(report.already),
            error_count=len(report.refused),
        )
        _allocate_numbers(report.to_create)
        licenses = []
        for row in report.to_create:
            record = row.record
            issued_on = datetime.date.fromisoformat(record["issued_on"])
            licenses.append(
                License(
                    number=row.license_number,
                    license_type=row.license_type,
                    holder=None,
                    holder_name=record["holder_name"],
                    business_name=record["business_name"],
                    holder_email=record["holder_email"],
                    holder_phone=record["phone"],
                    status=record["status"],
                    issued_on=issued_on,
                    expires_on=datetime.date.fromisoformat(record["expires_on"]),
                    legacy_reference=record["legacy_number"],
                    legacy_record=record,
                    imported_in=report.batch,
                )
            )
        License.objects.bulk_create(licenses, batch_size=1000)
    logger.info(
        "License import %s: %d created, %d already imported, %d refused",
        report.batch.pk,
        len(report.to_create),
        len(report.already),
        len(report.refused),
    )
    return report


def _allocate_numbers(rows: list[ImportRow]) -> None:
    """Give each row its license number: one block per type prefix and year of issue (one
    statement per block rather than per license, which took half of a 20,000-row import)."""
    groups: dict[tuple[str, int], list[ImportRow]] = {}
    for row in rows:
        year = datetime.date.fromisoformat(row.record["issued_on"]).year
        groups.setdefault((row.license_type.number_prefix, year), []).append(row)
    for (prefix, year), same in sorted(groups.items()):
        numbers = reference_allocate_block(prefix=prefix, year=year, count=len(same))
        for row, number in zip(same, numbers, strict=True):
            row.license_number = number


def _decode(content: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), UTF-16 with its mark (a
    spreadsheet's "Unicode text"), or Windows-1252 (an older spreadsheet's "CSV") when the
    bytes are not UTF-8."""
    if not content.strip():
        raise ImportRefused(_("The file is empty."))
    if content.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ImportRefused(
            _("This is a spreadsheet workbook, not a CSV file. Save it as “CSV UTF-8” first.")
        )
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportRefused(_("The file cannot be read as UTF-16 text.")) from None
    if b"\x00" in content:
        raise ImportRefused(_("This is not a CSV file: it holds binary data."))
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportRefused(
            _("The file's characters cannot be read. Save it as “CSV UTF-8” and try again.")
        ) from None


def _column_name(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def _parse(text: str) -> list[ImportRow]:
    """Split the text into rows keyed by column name, after checking the header row."""
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to some locales write ";" or a tab between values: take the one
    # that makes the header row name the most known columns.
    delimiter = max(
        (",", ";", "\t"),
        key=lambda d: sum(_column_name(h) in COLUMN_NAMES for h in first_line.split(d)),
    )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise ImportRefused(_("The file is empty."))
        names = [_column_name(h) for h in header]
        _check_header(names)
        rows = []
        for values in reader:
            if not any(value.strip() for value in values):
                continue  # blank lines spreadsheets leave at the end
            line = reader.line_num
            if len(rows) >= MAX_ROWS:
                raise ImportRefused(
                    _("The file has more than %(limit)d rows. Split it into smaller files.")
                    % {"limit": MAX_ROWS}
                )
            row = ImportRow(line=line, raw=dict(zip(names, values, strict=False)))
            if len(values) != len(names):
                row.errors.append(
                    _("This row has %(found)d values where the header names %(expected)d.")
                    % {"found": len(values), "expected": len(names)}
                )
            rows.append(row)
    except csv.Error as error:
        raise ImportRefused(
            _("The file is not valid CSV near row %(line)d: %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from None
    if not rows:
        raise ImportRefused(_("The file has a header row but no licenses."))
    return rows


def _check_header(names: list[str]) -> None:
    problems = []
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    unknown = [name or "(empty)" for name in names if name not in COLUMN_NAMES]
    repeated = sorted({name for name in names if names.count(name) > 1 and name})
    if missing:
        problems.append(_("Missing columns: %(names)s.") % {"names": ", ".join(missing)})
    if unknown:
        problems.append(_("Unknown columns: %(names)s.") % {"names": ", ".join(unknown)})
    if repeated:
        problems.append(_("Columns named twice: %(names)s.") % {"names": ", ".join(repeated)})
    if problems:
        problems.append(
            _("The first row must name the columns: %(names)s.")
            % {"names": ", ".join(COLUMN_NAMES)}
        )
        raise ImportRefused(" ".join(problems))


def _parse_date(value: str) -> datetime.date | None:
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, date_format).date()
        except ValueError:
            continue
    return None


def _clean_row(row: ImportRow, types: dict[str, LicenseType]) -> None:
    """Fill `row.record` (the normalised values) and `row.errors`."""
    value = {name: (row.raw.get(name) or "").strip() for name in COLUMN_NAMES}
    errors = row.errors

    def need(name: str) -> bool:
        if not value[name]:
            errors.append(_("%(column)s is missing.") % {"column": _LABELS[name].capitalize()})
            return False
        return True

    def fits(name: str, limit: int) -> bool:
        if len(value[name]) > limit:
            errors.append(
                _("%(column)s is longer than %(limit)d characters.")
                % {"column": _LABELS[name].capitalize(), "limit": limit}
            )
            return False
        return True

    if need("legacy_number"):
        fits("legacy_number", 40)
    if need("type_code"):
        row.license_type = types.get(value["type_code"].lower())
        if row.license_type is None:
            errors.append(_("Unknown license type code “%(code)s”.") % {"code": value["type_code"]})
    if need("holder_name"):
        fits("holder_name", 150)
    fits("business_name", 200)
    for name in ("holder_name", "business_name"):
        # They are printed on the certificate and shown in the public register.
        value[name] = unicodedata.normalize("NFC", value[name])
        if has_invisible_characters(value[name]):
            errors.append(invisible_message(str(_LABELS[name])))
    email = value["holder_email"]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_("“%(email)s” is not a valid e-mail address.") % {"email": email})
    phone = ""
    if value["phone"]:
        number = (
            PhoneNumber.from_string(value["phone"], region=settings.PHONENUMBER_DEFAULT_REGION)
            if _looks_like_phone(value["phone"])
            else None
        )
        if number is None or not number.is_valid():
            errors.append(_("“%(phone)s” is not a valid phone number.") % {"phone": value["phone"]})
        else:
            phone = number.as_e164
    dates = {}
    for name in ("issued_on", "expires_on"):
        if need(name):
            dates[name] = _parse_date(value[name])
            if dates[name] is None:
                errors.append(
                    _("%(column)s: “%(value)s” is not a date (use YYYY-MM-DD or MM/DD/YYYY).")
                    % {"column": _LABELS[name].capitalize(), "value": value[name]}
                )
    issued_on, expires_on = dates.get("issued_on"), dates.get("expires_on")
    if issued_on and expires_on and expires_on <= issued_on:
        errors.append(_("The expiry date must be after the date of issue."))
    status = value["status"].lower()
    if need("status") and status not in LicenseStatus.values:
        errors.append(
            _("Unknown status “%(status)s” (use one of: %(allowed)s).")
            % {"status": value["status"], "allowed": ", ".join(LicenseStatus.values)}
        )
    row.record = {
        "legacy_number": value["legacy_number"],
        "type_code": row.license_type.code if row.license_type else value["type_code"],
        "holder_name": value["holder_name"],
        "business_name": value["business_name"],
        "holder_email": email,
        "phone": phone,
        "issued_on": issued_on.isoformat() if issued_on else "",
        "expires_on": expires_on.isoformat() if expires_on else "",
        "status": status,
    }


def _looks_like_phone(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9+().\-\s]{7,25}", value))


def _differences(old: dict | None, new: dict) -> list[str]:
    old = old or {}
    return [str(_LABELS[name]) for name in COLUMN_NAMES if old.get(name) != new.get(name)]


def _check(rows: list[ImportRow]) -> list[ImportRow]:
    """Give every row its outcome: checked alone, against the file, then the register."""
    types = {t.code.lower(): t for t in LicenseType.objects.all()}
    for row in rows:
        _clean_row(row, types)
    by_key: dict[tuple, list[ImportRow]] = {}
    for row in rows:
        if row.key is not None:
            by_key.setdefault(row.key, []).append(row)
    for same in by_key.values():
        if len(same) == 1:
            continue
        if all(other.record == same[0].record for other in same):
            for repeat in same[1:]:
                repeat.outcome = RowOutcome.REPEAT
                repeat.note = _("Same as row %(line)d.") % {"line": same[0].line}
        else:
            lines = ", ".join(str(other.line) for other in same)
            for other in same:
                other.errors.append(
                    _("Legacy number %(number)s appears on rows %(lines)s with different data.")
                    % {"number": other.record["legacy_number"], "lines": lines}
                )
    numbers = {row.record["legacy_number"] for row in rows if row.key is not None}
    existing = {
        (license.license_type_id, license.legacy_reference): license
        for license in License.objects.filter(legacy_reference__in=numbers).only(
            "pk", "number", "license_type_id", "legacy_reference", "legacy_record"
        )
    }
    for row in rows:
        if row.errors:
            row.outcome = RowOutcome.ERROR
            continue
        if row.outcome == RowOutcome.REPEAT:
            continue
        license = existing.get(row.key)
        if license is None:
            row.outcome = RowOutcome.CREATE
        elif license.legacy_record == row.record:
            row.outcome = RowOutcome.ALREADY
            row.license_number = license.number
            row.note = _("Already imported as %(number)s.") % {"number": license.number}
        else:
            row.outcome = RowOutcome.ERROR
            row.errors.append(
                _(
                    "Legacy number %(legacy)s is already in the register as %(number)s with "
                    "different data (%(fields)s)."
                )
                % {
                    "legacy": row.record["legacy_number"],
                    "number": license.number,
                    "fields": ", ".join(_differences(license.legacy_record, row.record)),
                }
            )
    return rows
