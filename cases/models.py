"""The case engine's tables: every piece of work for a resident is a Case with a timeline.

Status values are the union of every workflow's statuses; the database only admits those,
and `cases.services.transition` narrows each case to its own workflow's moves. Events are
append-only (a database trigger refuses UPDATE and DELETE, see migration 0002).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


class TimeStampedModel(models.Model):
    """Abstract base: when a row was created and last changed (timezone-aware)."""

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class CaseStatus(models.TextChoices):
    """Every status any workflow uses. A workflow picks its own subset and wording."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    AWAITING_INFO = "awaiting_info", _("Waiting for information")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")
    IN_PROGRESS = "in_progress", _("In progress")
    SCHEDULED = "scheduled", _("Scheduled")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REOPENED = "reopened", _("Reopened")
    CANCELLED = "cancelled", _("Cancelled")


class Department(TimeStampedModel):
    """A part of the agency that works cases (Clerk's Office, Public Works...)."""

    name = models.CharField(_("name"), max_length=150)
    code = models.SlugField(
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("Short identifier used by services to route their cases, e.g. PUBLIC_WORKS."),
        allow_unicode=False,
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CaseReferenceCounter(models.Model):
    """The last sequence number handed out per reference prefix and year.

    Incremented by one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` statement (see
    cases/references.py): the row lock it takes serialises concurrent submissions of the same
    prefix until their transactions end, so no number is handed out twice. A rolled-back
    transaction rolls its increment back too, so a number is only ever used by a committed case
    (gaps are possible only if a committed case is later deleted, which PROTECT prevents).
    """

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="cases_counter_prefix_year"),
            models.CheckConstraint(
                condition=Q(last_value__gte=1), name="cases_counter_last_value_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_value}"


class Case(TimeStampedModel):
    """One piece of work for a resident, whatever the service.

    Domain apps hold a one-to-one link to their Case (they never subclass it). `status`
    changes only through `cases.services.transition`.

    Who the case is for: a signed-in `applicant`, or a guest reachable by e-mail or phone.
    A case with neither is allowed only when `anonymous` is set, which `case_create` does
    only for workflows declared with `allow_anonymous=True` (anonymous concern reports). The
    database enforces the rule, so no code path can create a case nobody can be told about
    by mistake.
    """

    reference = models.CharField(_("reference"), max_length=24, unique=True, editable=False)
    kind = models.SlugField(_("service"), max_length=64)
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.DRAFT
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    guest_name = models.CharField(_("guest name"), max_length=150, blank=True)
    guest_email = models.EmailField(_("guest e-mail address"), blank=True)
    guest_phone = PhoneNumberField(_("guest phone"), blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    # The language a guest applied in, so later messages reach them in it (an account's
    # preferred language wins for applicants).
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        limit_choices_to={"is_staff": True},
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CaseStatus.values), name="cases_case_status_known"
            ),
            models.CheckConstraint(
                condition=Q(reference__regex=r"^[A-Z]{2,8}-[0-9]{4}-[0-9]{6,}$"),
                name="cases_case_reference_format",
            ),
            models.CheckConstraint(
                condition=(
                    Q(applicant__isnull=False)
                    | ~Q(guest_email="")
                    | ~Q(guest_phone="")
                    | Q(anonymous=True)
                ),
                name="cases_case_has_contact_or_is_anonymous",
            ),
            models.CheckConstraint(
                condition=Q(anonymous=False)
                | Q(applicant__isnull=True, guest_email="", guest_phone=""),
                name="cases_case_anonymous_has_no_contact",
            ),
            # A draft has not been submitted (a draft may be cancelled without ever being
            # submitted, so the converse does not hold).
            models.CheckConstraint(
                condition=~Q(status=CaseStatus.DRAFT) | Q(submitted_at__isnull=True),
                name="cases_case_draft_not_submitted",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=models.F("created_at")),
                name="cases_case_closed_after_created",
            ),
            models.CheckConstraint(
                condition=Q(language__in=[code for code, _name in settings.LANGUAGES]),
                name="cases_case_language_known",
            ),
        ]
        indexes = [
            # The queues: by service and status, by status and due date (overdue), by
            # assignee and by department.
            models.Index(fields=["kind", "status"], name="cases_case_kind_status"),
            models.Index(fields=["status", "due_date"], name="cases_case_status_due"),
            models.Index(fields=["assignee", "status"], name="cases_case_assignee_status"),
            models.Index(fields=["department", "status"], name="cases_case_dept_status"),
            # The resident's dashboard: their cases, newest first.
            models.Index(fields=["applicant", "-created_at"], name="cases_case_applicant_new"),
            models.Index(
                fields=["due_date"],
                name="cases_case_open_due",
                condition=Q(closed_at__isnull=True, submitted_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", kwargs={"reference": self.reference})

    @property
    def workflow(self):
        """This case's workflow, or None if its kind is not registered (any more)."""
        from cases.workflow import get_workflow

        try:
            return get_workflow(self.kind)
        except LookupError:
            return None

    @property
    def service_name(self) -> str:
        workflow = self.workflow
        return workflow.name if workflow else self.kind

    @property
    def status_label(self) -> str:
        """The status in the workflow's plain language (falls back to the generic label)."""
        workflow = self.workflow
        state = workflow.state(self.status) if workflow else None
        return state.label if state else self.get_status_display()

    @property
    def next_steps(self) -> str:
        """What happens next, in the workflow's words, for the resident."""
        workflow = self.workflow
        state = workflow.state(self.status) if workflow else None
        return state.next_steps if state else ""

    @property
    def resident_page(self) -> tuple[str, str] | None:
        """(url, label) of the service's own page for this case, if its workflow has one."""
        workflow = self.workflow
        if workflow is None or not workflow.resident_page:
            return None
        url = reverse(workflow.resident_page, kwargs={"reference": self.reference})
        return url, workflow.resident_page_label

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def is_overdue(self) -> bool:
        return (
            self.closed_at is None
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )

    @property
    def contact_name(self) -> str:
        if self.applicant_id:
            return str(self.applicant)
        return self.guest_name or (_("Anonymous") if self.anonymous else _("Guest"))


class CaseEventKind(models.TextChoices):
    """What a timeline entry records."""

    SUBMITTED = "submitted", _("Submitted")
    STATUS_CHANGED = "status_changed", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    NOTE = "note", _("Internal note")
    MESSAGE = "message", _("Message from staff")
    REPLY = "reply", _("Reply from the resident")
    DOCUMENT_ADDED = "document_added", _("Document added")
    PAYMENT = "payment", _("Payment")
    REMINDER_SENT = "reminder_sent", _("Reminder sent")
    INSPECTION = "inspection", _("Inspection")
    # Anything else a domain app records: its body says what happened.
    UPDATE = "update", _("Update")


class CaseEventAudience(models.TextChoices):
    """Who may read a timeline entry. Each wider audience includes the narrower ones."""

    # The clerk's history: assignments, internal notes, private documents.
    STAFF = "staff", _("Staff only")
    # The people on the case (its resident, or the guest holding its link) and staff:
    # messages, replies, documents, payments, reminders.
    PARTICIPANTS = "participants", _("The resident and staff")
    # Anyone who may see the case's public page (a concern report's): status changes, public
    # reasons, expected dates. Only a workflow whose history is published writes these.
    PUBLIC = "public", _("Everyone")


# The audiences each kind of event may have. The database refuses any other pair (see
# `CaseEvent.Meta.constraints`), so no service can publish a message, a note or a payment by
# mistake: what is personal never has the PUBLIC audience, whatever a caller passes.
EVENT_AUDIENCES: dict[str, frozenset[str]] = {
    CaseEventKind.SUBMITTED: frozenset(CaseEventAudience.values),
    CaseEventKind.STATUS_CHANGED: frozenset(CaseEventAudience.values),
    CaseEventKind.UPDATE: frozenset(CaseEventAudience.values),
    CaseEventKind.INSPECTION: frozenset(CaseEventAudience.values),
    CaseEventKind.MESSAGE: frozenset({CaseEventAudience.PARTICIPANTS}),
    CaseEventKind.REPLY: frozenset({CaseEventAudience.PARTICIPANTS}),
    CaseEventKind.DOCUMENT_ADDED: frozenset(
        {CaseEventAudience.STAFF, CaseEventAudience.PARTICIPANTS}
    ),
    CaseEventKind.PAYMENT: frozenset({CaseEventAudience.STAFF, CaseEventAudience.PARTICIPANTS}),
    CaseEventKind.REMINDER_SENT: frozenset(
        {CaseEventAudience.STAFF, CaseEventAudience.PARTICIPANTS}
    ),
    CaseEventKind.NOTE: frozenset({CaseEventAudience.STAFF}),
    CaseEventKind.ASSIGNED: frozenset({CaseEventAudience.STAFF}),
}


def _audience_rule() -> Q:
    """A CHECK condition: every event's (kind, audience) pair is one of EVENT_AUDIENCES."""
    rule = Q()
    for kind, audiences in EVENT_AUDIENCES.items():
        rule |= Q(kind=kind, audience__in=sorted(audiences))
    return rule


class CaseEvent(models.Model):
    """One entry on a case's timeline. Append-only: never updated, never deleted.

    `audience` says who reads it: staff only, the people on the case, or everyone who may see
    the case's public page (see CaseEventAudience); the selectors in cases/selectors.py
    (`published_timeline`, `resident_timeline`, `staff_timeline`) are the only readers.
    `body` holds only text a person wrote (a public note, a message); titles such as
    "Status changed to Approved" are computed when displayed, so they appear in the
    reader's language.
    """

    Kind = CaseEventKind
    Audience = CaseEventAudience

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=CaseEventKind.choices)
    audience = models.CharField(
        _("visible to"),
        max_length=12,
        choices=CaseEventAudience.choices,
        default=CaseEventAudience.STAFF,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    from_status = models.CharField(
        _("from status"), max_length=20, choices=CaseStatus.choices, blank=True
    )
    to_status = models.CharField(
        _("to status"), max_length=20, choices=CaseStatus.choices, blank=True
    )
    body = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CaseEventKind.values),
                name="cases_event_kind_known",
            ),
            models.CheckConstraint(
                condition=~Q(kind="status_changed") | ~Q(to_status=""),
                name="cases_event_status_change_has_target",
            ),
            models.CheckConstraint(
                condition=_audience_rule(), name="cases_event_audience_fits_kind"
            ),
        ]
        indexes = [
            models.Index(fields=["case", "created_at"], name="cases_event_case_created"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind}"

    @property
    def title(self) -> str:
        """A short heading for the timeline, in the current language."""
        from django.utils.text import format_lazy

        if self.kind == self.Kind.STATUS_CHANGED:
            workflow = self.case.workflow
            state = workflow.state(self.to_status) if workflow else None
            label = state.label if state else CaseStatus(self.to_status).label
            return str(format_lazy(_("Status: {label}"), label=label))
        return str(self.Kind(self.kind).label)


# Accepted document types, judged from the file's content, and the extension each is stored with.
DOCUMENT_EXTENSIONS = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/heic": "heic",
    "image/webp": "webp",
}


