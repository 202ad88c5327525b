"""The reminder engine: rules as data over sources registered in code, one statement a rule."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from notifications.forms import ReminderRuleForm
from notifications.models import (
    EmailOptOut,
    Notification,
    ReminderOccurrence,
    ReminderRule,
    SMSOptOut,
)
from notifications.reminders import ReminderSource, register_source, unregister_source
from notifications.selectors import inbox_for
from notifications.services import (
    notification_send,
    notifications_dispatch,
    reminder_rule_run,
    reminders_run,
    unsubscribe,
)
from tests.accounts.factories import UserFactory
from tests.licensing.factories import LicenseFactory, LicenseTypeFactory
from tests.notifications.factories import ReminderRuleFactory, reminder_rules

D = datetime.date
TODAY = D(2027, 1, 10)
AGENCY = zoneinfo.ZoneInfo("America/New_York")

# A throwaway source over licenses, as another service would declare its own rows: by expiry,
# with a guest's phone and language, and no rule of its own about which rows may be reminded.
TEST_SOURCE = ReminderSource(
    key="tests.licenses",
    label="Test licenses",
    from_sql="licensing_license AS l",
    row_id="l.id",
    date="l.expires_on",
    account="l.holder_id",
    guest_email="l.holder_email",
    guest_phone="l.holder_phone",
    guest_language="CASE WHEN l.business_name = 'es' THEN 'es' ELSE '' END",
    context={"topic": "l.number"},
    scope="l.license_type_id",
    scope_model="licensing.LicenseType",
)


@pytest.fixture(autouse=True)
def _source(db, settings):
    settings.TIME_ZONE = "America/New_York"
    register_source(TEST_SOURCE)
    reminder_rules()
    yield
    unregister_source(TEST_SOURCE.key)


def _rule(**options) -> ReminderRule:
    return ReminderRuleFactory(
        **{"source": TEST_SOURCE.key, "template_key": "tests/greeting", **options}
    )


def _in(days: int, today: D = TODAY) -> D:
    return today + datetime.timedelta(days=days)


def _rows():
    return sorted(Notification.objects.values_list("channel", "to_address", "recipient", "status"))


# --- once per row and due date --------------------------------------------------------------


def test_a_rule_fires_once_per_row_and_due_date():
    # given: two licenses due today (an account holder, a guest) and one due tomorrow
    rule = _rule(days=30)
    holder = UserFactory(email="robin@example.org")
    held = LicenseFactory(holder=holder, expires_on=_in(30))
    guest = LicenseFactory(holder=None, holder_email="pat@example.net", expires_on=_in(30))
    LicenseFactory(expires_on=_in(31))

    # when
    outcome = reminder_rule_run(rule=rule, today=TODAY)

    # then: one occurrence each, and their messages on the channels they accept
    assert (outcome.fired, outcome.emails, outcome.sms, outcome.in_app) == (2, 2, 0, 1)
    assert sorted(ReminderOccurrence.objects.values_list("object_id", "due_on")) == sorted(
        [(held.pk, TODAY), (guest.pk, TODAY)]
    )
    assert _rows() == sorted(
        [
            ("email", "robin@example.org", holder.pk, "pending"),
            ("in_app", "", holder.pk, "pending"),
            ("email", "pat@example.net", None, "pending"),
        ]
    )
    email = Notification.objects.get(channel="email", recipient=holder)
    assert email.dedupe_key == f"reminder:{rule.pk}:{held.pk}:{TODAY}:email"
    assert email.context == {"days": 30, "topic": held.number}
    assert email.template_key == "tests/greeting"


def test_a_second_run_writes_nothing():
    rule = _rule(days=30)
    LicenseFactory(expires_on=_in(30))
    LicenseFactory(holder=None, holder_email="pat@example.net", expires_on=_in(27))
    first = reminder_rule_run(rule=rule, today=TODAY)

    second = reminder_rule_run(rule=rule, today=TODAY)
    next_day = reminder_rule_run(rule=rule, today=_in(1))

    assert first.total == 2 + 3
    assert second.total == next_day.total == 0
    assert Notification.objects.count() == 3


def test_a_new_date_on_the_same_row_is_a_new_reminder():
    # given: reminded for this term, then renewed for a year
    rule = _rule(days=30)
    license = LicenseFactory(expires_on=_in(30))
    reminder_rule_run(rule=rule, today=TODAY)
    license.expires_on = _in(30 + 365)
    license.save()

    # when
    outcome = reminder_rule_run(rule=rule, today=_in(365))

    # then
    assert outcome.fired == 1
    assert sorted(ReminderOccurrence.objects.values_list("due_on", flat=True)) == [
        TODAY,
        _in(365),
    ]


def test_days_after_a_date():
    rule = _rule(days=7, timing="after")
    license = LicenseFactory(expires_on=_in(-7))
    LicenseFactory(expires_on=_in(-6))

    outcome = reminder_rule_run(rule=rule, today=TODAY)

    assert outcome.fired == 1
    assert ReminderOccurrence.objects.get().object_id == license.pk


def test_the_rule_s_scope_and_channels_narrow_it():
    # given: a rule for one license type, in the inbox only
    barbers, dogs = LicenseTypeFactory(), LicenseTypeFactory()
    rule = _rule(days=30, scope=[barbers.pk], channels=["in_app"])
    barber = LicenseFactory(license_type=barbers, expires_on=_in(30))
    LicenseFactory(
        license_type=barbers, holder=None, holder_email="a@example.net", expires_on=_in(30)
    )
    LicenseFactory(license_type=dogs, expires_on=_in(30))

    # when
    outcome = reminder_rule_run(rule=rule, today=TODAY)

    # then: the guest has no inbox, the dog license is out of scope
    assert (outcome.fired, outcome.messages) == (2, 1)
    assert _rows() == [("in_app", "", barber.holder_id, "pending")]


# --- catching up ----------------------------------------------------------------------------


def test_a_missed_day_is_caught_up_within_the_allowance():
    # given: the job did not run for days; one reminder fell due 2 days ago, one 8 days ago
    rule = _rule(days=30, catch_up_days=7)
    recent = LicenseFactory(expires_on=_in(28))
    LicenseFactory(expires_on=_in(22))

    # when
    outcome = reminder_rule_run(rule=rule, today=TODAY)

    # then: the recent one is sent, the stale one is not
    assert outcome.fired == 1
    occurrence = ReminderOccurrence.objects.get()
    assert (occurrence.object_id, occurrence.due_on) == (recent.pk, _in(-2))


def test_a_rule_catching_up_only_on_its_day_misses_yesterday():
    rule = _rule(days=30, catch_up_days=1)
    LicenseFactory(expires_on=_in(29))

    assert reminder_rule_run(rule=rule, today=TODAY).fired == 0


def test_catching_up_stops_where_the_next_reminder_of_the_series_is_due():
    # given: reminders 30 and 25 days before; the job missed the last six days
    reminder_rules()
    _rule(days=30, catch_up_days=7)
    _rule(days=25, catch_up_days=7)
    first = LicenseFactory(expires_on=_in(26))  # 30-day one due 4 days ago: still current
    later = LicenseFactory(expires_on=_in(24))  # 25-day one due yesterday: 30-day one is stale

    # when
    reminders_run(today=TODAY)

    # then
    assert sorted(
        ReminderOccurrence.objects.values_list("object_id", "rule__days", "due_on")
    ) == sorted([(first.pk, 30, _in(-4)), (later.pk, 25, _in(-1))])


def test_a_rule_whose_source_is_gone_is_skipped_and_the_others_run(caplog):
    _rule(days=30)
    ReminderRuleFactory(source="tests.gone", days=30)
    LicenseFactory(expires_on=_in(30))

    outcomes = reminders_run(today=TODAY)

    assert [outcome.fired for outcome in outcomes] == [1]
    assert "names no registered source 'tests.gone'" in caplog.text


def test_inactive_rules_do_not_run():
    _rule(days=30, active=False)
    LicenseFactory(expires_on=_in(30))

    assert reminders_run(today=TODAY) == []


# --- who is told, how and when --------------------------------------------------------------


def test_opted_out_and_unsubscribed_recipients_are_respected():
    # given
    rule = _rule(days=30)
    no_email = UserFactory(notify_by_email=False)
    unsubscribed = UserFactory()
    unsubscribe(user=unsubscribed)
    texting = UserFactory(phone="+12025550143", notify_by_sms=True)
    stopped = UserFactory(phone="+12025550144", notify_by_sms=True)
    SMSOptOut.objects.create(phone="+12025550144", source="reply")
    for holder in (no_email, unsubscribed, texting, stopped):
        LicenseFactory(holder=holder, expires_on=_in(30))
    EmailOptOut.objects.create(email="gone@example.net")
    LicenseFactory(holder=None, holder_email="Gone@Example.net ", expires_on=_in(30))
    LicenseFactory(holder=None, holder_email="", holder_phone="+12025550145", expires_on=_in(30))
    SMSOptOut.objects.create(phone="+12025550146", source="reply")
    LicenseFactory(holder=None, holder_email="", holder_phone="+12025550146", expires_on=_in(30))

    # when
    reminder_rule_run(rule=rule, today=TODAY)

    # then
    sent = {(n.recipient_id, n.channel, n.to_address) for n in Notification.objects.all()}
    assert sent == {
        (no_email.pk, "in_app", ""),
        (unsubscribed.pk, "in_app", ""),
        (texting.pk, "email", texting.email),
        (texting.pk, "sms", "+12025550143"),
        (texting.pk, "in_app", ""),
        (stopped.pk, "email", stopped.email),
        (stopped.pk, "in_app", ""),
        (None, "sms", "+12025550145"),
    }


@pytest.mark.parametrize(
    "user_options",
    [
        {},
        {"notify_by_email": False},
        {"phone": "+12025550147", "notify_by_sms": True},
        {"phone": "+12025550148", "notify_by_sms": False},
        {"preferred_language": "es"},
    ],
)
def test_the_bulk_enqueue_addresses_an_account_as_a_single_send_does(user_options):
    # given
    rule = _rule(days=30)
    holder = UserFactory(**user_options)
    LicenseFactory(holder=holder, expires_on=_in(30))

    # when: the engine queues, and the same message is sent one at a time
    reminder_rule_run(rule=rule, today=TODAY)
    single = notification_send(
        template_key="tests/greeting", context={"topic": "x"}, dedupe_key="single", user=holder
    )

    # then: the same channels, addresses and language
    bulk = Notification.objects.filter(dedupe_key__startswith="reminder:")
    assert sorted((n.channel, n.to_address, n.language) for n in bulk) == sorted(
        (n.channel, n.to_address, n.language) for n in single
    )


def test_language_is_the_account_s_then_the_guest_s_then_the_site_s():
    # given
    rule = _rule(days=30)
    spanish = UserFactory(preferred_language="es")
    english = UserFactory(preferred_language="en")
    LicenseFactory(holder=spanish, expires_on=_in(30), business_name="")
    LicenseFactory(holder=english, expires_on=_in(30), business_name="es")
    LicenseFactory(
        holder=None, holder_email="es@example.net", expires_on=_in(30), business_name="es"
    )
    LicenseFactory(holder=None, holder_email="en@example.net", expires_on=_in(30), business_name="")

    # when
    reminder_rule_run(rule=rule, today=TODAY)

    # then
    emails = Notification.objects.filter(channel="email")
    assert {n.to_address: n.language for n in emails} == {
        spanish.email: "es",
        english.email: "en",
        "es@example.net": "es",
        "en@example.net": "en",
    }


def test_the_message_is_rendered_in_its_language_when_sent():
    rule = _rule(days=30, send_at=datetime.time(0, 0))
    today = timezone.localdate()
    holder = UserFactory(preferred_language="es")
    LicenseFactory(holder=holder, expires_on=_in(30, today))
    reminder_rule_run(rule=rule, today=today)

    notifications_dispatch()

    email = Notification.objects.get(channel="email")
    assert (email.status, email.subject[:5]) == ("sent", "[es] ")
    assert inbox_for(user=holder).get().body.startswith("Inbox: ")


def test_messages_wait_for_the_send_at_time_in_the_agency_s_time_zone():
    # given: a rule sent at 9:30 on its day, due on a day still to come
    rule = _rule(days=30, send_at=datetime.time(9, 30))
    holder = UserFactory()
    LicenseFactory(holder=holder, expires_on=_in(30))

    # when
    reminder_rule_run(rule=rule, today=TODAY)
    handled = notifications_dispatch()

    # then: queued for 9:30 in New York that day, not sent before, not in the inbox yet
    at = datetime.datetime(2027, 1, 10, 9, 30, tzinfo=AGENCY)
    assert set(Notification.objects.values_list("available_at", flat=True)) == {at}
    assert handled == 0
    assert not inbox_for(user=holder).exists()


def test_a_reminder_caught_up_late_is_available_at_once():
    rule = _rule(days=30, send_at=datetime.time(23, 59))
    today = timezone.localdate()
    LicenseFactory(expires_on=_in(28, today))
    before = timezone.now()

    reminder_rule_run(rule=rule, today=today)

    [available_at] = set(Notification.objects.values_list("available_at", flat=True))
    assert before <= available_at <= timezone.now()


# --- the admin's form -----------------------------------------------------------------------


def _form(**data) -> ReminderRuleForm:
    values = {
        "name": "Renewal",
        "active": True,
        "source": TEST_SOURCE.key,
        "scope": "",
        "days": 30,
        "timing": "before",
        "catch_up_days": 7,
        "channels": ["email", "in_app"],
        "template_key": "tests/greeting",
        "send_at": "07:00",
        **data,
    }
    return ReminderRuleForm(data=values)


def test_the_admin_form_accepts_a_rule_of_a_registered_source():
    form = _form()

    assert form.is_valid(), form.errors
    rule = form.save()
    assert (rule.source, rule.channels, rule.offset) == (TEST_SOURCE.key, ["email", "in_app"], -30)


def test_the_admin_form_refuses_a_template_without_a_channel_s_part():
    form = _form(template_key="licensing/nothing-here", channels=["sms"])

    assert not form.is_valid()
    assert form.errors["template_key"] == ["The template has no sms.txt, which Text message needs."]


def test_the_admin_form_refuses_a_scope_that_names_nothing():
    license_type = LicenseTypeFactory()

    form = _form(scope=f"{license_type.pk},999999")

    assert not form.is_valid()
    assert form.errors["scope"] == ["No license type has the id 999999."]
