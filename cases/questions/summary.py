"""The rows of a "check your answers" page (and a clerk's view of the same answers)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cases.questions import rules
from cases.questions.models import Question


def answer_rows(
    questions: Iterable[Question], answers: Mapping[str, object]
) -> list[tuple[str, str]]:
    """(question, answer) for every question asked, in the reader's language, in order.

    Questions whose condition does not hold are left out; an unanswered optional question
    shows an empty answer.
    """
    rows = []
    for question in questions:
        if not question.answers_expected or not rules.is_asked(question, answers):
            continue
        rows.append(
            (
                rules.question_label(question),
                rules.answer_display(question, answers.get(question.code)),
            )
        )
    return rows
