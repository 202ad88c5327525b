from django.urls import reverse

from tests.licensing.factories import ApplicationFactory


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
