"""The license type's admin pages: a new type set up in one submission (fees in dollars,
documents, questions with a condition on a new question), refused whole when anything is
wrong, a draft previewed in English and Spanish, then published; texts missing in Spanish
and questions repeating the standard steps pointed out."""

import datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.messages import get_messages
from django.urls import reverse

from cases.questions.models import DocumentRequirement, Question
from licensing.fees import agency_today
from licensing.models import LicenseEvent, LicenseType
from licensing.reminders import SOURCE_KEY, TEMPLATE_KEY
from notifications.models import ReminderOccurrence, ReminderRule
from notifications.services import reminders_run
from tests.accounts.factories import StaffFactory
from tests.licensing.factories import LicenseFactory, LicenseTypeFactory, QuestionFactory
from tests.notifications.factories import reminder_rules

pytestmark = pytest.mark.django_db

QUESTIONS = "cases-question-owner_type-owner_id"
DOCUMENTS = "cases-documentrequirement-owner_type-owner_id"
REMINDERS = "renewal-reminders"
ADD_URL = reverse("admin:licensing_licensetype_add")


@pytest.fixture
def administrator(client):
    user = StaffFactory(is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return user


def _inline(prefix, rows, initial=0):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{index}-{name}"] = value
    return data


def _pet_grooming(**changes):
    data = {
        "name": "Mobile pet grooming",
        "name_es": "Peluquería móvil de mascotas",
        "category": "",
        "new_category": "Pet care",
        "category_es": "Cuidado de mascotas",
        "code": "",
        "number_prefix": "",
        "active": "on",
        "description": "Grooming pets in a van that comes to you.",
        "description_es": "",
        "eligibility": "",
        "keywords": "dog wash, groomer",
        "keywords_es": "baño de perros",
        "application_fee_cents": "75.00",
        "renewal_fee_cents": "$60",
        "late_fee_cents": "1,250.50",
        "term_months": "12",
        "renewal_window_days": "60",
        "grace_days": "30",
        "review_target_days": "10",
        **_inline(
            DOCUMENTS,
            [
                {"name": "Proof of insurance", "name_es": "Prueba de seguro", "required": "on"},
                {"name": "Vehicle inspection", "name_es": "", "required": "on"},
            ],
        ),
        **_inline(
            QUESTIONS,
            [
                {
                    "label": "Do you groom in a vehicle?",
                    "label_es": "¿Trabaja en un vehículo?",
                    "kind": "yes_no",
                    "required": "on",
                },
                {
                    "label": "Vehicle license plate",
                    "label_es": "Matrícula del vehículo",
                    "kind": "text",
                    "required": "on",
                    "condition_on": "0",
                    "condition_is": "Yes",
                },
                {
                    "label": "Number of vans",
                    "label_es": "Número de camionetas",
                    "kind": "number",
                    "required": "on",
                    "whole_number": "on",
                    "min_value": "1",
                },
                {
                    "label": "Animals you groom",
                    "label_es": "Animales",
                    "kind": "multiple_choice",
                    "choices": "dogs | Dogs\ncats | Cats",
                    "choices_es": "Perros\nGatos",
                    "required": "on",
                },
                {"label": "Business phone", "kind": "text"},
            ],
        ),
        **_inline(
            REMINDERS,
            [
                {"days": "30", "channels": ["email", "sms"], "send_at": "00:00", "active": "on"},
                {"days": "7", "channels": ["email", "in_app"], "send_at": "08:30", "active": "on"},
            ],
        ),
    }
    data.update(changes)
    return data


def test_a_new_type_is_set_up_in_one_submission_as_a_draft(client, administrator):
    # when
    response = client.post(ADD_URL, _pet_grooming())

    # then
    license_type = LicenseType.objects.get()
    change_url = reverse("admin:licensing_licensetype_change", args=[license_type.pk])
    assert (response.status_code, response.url) == (302, change_url)
    assert (
        license_type.code,
        license_type.number_prefix,
        license_type.category,
        license_type.published,
    ) == ("mobile-pet-grooming", "MPG", "Pet care", False)
    # No amount off by a factor of 100.
    assert (
        license_type.application_fee_cents,
        license_type.renewal_fee_cents,
        license_type.late_fee_cents,
    ) == (7500, 6000, 125050)
    assert list(DocumentRequirement.objects.of(license_type).values_list("name", "order")) == [
        ("Proof of insurance", 10),
        ("Vehicle inspection", 20),
    ]
    questions = {q.code: q for q in Question.objects.of(license_type)}
    plate = questions["vehicle_license_plate"]
    assert (plate.condition_question.code, plate.condition_value) == (
        "do_you_groom_in_a_vehicle",
        "yes",
    )
    assert questions["number_of_vans"].whole_number is True
    warnings = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("“Business phone” seems to repeat “Phone”" in m for m in warnings), warnings

    # and the change page shows the fees back in dollars, what Spanish is missing, the draft
    page = client.get(change_url)
    html = page.content.decode()
    assert 'value="75.00"' in html and 'value="1,250.50"' in html
    assert "plain-language description in Spanish" in html
    assert "“Vehicle inspection”: name in Spanish" in html
    assert "“Business phone”: question in Spanish" in html
    assert 'name="_publish"' in html
    assert '<option value="0" selected>“Do you groom in a vehicle?” (#1)</option>' in html
    assert f'name="{QUESTIONS}-1-condition_is" value="Yes"' in html


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"application_fee_cents": "75.001"}, "Give at most two decimals"),
        ({"renewal_fee_cents": "abc"}, "Enter an amount in dollars, like 75.00."),
        ({"number_prefix": "INV"}, "INV is already used"),
        ({"code": "mobile-pet-groomingmobile-pet-grooming"}, "This code repeats itself"),
        ({f"{QUESTIONS}-1-condition_is": "Yess"}, "“Yess” is not an answer to"),
        ({f"{QUESTIONS}-1-condition_on": "2"}, "“Number of vans” is not a yes/no or choice"),
        (
            {f"{QUESTIONS}-2-code": "vans", f"{QUESTIONS}-4-code": "vans"},
            "Another question of this form has the code “vans”",
        ),
        ({f"{REMINDERS}-1-days": "30"}, "Another reminder is already sent 30 days before expiry."),
        ({f"{REMINDERS}-1-days": "0"}, "Ensure this value is greater than or equal to 1."),
        ({f"{REMINDERS}-1-channels": []}, "This field is required."),
    ],
)
def test_bad_input_is_refused_on_the_form_and_nothing_is_half_saved(
    client, administrator, changes, field_error
):
    # when
    response = client.post(ADD_URL, _pet_grooming(**changes))

    # then
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert not LicenseType.objects.exists()
    assert not Question.objects.exists()
    assert not DocumentRequirement.objects.exists()
    assert not ReminderRule.objects.filter(scope__len=1).exists()


