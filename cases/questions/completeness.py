"""What a draft application still lacks of the pieces every service shares: pages whose
answers were kept without being checked, questions not answered, documents asked for and not
supplied.

Each service adds its own checks (a permit's property and contractor, a license's holder)
and orders the lot as its check page shows them; the words are the same in every service.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import models
from django.utils.translation import gettext as _

from cases.questions import rules
from cases.questions.models import Question
from cases.questions.selectors import documents_of
from portal.localized import localized


def pages_not_checked(
    *, typed: Mapping[str, object], pages: Iterable[tuple[str, str]]
) -> list[tuple[str, str]]:
    """(page, words for the applicant) for each of `pages` (value, label) whose answers were
    kept as typed, because they did not pass or the session ended, and are not checked yet."""
    return [
        (
            page,
            _(
                "Some answers on the page “%(page)s” are not checked yet: open it, correct "
                "them and choose “Save and continue”."
            )
            % {"page": label},
        )
        for page, label in pages
        if page in typed
    ]


def questions_unanswered(*, questions: list[Question], answers: Mapping) -> list[str]:
    """One line when a question that applies is unanswered or its answer does not pass."""
    errors = rules.answers_clean(questions, answers)[1]
    return [_("Answer every question that applies.")] if errors else []


def documents_missing(*, owner: models.Model, supplied: set[int]) -> list[str]:
    """One line for each document `owner` requires whose requirement id is not in `supplied`,
    in the administrator's order."""
    return [
        _("Upload: %(document)s.") % {"document": localized(requirement, "name")}
        for requirement in documents_of(owner=owner, required=True)
        if requirement.pk not in supplied
    ]
