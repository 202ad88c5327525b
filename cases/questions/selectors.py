"""An owner's questions and documents, in the order the administrator set."""

from __future__ import annotations

from django.db import models

from cases.questions.models import DocumentRequirement, Question, QuestionKind
from portal.localized import missing_translations


def questions_of(*, owner: models.Model, for_renewal: bool | None = False) -> list[Question]:
    """`owner`'s questions (with the question each depends on); `for_renewal=None` gives the
    first application's and the renewal's alike."""
    questions = Question.objects.of(owner).select_related("condition_question")
    if for_renewal is not None:
        questions = questions.filter(for_renewal=for_renewal)
    return list(questions)


def file_questions_of(*, owner: models.Model) -> list[Question]:
    return list(Question.objects.of(owner).filter(kind=QuestionKind.FILE))


def documents_of(*, owner: models.Model, required: bool | None = None) -> list[DocumentRequirement]:
    """`owner`'s document checklist; `required=True` only the documents it cannot do without."""
    requirements = DocumentRequirement.objects.of(owner)
    if required is not None:
        requirements = requirements.filter(required=required)
    return list(requirements)


def missing_spanish_of(*, owner: models.Model) -> list[str]:
    """What of `owner`'s questions and documents a Spanish reader would read in English:
    "“Do you groom in a vehicle?”: question in Spanish", one line per text."""
    lines = []
    rows = [*Question.objects.of(owner), *DocumentRequirement.objects.of(owner)]
    for row in rows:
        for name in missing_translations(row):
            lines.append(f"“{row}”: {name}")
    return lines