def test_a_draft_is_previewed_in_english_and_spanish_then_published(client, administrator):
    # given
    client.post(ADD_URL, _pet_grooming())
    license_type = LicenseType.objects.get()
    preview_url = reverse("admin:licensing_licensetype_preview", args=[license_type.pk])
    change_url = reverse("admin:licensing_licensetype_change", args=[license_type.pk])
    public_url = reverse("licensing:type", kwargs={"code": license_type.code})

    # when
    english = client.get(preview_url + "?lang=en")
    spanish = client.get(preview_url + "?lang=es")
    before = client.get(public_url)
    edit = client.get(change_url).context["adminform"].form
    data = _pet_grooming(code=license_type.code, number_prefix=license_type.number_prefix)
    for prefix, rows in ((QUESTIONS, 5), (DOCUMENTS, 2), (REMINDERS, 2)):
        data[f"{prefix}-INITIAL_FORMS"] = str(rows)
    for index, rule in enumerate(ReminderRule.objects.filter(scope__len=1).order_by("-days")):
        data[f"{REMINDERS}-{index}-id"] = str(rule.pk)
    for index, question in enumerate(Question.objects.of(license_type)):
        data[f"{QUESTIONS}-{index}-id"] = str(question.pk)
        data[f"{QUESTIONS}-{index}-code"] = question.code
    for index, document in enumerate(DocumentRequirement.objects.of(license_type)):
        data[f"{DOCUMENTS}-{index}-id"] = str(document.pk)
    published = client.post(change_url, {**data, "_publish": "1"})
    after = client.get(public_url)

    # then
    assert edit.initial["application_fee_cents"] == 7500
    assert english.status_code == 200
    english_html = english.content.decode()
    for text in (
        "Mobile pet grooming",
        "Do you groom in a vehicle?",
        "Proof of insurance",
        "$75.00",
        "Answer only if your answer to “Do you groom in a vehicle?”",
    ):
        assert text in english_html, text
    assert spanish["Content-Language"] == "es"
    spanish_html = spanish.content.decode()
    for text in (
        "Peluquería móvil de mascotas",
        "¿Trabaja en un vehículo?",
        "Prueba de seguro",
        "Matrícula del vehículo",
        'lang="es"',
    ):
        assert text in spanish_html, text
    assert before.status_code == 404
    assert published.status_code == 302, published.context and published.context["errors"]
    license_type.refresh_from_db()
    assert license_type.published
    assert after.status_code == 200
    assert Question.objects.get(code="vehicle_license_plate").condition_value == "yes"


