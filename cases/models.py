"""The case engine's tables: every piece of work for a resident is a Case with a timeline.

Each workflow declares its own statuses and event kinds (cases/workflow.py, cases/events.py);
`DeclaredStatus` and `DeclaredEventKind` hold a copy of those declarations, synced after every
migrate (cases/declarations.py), and composite foreign keys from `Case (kind, status)` and
`CaseEvent (case_kind, kind, audience)` make the database refuse anything a case's workflow
does not declare (migration 0008). `cases.services.transition` narrows each case to its own
workflow's moves. Events are append-only (a database trigger refuses UPDATE and DELETE, see
migration 0002).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from portal.languages import LanguageField, language_tag_constraint


class TimeStampedModel(models.Model):
    """Abstract base: when a row was created and last changed (timezone-aware)."""

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class CaseStatus(models.TextChoices):
    """Status codes several workflows share. A workflow may use these or its own codes; its
    `states` give each its wording (these labels are only a fallback)."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    AWAITING_INFO = "awaiting_info", _("Waiting for information")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REOPENED = "reopened", _("Reopened")
    CANCELLED = "cancelled", _("Cancelled")


class DeclaredStatus(models.Model):
    """A status a workflow declares for its kind of case: the database's copy of the code's
    declaration, which `Case (kind, status)` must match (composite foreign key, migration
    0008). Written only by `cases.declarations.declarations_sync`."""

    case_kind = models.SlugField(_("service"), max_length=64)
    code = models.CharField(_("status"), max_length=20)
    phase = models.CharField(
        _("phase"),
        max_length=8,
        choices=[
            ("open", _("Open")),
            ("waiting", _("Waiting for the resident")),
            ("final", _("Final")),
        ],
    )

    class Meta:
        verbose_name = _("declared status")
        verbose_name_plural = _("declared statuses")
        constraints = [
            models.UniqueConstraint(fields=["case_kind", "code"], name="cases_declaredstatus_key"),
            models.CheckConstraint(
                condition=Q(phase__in=["open", "waiting", "final"]),
                name="cases_declaredstatus_phase_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_kind}: {self.code}"


class DeclaredEventKind(models.Model):
    """A kind of event a workflow declares for its kind of case, once per audience it may
    have: `CaseEvent (case_kind, kind, audience)` must match one (composite foreign key,
    migration 0008). Written only by `cases.declarations.declarations_sync`."""

    case_kind = models.SlugField(_("service"), max_length=64)
    code = models.CharField(_("kind"), max_length=20)
    audience = models.CharField(_("visible to"), max_length=12)

    class Meta:
        verbose_name = _("declared event kind")
        verbose_name_plural = _("declared event kinds")
        constraints = [
            models.UniqueConstraint(
                fields=["case_kind", "code", "audience"], name="cases_declaredeventkind_key"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=["staff", "participants", "public"]),
                name="cases_declaredeventkind_audience_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_kind}: {self.code} ({self.audience})"


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
    # One of the statuses the kind's workflow declares (composite foreign key to
    # DeclaredStatus); its wording comes from the workflow (`status_label`).
    status = models.CharField(_("status"), max_length=20, default=CaseStatus.DRAFT)
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
    language = LanguageField(_("language"))
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
    # The district the case lies in, from its service's location (cases/areas/): set by the
    # engine after the case is sent, again by `areas_reassign` when the areas change.
    area = models.ForeignKey(
        "cases.Area",
        verbose_name=_("area"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        db_index=False,  # the (area, status) index serves it
    )
    # Service levels (cases/service_levels.py): when the whole case is due, when its current
    # stage is due, and since when its clocks are stopped while it waits for the resident.
    due_date = models.DateField(_("due date"), null=True, blank=True)
    stage_due_date = models.DateField(_("stage due date"), null=True, blank=True)
    paused_at = models.DateTimeField(_("waiting for the resident since"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        constraints = [
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
            language_tag_constraint("language", name="cases_case_language_tag"),
            # Only an open case waits for the resident.
            models.CheckConstraint(
                condition=Q(paused_at__isnull=True) | Q(closed_at__isnull=True),
                name="cases_case_paused_only_open",
            ),
        ]
        indexes = [
            # The queues: by service and status, by status and due date (overdue), by
            # assignee and by department.
            models.Index(fields=["kind", "status"], name="cases_case_kind_status"),
            models.Index(fields=["status", "due_date"], name="cases_case_status_due"),
            models.Index(fields=["assignee", "status"], name="cases_case_assignee_status"),
            models.Index(fields=["department", "status"], name="cases_case_dept_status"),
            models.Index(fields=["area", "status"], name="cases_case_area_status"),
            # The resident's dashboard: their cases, newest first.
            models.Index(fields=["applicant", "-created_at"], name="cases_case_applicant_new"),
            models.Index(
                fields=["due_date"],
                name="cases_case_open_due",
                condition=Q(closed_at__isnull=True, submitted_at__isnull=False),
            ),
            # Overdue stages (cases.service_levels.overdue_condition), for the escalation run.
            models.Index(
                fields=["stage_due_date"],
                name="cases_case_running_stage_due",
                condition=Q(closed_at__isnull=True, paused_at__isnull=True),
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
        if state is not None:
            return state.label
        return CaseStatus(self.status).label if self.status in CaseStatus.values else self.status

    @property
    def status_label_for_staff(self) -> str:
        """The status as the back office names it."""
        workflow = self.workflow
        state = workflow.state(self.status) if workflow else None
        return state.label_for_staff if state else self.status_label

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
        """Past its stage's or its whole due date and not waiting for the resident
        (`cases.service_levels.overdue_condition` for this one case)."""
        from cases.service_levels import is_overdue

        return is_overdue(self)

    @property
    def service_level(self):
        """Where the case stands against its targets (`cases.service_levels.ServiceLevel`):
        worked out with one calendar for a whole list by `service_levels_attach`."""
        from cases.service_levels import service_level

        if getattr(self, "_service_level", None) is None:
            self._service_level = service_level(self)
        return self._service_level

    @property
    def contact_name(self) -> str:
        if self.applicant_id:
            return str(self.applicant)
        return self.guest_name or (_("Anonymous") if self.anonymous else _("Guest"))


class CaseEventKind(models.TextChoices):
    """Codes of the engine's own event kinds and of the standard kinds workflows declare
    (cases/events.py says who may read each and how it reads)."""

    SUBMITTED = "submitted", _("Submitted")
    STATUS_CHANGED = "status_changed", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    NOTE = "note", _("Internal note")
    MESSAGE = "message", _("Message from staff")
    REPLY = "reply", _("Reply from the resident")
    DOCUMENT_ADDED = "document_added", _("Document added")
    PAYMENT = "payment", _("Payment")
    REMINDER_SENT = "reminder_sent", _("Reminder sent")
    UPDATE = "update", _("Update")
    ESCALATED = "escalated", _("Escalated")


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


class CaseEvent(models.Model):
    """One entry on a case's timeline. Append-only: never updated, never deleted.

    `audience` says who reads it: staff only, the people on the case, or everyone who may see
    the case's public page (see CaseEventAudience); the selectors in cases/selectors.py
    (`published_timeline`, `resident_timeline`, `staff_timeline`) are the only readers.
    `kind` is one the case's workflow declares for that audience (cases/events.py); the
    database refuses any other through `case_kind`, a copy of the case's kind that a trigger
    fills on insert (migration 0008).

    `payload` holds the facts (who, what, reason, dates, amounts) and `text` turns them into
    words when shown, in the reader's language; `body` holds only text a person wrote (a
    public note, a message) and the text of events written before payloads existed. Titles
    such as "Status: Approved" are computed when displayed too.
    """

    Kind = CaseEventKind
    Audience = CaseEventAudience

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    # Set by the database from the case on insert, whatever the caller passes.
    case_kind = models.SlugField(_("service"), max_length=64, default="", editable=False)
    kind = models.CharField(_("kind"), max_length=20)
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
    from_status = models.CharField(_("from status"), max_length=20, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, blank=True)
    body = models.TextField(_("text"), blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="status_changed") | ~Q(to_status=""),
                name="cases_event_status_change_has_target",
            ),
            models.CheckConstraint(
                condition=Q(audience__in=CaseEventAudience.values),
                name="cases_event_audience_known",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "created_at"], name="cases_event_case_created"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind}"

    def _declared_kind(self):
        workflow = self.case.workflow
        if workflow is not None:
            return workflow.event_kind(self.kind)
        from cases.events import CORE_EVENT_KINDS

        return CORE_EVENT_KINDS.get(self.kind)

    @property
    def title(self) -> str:
        """A short heading for the timeline, in the current language."""
        from django.utils.text import format_lazy

        if self.kind == self.Kind.STATUS_CHANGED:
            workflow = self.case.workflow
            state = workflow.state(self.to_status) if workflow else None
            if state is not None:
                label = state.label
            elif self.to_status in CaseStatus.values:
                label = CaseStatus(self.to_status).label
            else:
                label = self.to_status
            return str(format_lazy(_("Status: {label}"), label=label))
        declared = self._declared_kind()
        if declared is not None:
            return str(declared.label)
        return str(self.Kind(self.kind).label) if self.kind in self.Kind.values else self.kind

    @property
    def text(self) -> str:
        """What the event says, in the current language: its payload rendered by its kind,
        then what a person wrote (a public note, a message), or its stored text."""
        declared = self._declared_kind()
        rendered = declared.render(self.payload) if declared is not None else ""
        if rendered and self.body:
            return f"{rendered}\n{self.body}"
        return rendered or self.body


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


# Areas live in cases/areas/, guest links with their API in cases/links.py, participants in
# cases/participants.py, forms as data in cases/questions/, work items in
# cases/work_items.py, holidays and stages in cases/service_levels.py, the workbench's saved
# filters and message templates in cases/workbench/models.py;
# imported here so Django registers them and `cases.models` names every model of the app.
from cases.areas.models import Area, AreaRing  # noqa: E402, F401
from cases.links import GuestLink  # noqa: E402, F401
from cases.participants import Participant  # noqa: E402, F401
from cases.questions.models import DocumentRequirement, Question  # noqa: E402, F401
from cases.service_levels import CaseStage, Holiday  # noqa: E402, F401
from cases.work_items import WorkItem  # noqa: E402, F401
from cases.workbench.models import (  # noqa: E402, F401
    MessageTemplate,
    MessageTemplateText,
    SavedQueueFilter,
)


class SubmissionKey(models.Model):
    """A key a form sent from a phone carried, stored once the work it sent was applied.

    A result kept on a phone while offline (portal/offline.py) may reach the server twice:
    the connection failed after the server applied it, and the phone sent it again. The
    service applying it claims the key first (`cases.services.submission_key_claim`) in the
    same transaction; the primary key makes a second claim fail, so the work is applied once.
    """

    key = models.UUIDField(_("key"), primary_key=True)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="submission_keys", verbose_name=_("case")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("submission key")
        verbose_name_plural = _("submission keys")

    def __str__(self) -> str:
        return str(self.key)
