"""The rules a report's text, location and answers must meet, shared by the web form, the
Open311 API and the services (which check again, so no caller can skip them).

Each function returns the cleaned value or raises ValidationError with a message written
for the person filling in the form; the API passes the same message on as its description.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cases.questions.models import QuestionKind
from concerns import attributes
from concerns.geo import agency_area
from concerns.models import DESCRIPTION_MAX_LENGTH, ConcernCategory
from portal.localized import localized
from portal.validators import has_invisible_characters, invisible_message

ADDRESS_MAX_LENGTH = 255
SHORT_ANSWER_MAX_LENGTH = 300
# Something that opens or closes an HTML tag, a comment or a doctype: "<b", "</", "<!".
_HTML = re.compile(r"<\s*[/!?]?\s*[a-zA-Z]|<!--|<\s*/")
# Control characters other than tab, line feed and carriage return (PostgreSQL refuses NUL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str, *, label: str, max_length: int, required: bool = False) -> str:
    """Strip and compose `value`; refuse HTML, control and invisible formatting characters
    (`portal.validators`) and text longer than `max_length`."""
    value = unicodedata.normalize("NFC", (value or "").strip())
    if required and not value:
        raise ValidationError(_("Enter %(label)s.") % {"label": label}, code="required")
    if len(value) > max_length:
        raise ValidationError(
            _("%(label)s must be %(max)d characters or fewer (it has %(count)d).")
            % {"label": label.capitalize(), "max": max_length, "count": len(value)},
            code="max_length",
        )
    if _HTML.search(value):
        raise ValidationError(
            _("%(label)s cannot contain HTML. Remove the text between < and >.")
            % {"label": label.capitalize()},
            code="html",
        )
    if _CONTROL.search(value):
        raise ValidationError(
            _("%(label)s contains characters we cannot store. Type it again without them.")
            % {"label": label.capitalize()},
            code="control_characters",
        )
    if has_invisible_characters(value):
        raise ValidationError(
            invisible_message(label),
            code="invisible_characters",
        )
    return value


def clean_description(value: str, *, required: bool = True) -> str:
    return clean_text(
        value,
        label=_("a description of the problem") if required else _("description"),
        max_length=DESCRIPTION_MAX_LENGTH,
        required=required,
    )


def _coordinate(value, *, label: str, limit: int) -> Decimal | None:
    """A coordinate in decimal degrees between -limit and limit, rounded to the column's six
    decimal places; NaN, infinities and numbers too large to round are refused, not raised."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    not_a_number = ValidationError(
        _("%(label)s must be a number in decimal degrees, like 39.7817.") % {"label": label},
        code="invalid",
    )
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise not_a_number from None
    if not number.is_finite():
        raise not_a_number
    if abs(number) > limit:
        raise ValidationError(
            _("%(label)s must be between -%(limit)d and %(limit)d degrees.")
            % {"label": label, "limit": limit},
            code="out_of_range",
        )
    # Within the limit the rounded value has at most nine digits: no context can overflow.
    return number.quantize(Decimal("0.000001"))


def clean_location(
    *, address: str, latitude, longitude, required: bool
) -> tuple[str, Decimal | None, Decimal | None]:
    """Return (address, latitude, longitude): an address, a point inside the agency's area,
    or both. Raises ValidationError keyed by field ("address", "latitude", "longitude")."""
    errors: dict[str, list] = {}
    try:
        address = clean_text(address, label=_("address"), max_length=ADDRESS_MAX_LENGTH)
    except ValidationError as error:
        errors["address"] = error.error_list
        address = ""
    lat = lon = None
    try:
        lat = _coordinate(latitude, label=_("Latitude"), limit=90)
    except ValidationError as error:
        errors["latitude"] = error.error_list
    try:
        lon = _coordinate(longitude, label=_("Longitude"), limit=180)
    except ValidationError as error:
        errors["longitude"] = error.error_list
    if errors:
        raise ValidationError(errors)
    if (lat is None) != (lon is None):
        missing = "longitude" if lon is None else "latitude"
        raise ValidationError(
            {missing: _("Give both the latitude and the longitude, or neither.")}, code="partial"
        )
    if lat is not None and not agency_area().contains(lat, lon):
        raise ValidationError(
            {
                "latitude": ValidationError(
                    _(
                        "That place is outside the area we look after. Check the location, "
                        "or contact the agency responsible for it."
                    ),
                    code="outside_area",
                )
            }
        )
    if required and not address and lat is None:
        raise ValidationError(
            {"address": _("Enter the address or describe where it is, or give its coordinates.")},
            code="location_required",
        )
    return address, lat, lon


