"""The application pages' forms say what is required, keep what was typed, and ask before
throwing a draft away."""

import pytest
from django.urls import reverse

from licensing import services
from licensing.models import Application
from licensing.services.applications import TYPED_VALUE_MAX
from tests.accounts.factories import UserFactory
from tests.licensing.factories import LicenseTypeFactory, QuestionFactory


@pytest.fixture
def business(db):
    license_type = LicenseTypeFactory(code="business", name="General business license")
    QuestionFactory(
        license_type=license_type, code="what", label="What does your business do?", kind="text"
    )
    QuestionFactory(
        license_type=license_type, code="website", label="Website", kind="text", required=False
    )
    QuestionFactory(license_type=license_type, code="employees", label="Employees", kind="number")
    return license_type


@pytest.fixture
def draft(business, resident):
    return services.application_start(license_type=business, applicant=resident)


def _url(name, application):
    return reverse(f"licensing:{name}", args=[application.case.reference])


def test_only_optional_questions_are_marked_and_only_once(client, resident, draft):
    # given
    client.force_login(resident)

    # when
    response = client.get(_url("apply_questions", draft))

    # then
    html = response.content.decode()
    assert '<label class="usa-label" for="id_what">What does your business do?</label>' in html
    assert '<label class="usa-label" for="id_employees">Employees</label>' in html
    assert (
        '<label class="usa-label" for="id_website">Website <span class="usa-hint">(optional)'
        "</span></label>" in html
    )
    assert html.count("(optional)") == 1


def test_the_about_page_marks_its_optional_fields_once(client, resident, draft):
    # given
    client.force_login(resident)

    # when
    response = client.get(_url("apply_about", draft))

    # then
    html = response.content.decode()
    assert "(optional) (optional)" not in html
    assert (
        'for="id_business_name">Business or trading name <span class="usa-hint">(optional)'
        "</span></label>" in html
    )
    assert 'for="id_phone">Phone number <span class="usa-hint">(optional)</span></label>' in html
    assert '<label class="usa-label" for="id_holder_name">Full name</label>' in html
    assert html.count("(optional)") == 2


def test_an_unanswered_question_ending_in_a_question_mark_gets_no_second_colon(
    client, resident, draft
):
    # given
    client.force_login(resident)

    # when
    response = client.post(_url("apply_questions", draft), {"employees": "3"})

    # then
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_what">What does your business do? Answer this question.</a>' in html
    assert "?:" not in html


def test_an_error_on_a_label_without_punctuation_keeps_its_colon(client, resident, draft):
    # given
    client.force_login(resident)

    # when
    response = client.post(_url("apply_questions", draft), {"what": "Bakery"})

    # then
    assert 'href="#id_employees">Employees: Answer this question.</a>' in response.content.decode()


def test_discarding_asks_first_on_its_own_page(client, resident, draft):
    # given
    client.force_login(resident)
    discard_url = _url("discard", draft)

    # when: the link on every page of the application
    page = client.get(_url("apply_questions", draft)).content.decode()
    confirm = client.get(discard_url)

    # then: nothing is discarded until the resident confirms
    assert f'<a class="usa-link" href="{discard_url}">Discard this application</a>' in page
    assert f'action="{discard_url}"' not in page
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "<h1>Are you sure you want to discard this application?</h1>" in html
    assert "General business license, reference LIC-" in html
    assert f'<form method="post" action="{discard_url}">' in html
    assert "Yes, discard it" in html
    draft.case.refresh_from_db()
    assert draft.case.status == "draft"


def test_confirming_discards_the_draft(client, resident, draft):
    # given
    client.force_login(resident)

    # when
    response = client.post(_url("discard", draft), follow=True)

    # then
    draft.case.refresh_from_db()
    assert draft.case.status == "cancelled"
    assert response.redirect_chain[-1][0] == reverse("licensing:mine")
    assert "The draft was discarded." in response.content.decode()


def _save_later_button(html):
    return (
        '<button type="submit" name="save" value="later" class="usa-button usa-button--outline'
        ' margin-top-3">Save and come back later</button>'
    ) in html


def test_save_and_come_back_later_is_a_button_of_each_pages_form(client, resident, draft):
    # given
    client.force_login(resident)

    # when
    about = client.get(_url("apply_about", draft)).content.decode()
    questions = client.get(_url("apply_questions", draft)).content.decode()

    # then: inside the form, after "Save and continue"
    for html in (about, questions):
        start = html.index('class="usa-form usa-form--large"')
        form = html[start : html.index("</form>", start)]
        assert _save_later_button(form)
        assert form.index("Save and continue") < form.index("Save and come back later")


