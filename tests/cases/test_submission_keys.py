"""The key a result kept on a phone carries: claimed once, with the work it applies."""

import uuid

import pytest
from django.db import transaction

from cases.exceptions import SubmissionKeyTaken
from cases.models import SubmissionKey
from cases.services import submission_key_claim

pytestmark = pytest.mark.django_db


def test_a_key_is_claimed_once(make_case):
    # given
    case = make_case()
    key = uuid.uuid4()

    # when
    first = submission_key_claim(case=case, key=key)
    second = submission_key_claim(case=case, key=key)

    # then
    assert (first, second) == (True, False)
    assert SubmissionKey.objects.filter(key=key, case=case).count() == 1


def test_a_claim_rolls_back_with_the_work_it_came_with(make_case):
    # given
    case = make_case()
    key = uuid.uuid4()

    # when: the work fails after the claim
    with pytest.raises(RuntimeError), transaction.atomic():
        submission_key_claim(case=case, key=key)
        raise RuntimeError("the work failed")

    # then: the key is free, so the phone's next try is applied
    assert submission_key_claim(case=case, key=key) is True


def test_a_key_claimed_for_another_case_is_refused(make_case):
    key = uuid.uuid4()
    assert submission_key_claim(case=make_case(), key=key) is True
    with pytest.raises(SubmissionKeyTaken, match="another case"):
        submission_key_claim(case=make_case(), key=key)
