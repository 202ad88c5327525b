"""The analytics CSV downloads never hand a spreadsheet a formula to run: a department's name
is typed by an administrator and comes out in the "service level" chart's rows."""

import csv
import io

import pytest
from django.utils import timezone

from portal.analytics.refresh import summaries_refresh
from tests.cases.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def test_a_department_name_that_looks_like_a_formula_is_written_as_text(
    client, supervisor, make_case
):
    # given: a closed case in a department whose name a spreadsheet would run
    hostile = DepartmentFactory(code="EVIL", name='=HYPERLINK("http://evil.example","x")')
    now = timezone.now()
    make_case(submitted=now, closed=now, due=timezone.localdate(), department=hostile)
    summaries_refresh()
    client.force_login(supervisor)

    # when
    response = client.get("/staff/analytics/service-level.csv?weeks=4")

    # then: the name is kept, behind an apostrophe; the numbers stay numbers
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1] == ['\'=HYPERLINK("http://evil.example","x")', "1", "1", "100.0"]
