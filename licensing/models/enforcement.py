"""Enforcement's tables: complaints against licensees and the disciplinary actions staff
record.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cases.models import TimeStampedModel
from licensing.models.licenses import License


class Complaint(TimeStampedModel):
    """A complaint against a licensee: a case of its own (kind "license_complaint").

    Who complained (an account or a guest's name and e-mail) is the case's; it is never shown
    to the holder or the public.
    """

    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="license_complaint"
    )
    license = models.ForeignKey(
        License, verbose_name=_("license"), on_delete=models.PROTECT, related_name="complaints"
    )
    details = models.TextField(_("what happened"))
    occurred_on = models.DateField(_("when it happened"), null=True, blank=True)
    # The key of the form that sent it is claimed for the case (`cases.SubmissionKey`): the
    # same form sent twice (a double click, a resend after a timeout) files one complaint.

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(details=""), name="licensing_complaint_has_details"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference}: {self.license.number}"


class DisciplinaryActionKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    FINE = "fine", _("Fine")
    SUSPENSION = "suspension", _("Suspension")
    REVOCATION = "revocation", _("Revocation")


class DisciplinaryAction(TimeStampedModel):
    """An action staff took against a license, with what the public may read of it.

    A suspension runs from `starts_on` until the day before `ends_on`; a fine is billed to
    the holder through an invoice; a revocation is final (one per license).
    """

    Kind = DisciplinaryActionKind

    license = models.ForeignKey(
        License,
        verbose_name=_("license"),
        on_delete=models.PROTECT,
        related_name="disciplinary_actions",
    )
    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
    )
    kind = models.CharField(_("action"), max_length=12, choices=DisciplinaryActionKind.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("suspended until"), null=True, blank=True)
    fine_cents = models.PositiveIntegerField(_("fine (cents)"), null=True, blank=True)
    invoice = models.OneToOneField(
        "payments.Invoice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="license_fine",
    )
    public = models.BooleanField(_("shown to the public"), default=True)
    public_summary = models.TextField(_("public summary"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("disciplinary action")
        verbose_name_plural = _("disciplinary actions")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DisciplinaryActionKind.values),
                name="licensing_action_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind="suspension", ends_on__isnull=False, ends_on__gt=F("starts_on"))
                | (~Q(kind="suspension") & Q(ends_on__isnull=True)),
                name="licensing_action_suspension_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind="fine", fine_cents__isnull=False, fine_cents__gt=0, invoice__isnull=False
                )
                | (~Q(kind="fine") & Q(fine_cents__isnull=True, invoice__isnull=True)),
                name="licensing_action_fine_has_amount_and_invoice",
            ),
            models.CheckConstraint(
                condition=Q(public=False) | ~Q(public_summary=""),
                name="licensing_action_public_has_summary",
            ),
            models.UniqueConstraint(
                fields=["license"],
                condition=Q(kind="revocation"),
                name="licensing_action_one_revocation",
            ),
        ]
        indexes = [
            models.Index(
                fields=["license", "starts_on"],
                condition=Q(public=True),
                name="licensing_action_public_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.license.number}"
