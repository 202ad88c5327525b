"""A page of an owner's questions: one field per question, named after its code.

Parsing only: `rules.answers_clean` decides what is kept, and the owning service applies it
again when it saves.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.questions import rules
from cases.questions.models import Question, QuestionKind
from portal.forms import PlainTextFormMixin


class TypedValuesMixin:
    """For "Save and come back later": what was typed in each field, unchecked."""

    def typed_values(self) -> dict:
        values = {}
        for name, field in self.fields.items():
            if isinstance(field, forms.FileField):
                continue
            key = self.add_prefix(name)
            if isinstance(field, forms.MultipleChoiceField):
                values[name] = list(self.data.getlist(key))
            else:
                values[name] = self.data.get(key, "")
        return values


class QuestionsForm(PlainTextFormMixin, TypedValuesMixin, forms.Form):
    """The questions as fields named after their codes (information lines ask nothing)."""

    def __init__(self, *args, questions: list[Question], answers: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = [question for question in questions if question.answers_expected]
        for question in self.questions:
            self.fields[question.code] = rules.question_field(question)
            self.initial[question.code] = rules.initial_value(question, answers.get(question.code))
            if question.kind == QuestionKind.FILE and answers.get(question.code):
                self.fields[question.code].help_text = _(
                    "%(hint)s You sent: %(name)s. Choose a file only to replace it."
                ) % {
                    "hint": self.fields[question.code].help_text,
                    "name": rules.answer_display(question, answers[question.code]),
                }

    def answers(self) -> dict:
        return {
            q.code: rules.stored_value(q, self.cleaned_data.get(q.code))
            for q in self.questions
            if q.kind != QuestionKind.FILE
        }

    def uploads(self) -> dict:
        return {
            q.code: self.cleaned_data[q.code]
            for q in self.questions
            if q.kind == QuestionKind.FILE and self.cleaned_data.get(q.code)
        }
