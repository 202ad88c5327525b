"""Admin inlines that put questions and document checklists on any owner's admin page:

    class LicenseTypeAdmin(QuestionsAdminMixin, admin.ModelAdmin):
        inlines = [DocumentRequirementInline, QuestionInline]

Set up in one pass, without a trap:

- codes and orders are generated when left empty (a code from the question, an order after
  the row above); a code used twice in the form is refused on the form;
- a condition names a row of the same form ("only if the answer to": any question of the
  page, saved or new, blank rows included, so it works in one pass without JavaScript) and
  one of that row's answers ("is": typed as the key or the label, in any language). It is
  resolved once every row is read, checked against the parent's actual choices by
  `cases.questions.conditions`, and written after the rows are saved; a refusal keeps
  everything typed. With JavaScript, the list follows the labels as they are typed and the
  answers are offered as suggestions;
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

from cases.questions.conditions import (
    Condition,
    condition_answer,
    condition_choices,
    conditions_refusals,
)
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
        _blank_order(self)


def _blank_order(form) -> None:
    """A new row shows its order empty (not the column's default 0, which would put it
    first): left so, it goes after the row above, and a blank row stays untouched."""
    if form.instance.pk is None:
        form.fields["order"].initial = None
        if form.initial.get("order") == 0:
            form.initial["order"] = None


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
    # Blank rows, so documents are added without JavaScript too.
    extra = 2
    fields = [("name", "name_es"), ("description", "description_es"), ("required", "order")]


def _kept(form) -> bool:
    """Whether a row of the formset will be saved: neither deleted nor an untouched blank."""
    if form.cleaned_data.get("DELETE"):
        return False
    return form.instance.pk is not None or form.has_changed()


class QuestionInlineForm(forms.ModelForm):
    condition_on = forms.CharField(
        label=_("Only if the answer to"),
        required=False,
        widget=forms.Select(attrs={"class": "question-condition"}),
        help_text=_(
            "Leave “Always asked”, or choose another question of this form, saved or new "
            "(blank rows are listed by their number)."
        ),
    )
    condition_is = forms.CharField(
        label=_("is"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"class": "question-condition-answer"}),
        help_text=_("One of its answers: Yes or No, or one of its choices, as written there."),
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

    def __init__(self, *args, owner=None, row_options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner if owner is not None else self.instance.owner
        self.fields["order"].required = False
        self.fields["order"].help_text = _("Left empty: after the question above.")
        _blank_order(self)
        self.fields["code"].required = False
        self.fields["code"].help_text = _(
            "How the answer is stored. Left empty, it is made from the question; change it "
            "only before the first application."
        )
        current = self["condition_on"].value() or ""
        options = [("", gettext("Always asked")), *row_options]
        if current and current not in dict(options):
            options.append((current, current))
        widget = self.fields["condition_on"].widget
        widget.choices = options
        # The words the page's script needs to name rows and answers as they are typed.
        widget.attrs.update(
            {
                "data-always-label": gettext("Always asked"),
                "data-yes-label": gettext("Yes"),
                "data-no-label": gettext("No"),
                "data-row-format": gettext("“%(question)s” (#%(number)s)"),
                "data-new-row-format": gettext("New question #%(number)s"),
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
        """(row of the form it depends on, answer as typed), or None when always asked; the
        row is -1 when none is chosen but an answer is typed."""
        row = (self.cleaned_data.get("condition_on") or "").strip()
        answer = (self.cleaned_data.get("condition_is") or "").strip()
        if not row:
            return (-1, answer) if answer else None
        return (int(row) if row.isdigit() else -1), answer


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
        kwargs["row_options"] = self._row_options()
        if index is not None and index < self.initial_form_count() and not self.is_bound:
            question = self.get_queryset()[index]
            parent = question.condition_question
            row = self._row_of_pk(question.condition_question_id) if parent else None
            if row is not None:
                answers = dict(condition_choices(parent))
                kwargs["initial"] = {
                    **kwargs.get("initial", {}),
                    "condition_on": str(row),
                    "condition_is": answers.get(question.condition_value, question.condition_value),
                }
        return kwargs

    def _row_of_pk(self, pk) -> int | None:
        for row, question in enumerate(self.get_queryset()):
            if question.pk == pk:
                return row
        return None

    def _row_options(self) -> list[tuple[str, str]]:
        """Every row of the page another row may depend on, as the page stands: the submitted
        rows when the form comes back (as typed, so nothing chosen is lost), the saved ones
        and the blank ones otherwise. A row is named by its question, or by its number while
        it has none."""
        if hasattr(self, "_options"):
            return self._options
        labels: list[tuple[int, str]] = []
        if self.is_bound:
            try:
                count = int(self.data.get(f"{self.prefix}-TOTAL_FORMS", 0))
            except ValueError:
                count = 0
            for row in range(min(count, self.absolute_max)):
                prefix = f"{self.prefix}-{row}-"
                if not self.data.get(prefix + "DELETE"):
                    labels.append((row, self.data.get(prefix + "label", "").strip()))
        else:
            saved = list(self.get_queryset())
            labels = [
                (row, saved[row].label if row < len(saved) else "")
                for row in range(max(self.total_form_count(), len(saved)))
            ]
        self._options = [
            (
                str(row),
                gettext("“%(question)s” (#%(number)s)") % {"question": label, "number": row + 1}
                if label
                else gettext("New question #%(number)s") % {"number": row + 1},
            )
            for row, label in labels
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
            row, typed = reference
            parent_form = self.forms[row] if 0 <= row < len(self.forms) else None
            if parent_form is not None and parent_form not in kept:
                form.add_error(
                    "condition_on",
                    _(
                        "The question this one depends on is being removed or left blank: "
                        "choose another."
                    ),
                )
                continue
            parent = parent_form.instance if parent_form is not None else None
            # The answer is read against the parent as typed in this same submission.
            value = condition_answer(parent, typed) if parent is not None and typed else typed
            conditions[form] = Condition(question=form.instance, parent=parent, value=value)
        for form, refusal in conditions_refusals(conditions).items():
            form.add_error(_refused_field(conditions[form]), refusal)
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


def _refused_field(condition: Condition) -> str:
    """The field a refused condition is wrong in: the answer when the question it names has
    answers to choose from and it is not one of them, the question otherwise."""
    parent = condition.parent
    if parent is None or parent is condition.question:
        return "condition_on"
    keys = [key for key, _label in condition_choices(parent)]
    return "condition_is" if keys and condition.value not in keys else "condition_on"


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
    # Blank rows, so questions are added without JavaScript too (a condition may name one).
    extra = 3
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
            {
                "fields": [
                    ("condition_on", "condition_is"),
                    "for_renewal",
                    "review_answer",
                    ("order", "code"),
                ]
            },
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
