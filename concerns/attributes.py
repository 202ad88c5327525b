"""A category's questions (`cases.questions`) seen as Open311 GeoReport v2 attributes.

The questions are the shared ones every service uses; Open311 names their kinds by its own
datatypes and lists a choice question's answers as key and name. Kinds Open311 has no word
for are described by the nearest one (a date as a datetime, yes or no as a one-choice list).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.questions.models import Question, QuestionKind
from concerns.models import AttributeDatatype

DATATYPE_OF_KIND = {
    QuestionKind.TEXT: AttributeDatatype.STRING,
    QuestionKind.LONG_TEXT: AttributeDatatype.TEXT,
    QuestionKind.NUMBER: AttributeDatatype.NUMBER,
    QuestionKind.DATE: AttributeDatatype.DATETIME,
    QuestionKind.DATETIME: AttributeDatatype.DATETIME,
    QuestionKind.YES_NO: AttributeDatatype.SINGLEVALUELIST,
    QuestionKind.SINGLE_CHOICE: AttributeDatatype.SINGLEVALUELIST,
    QuestionKind.MULTIPLE_CHOICE: AttributeDatatype.MULTIVALUELIST,
    QuestionKind.INFO: AttributeDatatype.STRING,
}

# A report has no place for files: a file question of a category is not asked.
ASKED_KINDS = frozenset(DATATYPE_OF_KIND) - {QuestionKind.INFO}


def is_asked(question: Question) -> bool:
    """Whether a report asks `question` (information lines and file questions are not)."""
    return question.kind in ASKED_KINDS


def datatype(question: Question) -> str:
    return str(DATATYPE_OF_KIND.get(question.kind, AttributeDatatype.STRING))


def values(question: Question) -> list[tuple[str, str]]:
    """(key, name) of each answer a list question allows, names in the reader's language."""
    if question.kind == QuestionKind.YES_NO:
        return [("yes", _("Yes")), ("no", _("No"))]
    return list(question.choice_labels().items())


KIND_OF_DATATYPE = {
    AttributeDatatype.STRING: QuestionKind.TEXT,
    AttributeDatatype.TEXT: QuestionKind.LONG_TEXT,
    AttributeDatatype.NUMBER: QuestionKind.NUMBER,
    AttributeDatatype.DATETIME: QuestionKind.DATETIME,
    AttributeDatatype.SINGLEVALUELIST: QuestionKind.SINGLE_CHOICE,
    AttributeDatatype.MULTIVALUELIST: QuestionKind.MULTIPLE_CHOICE,
}


def choices_text(values) -> str:
    """`Question.choices` for Open311 values [(key, name)...]: one "key | name" a line."""
    return "\n".join(key if key == name else f"{key} | {name}" for key, name in values)


def question_add(
    *,
    category,
    code: str,
    description: str,
    datatype: str = AttributeDatatype.STRING,
    required: bool = False,
    values=(),
    variable: bool = True,
    order: int | None = None,
    **translations,
) -> Question:
    """Give `category` a question described as an Open311 attribute (`translations`: the
    Spanish columns, e.g. label_es, hint_es, choices_es)."""
    if order is None:
        order = Question.objects.of(category).count() + 1
    return Question.objects.create(
        owner=category,
        code=code,
        label=description,
        kind=KIND_OF_DATATYPE[datatype] if variable else QuestionKind.INFO,
        required=required and variable,
        choices=choices_text(values),
        order=order,
        **translations,
    )
