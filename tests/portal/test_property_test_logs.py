"""Property tests make thousands of requests: they keep error log records only."""

import logging

from hypothesis import given
from hypothesis import strategies as st

from tests.hostile import fuzz

logger = logging.getLogger("django.request")


@fuzz(3)
@given(status=st.sampled_from([403, 404]))
def test_a_property_test_keeps_no_warning_records(caplog, status):
    logger.warning("Not Found: /nowhere/", extra={"status_code": status})

    assert [record for record in caplog.records if record.levelno < logging.ERROR] == []


@fuzz(3)
@given(status=st.just(500))
def test_a_property_test_keeps_error_records(caplog, status):
    logger.error("Internal Server Error: /somewhere/", extra={"status_code": status})

    assert [record.getMessage() for record in caplog.records] == [
        "Internal Server Error: /somewhere/"
    ]


def test_other_tests_keep_warnings(caplog):
    logger.warning("Not Found: /nowhere/")

    assert [record.getMessage() for record in caplog.records] == ["Not Found: /nowhere/"]
