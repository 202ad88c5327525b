"""Which answers may decide whether another question is asked, and the refusal of a
condition that could never hold.

A question is asked only when the answer to its parent is one of the parent's own choices:
"yes" or "no" for a yes/no question, a choice's key for a choice question. Anything else
(free text, a number, a date, a file) cannot decide, and a condition on a value the parent
never takes, on itself, on a question of the other form (first application and renewal are
never asked together) or round a circle would hide the question forever: it is refused here
with the reason, before anything is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from cases.questions.models import CHOICE_KINDS, Question, QuestionKind
from cases.questions.rules import NO, YES


def condition_choices(parent: Question) -> list[tuple[str, str]]:
    """(stored answer, English label) of each answer of `parent` a condition may name;
    empty when `parent`'s answers cannot decide anything."""
    if parent.kind == QuestionKind.YES_NO:
        return [(YES, _("Yes")), (NO, _("No"))]
    if parent.kind in CHOICE_KINDS:
        return parent.choice_pairs
    return []


def condition_answer(parent: Question, typed: str) -> str:
    """The stored answer of `parent` that `typed` names: its key, or its label in any of the
    portal's languages ("Yes", "sí", "Large"), whatever the letter case. `typed` unchanged
    (so that `condition_refusal` says why) when it names none."""
    wanted = typed.strip().casefold()
    keys = [key for key, _label in condition_choices(parent)]
    for key in keys:
        if key.casefold() == wanted:
            return key
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            labels = _answer_labels(parent)
        for key, label in labels.items():
            if str(label).strip().casefold() == wanted:
                return key
    return typed.strip()


def _answer_labels(parent: Question) -> dict[str, str]:
    if parent.kind == QuestionKind.YES_NO:
        return {YES: _("Yes"), NO: _("No")}
    if parent.kind in CHOICE_KINDS:
        return parent.choice_labels()
    return {}


@dataclass(frozen=True)
class Condition:
    """`question` is asked only when the answer to `parent` is `value`."""

    question: Question
    parent: Question | None
    value: str


def condition_refusal(condition: Condition) -> str | None:
    """Why `condition` could never hold, or None when it can."""
    question, parent, value = condition.question, condition.parent, condition.value
    if parent is None:
        return _("Choose the question whose answer decides whether this one is asked.")
    if parent is question or (parent.pk is not None and parent.pk == question.pk):
        return _("A question cannot depend on itself.")
    choices = condition_choices(parent)
    if not choices:
        return _(
            "“%(parent)s” is not a yes/no or choice question: its answers cannot decide "
            "whether this question is asked."
        ) % {"parent": parent.label}
    keys = [key for key, _label in choices]
    if not value:
        return _("Say which answer to “%(parent)s” shows this question: %(choices)s.") % {
            "parent": parent.label,
            "choices": ", ".join(f"“{label}”" for _key, label in choices),
        }
    if value not in keys:
        return _("“%(value)s” is not an answer to “%(parent)s”: choose one of %(choices)s.") % {
            "value": value,
            "parent": parent.label,
            "choices": ", ".join(f"“{label}”" for _key, label in choices),
        }
    if parent.for_renewal != question.for_renewal:
        return _(
            "“%(parent)s” and this question are never asked together (one is asked at "
            "renewal, the other on the first application)."
        ) % {"parent": parent.label}
    return None


def conditions_refusals(conditions: Mapping[object, Condition]) -> dict[object, str]:
    """Refusals of a whole form's conditions, keyed as `conditions` is: each condition on
    its own (`condition_refusal`), then circles (a question that depends, through others,
    on itself is never asked)."""
    refusals = {}
    for key, condition in conditions.items():
        refusal = condition_refusal(condition)
        if refusal:
            refusals[key] = refusal
    parent_of = {
        id(condition.question): condition.parent
        for condition in conditions.values()
        if condition.parent is not None
    }
    for key, condition in conditions.items():
        if key in refusals:
            continue
        seen = {id(condition.question)}
        current = condition.parent
        while current is not None:
            if id(current) in seen:
                refusals[key] = _(
                    "These questions depend on each other in a circle, so none of them "
                    "would ever be asked: choose another question for this one to depend on."
                )
                break
            seen.add(id(current))
            current = parent_of.get(id(current))
    return refusals
