"""The form builder: an owner's questions as Django form fields, and the rules that turn
submitted values into stored answers.

Answers are stored as JSON, keyed by question code: text as a string, a number as a decimal
string, a date as ISO 8601, a date and time as ISO 8601 with its offset, yes/no as "yes" or
"no", a single choice as the choice's key, several choices as a list of keys, a file as
``{"document_id": ..., "name": ...}``. Keys never depend on the reader's language.

A conditional question is asked only when the answer it depends on matches; otherwise its
answer is dropped and it is never required. Pages work without JavaScript, so every question
is on the page and a conditional one says in its hint when it applies; the server decides.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from cases.questions.models import DateRange, Question, QuestionKind
from portal.localized import localized

YES, NO = "yes", "no"


TEXT_MAX_LENGTH = 500
LONG_TEXT_MAX_LENGTH = 5000


def _plain_number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _number_rule(question: Question) -> str:
    if question.whole_number:
        return _whole_number_rule(question)
    low, high = question.min_value, question.max_value
    if low is not None and high is not None:
        return _("Enter a number between %(min)s and %(max)s.") % {
            "min": _plain_number(low),
            "max": _plain_number(high),
        }
    if low is not None:
        return _("Enter a number of %(min)s or more.") % {"min": _plain_number(low)}
    if high is not None:
        return _("Enter a number of %(max)s or less.") % {"max": _plain_number(high)}
    return ""


def _whole_number_rule(question: Question) -> str:
    low, high = question.min_value, question.max_value
    if low is not None and high is not None:
        return _("Enter a whole number between %(min)s and %(max)s.") % {
            "min": _plain_number(low),
            "max": _plain_number(high),
        }
    if low is not None:
        return _("Enter a whole number of %(min)s or more.") % {"min": _plain_number(low)}
    if high is not None:
        return _("Enter a whole number of %(max)s or less.") % {"max": _plain_number(high)}
    return _("Enter a whole number, without decimals.")


def _date_rule(question: Question) -> str:
    if question.date_range == DateRange.NOT_PAST:
        return _("The date must be today or in the future.")
    if question.date_range == DateRange.NOT_FUTURE:
        return _("The date must be today or in the past.")
    if question.date_range == DateRange.FUTURE:
        return _("The date must be after today.")
    if question.date_range == DateRange.PAST:
        return _("The date must be before today.")
    return ""


def _limit_hint(question: Question) -> str:
    """The limit an answer must keep to, said before the resident sends it."""
    if question.kind == QuestionKind.NUMBER:
        return _number_rule(question)
    if question.kind == QuestionKind.DATE:
        return _date_rule(question)
    if question.kind == QuestionKind.LONG_TEXT:
        return _("You can enter up to %(count)s characters.") % {
            "count": number_format(LONG_TEXT_MAX_LENGTH, force_grouping=True)
        }
    if question.kind == QuestionKind.FILE:
        return _("A PDF, JPG, PNG, HEIC or WebP file, up to %(size)s MB.") % {
            "size": number_format(settings.DOCUMENT_MAX_BYTES // (1024 * 1024))
        }
    return ""


def _base_hint(question: Question) -> str:
    own_hint = localized(question, "hint")
    hint = " ".join(part for part in (own_hint, _limit_hint(question)) if part)
    parent = question.condition_question
    if parent is not None:
        condition = _("Answer only if your answer to “%(question)s” is “%(value)s”.") % {
            "question": localized(parent, "label"),
            "value": _display_choice(parent, question.condition_value),
        }
        hint = f"{hint} {condition}".strip()
    return hint


def _display_choice(question: Question, value: str) -> str:
    if question.kind == QuestionKind.YES_NO:
        return _("Yes") if value == YES else _("No") if value == NO else value
    if question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        return question.choice_labels().get(value, value)
    return value


def question_label(question: Question) -> str:
    """The question as the reader reads it, in their language."""
    return localized(question, "label")


def _field(question: Question) -> forms.Field:
    common = {
        "label": question_label(question),
        "help_text": _base_hint(question),
        "required": False,
    }
    kind = question.kind
    if kind == QuestionKind.TEXT:
        return forms.CharField(max_length=TEXT_MAX_LENGTH, **common)
    if kind == QuestionKind.LONG_TEXT:
        return forms.CharField(
            max_length=LONG_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}), **common
        )
    if kind == QuestionKind.NUMBER:
        if question.whole_number:
            return forms.IntegerField(**common)
        return forms.DecimalField(max_digits=14, decimal_places=2, **common)
    if kind == QuestionKind.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == QuestionKind.DATETIME:
        return forms.DateTimeField(
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            **common,
        )
    if kind == QuestionKind.YES_NO:
        return forms.ChoiceField(
            choices=[(YES, _("Yes")), (NO, _("No"))], widget=forms.RadioSelect, **common
        )
    choices = list(question.choice_labels().items())
    if kind == QuestionKind.SINGLE_CHOICE:
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == QuestionKind.FILE:
        return forms.FileField(**common)
    raise ValueError(f"Unknown question kind {kind!r}.")


def question_field(question: Question) -> forms.Field:
    """The form field for `question`, labelled "(optional)" only when it is.

    Never required by Django itself (see `answers_clean`): whether a conditional question
    must be answered depends on other answers, and a file already sent need not be sent
    again.
    """
    field = _field(question)
    field.optional = not question.required
    return field


def stored_value(question: Question, value) -> object:
    """Turn a cleaned form value into its JSON form; None for no answer."""
    if value in (None, "", [], ()):
        return None
    if question.kind == QuestionKind.NUMBER:
        return _plain_number(Decimal(value)) if isinstance(value, Decimal) else str(value)
    if question.kind == QuestionKind.DATETIME:
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value).isoformat(timespec="seconds")
        return str(value)
    if question.kind == QuestionKind.DATE:
        return value.isoformat() if isinstance(value, datetime.date) else str(value)
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return list(value)
    if question.kind == QuestionKind.FILE:
        return value if isinstance(value, dict) else None
    return str(value).strip() or None


def initial_value(question: Question, stored) -> object:
    """The form's initial value for a stored answer (files are never re-shown as input)."""
    if stored is None or question.kind == QuestionKind.FILE:
        return None
    if question.kind == QuestionKind.DATETIME:
        try:
            return timezone.localtime(datetime.datetime.fromisoformat(str(stored)))
        except ValueError:
            return stored
    return stored


