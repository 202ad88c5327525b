"""Categories and reports as GeoReport v2 resources (plain dicts, in the spec's field order).

Only public facts: a service request never carries the reporter's name or contact.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from concerns import attributes
from concerns.models import ConcernCategory, ConcernReport
from portal.localized import localized


def w3c(moment: datetime.datetime | None) -> str | None:
    """A date and time with the agency's time-zone offset, e.g. 2026-03-01T14:30:00-05:00."""
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def service(category: ConcernCategory) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": any(attributes.is_asked(question) for question in category.questions.all()),
        "type": "realtime",
        "keywords": ", ".join(category.keyword_list),
        "group": category.group,
    }


def service_definition(category: ConcernCategory) -> dict:
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": attributes.is_asked(question),
                "code": question.code,
                "datatype": attributes.datatype(question),
                "required": question.required,
                "datatype_description": localized(question, "hint"),
                "order": question.order,
                "description": localized(question, "label"),
                "values": [{"key": key, "name": name} for key, name in attributes.values(question)],
            }
            for question in category.questions.all()
            if question.kind in attributes.DATATYPE_OF_KIND
        ],
    }


def _expected(report: ConcernReport) -> str | None:
    day = report.expected_date
    if day is None:
        return None
    return w3c(
        datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())
    )


def service_request(report: ConcernReport, *, departments: dict[int, str]) -> dict:
    """`report` as `selectors.reports_for_open311` reads it (with its `zip_code`);
    `departments` maps department ids to names (fetched once for a whole list)."""
    case = report.case
    closed = case.closed_at is not None
    return {
        "service_request_id": case.reference,
        "status": "closed" if closed else "open",
        "status_notes": report.public_reason if closed else str(case.status_label),
        "service_name": report.category.name,
        "service_code": report.category.code,
        "description": report.description,
        "agency_responsible": departments.get(case.department_id, settings.AGENCY["name"]),
        "service_notice": "",
        "requested_datetime": w3c(report.requested_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": _expected(report),
        "address": report.address,
        "address_id": "",
        "zipcode": report.zip_code or "",
        "lat": report.latitude,
        "long": report.longitude,
        "media_url": _media_url(report),
    }


def _media_url(report: ConcernReport) -> str:
    if report.media_url:
        return report.media_url
    first = getattr(report, "first_photo_position", None)
    if first is None:
        return ""
    from django.urls import reverse

    return settings.SITE_URL + reverse("concerns:photo", args=[report.case.reference, first])
