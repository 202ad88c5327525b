"""Saved filters of the "My work" queue: each person keeps their own, by name."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from cases.workbench import saved
from cases.workbench.models import SavedQueueFilter
from tests.accounts.factories import StaffFactory
from tests.cases.workflows import TEST_REPORT

pytestmark = pytest.mark.django_db

QUEUE = reverse("workbench:queue")


def staff(roles=("clerk",)):
    person = StaffFactory(roles=list(roles))
    TOTP.activate(person, generate_totp_secret())
    return person


def test_a_clerk_saves_the_current_filters_and_finds_them_on_the_queue(client):
    clerk = staff()
    client.force_login(clerk)

    response = client.post(
        reverse("workbench:saved_filter_create"),
        {
            "name": "Reports being fixed",
            "view": "all",
            "kind": TEST_REPORT.kind,
            "status": "in_progress",
            "sort": "oldest",
            "page": "3",  # not a filter: never kept
        },
    )

    kept = SavedQueueFilter.objects.get(user=clerk)
    assert kept.query == "view=all&kind=test_report&status=in_progress&sort=oldest"
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?{kept.query}"
    page = client.get(QUEUE).content.decode()
    assert (
        f'href="{QUEUE}?view=all&amp;kind=test_report&amp;status=in_progress&amp;sort=oldest"'
        in page
    )
    assert "Reports being fixed" in page


def test_saving_a_name_again_replaces_its_filter():
    clerk = staff()
    saved.saved_filter_save(user=clerk, name="Mine", query="view=mine")

    saved.saved_filter_save(user=clerk, name="mine", query="view=mine&sort=oldest")

    assert list(SavedQueueFilter.objects.values_list("name", "query")) == [
        ("Mine", "view=mine&sort=oldest")
    ]


def test_a_filter_without_a_name_is_refused_and_nothing_is_kept(client):
    clerk = staff()
    client.force_login(clerk)

    response = client.post(
        reverse("workbench:saved_filter_create"), {"name": " ", "view": "all"}, follow=True
    )

    assert "Give the filter a name." in response.content.decode()
    assert not SavedQueueFilter.objects.exists()


def test_an_invalid_filter_is_not_kept(client):
    clerk = staff()
    client.force_login(clerk)

    client.post(
        reverse("workbench:saved_filter_create"),
        {"name": "Odd", "view": "all", "kind": "no_such_service"},
    )

    assert not SavedQueueFilter.objects.exists()


def test_each_person_sees_and_deletes_only_their_own(client):
    clerk, other = staff(), staff()
    theirs = saved.saved_filter_save(user=other, name="Other's", query="view=all")
    mine = saved.saved_filter_save(user=clerk, name="Mine", query="view=mine")
    client.force_login(clerk)

    page = client.get(QUEUE).content.decode()
    client.post(reverse("workbench:saved_filter_remove", args=[theirs.pk]))
    client.post(reverse("workbench:saved_filter_remove", args=[mine.pk]))

    assert "Other&#x27;s" not in page and "Other's" not in page
    assert list(SavedQueueFilter.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_a_person_keeps_at_most_the_limit(settings):
    clerk = staff()
    for number in range(saved.MAX_SAVED_FILTERS):
        saved.saved_filter_save(user=clerk, name=f"Filter {number}", query="view=all")

    with pytest.raises(saved.SavedFilterError):
        saved.saved_filter_save(user=clerk, name="One more", query="view=all")

    assert SavedQueueFilter.objects.filter(user=clerk).count() == saved.MAX_SAVED_FILTERS