def test_saving_for_later_keeps_valid_answers_and_says_so(client, resident, draft):
    # given
    client.force_login(resident)

    # when
    response = client.post(
        _url("apply_questions", draft),
        {"what": "Bakery", "employees": "4", "save": "later"},
        follow=True,
    )

    # then
    assert response.redirect_chain[-1][0] == reverse("licensing:mine")
    html = response.content.decode()
    assert f"Your application {draft.case.reference} is saved." in html
    draft.refresh_from_db()
    assert draft.answers == {"what": "Bakery", "employees": "4"}
    assert draft.typed == {}


def test_saving_for_later_keeps_invalid_and_missing_answers_as_typed(client, resident, draft):
    # given
    client.force_login(resident)

    # when: "-" is not a number and the required "what" is empty
    response = client.post(
        _url("apply_questions", draft),
        {"what": "", "website": "bakery.example", "employees": "a dozen", "save": "later"},
        follow=True,
    )

    # then: nothing typed is lost, and nothing blocked the save
    assert response.redirect_chain[-1][0] == reverse("licensing:mine")
    assert "Some answers need correcting before you can send it" in response.content.decode()
    draft.refresh_from_db()
    assert draft.typed == {
        "questions": {"what": "", "website": "bakery.example", "employees": "a dozen"}
    }
    assert draft.answers == {}

    # and coming back shows what was typed, with what to correct
    page = client.get(_url("apply_questions", draft))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="employees" value="a dozen"' in html
    assert 'name="website" value="bakery.example"' in html
    assert 'href="#id_employees">Employees: Enter a number.</a>' in html
    assert 'href="#id_what">What does your business do? Answer this question.</a>' in html

    # and "check your answers" will not let it be sent as it is
    check = client.get(_url("apply_check", draft)).content.decode()
    assert "Some answers on the page “Questions” are not checked yet" in check


def test_continuing_after_saving_for_later_checks_and_clears_what_was_kept(client, resident, draft):
    # given
    client.force_login(resident)
    client.post(_url("apply_questions", draft), {"employees": "a dozen", "save": "later"})

    # when
    response = client.post(_url("apply_questions", draft), {"what": "Bakery", "employees": "12"})

    # then
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.typed == {}
    assert draft.answers == {"what": "Bakery", "employees": "12"}


def test_saving_the_about_page_for_later_keeps_an_invalid_email_as_typed(client, resident, draft):
    # given
    client.force_login(resident)

    # when
    response = client.post(
        _url("apply_about", draft),
        {"holder_name": "Robin", "email": "robin@", "address": "1 Main St", "save": "later"},
    )

    # then
    assert response.url == reverse("licensing:mine")
    draft.refresh_from_db()
    assert draft.typed["about"]["email"] == "robin@"
    assert draft.email == resident.email
    page = client.get(_url("apply_about", draft)).content.decode()
    assert 'value="robin@"' in page
    assert "1 Main St</textarea>" in page


def test_saving_the_documents_page_for_later_uploads_a_chosen_file(client, resident, draft, pdf):
    # given
    from tests.licensing.factories import RequiredDocumentFactory

    requirement = RequiredDocumentFactory(license_type=draft.license_type, name="Photo ID")
    client.force_login(resident)

    # when
    response = client.post(
        _url("apply_documents", draft),
        {"requirement": requirement.pk, "file": pdf(), "save": "later"},
    )

    # then
    assert response.url == reverse("licensing:mine")
    assert [d.requirement for d in draft.supplied_documents.all()] == [requirement]
    page = client.get(_url("apply_documents", draft)).content.decode()
    assert 'id="id_file_helptext">A PDF, JPG, PNG, HEIC or WebP file, up to 10 MB.' in page


def test_starting_again_offers_the_draft_already_started(client, resident, draft):
    # given
    client.force_login(resident)

    # when: the type page, then "Start your application" again (an old tab, a double click)
    page = client.get(draft.license_type.get_absolute_url()).content.decode()
    response = client.post(reverse("licensing:start", args=["business"]), follow=True)

    # then
    assert "You have started an application for this license" in page
    resume = reverse("licensing:resume", args=[draft.case.reference])
    button = f'<a class="usa-button usa-button--big" href="{resume}">Continue your application</a>'
    assert button in page
    assert "Start your application" not in page
    assert Application.objects.count() == 1
    assert response.redirect_chain[0][0] == resume
    assert "You have already started this application: here it is." in (response.content.decode())
    mine = client.get(reverse("licensing:mine")).content.decode()
    assert mine.count("Continue: General business license") == 1


