"""Open311 API keys: issued and revoked by staff in the back office."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from cases import permissions
from cases.exceptions import ActionForbidden
from concerns.models import Open311ApiKey


def api_key_digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8", "surrogatepass")).hexdigest()


def api_key_issue(
    *, name: str, actor, requests_per_minute: int | None = None
) -> tuple[Open311ApiKey, str]:
    """Create a key for another system; return the row and the key itself.

    The key is shown to staff once; only its SHA-256 digest is stored. Raises
    ActionForbidden unless `actor` is active staff, ValueError for an empty name.
    """
    if not permissions.is_active_staff(actor):
        raise ActionForbidden("Only active staff can issue API keys.")
    name = (name or "").strip()
    if not name:
        raise ValueError("An API key needs a name saying who uses it.")
    raw_key = secrets.token_urlsafe(32)
    with transaction.atomic():
        api_key = Open311ApiKey.objects.create(
            name=name,
            prefix=raw_key[:8],
            key_hash=api_key_digest(raw_key),
            requests_per_minute=requests_per_minute,
            created_by=actor,
        )
    return api_key, raw_key


def api_key_revoke(*, api_key: Open311ApiKey, actor) -> Open311ApiKey:
    """Refuse the key from now on (revoking twice keeps the first time)."""
    if not permissions.is_active_staff(actor):
        raise ActionForbidden("Only active staff can revoke API keys.")
    with transaction.atomic():
        Open311ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    api_key.refresh_from_db()
    return api_key


def api_key_record_use(*, api_key: Open311ApiKey) -> None:
    """Note when the key was last used (at most once a minute, to spare the row)."""
    now = timezone.now()
    with transaction.atomic():
        Open311ApiKey.objects.filter(pk=api_key.pk).exclude(
            last_used_at__gt=now - datetime.timedelta(minutes=1)
        ).update(last_used_at=now)
