"""The kind of timeline event plan review records: a round ended with a correction letter."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cases import events

CORRECTION_LETTER = "correction_letter"


def _letter_text(payload) -> str:
    comments = int(payload.get("comments") or 0)
    return ngettext(
        "Correction letter for review round %(round)s: %(count)s comment to answer.",
        "Correction letter for review round %(round)s: %(count)s comments to answer.",
        comments,
    ) % {"round": payload.get("round", ""), "count": comments}


# Personal (it is the applicant's plans), never public; payload: round, comments still open.
CORRECTION_LETTER_KIND = events.EventKind(
    label=_("Correction letter"), audiences=events.PRIVATE_AUDIENCES, text=_letter_text
)
