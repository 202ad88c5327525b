"""The permit type's admin: a new type set up in one submission (reviewing departments in
order, fees in dollars with a valuation table, inspections in order), a draft until
published."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from cases.models import Department
from permits.models import FeeMethod, PermitType
from tests.accounts.factories import StaffFactory
from tests.permits.factories import PermitFactory, PermitTypeFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:permits_permittype_add")
INLINES = (
    "review_departments",
    "fee_tiers",
    "inspection_steps",
    "reinspection_fee",
    "cases-question-owner_type-owner_id",
    "cases-documentrequirement-owner_type-owner_id",
)


@pytest.fixture
def administrator(client):
    user = StaffFactory(is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return user


def _inline(prefix, rows):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{index}-{name}"] = value
    return data


def _new_home(**changes):
    fire = Department.objects.get(code="FIRE")
    zoning = Department.objects.get(code="ZONING")
    data = {
        "name": "New single-family home",
        "name_es": "Vivienda unifamiliar nueva",
        "code": "new-home",
        "number_prefix": "BLDN",
        "category": "building",
        "work_class": "new",
        "permit_class": "residential",
        "active": "on",
        "description": "Build a new house.",
        "description_es": "Construir una casa nueva.",
        "keywords": "",
        "keywords_es": "",
        "application_fee_cents": "$150",
        "fee_method": FeeMethod.VALUATION,
        "flat_fee_cents": "0",
        "per_square_foot_cents": "0",
        "minimum_fee_cents": "75.00",
        "plan_review_percent": "65",
        "plans_required": "on",
        "contractor_required": "on",
        "contractor_trade": "general",
        "validity_days": "180",
        "review_target_days": "30",
        "gives_certificate_of_occupancy": "on",
    }
    for prefix in INLINES:
        data.update(_inline(prefix, []))
    data.update(
        _inline(
            "review_departments",
            [
                {"department": str(zoning.pk), "order": "10"},
                {"department": str(fire.pk), "order": "20"},
            ],
        )
    )
    data.update(
        _inline(
            "fee_tiers",
            [
                {"from_cents": "0", "base_cents": "75", "per_thousand_cents": "0"},
                {"from_cents": "25,000", "base_cents": "400.00", "per_thousand_cents": "15.50"},
            ],
        )
    )
    data.update(
        _inline(
            "inspection_steps",
            [
                {
                    "order": "10",
                    "code": "footing",
                    "name": "Footings",
                    "name_es": "Zapatas",
                    "category": "footings",
                },
                {
                    "order": "20",
                    "code": "final",
                    "name": "Building final",
                    "name_es": "Inspección final",
                    "category": "building_final",
                    "final": "on",
                },
            ],
        )
    )
    data.update(changes)
    return data


def test_a_new_type_is_set_up_in_one_submission_as_a_draft(client, administrator):
    # when
    response = client.post(ADD_URL, _new_home())
    # then
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    permit_type = PermitType.objects.get(code="new-home")
    assert not permit_type.published
    assert permit_type.application_fee_cents == 15_000
    assert permit_type.minimum_fee_cents == 7_500
    assert [row.department.code for row in permit_type.review_departments.all()] == [
        "ZONING",
        "FIRE",
    ]
    tiers = permit_type.fee_tiers.all()
    assert [(t.from_cents, t.base_cents, t.per_thousand_cents) for t in tiers] == [
        (0, 7_500, 0),
        (2_500_000, 40_000, 1_550),
    ]
    assert [s.code for s in permit_type.inspection_steps.all()] == ["footing", "final"]


def test_a_contractor_rule_without_a_trade_is_refused_and_nothing_saved(client, administrator):
    response = client.post(ADD_URL, _new_home(contractor_trade=""))
    assert response.status_code == 200
    assert "Choose the trade of the contractor this permit needs." in response.content.decode()
    assert not PermitType.objects.filter(code="new-home").exists()


def test_a_draft_is_published_and_taken_back(client, administrator):
    permit_type = PermitTypeFactory(published_at=None)
    url = reverse("admin:permits_permittype_change", args=[permit_type.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Save and publish" in page.content.decode()
    permit_type.refresh_from_db()
    assert not permit_type.published


def test_a_type_with_permits_cannot_go_back_to_draft():
    from permits.exceptions import PermitTypeNotPublishable
    from permits.services.types import permit_type_publish, permit_type_unpublish

    permit_type = PermitTypeFactory(published_at=None)
    permit_type_publish(permit_type=permit_type, actor=None)
    assert permit_type.published
    PermitFactory(permit_type=permit_type)
    with pytest.raises(PermitTypeNotPublishable):
        permit_type_unpublish(permit_type=permit_type, actor=None)
    permit_type.refresh_from_db()
    assert permit_type.published


def test_the_change_page_publishes_the_draft(client, administrator):
    # given: a draft set up in the admin
    client.post(ADD_URL, _new_home())
    permit_type = PermitType.objects.get(code="new-home")
    url = reverse("admin:permits_permittype_change", args=[permit_type.pk])
    data = _new_home(_publish="1")
    # the inlines now hold the saved rows
    for prefix, rows in (
        ("review_departments", permit_type.review_departments.all()),
        ("fee_tiers", permit_type.fee_tiers.all()),
        ("inspection_steps", permit_type.inspection_steps.all()),
    ):
        data[f"{prefix}-INITIAL_FORMS"] = str(len(rows))
        for index, row in enumerate(rows):
            data[f"{prefix}-{index}-id"] = str(row.pk)
            data[f"{prefix}-{index}-permit_type"] = str(permit_type.pk)
    # when
    response = client.post(url, data)
    # then
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    permit_type.refresh_from_db()
    assert permit_type.published
    assert permit_type.fee_tiers.count() == 2


def test_the_reinspection_fee_is_typed_in_dollars_with_the_type(client, administrator):
    # given: the new type's form with a re-inspection fee of $75, the first failure free
    data = _new_home(**_inline("reinspection_fee", [{"fee_cents": "$75", "free_failures": "1"}]))

    # when
    response = client.post(ADD_URL, data)

    # then: stored as 7,500 cents, never 75 cents
    assert response.status_code == 302, response.context and response.context["errors"]
    rule = PermitType.objects.get(code="new-home").reinspection_fee
    assert (rule.fee_cents, rule.free_failures) == (7_500, 1)


def test_a_reinspection_fee_of_nothing_is_refused_and_nothing_saved(client, administrator):
    # given
    data = _new_home(**_inline("reinspection_fee", [{"fee_cents": "0.00", "free_failures": "0"}]))

    # when
    response = client.post(ADD_URL, data)

    # then
    assert response.status_code == 200
    assert "A re-inspection fee of 0.00 charges nothing" in response.content.decode()
    assert not PermitType.objects.exists()


def test_every_amount_on_the_permit_admin_pages_is_typed_in_dollars(rf, administrator):
    # given: every admin page of the permits app, and the inline rows on them
    from django.contrib import admin as django_admin

    from payments.forms import AmountField

    request = rf.get("/")
    request.user = administrator
    pages = [
        model_admin
        for model, model_admin in django_admin.site._registry.items()
        if model._meta.app_label == "permits"
    ]

    # when
    amounts = {}
    for model_admin in pages:
        forms = [model_admin.get_form(request)]
        forms += [
            inline.get_formset(request).form for inline in model_admin.get_inline_instances(request)
        ]
        for form in forms:
            for name, field in form.base_fields.items():
                if name.endswith("_cents"):
                    amounts[f"{form._meta.model.__name__}.{name}"] = type(field)

    # then: a fee typed "75.00" is 75 dollars wherever an administrator types it
    assert "ReinspectionFee.fee_cents" in amounts
    assert "PermitType.application_fee_cents" in amounts
    assert {name: kind for name, kind in amounts.items() if kind is not AmountField} == {}