def test_a_discarded_draft_does_not_stop_a_new_start(client, resident, draft):
    # given
    client.force_login(resident)
    client.post(_url("discard", draft))

    # when
    client.post(reverse("licensing:start", args=["business"]))

    # then
    assert Application.objects.count() == 2
    assert Application.objects.filter(discarded_at__isnull=True).count() == 1


def test_the_database_refuses_a_second_draft_of_a_type(resident, draft):
    # given
    from django.db import IntegrityError, transaction

    from cases.services import case_create

    # when / then
    refused = pytest.raises(IntegrityError, match="licensing_application_one_draft_per_type")
    with refused, transaction.atomic():
        Application.objects.create(
            case=case_create(kind="license_application", applicant=resident, submit=False),
            license_type=draft.license_type,
            applicant=resident,
        )


def test_a_start_that_loses_the_race_returns_the_draft_that_won(resident, draft, monkeypatch):
    # given: the first look for a draft misses the other start's, not yet committed
    from licensing.services import applications

    real_lookup = applications._open_draft
    lookups = []

    def first_misses(**kwargs):
        lookups.append(kwargs)
        return None if len(lookups) == 1 else real_lookup(**kwargs)

    monkeypatch.setattr(applications, "_open_draft", first_misses)

    # when: the insert meets the constraint
    again = services.application_start(license_type=draft.license_type, applicant=resident)

    # then
    assert again.pk == draft.pk
    assert len(lookups) == 2
    assert Application.objects.count() == 1


def test_the_limits_a_resident_can_hit_are_said_before_sending(client, resident, business):
    # given
    QuestionFactory(license_type=business, code="plan", label="Your plan", kind="long_text")
    QuestionFactory(license_type=business, code="permit", label="Fire permit", kind="file")
    draft = services.application_start(license_type=business, applicant=resident)
    client.force_login(resident)

    # when
    questions = client.get(_url("apply_questions", draft)).content.decode()
    about = client.get(_url("apply_about", draft)).content.decode()

    # then
    assert '<div class="usa-hint" id="id_plan_helptext">You can enter up to 5,000 characters.' in (
        questions
    )
    assert 'id="id_permit_helptext">A PDF, JPG, PNG, HEIC or WebP file, up to 10 MB.' in questions
    assert "Where you live or where the business is. You can enter up to 500 characters." in about
    assert 'maxlength="500"' in about


def test_an_address_too_long_is_refused_with_what_was_typed_kept(client, resident, draft):
    # given
    client.force_login(resident)
    address = "1 Main Street " * 40

    # when
    response = client.post(
        _url("apply_about", draft),
        {"holder_name": "Robin", "email": "robin@example.org", "address": address},
    )

    # then
    assert response.status_code == 400
    html = response.content.decode()
    assert "Address must be 500 characters or fewer." in html
    assert address.strip() in html
    assert Application._meta.get_field("address").max_length == 500


@pytest.fixture
def kennel(db):
    license_type = LicenseTypeFactory(code="kennel", name="Kennel license")
    QuestionFactory(
        license_type=license_type,
        code="dogs",
        label="How many dogs?",
        kind="number",
        min_value=1,
        max_value=50,
    )
    QuestionFactory(
        license_type=license_type, code="staff", label="Staff", kind="number", min_value=0
    )
    QuestionFactory(
        license_type=license_type,
        code="rabies",
        label="When does the rabies vaccination expire?",
        kind="date",
        date_range="not_past",
    )
    QuestionFactory(
        license_type=license_type,
        code="opened",
        label="When did you open?",
        kind="date",
        date_range="not_future",
    )
    return license_type


def test_number_and_date_limits_are_hints_before_sending(client, resident, kennel):
    # given
    draft = services.application_start(license_type=kennel, applicant=resident)
    client.force_login(resident)

    # when
    html = client.get(_url("apply_questions", draft)).content.decode()

    # then
    assert 'id="id_dogs_helptext">Enter a number between 1 and 50.</div>' in html
    assert 'id="id_staff_helptext">Enter a number of 0 or more.</div>' in html
    assert 'id="id_rabies_helptext">The date must be today or in the future.</div>' in html
    assert 'id="id_opened_helptext">The date must be today or in the past.</div>' in html


