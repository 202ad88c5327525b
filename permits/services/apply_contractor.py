"""The contractor check: a license number named on a permit application, checked against the
portal's own license register.

A contractor may take out a permit with a license that exists, is active (not suspended,
revoked, lapsed, nor past its expiry date even if the nightly job has not marked it yet) and
is of a type the permit type accepts (its trade). Each refusal says which of these failed,
so the applicant can call the contractor with the right question.
"""

from __future__ import annotations

import datetime
import re

from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from licensing.models import License, LicenseStatus
from permits.exceptions import ContractorRefused
from permits.models import PermitType
from portal.localized import localized

_SPACES = re.compile(r"\s+")


def license_number_normalize(number: str) -> str:
    """The number as the register writes it: no spaces, capital letters."""
    return _SPACES.sub("", number or "").upper()


def contractor_check(
    *, permit_type: PermitType, license_number: str, today: datetime.date | None = None
) -> License:
    """The license `license_number` names, if a contractor may take a permit of
    `permit_type` with it. Raises ContractorRefused with the reason (code "required",
    "not_found", "suspended", "revoked", "expired", "wrong_trade").

    The number is matched whole, in any letter case, against license numbers and the numbers
    of licenses imported from the legacy register. A type that lists no accepted license
    types accepts any active license.
    """
    number = license_number_normalize(license_number)
    if not number:
        raise ContractorRefused(_("Enter the contractor's license number."), code="required")
    today = today or timezone.localdate()
    license = (
        License.objects.select_related("license_type")
        .filter(Q(number__iexact=number) | Q(legacy_reference__iexact=number))
        .order_by("-issued_on", "-pk")
        .first()
    )
    if license is None:
        raise ContractorRefused(
            _(
                "We found no license %(number)s in the license register. Check the number on "
                "the contractor's license card."
            )
            % {"number": number},
            code="not_found",
        )
    values = {
        "number": license.number,
        "holder": license.business_name or license.holder_name,
        "date": formats.date_format(license.expires_on, "DATE_FORMAT"),
    }
    if license.status == LicenseStatus.SUSPENDED:
        raise ContractorRefused(
            _(
                "License %(number)s (%(holder)s) is suspended: the contractor cannot take out "
                "permits until it is reinstated."
            )
            % values,
            code="suspended",
        )
    if license.status == LicenseStatus.REVOKED:
        raise ContractorRefused(
            _(
                "License %(number)s (%(holder)s) was revoked: the contractor cannot take out "
                "permits."
            )
            % values,
            code="revoked",
        )
    if license.status != LicenseStatus.ACTIVE or license.expires_on < today:
        raise ContractorRefused(
            _(
                "License %(number)s (%(holder)s) expired on %(date)s: the contractor must renew "
                "it before taking out a permit."
            )
            % values,
            code="expired",
        )
    accepted = list(permit_type.contractor_license_types.all())
    if accepted and license.license_type_id not in {t.pk for t in accepted}:
        raise ContractorRefused(
            _(
                "License %(number)s is a %(type)s license. This permit needs a contractor "
                "with one of these licenses: %(accepted)s."
            )
            % {
                "number": license.number,
                "type": localized(license.license_type, "name"),
                "accepted": ", ".join(localized(t, "name") for t in accepted),
            },
            code="wrong_trade",
        )
    return license
