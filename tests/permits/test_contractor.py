"""The contractor check against the portal's license register: each refusal says why."""

import datetime

import pytest
from django.utils import timezone

from licensing.models import LicenseStatus
from permits.exceptions import ContractorRefused
from permits.models import ContractorTrade
from permits.services.apply_contractor import contractor_check
from tests.licensing.factories import LicenseFactory, LicenseTypeFactory
from tests.permits.factories import PermitTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def electricians():
    return LicenseTypeFactory(name="Electrical contractor")


@pytest.fixture
def electrical_permit(electricians):
    permit_type = PermitTypeFactory(
        contractor_required=True, contractor_trade=ContractorTrade.ELECTRICAL
    )
    permit_type.contractor_license_types.add(electricians)
    return permit_type


def _refusal(permit_type, number) -> ContractorRefused:
    with pytest.raises(ContractorRefused) as refused:
        contractor_check(permit_type=permit_type, license_number=number)
    return refused.value


def test_an_active_license_of_the_right_trade_is_accepted(electrical_permit, electricians):
    license = LicenseFactory(license_type=electricians, number="ELC-2026-000042")
    # spaces and letter case as people type them
    assert contractor_check(permit_type=electrical_permit, license_number=" elc-2026-000042 ") == (
        license
    )


def test_a_legacy_number_finds_the_imported_license(electrical_permit, electricians):
    license = LicenseFactory(license_type=electricians, legacy_reference="E-5521")
    assert contractor_check(permit_type=electrical_permit, license_number="e-5521") == license


def test_no_number(electrical_permit):
    refusal = _refusal(electrical_permit, "  ")
    assert refusal.code == "required"
    assert refusal.messages == ["Enter the contractor's license number."]


def test_a_number_not_in_the_register(electrical_permit):
    refusal = _refusal(electrical_permit, "ELC-1999-000001")
    assert refusal.code == "not_found"
    assert refusal.messages == [
        "We found no license ELC-1999-000001 in the license register. Check the number on the "
        "contractor's license card."
    ]


def test_a_suspended_license(electrical_permit, electricians):
    LicenseFactory(
        license_type=electricians,
        number="ELC-2026-000007",
        business_name="Sparks LLC",
        status=LicenseStatus.SUSPENDED,
    )
    refusal = _refusal(electrical_permit, "ELC-2026-000007")
    assert refusal.code == "suspended"
    assert refusal.messages == [
        "License ELC-2026-000007 (Sparks LLC) is suspended: the contractor cannot take out "
        "permits until it is reinstated."
    ]


def test_a_revoked_license(electrical_permit, electricians):
    LicenseFactory(license_type=electricians, number="ELC-2026-000008", status="revoked")
    assert _refusal(electrical_permit, "ELC-2026-000008").code == "revoked"


@pytest.mark.parametrize("status", [LicenseStatus.EXPIRED, LicenseStatus.LAPSED])
def test_an_expired_or_lapsed_license(electrical_permit, electricians, status):
    LicenseFactory(license_type=electricians, number="ELC-2026-000009", status=status)
    refusal = _refusal(electrical_permit, "ELC-2026-000009")
    assert refusal.code == "expired"
    assert "the contractor must renew it before taking out a permit" in refusal.messages[0]


def test_an_active_license_past_its_expiry_date_is_expired(electrical_permit, electricians):
    # given: the nightly job has not marked it yet
    today = timezone.localdate()
    LicenseFactory(
        license_type=electricians,
        number="ELC-2026-000010",
        expires_on=today - datetime.timedelta(days=1),
    )
    # when / then
    assert _refusal(electrical_permit, "ELC-2026-000010").code == "expired"
    # the last valid day is still accepted
    LicenseFactory(license_type=electricians, number="ELC-2026-000011", expires_on=today)
    assert contractor_check(permit_type=electrical_permit, license_number="ELC-2026-000011")


def test_a_license_of_another_trade(electrical_permit):
    LicenseFactory(license_type=LicenseTypeFactory(name="Barber"), number="BRB-2026-000001")
    refusal = _refusal(electrical_permit, "BRB-2026-000001")
    assert refusal.code == "wrong_trade"
    assert refusal.messages == [
        "License BRB-2026-000001 is a Barber license. This permit needs a contractor with one of "
        "these licenses: Electrical contractor."
    ]


def test_a_type_without_accepted_license_types_takes_any_active_license():
    permit_type = PermitTypeFactory()
    license = LicenseFactory(number="ANY-2026-000001")
    assert contractor_check(permit_type=permit_type, license_number="ANY-2026-000001") == license
