"""A guest applicant's links to their permit's inspections (cases.links).

A permit entered for someone without an account (a clerk typed a paper application) is
followed by guest links to its case. Every message about the case carries a *view* link,
which opens the permit's inspections page to read; booking, moving and cancelling need a
*book* link (`LinkScope.BOOK`), which is sent only to the address on the case, when the
guest asks for it on that page. So a forwarded or leaked message shows the permit but
changes nothing, and a book link comes only from the guest's own mailbox or phone.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cases.links import REFRESH_INTERVAL, GuestLink, LinkScope, issue_link
from cases.models import Case
from permits.models import Permit

PAGE = "permits:guest_inspections"
TEMPLATE_KEY = "permits/inspection_link"


def _contact(case: Case) -> tuple[str, str]:
    return case.guest_email or "", str(case.guest_phone) if case.guest_phone else ""


def inspection_link_send(*, permit: Permit, language: str = "") -> bool:
    """Send the permit's guest applicant a link to book, move and cancel its inspections.

    Only to the address on the case, never to one a visitor gives; an earlier book link to
    that address stops working. At most one every REFRESH_INTERVAL per permit, however often
    the button is pressed. Returns False when there is nobody to send it to (the permit
    belongs to an account, or the case has no e-mail address or phone).
    """
    from notifications.services import notification_send

    case = permit.case
    email, phone = _contact(case)
    if case.applicant_id is not None or not (email or phone):
        return False
    with transaction.atomic():
        Case.objects.select_for_update().get(pk=case.pk)
        recent = GuestLink.objects.filter(
            target_type__app_label="cases",
            target_type__model="case",
            target_id=case.pk,
            scope=LinkScope.BOOK,
            revoked_at__isnull=True,
            created_at__gte=timezone.now() - REFRESH_INTERVAL,
        )
        if recent.exists():
            return True
        issued = issue_link(
            case, LinkScope.BOOK, page=PAGE, email=email, phone=phone, supersede=True
        )
        notification_send(
            template_key=TEMPLATE_KEY,
            context={
                "link": issued.url,
                "reference": permit.permit_number or case.reference,
                "address": permit.address,
                "days": max(1, (issued.link.expires_at - issued.link.created_at).days),
            },
            dedupe_key=f"permits.inspection-link:{issued.link.pk}",
            email=email,
            phone=phone,
            channels=["email", "sms"],
            link_url=issued.url,
            language=language or case.language,
        )
    return True
