import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from licensing import services
from licensing.models import LicenseEvent
from tests.licensing.factories import LicenseTypeFactory
from tests.licensing.license_factory import LicenseFactory

pytestmark = pytest.mark.django_db


def test_discipline_and_the_end_of_a_suspension_are_on_the_licenses_history(client, clerk):
    # given
    license = LicenseFactory(license_type__name="Plumber license")
    ends_on = timezone.localdate() + datetime.timedelta(days=10)

    # when
    warning = services.disciplinary_action_record(
        license=license, actor=clerk, kind="warning", public=False
    )
    suspension = services.disciplinary_action_record(
        license=license,
        actor=clerk,
        kind="suspension",
        ends_on=ends_on,
        public_summary="Worked without a permit at 4 Elm St.",
    )
    services.suspensions_end(today=ends_on)
    services.suspensions_end(today=ends_on)
    client.force_login(license.holder)
    page = client.get(reverse("licensing:license", args=[license.number])).content.decode()

    # then
    events = license.events.order_by("id")
    assert [(e.kind, e.action_id) for e in events] == [
        ("discipline", warning.pk),
        ("discipline", suspension.pk),
        ("reinstated", None),
    ]
    assert "Warning issued." in page
    assert "Worked without a permit at 4 Elm St." in page
    assert "Suspension ended." in page


def test_a_discipline_entry_must_name_its_action(db):
    license = LicenseFactory()
    with pytest.raises(IntegrityError):
        LicenseEvent.objects.create(
            license=license, kind="discipline", expires_on=license.expires_on
        )


@pytest.mark.parametrize(("prefix", "refused"), [("CMP", True), ("INV", True), ("PLB", False)])
def test_a_license_number_prefix_may_not_be_one_of_the_portals_references(prefix, refused):
    # given
    license_type = LicenseTypeFactory.build(number_prefix=prefix)

    # when
    try:
        license_type.full_clean()
        errors = {}
    except ValidationError as error:
        errors = error.message_dict

    # then
    assert ("number_prefix" in errors) is refused


@pytest.mark.parametrize("field", ["holder_name", "business_name"])
def test_a_license_never_stores_bidirectional_controls(db, field):
    # The certificate and the public register print these names: whatever the writer, the
    # database refuses a direction override in them.
    with pytest.raises(IntegrityError):
        LicenseFactory(**{field: "Pat \u202eredloH"})
