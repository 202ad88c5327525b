"""Admin inlines that put questions and document checklists on any owner's admin page:

    class LicenseTypeAdmin(QuestionsAdminMixin, admin.ModelAdmin):
        inlines = [DocumentRequirementInline, QuestionInline]

Set up in one pass, without a trap:

- codes and orders are generated when left empty (a code from the question, an order after
  the row above); a code used twice in the form is refused on the form;
- a condition ("only ask when") names a row of the same form and one of that row's own
  answers, chosen from a list (rows added on the page join the list as they are typed, with
  JavaScript; without it, saved rows are listed), checked against the parent's actual
  choices by `cases.questions.conditions` before anything is saved;
- each text a resident reads has its Spanish beside it;
- a question repeating what the service's standard steps already ask ("business name",
  "phone") is pointed out after saving (`standard_questions` of the inline).

The admin saves the owner and its inlines in one transaction; a refusal anywhere saves
nothing.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.contenttypes.admin import GenericStackedInline
from django.contrib.contenttypes.forms import BaseGenericInlineFormSet
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.questions.conditions import Condition, condition_choices, conditions_refusals
from cases.questions.models import DocumentRequirement, Question
from portal.search_terms import query_stems, stems_match, text_stems

CODE_MAX_LENGTH = 40
ORDER_STEP = 10


class DocumentRequirementForm(forms.ModelForm):
    class Meta:
        model = DocumentRequirement
        fields = ["order", "name", "name_es", "description", "description_es", "required"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].required = False
        self.fields["order"].help_text = _("Left empty: after the row above.")


class OrderedInlineFormSet(BaseGenericInlineFormSet):
    """Fills an empty order with the next step after the row above, so rows keep the order
    they have on the page; a number typed moves a row (no JavaScript needed to reorder)."""

    def clean(self):
        super().clean()
        previous = 0
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not _kept(form):
                continue
            order = form.cleaned_data.get("order")
            if order is None:
                order = previous + ORDER_STEP
                form.cleaned_data["order"] = order
                form.instance.order = order
            previous = max(previous, order)


class DocumentRequirementInline(GenericStackedInline):
    # Stacked, so each text and its Spanish sit side by side (and without the tabular
    # layout's empty column header, which screen readers announce as nothing).
    model = DocumentRequirement
    form = DocumentRequirementForm
    formset = OrderedInlineFormSet
    ct_field = "owner_type"
    ct_fk_field = "owner_id"
    extra = 0
    fields = [("name", "name_es"), ("description", "description_es"), ("required", "order")]


def _kept(form) -> bool:
    """Whether a row of the formset will be saved: neither deleted nor an untouched blank."""
    if form.cleaned_data.get("DELETE"):
        return False
    return form.instance.pk is not None or form.has_changed()


class QuestionInlineForm(forms.ModelForm):
    condition = forms.CharField(
        label=_("Only ask when"),
        required=False,
        widget=forms.Select(attrs={"class": "question-condition"}),
        help_text=_(
            "Leave “Always asked”, or choose the answer to another question of this form that "
            "shows this one."
        ),
    )

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
            "whole_number",
            "date_range",
            "for_renewal",
            "review_answer",
        ]
        widgets = {
            "choices": forms.Textarea(attrs={"rows": 3, "cols": 30}),
            "choices_es": forms.Textarea(attrs={"rows": 3, "cols": 30}),
        }

    def __init__(self, *args, owner=None, condition_options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner if owner is not None else self.instance.owner
        self.fields["order"].required = False
        self.fields["order"].help_text = _("Left empty: after the question above.")
        self.fields["code"].required = False
        self.fields["code"].help_text = _(
            "How the answer is stored. Left empty, it is made from the question; change it "
            "only before the first application."
        )
        current = self["condition"].value() or ""
        options = [("", gettext("Always asked")), *condition_options]
        if current and current not in dict(options):
            options.append((current, current))
        widget = self.fields["condition"].widget
        widget.choices = options
        # The words the page's script needs to list the answers of rows not saved yet.
        widget.attrs.update(
            {
                "data-always-label": gettext("Always asked"),
                "data-yes-label": gettext("Yes"),
                "data-no-label": gettext("No"),
                "data-option-format": gettext("“%(question)s” is “%(answer)s”"),
                "data-move-up": gettext("Move up"),
                "data-move-down": gettext("Move down"),
            }
        )

    def clean(self):
        cleaned = super().clean()
        choices, choices_es = cleaned.get("choices", ""), cleaned.get("choices_es", "")
        if choices_es.strip() and len(_lines(choices_es)) != len(_lines(choices)):
            self.add_error(
                "choices_es", _("Give one Spanish label for each choice, in the same order.")
            )
        if cleaned.get("kind") == Question.Kind.INFO and cleaned.get("required"):
            self.add_error("required", _("A line of information asks nothing: untick required."))
        if not cleaned.get("code") and cleaned.get("label"):
            cleaned["code"] = _code_from(cleaned["label"])
        return cleaned

    def condition_reference(self) -> tuple[int, str] | None:
        """(row of the form it depends on, answer) as chosen, or None when always asked."""
        value = (self.cleaned_data.get("condition") or "").strip()
        row, separator, answer = value.partition(":")
        if not value:
            return None
        if not separator or not row.isdigit():
            return (-1, value)
        return int(row), answer


def _code_from(label: str) -> str:
    code = slugify(label).replace("-", "_")[:CODE_MAX_LENGTH].strip("_")
    return code or "question"


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


class QuestionInlineFormSet(OrderedInlineFormSet):
    """The questions of one owner, with their conditions resolved across the rows."""

    # Set by the inline: what the service's own steps ask already (lazy translations).
    standard_questions: tuple = ()

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["owner"] = self.instance
        kwargs["condition_options"] = self._condition_options()
        if index is not None and index < self.initial_form_count() and not self.is_bound:
            question = self.get_queryset()[index]
            if question.condition_question_id is not None:
                row = self._row_of_pk(question.condition_question_id)
                if row is not None:
                    kwargs["initial"] = {
                        **kwargs.get("initial", {}),
                        "condition": f"{row}:{question.condition_value}",
                    }
        return kwargs

    def _row_of_pk(self, pk) -> int | None:
        for row, question in enumerate(self.get_queryset()):
            if question.pk == pk:
                return row
        return None

    def _condition_options(self) -> list[tuple[str, str]]:
        """Every answer of every row that may decide another row, as the page stands: the
        submitted rows when the form comes back, the saved ones otherwise."""
        if hasattr(self, "_options"):
            return self._options
        rows = []
        if self.is_bound:
            try:
                count = int(self.data.get(f"{self.prefix}-TOTAL_FORMS", 0))
            except ValueError:
                count = 0
            for row in range(min(count, self.absolute_max)):
                prefix = f"{self.prefix}-{row}-"
                if self.data.get(prefix + "DELETE"):
                    continue
                rows.append(
                    (
                        row,
                        Question(
                            label=self.data.get(prefix + "label", ""),
                            kind=self.data.get(prefix + "kind", ""),
                            choices=self.data.get(prefix + "choices", ""),
                        ),
                    )
                )
        else:
            rows = list(enumerate(self.get_queryset()))
        self._options = [
            (
                f"{row}:{key}",
                gettext("“%(question)s” is “%(answer)s”")
                % {"question": question.label, "answer": label},
            )
            for row, question in rows
            if question.label
            for key, label in condition_choices(question)
        ]
        return self._options

    def clean(self):
        super().clean()
        forms_ = [form for form in self.forms if hasattr(form, "cleaned_data")]
        kept = [form for form in forms_ if _kept(form)]
        self._codes_check(kept)
        conditions = {}
        for form in kept:
            reference = form.condition_reference()
            if reference is None:
                continue
            row, answer = reference
            parent_form = self.forms[row] if 0 <= row < len(self.forms) else None
            if parent_form is not None and parent_form not in kept:
                form.add_error(
                    "condition",
                    _("The question this one depends on is being removed: choose another."),
                )
                continue
            parent = parent_form.instance if parent_form is not None else None
            conditions[form] = Condition(question=form.instance, parent=parent, value=answer)
        for form, refusal in conditions_refusals(conditions).items():
            form.add_error("condition", refusal)
        self._conditions = {
            form: condition for form, condition in conditions.items() if not form.errors
        }

    def _codes_check(self, kept) -> None:
        taken: dict[str, forms.Form] = {}
        # Codes typed first, so a generated code steps aside for one chosen on purpose.
        typed = [form for form in kept if form.data.get(form.add_prefix("code"), "").strip()]
        generated = [form for form in kept if form not in typed]
        for form in typed:
            code = form.cleaned_data.get("code")
            if not code:
                continue
            if code in taken:
                form.add_error(
                    "code",
                    _("Another question of this form has the code “%(code)s”.") % {"code": code},
                )
            taken[code] = form
        for form in generated:
            base = form.cleaned_data.get("code")
            if not base:
                continue
            code, number = base, 2
            while code in taken:
                suffix = f"_{number}"
                code, number = base[: CODE_MAX_LENGTH - len(suffix)] + suffix, number + 1
            form.cleaned_data["code"] = code
            form.instance.code = code
            taken[code] = form

    def save(self, commit=True):
        if not commit:
            return super().save(commit=False)
        # Conditions are written after every row exists (a new question may depend on
        # another new one), and cleared first, so a question removed now is no longer
        # anyone's parent. The admin runs all of it in one transaction.
        existing = [form.instance.pk for form in self.initial_forms if form.instance.pk]
        Question.objects.filter(pk__in=existing).update(condition_question=None, condition_value="")
        for form in self.forms:
            form.instance.condition_question = None
            form.instance.condition_value = ""
        saved = super().save(commit=True)
        for form, condition in getattr(self, "_conditions", {}).items():
            question = form.instance
            question.condition_question = condition.parent
            question.condition_value = condition.value
            question.save(update_fields=["condition_question", "condition_value"])
        return saved

    def standard_repeats(self) -> list[tuple[str, str]]:
        """(question, what the standard steps ask) for each saved question that repeats it."""
        repeats = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not _kept(form):
                continue
            question = form.instance
            own = text_stems([question.label, question.label_es])
            for standard in self.standard_questions:
                if any(stems_match(query_stems(text), own) for text in _every_language(standard)):
                    repeats.append((question.label, str(standard)))
                    break
        return repeats


def _every_language(text) -> list[str]:
    texts = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            texts.append(str(text))
    return texts


class QuestionInline(GenericStackedInline):
    model = Question
    ct_field = "owner_type"
    ct_fk_field = "owner_id"
    form = QuestionInlineForm
    formset = QuestionInlineFormSet
    extra = 0
    # What the service's own steps ask before its questions (lazy translations): said above
    # the questions, and a question repeating one is pointed out after saving.
    standard_questions: tuple = ()
    fieldsets = [
        (None, {"fields": [("label", "label_es"), ("hint", "hint_es"), "kind", "required"]}),
        (
            _("Choices (for yes/no and choice questions)"),
            {"fields": [("choices", "choices_es")]},
        ),
        (
            _("Limits"),
            {
                "fields": [("min_value", "max_value", "whole_number"), "date_range"],
                "description": _(
                    "Numbers: smallest, largest, whole numbers only. Dates: past or future."
                ),
            },
        ),
        (
            _("When it is asked"),
            {"fields": ["condition", "for_renewal", "review_answer", ("order", "code")]},
        ),
    ]

    class Media:
        js = ["cases/question_admin.js"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.standard_questions = self.standard_questions
        return formset


class QuestionsAdminMixin:
    """For the admin of a questions' owner: after saving, say which questions repeat what the
    standard steps already ask."""

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if isinstance(formset, QuestionInlineFormSet):
            for question, standard in formset.standard_repeats():
                messages.warning(
                    request,
                    gettext(
                        "“%(question)s” seems to repeat “%(standard)s”, which every "
                        "application already asks: remove it unless you need it twice."
                    )
                    % {"question": question, "standard": standard},
                )
