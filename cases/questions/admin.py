"""Admin inlines that put questions and document checklists on any owner's admin page:

    class LicenseTypeAdmin(admin.ModelAdmin):
        inlines = [DocumentRequirementInline, QuestionInline]

Each text a resident reads has its Spanish beside it.
"""

from __future__ import annotations

from django import forms
from django.contrib.contenttypes.admin import GenericStackedInline, GenericTabularInline
from django.contrib.contenttypes.forms import BaseGenericInlineFormSet
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from cases.questions.models import DocumentRequirement, Question


class DocumentRequirementInline(GenericTabularInline):
    model = DocumentRequirement
    ct_field = "owner_type"
    ct_fk_field = "owner_id"
    extra = 0
    fields = ["order", "name", "name_es", "description", "description_es", "required"]


class QuestionInlineForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = [
            "order",
            "code",
            "label",
            "label_es",
            "hint",
            "hint_es",
            "kind",
            "required",
            "choices",
            "choices_es",
            "min_value",
            "max_value",
            "date_range",
            "for_renewal",
            "condition_question",
            "condition_value",
            "review_answer",
        ]
        widgets = {
            "choices": forms.Textarea(attrs={"rows": 2, "cols": 24}),
            "choices_es": forms.Textarea(attrs={"rows": 2, "cols": 24}),
        }

    def __init__(self, *args, owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner if owner is not None else self.instance.owner

    def clean(self):
        cleaned = super().clean()
        parent = cleaned.get("condition_question")
        if parent is not None:
            if self.instance.pk and parent.pk == self.instance.pk:
                self.add_error("condition_question", _("A question cannot depend on itself."))
            elif not self._same_owner(parent):
                self.add_error("condition_question", _("Choose a question of the same form."))
            if not cleaned.get("condition_value"):
                self.add_error("condition_value", _("Give the answer that shows this question."))
        choices, choices_es = cleaned.get("choices", ""), cleaned.get("choices_es", "")
        if choices_es.strip() and len(_lines(choices_es)) != len(_lines(choices)):
            self.add_error(
                "choices_es", _("Give one Spanish label for each choice, in the same order.")
            )
        if cleaned.get("kind") == Question.Kind.INFO and cleaned.get("required"):
            self.add_error("required", _("A line of information asks nothing: untick required."))
        return cleaned

    def _same_owner(self, parent: Question) -> bool:
        if self.owner is None or self.owner.pk is None:
            return False
        owner_type = ContentType.objects.get_for_model(self.owner)
        return (parent.owner_type_id, parent.owner_id) == (owner_type.pk, self.owner.pk)


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


class QuestionInlineFormSet(BaseGenericInlineFormSet):
    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "owner": self.instance}


class QuestionInline(GenericStackedInline):
    model = Question
    ct_field = "owner_type"
    ct_fk_field = "owner_id"
    form = QuestionInlineForm
    formset = QuestionInlineFormSet
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "condition_question":
            # Only the questions of the object being edited (none while it is being added).
            object_id = request.resolver_match.kwargs.get("object_id")
            owner_type = ContentType.objects.get_for_model(self.parent_model)
            kwargs["queryset"] = Question.objects.filter(
                owner_type=owner_type, owner_id=object_id if str(object_id).isdigit() else 0
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
