import datetime
import zoneinfo

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from cases.models import Case
from cases.services import case_create, transition
from tests.accounts.factories import StaffFactory, UserFactory
from tests.cases.workflows import TEST_PERMIT, register_test_workflows

AGENCY_ZONE = zoneinfo.ZoneInfo("America/New_York")


def local(*args) -> datetime.datetime:
    """A moment in the agency's time zone."""
    return datetime.datetime(*args, tzinfo=AGENCY_ZONE)


@pytest.fixture(autouse=True, scope="session")
def _workflows():
    register_test_workflows()


@pytest.fixture(autouse=True)
def _agency_zone(settings):
    settings.TIME_ZONE = "America/New_York"


@pytest.fixture
def supervisor(db):
    person = StaffFactory(roles=["supervisor"])
    TOTP.activate(person, generate_totp_secret())
    return person


@pytest.fixture
def staff_with_mfa(db):
    def make(roles):
        person = StaffFactory(roles=roles)
        TOTP.activate(person, generate_totp_secret())
        return person

    return make


@pytest.fixture
def make_case(db, supervisor):
    """A test permit submitted at `submitted` and, with `closed`, approved then, through the
    case engine; the moments (and the due date, if given) are then set exactly, as a case
    worked on those days would hold them."""
    applicant = UserFactory()

    def make(*, submitted, closed=None, due=None, department=None, kind=TEST_PERMIT.kind):
        case = case_create(kind=kind, applicant=applicant, department=department)
        if closed is not None:
            transition(case=case, to_status="in_review", actor=supervisor)
            transition(case=case, to_status="approved", actor=supervisor)
        changes = {"created_at": submitted, "submitted_at": submitted, "closed_at": closed}
        if due is not None:
            changes["due_date"] = due
        Case.objects.filter(pk=case.pk).update(**changes)
        case.refresh_from_db()
        return case

    return make
