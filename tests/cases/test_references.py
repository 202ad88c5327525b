import threading

import pytest
from django.db import connections
from django.utils import timezone

from cases import services
from cases.models import Case
from cases.references import format_reference
from tests.accounts.factories import UserFactory


def test_format_reference_pads_to_six_digits_and_grows_past_them():
    assert format_reference(prefix="LIC", year=2026, number=42) == "LIC-2026-000042"
    assert format_reference(prefix="LIC", year=2026, number=1234567) == "LIC-2026-1234567"


@pytest.mark.django_db(transaction=True)
def test_reference_allocation_refuses_to_run_outside_a_transaction():
    from django.db import transaction

    from cases.references import reference_allocate

    with pytest.raises(transaction.TransactionManagementError):
        reference_allocate(prefix="TST")


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_never_share_a_reference():
    # given: several residents submitting at the same moment, each on its own connection
    threads_count, per_thread = 6, 8
    residents = [UserFactory() for _ in range(threads_count)]
    start = threading.Barrier(threads_count)
    errors = []

    def submit_many(resident):
        try:
            start.wait()
            for _ in range(per_thread):
                services.case_create(kind="test_permit", applicant=resident)
        except Exception as error:  # collected and asserted below, not swallowed
            errors.append(error)
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=submit_many, args=(r,)) for r in residents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then: one unbroken sequence, no number twice
    assert errors == []
    year = timezone.localdate().year
    references = sorted(Case.objects.values_list("reference", flat=True))
    total = threads_count * per_thread
    assert references == [
        format_reference(prefix="TST", year=year, number=n) for n in range(1, total + 1)
    ]
