"""Inspections of their own length: the administrator gives each required inspection its
minutes (a final an hour, a footing half an hour), booking offers only the times at which
that length fits in an inspector's shift at exact times, and the database refuses two
inspections of one inspector that overlap, whatever their lengths."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from permits.exceptions import InspectionRefused, SlotFull
from permits.models import Inspection, InspectionSlot, InspectionStatus, InspectorShift
from permits.selectors_inspections import availability
from permits.services.inspections import (
    inspection_book,
    inspection_cancel,
    inspection_reschedule,
)
from tests.accounts.factories import StaffFactory
from tests.concurrency import run_together
from tests.permits.inspection_factories import (
    NOW,
    THURSDAY,
    WEDNESDAY,
    inspector,
    issued_permit,
    open_slots,
)


def t(hour: int, minute: int = 0) -> datetime.time:
    return datetime.time(hour, minute)


def half_hour_inspector(*, weekdays=range(5)):
    """An inspector whose mornings are eight times of 30 minutes, 8:00 to 11:30."""
    person = inspector(capacity=8, weekdays=weekdays, periods=("am",))
    InspectorShift.objects.filter(inspector=person).update(appointment_minutes=30)
    return person


def permit_needing(minutes):
    """An issued permit whose next required inspection takes `minutes` (None: the shift's)."""
    permit = issued_permit(steps=1)
    permit.permit_type.inspection_steps.update(minutes=minutes)
    return permit


def offered(permit, day=WEDNESDAY):
    return [h.starts_at for h in availability(permit=permit, now=NOW) if h.day == day]


def book_at(permit, starts_at, day=WEDNESDAY):
    return inspection_book(
        permit=permit, day=day, starts_at=starts_at, actor=permit.case.applicant, now=NOW
    )


def booked_times(person, day=WEDNESDAY):
    return list(
        InspectionSlot.objects.filter(inspector=person, day=day, booked__gt=0)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )


@pytest.mark.django_db
class TestOffers:
    def test_an_hour_long_inspection_is_offered_only_where_the_hour_fits(self):
        # given
        half_hour_inspector()
        open_slots()

        # then: an hour from 11:30 would end past noon
        halves = [t(8), t(8, 30), t(9), t(9, 30), t(10), t(10, 30), t(11), t(11, 30)]
        assert offered(permit_needing(60)) == halves[:-1]
        assert offered(permit_needing(30)) == halves
        assert offered(permit_needing(None)) == halves

    def test_a_booked_hour_removes_every_time_it_overlaps(self):
        # given
        person = half_hour_inspector()
        open_slots()

        # when
        final = book_at(permit_needing(60), t(9))

        # then: the four quarter hours of 9:00 to 10:00
        assert booked_times(person) == [t(9), t(9, 15), t(9, 30), t(9, 45)]
        assert offered(permit_needing(60)) == [t(8), t(10), t(10, 30), t(11)]
        assert offered(permit_needing(30)) == [t(8), t(8, 30), t(10), t(10, 30), t(11), t(11, 30)]
        lower, upper = final.span.lower, final.span.upper
        assert (upper - lower) == datetime.timedelta(minutes=60)

    def test_a_length_between_two_times_holds_the_quarter_hours_it_overlaps(self):
        # given: 45 minutes on a grid of 30
        person = half_hour_inspector()
        open_slots()

        # when
        book_at(permit_needing(45), t(10))

        # then: 10:30 is taken, and 10:45 is offered right after it
        assert booked_times(person) == [t(10), t(10, 15), t(10, 30)]
        assert t(10, 30) not in offered(permit_needing(30))
        assert t(10, 45) in offered(permit_needing(30))

    def test_the_half_day_as_a_block_ignores_the_length(self):
        # given: a morning of three inspections, not at exact times
        person = inspector(capacity=3, periods=("am",))
        open_slots()

        # when
        permit = permit_needing(60)
        inspection = inspection_book(
            permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
        )

        # then
        assert inspection.span is None
        slot = InspectionSlot.objects.get(inspector=person, day=WEDNESDAY)
        assert slot.booked == 1


@pytest.mark.django_db
class TestBooking:
    def test_an_hour_that_overlaps_a_booked_time_is_refused(self):
        # given
        person = half_hour_inspector()
        open_slots()
        book_at(permit_needing(30), t(9, 30))

        # when / then: 9:00 to 10:00 overlaps 9:30 (taken); 11:30 to 12:30 runs past the
        # shift (too long from there)
        for start, refusal in ((t(9), SlotFull), (t(11, 30), InspectionRefused)):
            permit = permit_needing(60)
            with pytest.raises(refusal):
                book_at(permit, start)
            assert not permit.inspections.exists()
        assert booked_times(person) == [t(9, 30), t(9, 45)]

    def test_cancelling_frees_every_time_the_inspection_held(self):
        # given
        person = half_hour_inspector()
        open_slots()
        permit = permit_needing(60)
        inspection = book_at(permit, t(9))

        # when
        inspection_cancel(inspection=inspection, actor=permit.case.applicant, now=NOW)

        # then
        assert booked_times(person) == []
        assert book_at(permit_needing(30), t(9, 30)).starts_at == t(9, 30)

    def test_moving_an_hour_half_an_hour_later_overlaps_only_itself(self):
        # given
        person = half_hour_inspector()
        open_slots()
        permit = permit_needing(60)
        inspection = book_at(permit, t(9))

        # when
        moved = inspection_reschedule(
            inspection=inspection,
            day=WEDNESDAY,
            starts_at=t(9, 30),
            actor=permit.case.applicant,
            now=NOW,
        )

        # then
        assert moved.starts_at == t(9, 30)
        assert booked_times(person) == [t(9, 30), t(9, 45), t(10), t(10, 15)]

    def test_a_refused_move_keeps_the_inspection_where_it_was(self):
        # given
        person = half_hour_inspector()
        open_slots()
        book_at(permit_needing(30), t(10, 30))
        permit = permit_needing(60)
        inspection = book_at(permit, t(9))

        # when / then
        with pytest.raises(SlotFull):
            inspection_reschedule(
                inspection=inspection,
                day=WEDNESDAY,
                starts_at=t(10),
                actor=permit.case.applicant,
                now=NOW,
            )
        assert booked_times(person) == [t(9), t(9, 15), t(9, 30), t(9, 45), t(10, 30), t(10, 45)]
        inspection.refresh_from_db()
        assert inspection.starts_at == t(9)

    def test_the_length_booked_stays_when_the_administrator_changes_it(self):
        # given
        person = half_hour_inspector()
        open_slots()
        permit = permit_needing(60)
        inspection = book_at(permit, t(9))

        # when
        permit.permit_type.inspection_steps.update(minutes=30)
        inspection_cancel(inspection=inspection, actor=permit.case.applicant, now=NOW)

        # then: both times it held are free again
        assert booked_times(person) == []
        assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.CANCELLED

    def test_the_database_refuses_two_inspections_of_one_inspector_that_overlap(self):
        # given: an hour at 9:00 and half an hour at 10:00
        half_hour_inspector()
        open_slots()
        hour = book_at(permit_needing(60), t(9))
        half = book_at(permit_needing(30), t(10))

        # when / then: stretching the half hour back over the hour
        with pytest.raises(IntegrityError), transaction.atomic():
            Inspection.objects.filter(pk=half.pk).update(span=hour.span)

        # a cancelled inspection holds no time
        Inspection.objects.filter(pk=hour.pk).update(
            status=InspectionStatus.CANCELLED, cancelled_at=NOW
        )
        Inspection.objects.filter(pk=half.pk).update(span=hour.span)


@pytest.mark.django_db
def test_a_required_inspections_minutes_fit_the_rules():
    permit = permit_needing(None)
    with pytest.raises(IntegrityError), transaction.atomic():
        permit.permit_type.inspection_steps.update(minutes=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        permit.permit_type.inspection_steps.update(minutes=241)
    permit.permit_type.inspection_steps.update(minutes=240)


@pytest.mark.django_db
def test_the_administrator_sets_each_required_inspections_minutes(client):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    # given
    user = StaffFactory(is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    permit = permit_needing(None)

    # when
    page = client.get(reverse("admin:permits_permittype_change", args=[permit.permit_type.pk]))

    # then
    html = page.content.decode()
    assert 'name="inspection_steps-0-minutes"' in html
    assert "Empty: as long as one exact time of the inspector" in html


@pytest.mark.django_db(transaction=True)
def test_an_hour_and_a_half_hour_booked_at_once_over_one_time_leave_one_booked():
    # given: one inspector with exact times on Wednesday only
    person = half_hour_inspector(weekdays=[2])
    open_slots()
    hours = [permit_needing(60) for _ in range(4)]
    halves = [permit_needing(30) for _ in range(4)]

    def attempt(i: int) -> str:
        # the hours want 9:00 to 10:00, the half hours 9:30
        permit, start = (hours[i // 2], t(9)) if i % 2 == 0 else (halves[i // 2], t(9, 30))
        try:
            book_at(permit, start)
        except SlotFull:
            return "full"
        return "booked"

    # when
    outcomes = run_together(8, attempt)

    # then
    assert sorted(outcomes) == ["booked"] + ["full"] * 7
    assert (
        InspectionSlot.objects.get(inspector=person, day=WEDNESDAY, starts_at=t(9, 30)).booked == 1
    )
    assert Inspection.objects.filter(status=InspectionStatus.SCHEDULED).count() == 1


@pytest.mark.django_db
def test_another_day_is_offered_whole():
    half_hour_inspector()
    open_slots()
    book_at(permit_needing(60), t(9))
    assert t(9) in offered(permit_needing(60), day=THURSDAY)


@pytest.mark.django_db
class TestMoveOffers:
    """The move page offers the times the inspection may move to: its own times count as
    free, since moving frees them (an hour at 9:00 may move to 9:30 or 8:30)."""

    def test_the_inspections_own_times_are_offered_but_not_its_own_start(self):
        # given: an hour at 9:00 and half an hour at 10:30 of the only inspector
        half_hour_inspector()
        open_slots()
        book_at(permit_needing(30), t(10, 30))
        permit = permit_needing(60)
        inspection = book_at(permit, t(9))

        # when
        times = [
            h.starts_at
            for h in availability(permit=permit, now=NOW, moving=inspection)
            if h.day == WEDNESDAY
        ]

        # then: 8:00, 8:30 (over 9:00) and 9:30 (over 9:30 and 10:00), never 9:00 itself;
        # 10:00 runs into 10:30, which another inspection holds
        assert times == [t(8), t(8, 30), t(9, 30), t(11)]

    def test_a_half_day_block_is_not_offered_as_a_move_to_itself(self):
        # given
        inspector(capacity=3, periods=("am",))
        open_slots()
        permit = permit_needing(None)
        inspection = inspection_book(
            permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
        )

        # when
        offers = availability(permit=permit, now=NOW, moving=inspection)

        # then
        assert (WEDNESDAY, "am") not in [(h.day, h.period) for h in offers]
        assert (THURSDAY, "am") in [(h.day, h.period) for h in offers]


@pytest.mark.django_db
def test_the_move_page_offers_half_an_hour_later_and_moves_there(client):
    # given: the applicant booked an hour at the first 9:00 the page offers
    half_hour_inspector()
    permit = permit_needing(60)
    client.force_login(permit.case.applicant)
    url = reverse("permits:inspections", args=[permit.case.reference])
    first = next(h for h in client.get(url).context["half_days"] if h.starts_at == t(9))
    assert client.post(url, {"action": "book", "slot": first.value}).status_code == 302

    # when
    page = client.get(url)
    offers = page.context["half_days"]

    # then
    values = [h.value for h in offers]
    later = f"{first.day.isoformat()}:am:09:30"
    assert later in values
    assert first.value not in values
    assert "The next inspection takes about 60 minutes" in page.content.decode()

    # when
    response = client.post(url, {"action": "reschedule", "slot": later})

    # then: the database's no-overlap constraint held within the move's transaction
    assert response.status_code == 302
    moved = permit.inspections.get(status=InspectionStatus.SCHEDULED)
    assert (moved.day, moved.starts_at) == (first.day, t(9, 30))
    assert moved.span.upper - moved.span.lower == datetime.timedelta(minutes=60)


def whole_day_inspector(*, afternoon_at_times=True):
    """An inspector whose mornings are times of 30 minutes, and whose afternoons are too (or
    are booked as a block of three)."""
    person = inspector(capacity=8, periods=("am", "pm"))
    shifts = InspectorShift.objects.filter(inspector=person)
    shifts.filter(period="am").update(appointment_minutes=30)
    if afternoon_at_times:
        shifts.filter(period="pm").update(appointment_minutes=30)
    else:
        shifts.filter(period="pm").update(capacity=3)
    return person


@pytest.mark.django_db
class TestAcrossNoon:
    """A long inspection runs on from the morning into the afternoon when the inspector works
    both at exact times; otherwise it is not offered, and a booking says why."""

    def test_an_hour_from_the_mornings_last_time_holds_the_afternoons_first(self):
        # given
        person = whole_day_inspector()
        open_slots()
        permit = permit_needing(60)

        # when
        assert t(11, 30) in offered(permit)
        inspection = book_at(permit, t(11, 30))

        # then: booked in the morning it starts in, holding 11:30 to 12:30
        assert inspection.period == "am"
        assert booked_times(person) == [t(11, 30), t(11, 45), t(12), t(12, 15)]
        assert (inspection.span.upper - inspection.span.lower) == datetime.timedelta(minutes=60)
        later = offered(permit_needing(30))
        assert t(11, 30) not in later and t(12) not in later and t(12, 30) in later

    def test_cancelling_it_frees_both_half_days(self):
        # given
        person = whole_day_inspector()
        open_slots()
        permit = permit_needing(60)
        inspection = book_at(permit, t(11, 30))

        # when
        inspection_cancel(inspection=inspection, actor=permit.case.applicant, now=NOW)

        # then
        assert booked_times(person) == []

    def test_the_afternoons_last_time_is_still_the_end_of_the_day(self):
        whole_day_inspector()
        open_slots()
        times = offered(permit_needing(60))
        assert t(15) in times and t(15, 30) not in times

    @pytest.mark.parametrize("afternoon", ["none", "block"])
    def test_without_afternoon_times_it_is_refused_with_the_reason(self, afternoon):
        # given: the inspector works no afternoon, or one booked as a block
        if afternoon == "none":
            person = half_hour_inspector()
        else:
            person = whole_day_inspector(afternoon_at_times=False)
        open_slots()
        permit = permit_needing(60)

        # then: not offered
        assert t(11, 30) not in offered(permit)
        assert t(11) in offered(permit)

        # when: asked for anyway
        with pytest.raises(InspectionRefused) as refused:
            book_at(permit, t(11, 30))

        # then: the length is the reason, not someone else's booking
        assert refused.value.code == "too_long"
        assert "takes 60 minutes" in str(refused.value)
        assert "run past the end of the inspector's working time" in str(refused.value)
        assert not permit.inspections.exists()
        assert booked_times(person) == []

    def test_a_move_across_noon_is_refused_with_the_reason_and_changes_nothing(self):
        # given
        person = half_hour_inspector()
        open_slots()
        permit = permit_needing(60)
        inspection = book_at(permit, t(9))

        # when / then
        with pytest.raises(InspectionRefused) as refused:
            inspection_reschedule(
                inspection=inspection,
                day=WEDNESDAY,
                starts_at=t(11, 30),
                actor=permit.case.applicant,
                now=NOW,
            )
        assert refused.value.code == "too_long"
        assert booked_times(person) == [t(9), t(9, 15), t(9, 30), t(9, 45)]