def document_upload_to(instance: "CaseDocument", filename: str) -> str:
    """A random storage name: the resident's file name never reaches the storage backend."""
    extension = DOCUMENT_EXTENSIONS.get(instance.content_type, "bin")
    return f"cases/{instance.case_id}/{uuid.uuid4().hex}.{extension}"


class CaseDocument(models.Model):
    """A file attached to a case, checked by content and stored through the storage API."""

    EXTENSIONS = DOCUMENT_EXTENSIONS

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    public = models.BooleanField(_("visible to the resident"), default=True)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=list(DOCUMENT_EXTENSIONS)),
                name="cases_document_type_accepted",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="cases_document_not_empty"),
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse(
            "cases:document",
            kwargs={"reference": self.case.reference, "document_id": self.pk},
        )

    @property
    def download_name(self) -> str:
        """The resident's file name with the extension of what the file really is."""
        stem = self.original_name.rsplit(".", 1)[0] if "." in self.original_name else ""
        return f"{stem or 'document'}.{self.EXTENSIONS.get(self.content_type, 'bin')}"


class CaseMessage(models.Model):
    """A message between staff and the resident on a case's thread."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_staff = models.BooleanField(_("from staff"))
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now, editable=False)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("case message")
        verbose_name_plural = _("case messages")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="cases_message_not_empty"),
        ]
        indexes = [
            models.Index(fields=["case", "created_at"], name="cases_message_case_created"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.body[:40]}"


class StaffRole(models.TextChoices):
    """What a member of staff does in a department (see cases/permissions.py for the rights)."""

    CLERK = "clerk", _("Clerk")
    REVIEWER = "reviewer", _("Reviewer")
    INSPECTOR = "inspector", _("Inspector")
    CASHIER = "cashier", _("Cashier")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMINISTRATOR = "administrator", _("Administrator")


class StaffMembership(TimeStampedModel):
    """A member of staff holds `role` in `department`, or across the agency if it is empty.

    One person may hold several roles (a clerk who is also a cashier). What each role may do
    is decided in one place, `cases.permissions`, which services, selectors and the admin
    all ask; this table only records who holds what.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member of staff"),
        on_delete=models.CASCADE,
        related_name="staff_memberships",
        limit_choices_to={"is_staff": True},
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        help_text=_("Leave empty for a role across every department."),
    )
    role = models.CharField(_("role"), max_length=16, choices=StaffRole.choices)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        ordering = ["user_id", "department_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "department", "role"],
                name="cases_membership_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(role__in=StaffRole.values), name="cases_membership_role_known"
            ),
        ]
        indexes = [
            models.Index(fields=["department", "role"], name="cases_membership_dept_role"),
        ]

    def __str__(self) -> str:
        where = self.department or _("every department")
        return f"{self.user}: {self.get_role_display()} ({where})"
