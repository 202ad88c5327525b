"""The timeline events of issuing and inspections, and who is told of each.

Events hold facts (the inspection's name in both languages, the ISO day, the period code, the
result code); the words are made when the event is shown, in the reader's language.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.events import PARTICIPANTS, PRIVATE_AUDIENCES, EventKind, display_value
from cases.participation import APPLICANT, CONTRACTOR

INSPECTION_BOOKED = "inspection_booked"
INSPECTION_MOVED = "inspection_moved"
INSPECTION_CANCELLED = "inspection_cancelled"
INSPECTION_RESULT = "inspection_result"
PERMIT_EXTENSION = "permit_extension"


def _name(payload) -> str:
    if translation.get_language() == "es" and payload.get("inspection_es"):
        return payload["inspection_es"]
    return payload.get("inspection", "")


def _period(code: str) -> str:
    return gettext("morning") if code == "am" else gettext("afternoon")


def _when(payload) -> dict:
    return {
        "inspection": _name(payload),
        "day": display_value("day_on", payload.get("day_on")),
        "period": _period(payload.get("period", "")),
        "time": payload.get("time") or "",
    }


def _booked_text(payload) -> str:
    values = _when(payload)
    if values["time"]:
        return gettext("%(inspection)s inspection booked for %(day)s at %(time)s.") % values
    return gettext("%(inspection)s inspection booked for %(day)s, %(period)s.") % values


def _moved_text(payload) -> str:
    values = _when(payload)
    if payload.get("by_staff") and values["time"]:
        return gettext("We moved your %(inspection)s inspection to %(day)s at %(time)s.") % values
    if payload.get("by_staff"):
        return gettext("We moved your %(inspection)s inspection to %(day)s, %(period)s.") % values
    if values["time"]:
        return gettext("%(inspection)s inspection moved to %(day)s at %(time)s.") % values
    return gettext("%(inspection)s inspection moved to %(day)s, %(period)s.") % values


def _cancelled_text(payload) -> str:
    values = _when(payload)
    if payload.get("by_staff"):
        return (
            gettext("We cancelled your %(inspection)s inspection of %(day)s. Book another time.")
            % values
        )
    return gettext("%(inspection)s inspection of %(day)s cancelled.") % values


_RESULTS = {
    "passed": _("passed"),
    "partial": _("partly passed: another inspection is needed"),
    "failed": _("failed: correct the work and book a re-inspection"),
    "cancelled": _("not done on site"),
}


def _result_text(payload) -> str:
    values = _when(payload)
    values["result"] = str(_RESULTS.get(payload.get("result", ""), ""))
    return gettext("%(inspection)s inspection of %(day)s: %(result)s.") % values


def _extension_text(payload) -> str:
    status = payload.get("status")
    if status == "granted":
        return gettext("Extension granted: the permit now expires on %(date)s.") % {
            "date": display_value("expires_on", payload.get("expires_on"))
        }
    if status == "refused":
        return gettext("Extension refused.")
    return gettext("Extension requested.")


EVENT_KINDS = {
    INSPECTION_BOOKED: EventKind(
        label=_("Inspection booked"), audiences=PRIVATE_AUDIENCES, text=_booked_text
    ),
    INSPECTION_MOVED: EventKind(
        label=_("Inspection moved"), audiences=PRIVATE_AUDIENCES, text=_moved_text
    ),
    INSPECTION_CANCELLED: EventKind(
        label=_("Inspection cancelled"), audiences=PRIVATE_AUDIENCES, text=_cancelled_text
    ),
    # Results are on the permit's public page too (a public register shows them).
    INSPECTION_RESULT: EventKind(label=_("Inspection result"), text=_result_text),
    PERMIT_EXTENSION: EventKind(
        label=_("Permit extension"), audiences=PRIVATE_AUDIENCES, text=_extension_text
    ),
}

# The applicant and the contractor hear at once of every booking, move, cancellation,
# result and extension decision, by their preferences.
_BOTH = {APPLICANT: "cases/event", CONTRACTOR: "cases/event"}
NOTICES = {kind: dict(_BOTH) for kind in EVENT_KINDS}

__all__ = ["EVENT_KINDS", "NOTICES", "PARTICIPANTS"]