def _matches(answer, expected: str) -> bool:
    expected = expected.strip().casefold()
    if isinstance(answer, list):
        return any(str(item).strip().casefold() == expected for item in answer)
    if answer is None:
        return False
    return str(answer).strip().casefold() == expected


def answer_matches(answer, expected: str) -> bool:
    """Whether a stored answer is `expected` (for several choices: includes it), ignoring case."""
    return _matches(answer, expected)


def is_asked(question: Question, answers: Mapping[str, object]) -> bool:
    """Whether `question` applies given `answers` (its condition, and its parent's, hold)."""
    seen = set()
    current = question
    while current.condition_question_id is not None:
        if current.pk in seen:
            return False
        seen.add(current.pk)
        parent = current.condition_question
        if not _matches(answers.get(parent.code), current.condition_value):
            return False
        current = parent
    return True


def _check_type(question: Question, value) -> object:
    """Validate one stored-form value against its question's type; raise ValueError."""
    kind = question.kind
    if kind in (QuestionKind.TEXT, QuestionKind.LONG_TEXT):
        if not isinstance(value, str):
            raise ValueError(_("Enter text."))
        return value.strip() or None
    if kind == QuestionKind.NUMBER:
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            raise ValueError(_("Enter a number.")) from None
        if not number.is_finite():
            raise ValueError(_("Enter a number."))
        low, high = question.min_value, question.max_value
        if (low is not None and number < low) or (high is not None and number > high):
            raise ValueError(_number_rule(question))
        if question.whole_number and number != number.to_integral_value():
            raise ValueError(_number_rule(question))
        return _plain_number(number)
    if kind == QuestionKind.DATETIME:
        try:
            moment = datetime.datetime.fromisoformat(str(value))
        except ValueError:
            raise ValueError(_("Enter a real date and time.")) from None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return timezone.localtime(moment).isoformat(timespec="seconds")
    if kind == QuestionKind.DATE:
        try:
            day = datetime.date.fromisoformat(str(value))
        except ValueError:
            raise ValueError(_("Enter a real date.")) from None
        today = timezone.localdate()
        refused = {
            DateRange.NOT_PAST: day < today,
            DateRange.NOT_FUTURE: day > today,
            DateRange.FUTURE: day <= today,
            DateRange.PAST: day >= today,
        }
        if refused.get(question.date_range, False):
            raise ValueError(_date_rule(question))
        return day.isoformat()
    if kind == QuestionKind.YES_NO:
        if value not in (YES, NO):
            raise ValueError(_("Choose yes or no."))
        return value
    if kind == QuestionKind.SINGLE_CHOICE:
        if value not in question.choice_list:
            raise ValueError(_("Choose one of the options."))
        return value
    if kind == QuestionKind.MULTIPLE_CHOICE:
        if not isinstance(value, list) or not set(value) <= set(question.choice_list):
            raise ValueError(_("Choose from the options."))
        return value or None
    if kind == QuestionKind.FILE:
        if not isinstance(value, dict) or not isinstance(value.get("document_id"), int):
            raise ValueError(_("Upload a file."))
        return value
    raise ValueError(f"Unknown question kind {kind!r}.")


def answers_clean(
    questions: Iterable[Question], answers: Mapping[str, object]
) -> tuple[dict, dict[str, str]]:
    """Return (answers to keep, errors by question code) for `questions`.

    Values are checked against their question's type; answers to questions that are not asked
    (their condition does not hold) and to unknown codes are dropped; a required question that
    is asked and unanswered is an error. Nothing is written.
    """
    questions = [question for question in questions if question.answers_expected]
    typed: dict[str, object] = {}
    errors: dict[str, str] = {}
    for question in questions:
        value = answers.get(question.code)
        if value in (None, "", []):
            continue
        try:
            checked = _check_type(question, value)
        except ValueError as error:
            errors[question.code] = str(error)
            continue
        if checked is not None:
            typed[question.code] = checked
    kept: dict[str, object] = {}
    for question in questions:
        if not is_asked(question, typed):
            continue
        if question.code in typed:
            kept[question.code] = typed[question.code]
        elif question.required and question.code not in errors:
            errors[question.code] = _("Answer this question.")
    return kept, errors


def answer_display(question: Question, value) -> str:
    """The answer as the resident and the clerk read it."""
    if value is None:
        return ""
    if question.kind == QuestionKind.YES_NO:
        return _display_choice(question, value)
    if question.kind == QuestionKind.SINGLE_CHOICE:
        return _display_choice(question, str(value))
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        values = value if isinstance(value, list) else [value]
        return ", ".join(_display_choice(question, str(item)) for item in values)
    if question.kind == QuestionKind.FILE:
        return str(value.get("name", "")) if isinstance(value, dict) else ""
    if question.kind == QuestionKind.DATETIME:
        try:
            moment = datetime.datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        return date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    return str(value)
