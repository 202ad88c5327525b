import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.http import Http404

from cases import selectors, services
from cases.models import CaseStatus
from tests.accounts.factories import StaffFactory
from tests.cases.factories import PDF_BYTES

pytestmark = pytest.mark.django_db


def test_cases_visible_to_each_kind_of_user(make_case, resident, other_resident, clerk):
    # given
    mine = make_case(applicant=resident)
    theirs = make_case(applicant=other_resident)
    guest = make_case(applicant=None, guest_email="guest@example.org")

    # then
    assert list(selectors.cases_visible_to(user=resident)) == [mine]
    assert set(selectors.cases_visible_to(user=clerk)) == {mine, theirs, guest}
    assert list(selectors.cases_visible_to(user=AnonymousUser())) == []
    assert list(selectors.cases_visible_to(user=None)) == []
    resident.is_active = False
    assert list(selectors.cases_visible_to(user=resident)) == []


def test_cases_visible_to_loads_related_rows_in_one_query(
    make_case, resident, clerk, django_assert_num_queries
):
    # given
    for _ in range(3):
        services.case_assign(case=make_case(applicant=resident), assignee=clerk, actor=clerk)

    # when / then
    with django_assert_num_queries(1):
        rows = [
            (c.reference, c.status_label, str(c.applicant), str(c.assignee), c.department)
            for c in selectors.cases_visible_to(user=resident)
        ]
    assert len(rows) == 3


def test_case_for_resident_finds_only_their_own(make_case, resident, other_resident, clerk):
    case = make_case(applicant=resident)

    assert selectors.case_for_resident(user=resident, reference=case.reference) == case
    for stranger in (other_resident, clerk, AnonymousUser()):
        with pytest.raises(Http404):
            selectors.case_for_resident(user=stranger, reference=case.reference)
    with pytest.raises(Http404):
        selectors.case_for_resident(user=resident, reference="TST-2026-999999")


def test_resident_timeline_hides_internal_events(make_case, clerk):
    # given
    case = make_case()
    services.case_add_note(case=case, author=clerk, body="Internal")
    services.case_assign(case=case, assignee=clerk, actor=clerk)
    services.transition(case=case, to_status=CaseStatus.IN_REVIEW, actor=clerk)

    # when
    timeline = list(selectors.resident_timeline(case=case))

    # then
    assert [(e.kind, e.to_status) for e in timeline] == [
        ("submitted", "submitted"),
        ("status_changed", "in_review"),
    ]
    assert len(selectors.staff_timeline(case=case)) == 4
    # The test permit's history is not published: nothing of it is for everyone.
    assert not selectors.published_timeline(case=case).exists()


def test_documents_visible_to(make_case, resident, other_resident, case_clerk):
    # given
    clerk = case_clerk
    case = make_case(applicant=resident)
    own = services.document_add(
        case=case, uploaded_by=resident, upload=ContentFile(PDF_BYTES, name="mine.pdf")
    )
    shared = services.document_add(
        case=case, uploaded_by=clerk, upload=ContentFile(PDF_BYTES, name="permit.pdf")
    )
    internal = services.document_add(
        case=case,
        uploaded_by=clerk,
        upload=ContentFile(PDF_BYTES, name="memo.pdf"),
        public=False,
    )

    # then
    assert list(selectors.documents_visible_to(user=resident, case=case)) == [own, shared]
    assert list(selectors.documents_visible_to(user=clerk, case=case)) == [own, shared, internal]
    assert list(selectors.documents_visible_to(user=other_resident, case=case)) == []
    # Staff whose role does not read documents (an inspector, a cashier) see none.
    assert (
        list(selectors.documents_visible_to(user=StaffFactory(roles=["inspector"]), case=case))
        == []
    )
    assert (
        list(selectors.documents_visible_to(user=StaffFactory(roles=["cashier"]), case=case)) == []
    )
    with pytest.raises(Http404):
        selectors.document_for_download(
            user=resident, reference=case.reference, document_id=internal.pk
        )
    with pytest.raises(Http404):
        selectors.document_for_download(
            user=other_resident, reference=case.reference, document_id=own.pk
        )
    other_case = make_case(applicant=other_resident)
    with pytest.raises(Http404):  # a real document id under another case's reference
        selectors.document_for_download(
            user=other_resident, reference=other_case.reference, document_id=own.pk
        )
    assert (
        selectors.document_for_download(
            user=clerk, reference=case.reference, document_id=internal.pk
        )
        == internal
    )


def test_transitions_for_offers_each_actor_only_their_moves(make_case, resident, clerk):
    case = make_case(applicant=resident)

    assert [t.target for t in selectors.transitions_for(case=case, user=resident)] == ["withdrawn"]
    assert [t.target for t in selectors.transitions_for(case=case, user=clerk)] == ["in_review"]
    assert selectors.transitions_for(case=case, user=StaffFactory(is_active=False)) == []


def test_newest_cases_of_resident_are_the_list_selectors_first_rows(
    make_case, resident, other_resident
):
    # given: the dashboard's plain-SQL read and the list page's queryset
    mine = [make_case(applicant=resident) for _ in range(4)]
    make_case(applicant=other_resident)

    # when
    newest = selectors.newest_cases_of_resident(user=resident, limit=3)

    # then: the same rows in the same order, with the same field values
    expected = list(selectors.cases_of_resident(user=resident)[:3])
    assert newest == expected == mine[:0:-1]
    for got, want in zip(newest, expected, strict=True):
        for name in selectors.LIST_FIELDS:
            assert getattr(got, name) == getattr(want, name), name


def test_newest_cases_of_resident_load_other_fields_on_access(make_case, resident):
    # given
    case = make_case(applicant=resident)

    # when
    (newest,) = selectors.newest_cases_of_resident(user=resident, limit=10)

    # then: a field the read left out is deferred, not missing
    assert newest.get_deferred_fields() >= {"applicant_id", "due_date"}
    assert newest.applicant_id == resident.pk
    assert newest.due_date == case.due_date


def test_newest_cases_of_an_anonymous_or_inactive_person_are_none(make_case, resident):
    # given
    make_case(applicant=resident)
    resident.is_active = False

    # when / then
    assert selectors.newest_cases_of_resident(user=AnonymousUser(), limit=10) == []
    assert selectors.newest_cases_of_resident(user=resident, limit=10) == []
