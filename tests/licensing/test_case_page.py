from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.licensing.factories import ApplicationFactory
from tests.licensing.license_factory import LicenseFactory


def test_the_case_page_of_a_draft_leads_back_to_the_application(client, resident):
    # given: a draft started and left, reached again from the dashboard's list of requests
    application = ApplicationFactory(applicant=resident)
    reference = application.case.reference
    client.force_login(resident)

    # when
    case_page = client.get(reverse("cases:detail", kwargs={"reference": reference}))
    application_page = client.get(reverse("licensing:application", args=[reference]))

    # then
    application_url = reverse("licensing:application", args=[reference])
    assert f'href="{application_url}"' in case_page.content.decode()
    assert "Your application: answers, fee and license" in case_page.content.decode()
    resume_url = reverse("licensing:resume", args=[reference])
    assert f'href="{resume_url}"' in application_page.content.decode()


def test_my_licenses_page_reads_the_same_queries_however_many_there_are(
    client, resident, django_assert_num_queries
):
    # given: one application and one license, measured; then three more of each
    ApplicationFactory(applicant=resident)
    LicenseFactory(holder=resident)
    client.force_login(resident)
    url = reverse("licensing:mine")
    client.get(url)  # warm the per-process caches (fragments, translations)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(3):
        ApplicationFactory(applicant=resident)
        LicenseFactory(holder=resident)

    # when / then
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    context = response.context
    assert len(context["drafts"]) + len(context["applications"]) == 4
    assert len(context["licenses"]) == 4
