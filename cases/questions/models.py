"""Questions and required documents, attached to any owner through contenttypes.

Every text a resident reads has an English column and a Spanish one (`label` and
`label_es`...); `portal.localized.localized` picks the reader's language, falling back to
English when the Spanish is empty.
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.localized import is_translated


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")
    YES_NO = "yes_no", _("Yes or no")
    SINGLE_CHOICE = "single_choice", _("One choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Several choices")
    FILE = "file", _("File upload")
    INFO = "info", _("Information only (no answer)")


CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)

# Between a choice's stored key and its label on one line of `choices`: "large | Large".
CHOICE_KEY_SEPARATOR = "|"


class DateRange(models.TextChoices):
    """Which dates a date question accepts, counted from the day the resident answers."""

    NOT_PAST = "not_past", _("Today or later")
    NOT_FUTURE = "not_future", _("Today or earlier")
    FUTURE = "future", _("After today only")
    PAST = "past", _("Before today only")


class OwnedQuerySet(models.QuerySet):
    def of(self, owner: models.Model) -> OwnedQuerySet:
        """The rows attached to `owner`."""
        return self.filter(
            owner_type=ContentType.objects.get_for_model(owner, for_concrete_model=True),
            owner_id=owner.pk,
        )


class Question(models.Model):
    """One question an owner asks (on an application, a report, a booking...).

    With a condition, it is asked only when the answer to `condition_question` is
    `condition_value` (for a yes/no question, "yes" or "no"; for a choice, its key);
    otherwise its answer is ignored and it is never required.

    Choices are one per line; a line "key | Label" stores "key" and shows "Label" (a line
    without "|" is both). `choices_es` holds the Spanish labels, one per line in the same
    order: the stored answer is the same whichever language the resident reads.
    """

    Kind = QuestionKind

    owner_type = models.ForeignKey(
        ContentType, verbose_name=_("owner type"), on_delete=models.CASCADE, related_name="+"
    )
    owner_id = models.PositiveBigIntegerField(_("owner"))
    owner = GenericForeignKey("owner_type", "owner_id")
    code = models.SlugField(_("code"), max_length=64)
    label = models.CharField(_("question"), max_length=300)
    label_es = models.CharField(_("question in Spanish"), max_length=300, blank=True)
    hint = models.CharField(_("hint"), max_length=500, blank=True)
    hint_es = models.CharField(_("hint in Spanish"), max_length=500, blank=True)
    kind = models.CharField(_("type of answer"), max_length=20, choices=QuestionKind.choices)
    required = models.BooleanField(_("required"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    choices = models.TextField(
        _("choices"),
        blank=True,
        help_text=_("For choice questions: one choice per line, or “key | Label” per line."),
    )
    choices_es = models.TextField(
        _("choices in Spanish"),
        blank=True,
        help_text=_("The labels in Spanish, one per line, in the same order."),
    )
    for_renewal = models.BooleanField(
        _("asked at renewal"),
        default=False,
        help_text=_("A renewal attestation rather than a question of the first application."),
    )
    condition_question = models.ForeignKey(
        "self",
        verbose_name=_("only if the answer to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dependents",
    )
    condition_value = models.CharField(_("is"), max_length=255, blank=True)
    # Plausibility, so a resident cannot answer "-5 employees" or an expiry date long past.
    min_value = models.DecimalField(
        _("smallest number allowed"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Number questions only, e.g. 0 for a number of employees."),
    )
    max_value = models.DecimalField(
        _("largest number allowed"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Number questions only."),
    )
    whole_number = models.BooleanField(
        _("whole numbers only"),
        default=False,
        help_text=_("Number questions only: refuse decimals (a number of employees, of vehicles)."),
    )
    date_range = models.CharField(
        _("dates allowed"),
        max_length=12,
        choices=DateRange.choices,
        blank=True,
        help_text=_("Date questions only. Leave empty to accept any date."),
    )
    review_answer = models.CharField(
        _("answer a clerk must review"),
        max_length=255,
        blank=True,
        help_text=_(
            "Renewal attestations only: a renewal answered this way goes to a clerk instead "
            "of being approved automatically (for a yes/no question, “yes” or “no”; for a "
            "file question, any text here means every upload is reviewed)."
        ),
    )

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["order", "id"]
        indexes = [
            models.Index(
                fields=["owner_type", "owner_id", "order"], name="cases_question_owner_idx"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["owner_type", "owner_id", "code"], name="cases_question_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=QuestionKind.values), name="cases_question_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(condition_question__isnull=True) | ~Q(condition_value=""),
                name="cases_question_condition_has_value",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=CHOICE_KINDS) | ~Q(choices=""),
                name="cases_question_choices_listed",
            ),
            models.CheckConstraint(
                condition=~Q(kind=QuestionKind.INFO) | Q(required=False),
                name="cases_question_info_not_required",
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=F("max_value")),
                name="cases_question_min_not_above_max",
                violation_error_message=_(
                    "The smallest number allowed must not be more than the largest."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind=QuestionKind.NUMBER)
                | Q(min_value__isnull=True, max_value__isnull=True),
                name="cases_question_number_limits_on_numbers",
                violation_error_message=_(
                    "Only a number question has a smallest or largest number."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind=QuestionKind.NUMBER) | Q(whole_number=False),
                name="cases_question_whole_number_on_numbers",
                violation_error_message=_("Only a number question takes whole numbers only."),
            ),
            models.CheckConstraint(
                condition=Q(kind=QuestionKind.DATE) | Q(date_range=""),
                name="cases_question_date_range_on_dates",
                violation_error_message=_("Only a date question has dates allowed."),
            ),
            models.CheckConstraint(
                condition=Q(date_range__in=["", *DateRange.values]),
                name="cases_question_date_range_known",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def answers_expected(self) -> bool:
        """False for a line of information that asks nothing."""
        return self.kind != QuestionKind.INFO

    @property
    def choice_pairs(self) -> list[tuple[str, str]]:
        """(key, English label) of each choice, in order."""
        pairs = []
        for line in self.choices.splitlines():
            key, separator, label = line.partition(CHOICE_KEY_SEPARATOR)
            key, label = key.strip(), label.strip()
            if not key and not label:
                continue
            pairs.append((key, label) if separator and key and label else (line.strip(),) * 2)
        return pairs

    @property
    def choice_list(self) -> list[str]:
        """The keys an answer may hold."""
        return [key for key, _label in self.choice_pairs]

    def choice_labels(self) -> dict[str, str]:
        """Each choice's label in the reader's language (English where no Spanish is given)."""
        pairs = self.choice_pairs
        if is_translated(self, "choices"):
            translated = [line.strip() for line in self.choices_es.splitlines() if line.strip()]
            # Lines that do not pair up one to one would put a label on the wrong choice.
            if len(translated) == len(pairs):
                return {key: translated[index] for index, (key, _label) in enumerate(pairs)}
        return dict(pairs)


class DocumentRequirement(models.Model):
    """A document an owner asks for (proof of training, insurance, a site plan...)."""

    owner_type = models.ForeignKey(
        ContentType, verbose_name=_("owner type"), on_delete=models.CASCADE, related_name="+"
    )
    owner_id = models.PositiveBigIntegerField(_("owner"))
    owner = GenericForeignKey("owner_type", "owner_id")
    name = models.CharField(_("name"), max_length=150)
    name_es = models.CharField(_("name in Spanish"), max_length=150, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_es = models.TextField(_("description in Spanish"), blank=True)
    required = models.BooleanField(_("required"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["order", "id"]
        indexes = [
            models.Index(fields=["owner_type", "owner_id", "order"], name="cases_docreq_owner_idx")
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="cases_docreq_named"),
        ]

    def __str__(self) -> str:
        return self.name
