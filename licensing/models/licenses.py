"""Licensing: license types an administrator configures (questions, documents, fees, terms,
reminders), the applications residents make, and the licenses issued on approval.

A type's questions and required documents are the shared ones of `cases.questions`, attached
to the type; an application's answers are JSON here, keyed by question code.

An application is a `cases.Case` (kind "license_application") plus the answers here; its
status lives on the case and moves only through `cases.services.transition`, called by
`licensing.services`. A license is the lasting record: its own status (active, expired,
lapsed, suspended, revoked) is what the public lookup shows.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from phonenumber_field.modelfields import PhoneNumberField

from cases.models import TimeStampedModel
from portal.folding import folded_sql
from portal.validators import REORDERING_CHARACTERS


def default_reminder_offsets() -> list[int]:
    # Referenced by migration 0001 only: reminders are notifications' rules now.
    return [90, 60, 30, 7]


class LicenseType(TimeStampedModel):
    """A kind of license, entered in the admin: a new type is data, never code."""

    code = models.SlugField(
        _("code"),
        max_length=50,
        unique=True,
        help_text=_(
            "The end of the type's web address (/licenses/types/<code>/), filled from the name. "
            "Keep it short; it cannot change once residents apply."
        ),
    )
    number_prefix = models.CharField(
        _("license number prefix"),
        max_length=8,
        unique=True,
        help_text=_(
            "2 to 8 capital letters that start every license number of this type, e.g. MPG "
            "gives MPG-2026-000001. Left empty, one is made from the name."
        ),
    )
    # Each text a resident reads has its Spanish beside it (`portal.localized`: shown to
    # Spanish readers when filled in, the English otherwise).
    name = models.CharField(_("name"), max_length=150)
    name_es = models.CharField(_("name in Spanish"), max_length=150, blank=True)
    category = models.CharField(
        _("profession or category"),
        max_length=100,
        help_text=_("Groups types on the list residents see: choose one, or add a new one."),
    )
    category_es = models.CharField(
        _("profession or category in Spanish"), max_length=100, blank=True
    )
    description = models.TextField(_("plain-language description"))
    description_es = models.TextField(_("plain-language description in Spanish"), blank=True)
    eligibility = models.TextField(_("who can apply"), blank=True)
    eligibility_es = models.TextField(_("who can apply, in Spanish"), blank=True)
    # Found by the portal's service search, with the name, category and description.
    keywords = models.CharField(
        _("keywords"),
        max_length=300,
        blank=True,
        help_text=_("Other words people use for it, separated by commas."),
    )
    keywords_es = models.CharField(
        _("keywords in Spanish"),
        max_length=300,
        blank=True,
        help_text=_("The words people use for it in Spanish, separated by commas."),
    )
    # Integer cents, typed and shown in dollars (payments.forms.AmountField).
    application_fee_cents = models.PositiveIntegerField(_("application fee"))
    renewal_fee_cents = models.PositiveIntegerField(_("renewal fee"))
    late_fee_cents = models.PositiveIntegerField(_("late fee"), default=0)
    term_months = models.PositiveSmallIntegerField(_("term (months)"), default=12)
    renewal_window_days = models.PositiveSmallIntegerField(
        _("renewal opens (days before expiry)"), default=90
    )
    grace_days = models.PositiveSmallIntegerField(_("grace period after expiry (days)"), default=30)
    review_target_days = models.PositiveSmallIntegerField(
        _("review target (business days)"), default=30
    )
    auto_approve_renewals = models.BooleanField(
        _("approve clean renewals automatically"), default=False
    )
    active = models.BooleanField(_("open for applications"), default=True)
    # A draft (never published) is seen only in the admin and its preview; residents, the
    # catalogue and the service search see published types that are open for applications.
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    # The application's questions and document checklist (cases.questions), set in the admin.
    questions = GenericRelation(
        "cases.Question", content_type_field="owner_type", object_id_field="owner_id"
    )
    documents = GenericRelation(
        "cases.DocumentRequirement", content_type_field="owner_type", object_id_field="owner_id"
    )

    class Meta:
        verbose_name = _("license type")
        verbose_name_plural = _("license types")
        ordering = ["category", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number_prefix__regex=r"^[A-Z]{2,8}$"),
                name="licensing_type_prefix_format",
            ),
            models.CheckConstraint(condition=Q(term_months__gte=1), name="licensing_type_term"),
            models.CheckConstraint(
                condition=Q(application_fee_cents__gte=0)
                & Q(renewal_fee_cents__gte=0)
                & Q(late_fee_cents__gte=0),
                name="licensing_type_fees_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def published(self) -> bool:
        return self.published_at is not None

    def clean(self) -> None:
        super().clean()
        # Another service's references (LIC-2026-…, INV-…) share the same counters; a license
        # number must never read like a case, invoice or receipt reference.
        from cases.references import RESERVED_PREFIXES
        from cases.workflow import registered_workflows

        reserved = {w.prefix for w in registered_workflows()} | set(RESERVED_PREFIXES)
        if self.number_prefix in reserved:
            raise ValidationError(
                {
                    "number_prefix": _(
                        "%(prefix)s is used for the portal's own references; choose another."
                    )
                    % {"prefix": self.number_prefix}
                }
            )

    def get_absolute_url(self) -> str:
        return reverse("licensing:type", kwargs={"code": self.code})


class ApplicationKind(models.TextChoices):
    NEW = "new", _("New license")
    RENEWAL = "renewal", _("Renewal")


class ApplicationStep(models.TextChoices):
    """The last page saved, so a resumed draft opens where the resident stopped."""

    ABOUT = "about", _("About you")
    QUESTIONS = "questions", _("Questions")
    DOCUMENTS = "documents", _("Documents")
    CHECK = "check", _("Check your answers")


class Application(TimeStampedModel):
    """A resident's application for a license of one type: a case plus its answers."""

    Kind = ApplicationKind
    Step = ApplicationStep

    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="license_application"
    )
    license_type = models.ForeignKey(
        LicenseType, on_delete=models.PROTECT, related_name="applications"
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=ApplicationKind.choices, default=ApplicationKind.NEW
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="license_applications",
    )
    renews = models.ForeignKey(
        "License",
        verbose_name=_("license renewed"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
    )
    holder_name = models.CharField(_("full name"), max_length=150, blank=True)
    business_name = models.CharField(_("business or trading name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = PhoneNumberField(_("phone number"), blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # "Save and come back later" keeps a page whose values did not pass its checks here,
    # as typed, by page ("about", "questions"): shown again when the page is opened, checked
    # by "Save and continue", and an unchecked page stops the draft from being sent.
    typed = models.JSONField(_("values typed, not yet checked"), default=dict, blank=True)
    step = models.CharField(
        _("last page saved"),
        max_length=12,
        choices=ApplicationStep.choices,
        default=ApplicationStep.ABOUT,
    )
    fee_cents = models.PositiveIntegerField(_("fee (cents)"), default=0)
    invoice = models.OneToOneField(
        "payments.Invoice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="license_application",
    )
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    discarded_at = models.DateTimeField(_("discarded"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        verbose_name = _("license application")
        verbose_name_plural = _("license applications")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ApplicationKind.values), name="licensing_application_kind"
            ),
            models.CheckConstraint(
                condition=Q(kind="new", renews__isnull=True)
                | Q(kind="renewal", renews__isnull=False),
                name="licensing_application_renewal_names_license",
            ),
            models.CheckConstraint(
                condition=Q(applicant__isnull=False) | ~Q(email=""),
                name="licensing_application_has_contact",
            ),
            models.CheckConstraint(
                condition=Q(paid_at__isnull=True) | Q(invoice__isnull=False),
                name="licensing_application_paid_has_invoice",
            ),
            # One draft per resident and type: starting again opens it (a double click or an
            # old tab made identical drafts). Paid and discarded applications do not count,
            # so a second license of a type is applied for once the first is sent.
            models.UniqueConstraint(
                fields=["applicant", "license_type"],
                condition=Q(kind="new", paid_at__isnull=True, discarded_at__isnull=True),
                name="licensing_application_one_draft_per_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference}: {self.license_type}"

    def get_absolute_url(self) -> str:
        if self.kind == ApplicationKind.RENEWAL:
            return reverse("licensing:renew_status", kwargs={"reference": self.case.reference})
        return reverse("licensing:application", kwargs={"reference": self.case.reference})


class ApplicationDocument(models.Model):
    """Which uploaded case document answers which of the type's required documents."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="supplied_documents"
    )
    requirement = models.ForeignKey(
        "cases.DocumentRequirement", on_delete=models.PROTECT, related_name="supplied"
    )
    document = models.OneToOneField(
        "cases.CaseDocument", on_delete=models.PROTECT, related_name="license_requirement"
    )

    class Meta:
        verbose_name = _("supplied document")
        verbose_name_plural = _("supplied documents")
        ordering = ["requirement__order", "id"]

    def __str__(self) -> str:
        return f"{self.requirement}: {self.document}"


# Words of the holder's and business names, as the public lookup matches them (prefixes of
# words, any letter case, without accents: "okafor" finds "Okáfor" and "Okáfor" finds
# "Okafor"). The "simple" configuration keeps names as written: no stemming, no stop words.
# The index and the query use this one expression, so they cannot drift apart; the words
# searched are folded by portal.folding.fold_like_sql, the same table as translate() here.
LOOKUP_SEARCH_VECTOR = SearchVector(
    folded_sql("holder_name"), folded_sql("business_name"), config="simple"
)


class LicenseStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("license status", "Active")
    EXPIRED = "expired", pgettext_lazy("license status", "Expired")
    LAPSED = "lapsed", pgettext_lazy("license status", "Lapsed")
    SUSPENDED = "suspended", pgettext_lazy("license status", "Suspended")
    REVOKED = "revoked", pgettext_lazy("license status", "Revoked")


class License(TimeStampedModel):
    """A license issued to a holder: the lasting record the public lookup shows.

    `holder` is the account, when there is one; licenses imported from a legacy system have
    only the holder's name and e-mail until the holder renews and takes an account.
    """

    Status = LicenseStatus

    number = models.CharField(_("license number"), max_length=24, unique=True)
    license_type = models.ForeignKey(
        LicenseType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="licenses"
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("holder's account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="licenses",
    )
    holder_name = models.CharField(_("holder"), max_length=150)
    business_name = models.CharField(_("business or trading name"), max_length=200, blank=True)
    holder_email = models.EmailField(_("holder's e-mail address"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=LicenseStatus.choices, default=LicenseStatus.ACTIVE
    )
    issued_on = models.DateField(_("issued"))
    expires_on = models.DateField(_("expires"))
    application = models.OneToOneField(
        Application,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issued_license",
    )
    # Legacy import: the number the old system gave (what the holder quotes) and the row as
    # imported, so a second import of the same row is recognised even after the license has
    # since been renewed, and a changed row is reported field by field.
    legacy_reference = models.CharField(_("legacy license number"), max_length=40, blank=True)
    legacy_record = models.JSONField(_("row as imported"), null=True, blank=True, editable=False)
    holder_phone = PhoneNumberField(_("holder's phone number"), blank=True)
    imported_in = models.ForeignKey(
        "LicenseImport",
        verbose_name=_("imported in"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="licenses",
    )

    class Meta:
        verbose_name = _("license")
        verbose_name_plural = _("licenses")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=LicenseStatus.values), name="licensing_license_status"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("issued_on")),
                name="licensing_license_expires_after_issue",
            ),
            models.CheckConstraint(
                condition=~Q(holder_name=""), name="licensing_license_holder_named"
            ),
            # Printed on the certificate and shown in the public register: no writer may put
            # a direction override or a hidden character in them (see portal.validators).
            models.CheckConstraint(
                condition=~Q(holder_name__regex=REORDERING_CHARACTERS)
                & ~Q(business_name__regex=REORDERING_CHARACTERS),
                name="licensing_license_names_visible",
            ),
            # The import's dedupe key: legacy numbers are unique within a type only (one old
            # system numbered each register on its own).
            models.UniqueConstraint(
                fields=["license_type", "legacy_reference"],
                condition=~Q(legacy_reference=""),
                name="licensing_license_legacy_unique",
            ),
            models.CheckConstraint(
                condition=Q(imported_in__isnull=True) | ~Q(legacy_reference=""),
                name="licensing_license_imported_has_legacy_number",
            ),
        ]
        indexes = [
            models.Index(fields=["expires_on"], name="licensing_license_expiry_idx"),
            models.Index(fields=["license_type", "status"], name="licensing_license_type_idx"),
            # The daily reminder job: per type and offset, a range of expiry dates.
            models.Index(
                fields=["license_type", "expires_on"],
                condition=Q(status="active"),
                name="licensing_license_due_idx",
            ),
            # The public lookup (licensing.selectors.licenses_public_page): words of the
            # names, a type's licenses in the pager's order, and legacy numbers. The names'
            # index takes each license's words at once (fastupdate off): with GIN's pending
            # list, every name search also read the words of up to 4 MB of recent writes one
            # by one until the next vacuum (10-17 ms after 30,000 new licenses).
            GinIndex(LOOKUP_SEARCH_VECTOR, name="licensing_license_fold_fts", fastupdate=False),
            models.Index(
                fields=["license_type", "holder_name", "id"], name="licensing_license_tname_idx"
            ),
            models.Index(fields=["legacy_reference"], name="licensing_license_legacy_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.holder_name})"

    def get_absolute_url(self) -> str:
        return reverse("licensing:license", kwargs={"number": self.number})


class LicenseImport(TimeStampedModel):
    """One applied import of a legacy CSV file: who, which file, and what it created."""

    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        related_name="license_imports",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("file checksum (SHA-256)"), max_length=64)
    rows = models.PositiveIntegerField(_("rows read"))
    created_count = models.PositiveIntegerField(_("licenses created"))
    already_count = models.PositiveIntegerField(_("rows already imported"))
    error_count = models.PositiveIntegerField(_("rows refused"))

    class Meta:
        verbose_name = _("license import")
        verbose_name_plural = _("license imports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rows__gte=F("created_count") + F("already_count") + F("error_count")),
                name="licensing_import_counts_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"


# --- Renewals, expiry and reminders --------------------------------------------------------


class LicenseEventKind(models.TextChoices):
    REMINDER = "reminder", _("Renewal reminder sent")
    RENEWED = "renewed", _("Renewed")
    EXPIRED = "expired", _("Expired")
    LAPSED = "lapsed", _("Lapsed")
    LINKED = "linked", _("Linked to an account")
    DISCIPLINE = "discipline", _("Disciplinary action")
    REINSTATED = "reinstated", _("Suspension ended")


class LicenseEvent(models.Model):
    """One entry of a license's own timeline (reminders, renewals, expiry, lapse, discipline).

    A license outlives the case that issued it, and imported licenses have no case at all, so
    the license keeps its own history. Rows are append-only and many are written by set-based
    SQL (the daily jobs), hence plain columns the page words itself rather than stored text.
    """

    Kind = LicenseEventKind

    license = models.ForeignKey(License, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=LicenseEventKind.choices)
    expires_on = models.DateField(_("expiry it concerns"))
    offset_days = models.PositiveSmallIntegerField(_("days before expiry"), null=True, blank=True)
    action = models.ForeignKey(
        "licensing.DisciplinaryAction",
        verbose_name=_("disciplinary action"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("license event")
        verbose_name_plural = _("license events")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=LicenseEventKind.values), name="licensing_event_kind"
            ),
            models.CheckConstraint(
                condition=Q(kind="reminder", offset_days__isnull=False)
                | (~Q(kind="reminder") & Q(offset_days__isnull=True)),
                name="licensing_event_reminder_has_offset",
            ),
            models.CheckConstraint(
                condition=Q(kind="discipline", action__isnull=False)
                | (~Q(kind="discipline") & Q(action__isnull=True)),
                name="licensing_event_discipline_names_action",
            ),
            # One reminder per offset of one term, and one expiry or lapse per term: the daily
            # jobs insert with ON CONFLICT DO NOTHING against these.
            models.UniqueConstraint(
                fields=["license", "expires_on", "offset_days"],
                condition=Q(kind="reminder"),
                name="licensing_event_reminder_once",
            ),
            models.UniqueConstraint(
                fields=["license", "kind", "expires_on"],
                condition=Q(kind__in=["expired", "lapsed"]),
                name="licensing_event_status_once",
            ),
        ]
        indexes = [
            models.Index(fields=["license", "-created_at"], name="licensing_event_license_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.license_id}: {self.kind} ({self.expires_on})"