def _attribute_error(attribute, message: str, code: str) -> ValidationError:
    return ValidationError({f"attribute_{attribute.code}": ValidationError(message, code=code)})


def clean_attributes(*, category: ConcernCategory, answers: dict) -> dict:
    """Check answers to the category's questions; return {code: cleaned answer}.

    `answers` maps question codes to a string, or a list of strings for several-choice
    questions. Empty answers count as absent; unknown codes are ignored. Numbers are kept as
    strings in canonical form, dates as ISO 8601 with a time-zone offset.
    """
    cleaned: dict = {}
    errors: list[ValidationError] = []
    for attribute in category.questions.all():
        if not attributes.is_asked(attribute):
            continue
        raw = answers.get(attribute.code)
        values = raw if isinstance(raw, list | tuple) else [raw]
        values = [
            str(value).strip() for value in values if value is not None and str(value).strip()
        ]
        if not values:
            if attribute.required:
                errors.append(
                    _attribute_error(
                        attribute,
                        _("Answer the question: %(question)s")
                        % {"question": localized(attribute, "label")},
                        "required",
                    )
                )
            continue
        try:
            cleaned[attribute.code] = _clean_answer(attribute, values)
        except ValidationError as error:
            errors.append(_attribute_error(attribute, error.messages[0], error.code or "invalid"))
    if errors:
        merged: dict = {}
        for error in errors:
            for field, field_errors in error.error_dict.items():
                merged.setdefault(field, []).extend(field_errors)
        raise ValidationError(merged)
    return cleaned


def _clean_answer(attribute, values: list[str]):
    kind = attribute.kind
    question = localized(attribute, "label")
    allowed = {key for key, _name in attributes.values(attribute)}
    if kind == QuestionKind.MULTIPLE_CHOICE:
        chosen = list(dict.fromkeys(values))
        unknown = [value for value in chosen if value not in allowed]
        if unknown:
            raise ValidationError(
                _("%(value)s is not one of the choices for: %(question)s")
                % {"value": unknown[0][:50], "question": question},
                code="invalid_choice",
            )
        return chosen
    if len(values) > 1:
        raise ValidationError(
            _("Give one answer to: %(question)s") % {"question": question}, code="multiple"
        )
    value = values[0]
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.YES_NO):
        if value not in allowed:
            raise ValidationError(
                _("%(value)s is not one of the choices for: %(question)s")
                % {"value": value[:50], "question": question},
                code="invalid_choice",
            )
        return value
    if kind == QuestionKind.NUMBER:
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or abs(number) >= Decimal("1e12"):
            raise ValidationError(
                _("The answer to “%(question)s” must be a number.") % {"question": question},
                code="invalid_number",
            )
        return format(number.normalize(), "f")
    if kind == QuestionKind.DATE:
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValidationError(
                _("The answer to “%(question)s” must be a date like 2026-03-01.")
                % {"question": question},
                code="invalid_date",
            ) from None
    if kind == QuestionKind.DATETIME:
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
        if moment is None:
            try:
                day = datetime.date.fromisoformat(value)
            except ValueError:
                raise ValidationError(
                    _("The answer to “%(question)s” must be a date and time like 2026-03-01 14:30.")
                    % {"question": question},
                    code="invalid_datetime",
                ) from None
            moment = datetime.datetime.combine(day, datetime.time())
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return timezone.localtime(moment).isoformat(timespec="seconds")
    max_length = SHORT_ANSWER_MAX_LENGTH if kind == QuestionKind.TEXT else 4000
    return clean_text(value, label=question, max_length=max_length)