def test_the_preview_is_for_staff_only(client, db):
    license_type = LicenseTypeFactory(published_at=None)
    url = reverse("admin:licensing_licensetype_preview", args=[license_type.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.url


def test_a_saved_condition_and_order_can_be_changed_without_javascript(client, administrator):
    # given
    license_type = LicenseTypeFactory()
    first = QuestionFactory(license_type=license_type, code="a", order=10, kind="yes_no")
    second = QuestionFactory(license_type=license_type, code="b", order=20)
    change_url = reverse("admin:licensing_licensetype_change", args=[license_type.pk])
    form = client.get(change_url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        {
            "category": license_type.category,
            "active": "on",
            **_inline(DOCUMENTS, []),
            **_inline(REMINDERS, []),
            **_inline(
                QUESTIONS,
                [
                    {
                        "id": first.pk,
                        "code": "a",
                        "label": first.label,
                        "kind": "yes_no",
                        "order": "30",
                        "required": "on",
                    },
                    {
                        "id": second.pk,
                        "code": "b",
                        "label": second.label,
                        "kind": "text",
                        "order": "20",
                        "required": "on",
                        "condition_on": "0",
                        "condition_is": "no",
                    },
                ],
                initial=2,
            ),
        }
    )
    for key in ("application_fee_cents", "renewal_fee_cents", "late_fee_cents"):
        data[key] = {
            "application_fee_cents": "50.00",
            "renewal_fee_cents": "40",
            "late_fee_cents": "15",
        }[key]
    data = {key: value for key, value in data.items() if value is not False}

    # when
    response = client.post(change_url, data)

    # then
    assert response.status_code == 302
    assert [q.code for q in Question.objects.of(license_type)] == ["b", "a"]
    second.refresh_from_db()
    assert (second.condition_question, second.condition_value) == (first, "no")
    license_type.refresh_from_db()
    assert license_type.application_fee_cents == 5000


# --- Renewal reminders on the type's own page ----------------------------------------------


def test_two_reminders_are_set_with_the_new_type_and_remind_its_holders_only(client, administrator):
    # given: no agency-wide rules, so only the type's own reminders are sent
    reminder_rules()
    other_type = LicenseTypeFactory()

    # when
    response = client.post(ADD_URL, _pet_grooming())
    license_type = LicenseType.objects.get(code="mobile-pet-grooming")
    today = agency_today()
    ours = LicenseFactory(license_type=license_type, expires_on=today + datetime.timedelta(30))
    theirs = LicenseFactory(license_type=other_type, expires_on=today + datetime.timedelta(30))
    reminders_run(today=today, source=SOURCE_KEY)

    # then
    assert response.status_code == 302
    rules = ReminderRule.objects.order_by("-days")
    assert [
        (r.source, r.scope, r.days, r.timing, r.channels, r.send_at, r.template_key, r.name)
        for r in rules
    ] == [
        (
            SOURCE_KEY,
            [license_type.pk],
            30,
            "before",
            ["email", "sms"],
            datetime.time(0, 0),
            TEMPLATE_KEY,
            "Mobile pet grooming: renewal reminder 30 days before expiry",
        ),
        (
            SOURCE_KEY,
            [license_type.pk],
            7,
            "before",
            ["email", "in_app"],
            datetime.time(8, 30),
            TEMPLATE_KEY,
            "Mobile pet grooming: renewal reminder 7 days before expiry",
        ),
    ]
    assert list(LicenseEvent.objects.filter(kind="reminder").values_list("license", flat=True)) == [
        ours.pk
    ]
    assert not LicenseEvent.objects.filter(license=theirs, kind="reminder").exists()

    # and the change page shows them back, with no agency-wide reminders
    html = client.get(
        reverse("admin:licensing_licensetype_change", args=[license_type.pk])
    ).content.decode()
    assert f'name="{REMINDERS}-0-days" value="30"' in html
    assert f'name="{REMINDERS}-1-days" value="7"' in html
    assert "None: holders get only this type" in html


def test_the_agency_wide_reminders_are_listed_on_the_type_and_left_alone(client, administrator):
    # given
    reminder_rules(60, 14)
    license_type = LicenseTypeFactory()

    # when
    html = client.get(
        reverse("admin:licensing_licensetype_change", args=[license_type.pk])
    ).content.decode()

    # then
    assert "also reminded 60, 14 days before expiry" in html
    assert f'name="{REMINDERS}-INITIAL_FORMS" value="0"' in html


def test_a_reminder_already_sent_cannot_be_removed_but_can_be_stopped(client, administrator):
    # given
    client.post(ADD_URL, _pet_grooming())
    license_type = LicenseType.objects.get()
    own = ReminderRule.objects.filter(scope=[license_type.pk])
    sent, unsent = own.order_by("-days")
    ReminderOccurrence.objects.create(
        rule=sent, object_id=LicenseFactory(license_type=license_type).pk, due_on=agency_today()
    )
    change_url = reverse("admin:licensing_licensetype_change", args=[license_type.pk])
    # The questions and documents stay as they are (no rows of theirs are sent).
    data = _pet_grooming(
        code=license_type.code,
        number_prefix=license_type.number_prefix,
        **_inline(QUESTIONS, []),
        **_inline(DOCUMENTS, []),
    )
    data[f"{REMINDERS}-INITIAL_FORMS"] = "2"
    data[f"{REMINDERS}-0-id"] = str(sent.pk)
    data[f"{REMINDERS}-1-id"] = str(unsent.pk)

    # when
    refused = client.post(change_url, {**data, f"{REMINDERS}-0-DELETE": "on"})
    stopped = client.post(
        change_url,
        {**data, f"{REMINDERS}-1-DELETE": "on", f"{REMINDERS}-0-active": ""},
    )

    # then
    assert refused.status_code == 200
    assert "The reminder 30 days before expiry has been sent already" in (refused.content.decode())
    assert stopped.status_code == 302
    assert list(own.values_list("pk", "active")) == [(sent.pk, False)]


def _as_sent(form) -> dict:
    """What a browser sends for `form` as the page shows it: checked boxes as "on", unchecked
    ones left out, lists as lists."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[form.add_prefix(name)] = "on" if value is True else value
    return data


def test_a_condition_on_a_new_question_is_set_in_one_pass_without_javascript(client, administrator):
    # given: the empty page as served, with its blank rows
    page = client.get(ADD_URL)
    html = page.content.decode()
    data = _as_sent(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({formset.add_prefix(k): v for k, v in formset.management_form.initial.items()})
        for form in formset.forms:
            data.update(_as_sent(form))
    # The child's list names the blank rows by number, before anything is typed in them.
    assert '<option value="0">New question #1</option>' in html
    assert f'name="{QUESTIONS}-2-label"' in html and f'name="{DOCUMENTS}-1-name"' in html

    # when: the administrator types into the blank rows and sends the page once
    data.update(
        {
            "name": "Mobile pet grooming",
            "new_category": "Pet care",
            "description": "Grooming pets in a van that comes to you.",
            "application_fee_cents": "75",
            "renewal_fee_cents": "60",
            f"{DOCUMENTS}-0-name": "Proof of insurance",
            f"{QUESTIONS}-0-label": "Do you groom in a vehicle?",
            f"{QUESTIONS}-0-kind": "yes_no",
            f"{QUESTIONS}-1-label": "Animals you groom",
            f"{QUESTIONS}-1-kind": "single_choice",
            f"{QUESTIONS}-1-choices": "Dogs\nCats",
            f"{QUESTIONS}-2-label": "Vehicle license plate",
            f"{QUESTIONS}-2-kind": "text",
            f"{QUESTIONS}-2-condition_on": "0",
            f"{QUESTIONS}-2-condition_is": "yes",
            f"{REMINDERS}-0-days": "30",
        }
    )
    response = client.post(ADD_URL, data)

    # then
    assert response.status_code == 302, response.context["adminform"].form.errors
    license_type = LicenseType.objects.get()
    questions = list(Question.objects.of(license_type))
    assert [(q.label, q.order) for q in questions] == [
        ("Do you groom in a vehicle?", 10),
        ("Animals you groom", 20),
        ("Vehicle license plate", 30),
    ]
    plate = questions[2]
    assert (plate.condition_question, plate.condition_value) == (questions[0], "yes")
    assert list(DocumentRequirement.objects.of(license_type).values_list("name", flat=True)) == [
        "Proof of insurance"
    ]
    assert ReminderRule.objects.filter(scope=[license_type.pk]).get().days == 30


def test_a_refused_page_keeps_the_condition_as_typed(client, administrator):
    # when: the fee cannot be read, and a condition names a new question
    response = client.post(ADD_URL, _pet_grooming(application_fee_cents="7.5.0"))

    # then: the page comes back with the condition on the new question still chosen
    html = response.content.decode()
    assert response.status_code == 200
    assert not LicenseType.objects.exists()
    assert '<option value="0" selected>“Do you groom in a vehicle?” (#1)</option>' in html
    assert f'name="{QUESTIONS}-1-condition_is" value="Yes"' in html