def test_implausible_numbers_and_dates_are_refused_with_what_was_typed_kept(
    client, resident, kennel
):
    # given
    import datetime

    from django.utils import timezone

    draft = services.application_start(license_type=kennel, applicant=resident)
    client.force_login(resident)
    today = timezone.localdate()

    # when
    response = client.post(
        _url("apply_questions", draft),
        {
            "dogs": "51",
            "staff": "-5",
            "rabies": (today - datetime.timedelta(days=1)).isoformat(),
            "opened": (today + datetime.timedelta(days=1)).isoformat(),
        },
    )

    # then
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_dogs">How many dogs? Enter a number between 1 and 50.</a>' in html
    assert 'href="#id_staff">Staff: Enter a number of 0 or more.</a>' in html
    assert "When does the rabies vaccination expire? The date must be today or in the future." in (
        html
    )
    assert "When did you open? The date must be today or in the past." in html
    assert 'name="staff" value="-5"' in html
    draft.refresh_from_db()
    assert draft.answers == {}

    # and the limits themselves are accepted
    response = client.post(
        _url("apply_questions", draft),
        {"dogs": "50", "staff": "0", "rabies": today.isoformat(), "opened": today.isoformat()},
    )
    assert response.status_code == 302


def test_the_case_page_cannot_discard_a_draft_behind_the_application(client, resident, draft):
    # given: the case page's moves. Discarding there would cancel the case without the
    # application knowing (no discarded_at, its open invoice still payable), so it would
    # stay the resident's one draft of the type, and no new start would ever be possible.
    client.force_login(resident)

    # when
    case_page = client.get(draft.case.get_absolute_url()).content.decode()
    forged = client.post(
        reverse("cases:transition", args=[draft.case.reference]), {"to_status": "cancelled"}
    )

    # then: only the application's own discard page discards it
    assert 'name="to_status" value="cancelled"' not in case_page
    assert forged.status_code == 403
    draft.case.refresh_from_db()
    assert draft.case.status == "draft"
    client.post(_url("discard", draft))
    response = client.post(reverse("licensing:start", args=["business"]), follow=True)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.case.status == "cancelled"
    assert draft.discarded_at is not None
    assert Application.objects.filter(discarded_at__isnull=True).exclude(pk=draft.pk).count() == 1


def test_saving_for_later_keeps_a_bounded_amount_of_several_choices(client, resident, business):
    # given: a question with several choices, and a draft
    QuestionFactory(
        license_type=business,
        code="services",
        label="Which services?",
        kind="multiple_choice",
        choices="Hair\nNails",
    )
    draft = services.application_start(license_type=business, applicant=resident)
    client.force_login(resident)
    ticked = ["Hair", "Nails"]
    flood = ["X" * TYPED_VALUE_MAX] * 200

    # when: an honest send, then one made up with far more "choices" than the page has
    client.post(_url("apply_questions", draft), {"services": ticked, "save": "later"})
    draft.refresh_from_db()
    honest = draft.typed["questions"]["services"]
    response = client.post(_url("apply_questions", draft), {"services": flood, "save": "later"})

    # then: the honest choices are kept as sent; the flood no more than one value's worth
    assert honest == ticked
    assert response.status_code == 302
    draft.refresh_from_db()
    kept = draft.typed["questions"]["services"]
    assert 0 < sum(len(item) for item in kept) <= TYPED_VALUE_MAX


def test_a_discarded_draft_sent_again_or_reopened_leads_to_the_applications_page(
    client, resident, draft
):
    # given: the resident confirmed the discard
    client.force_login(resident)
    client.post(_url("discard", draft))

    # when: the button is pressed again (a double click), or the back button reopens a page
    again = client.post(_url("discard", draft), follow=True)
    back = client.get(_url("apply_about", draft), follow=True)

    # then: no "page not found", but the applications page saying what happened
    for response in (again, back):
        assert response.redirect_chain[-1][0] == reverse("licensing:mine")
        assert "This draft was discarded. To apply, start a new application." in (
            response.content.decode()
        )


def test_another_residents_discarded_draft_is_not_found(client, resident, draft):
    # given
    client.force_login(resident)
    client.post(_url("discard", draft))
    client.force_login(UserFactory())

    # when
    response = client.get(_url("apply_about", draft))

    # then
    assert response.status_code == 404
