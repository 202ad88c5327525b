"""Reading Open311 request parameters: an empty parameter counts as absent, and anything
the spec does not allow raises ApiError with the status and description to send back."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from phonenumber_field.phonenumber import to_python

STATUSES = ("open", "closed")
# The column a guest's address is kept in (models.EmailField's default).
EMAIL_MAX_LENGTH = 254


class ApiError(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def value(data, name: str) -> str:
    """The parameter `name`, stripped; "" when absent or empty."""
    raw = data.get(name)
    if not isinstance(raw, str):
        return ""
    if "\x00" in raw:
        raise ApiError(400, f"{name} contains a character that is not allowed.")
    return raw.strip()


def listed(data, name: str) -> list[str]:
    """A comma-delimited parameter as a list without empty items."""
    return [item.strip() for item in value(data, name).split(",") if item.strip()]


def check_jurisdiction(data) -> None:
    jurisdiction = value(data, "jurisdiction_id")
    if jurisdiction and jurisdiction != settings.OPEN311_JURISDICTION_ID:
        raise ApiError(404, f"jurisdiction_id {jurisdiction[:100]!r} was not found.")


def _moment(data, name: str) -> datetime.datetime | None:
    raw = value(data, name)
    if not raw:
        return None
    try:
        moment = parse_datetime(raw.replace(" ", "+", 1) if "T" in raw else raw)
    except (ValueError, OverflowError):
        moment = None
    if moment is None:
        raise ApiError(400, f"{name} must be a W3C date and time, like 2026-03-01T14:30:00-05:00.")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@dataclass(frozen=True)
class RequestQuery:
    references: list[str]
    service_codes: list[str]
    start: datetime.datetime | None
    end: datetime.datetime | None
    statuses: list[str]


def request_query(data) -> RequestQuery:
    """Parse the filters of GET requests: ids, service codes, a date range of at most
    OPEN311_MAX_DAYS (the past OPEN311_MAX_DAYS when none is given), statuses."""
    references = [reference.upper() for reference in listed(data, "service_request_id")]
    statuses = [status.lower() for status in listed(data, "status")]
    unknown = [status for status in statuses if status not in STATUSES]
    if unknown:
        raise ApiError(400, f"status must be open or closed, not {unknown[0][:50]!r}.")
    start, end = _moment(data, "start_date"), _moment(data, "end_date")
    span = datetime.timedelta(days=settings.OPEN311_MAX_DAYS)
    if references:
        return RequestQuery(references[:100], [], None, None, [])
    if start and end and end < start:
        raise ApiError(400, "end_date must not be before start_date.")
    if start and end and end - start > span:
        raise ApiError(
            400, f"start_date and end_date may be at most {settings.OPEN311_MAX_DAYS} days apart."
        )
    try:
        if start is None and end is None:
            end = timezone.now()
            start = end - span
        elif start is None:
            start = end - span
        elif end is None:
            end = start + span
    except OverflowError:
        raise ApiError(400, "start_date or end_date is out of range.") from None
    return RequestQuery([], listed(data, "service_code"), start, end, statuses)


@dataclass(frozen=True)
class NewRequest:
    service_code: str
    latitude: str
    longitude: str
    address: str
    description: str
    email: str
    phone: str
    name: str
    device_id: str
    account_id: str
    media_url: str
    answers: dict


def new_request(data) -> NewRequest:
    """Parse POST requests' parameters (not the api_key or the service code's existence)."""
    service_code = value(data, "service_code")
    if not service_code:
        raise ApiError(400, "service_code was not provided.")
    lat, lon = value(data, "lat"), value(data, "long")
    if bool(lat) != bool(lon):
        raise ApiError(400, "lat and long must be given together.")
    if value(data, "address_id") and not (lat or value(data, "address_string")):
        raise ApiError(
            400, "address_id is not supported here: send lat and long, or address_string."
        )
    email = value(data, "email")
    if len(email) > EMAIL_MAX_LENGTH:
        raise ApiError(400, f"email must be {EMAIL_MAX_LENGTH} characters or fewer.")
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            raise ApiError(400, "email is not a valid e-mail address.") from None
    phone = value(data, "phone")
    if phone:
        number = to_python(phone)
        if number is None or not number.is_valid():
            raise ApiError(400, "phone is not a valid phone number.")
        phone = number.as_e164
    media_url = value(data, "media_url")
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise ApiError(400, "media_url must be an http or https URL.") from None
        if len(media_url) > 500:
            raise ApiError(400, "media_url must be 500 characters or fewer.")
    name = " ".join(part for part in (value(data, "first_name"), value(data, "last_name")) if part)
    return NewRequest(
        service_code=service_code,
        latitude=lat,
        longitude=lon,
        address=value(data, "address_string"),
        description=value(data, "description"),
        email=email,
        phone=phone,
        name=name,
        device_id=value(data, "device_id"),
        account_id=value(data, "account_id"),
        media_url=media_url,
        answers=_answers(data),
    )


def _answers(data) -> dict:
    """attribute[code]=value, and attribute[code][]=value (repeated) for several choices."""
    answers: dict = {}
    for key in data:
        if not key.startswith("attribute[") or "]" not in key:
            continue
        code = key[len("attribute[") : key.index("]")]
        values = [item.strip() for item in data.getlist(key) if item.strip()]
        if not code or not values:
            continue
        if key.endswith("[]") or code in answers or len(values) > 1:
            answers.setdefault(code, [])
            if not isinstance(answers[code], list):
                answers[code] = [answers[code]]
            answers[code].extend(values)
        else:
            answers[code] = values[0]
    return answers
