"""What a draft still lacks of the shared pieces (cases.questions.completeness), in the words
every service's check page shows."""

import pytest

from cases.questions.completeness import pages_not_checked, questions_unanswered
from cases.questions.models import Question

PAGES = [("about", "About you"), ("questions", "Questions"), ("documents", "Documents")]


def test_each_page_kept_as_typed_is_named_in_the_order_of_the_pages():
    # when
    problems = pages_not_checked(typed={"documents": {}, "about": {"name": "x"}}, pages=PAGES)

    # then
    assert problems == [
        (
            "about",
            "Some answers on the page “About you” are not checked yet: open it, correct them "
            "and choose “Save and continue”.",
        ),
        (
            "documents",
            "Some answers on the page “Documents” are not checked yet: open it, correct them "
            "and choose “Save and continue”.",
        ),
    ]
    assert pages_not_checked(typed={}, pages=PAGES) == []


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, ["Answer every question that applies."]),
        ({"years": "many"}, ["Answer every question that applies."]),
        ({"years": "3"}, []),
    ],
    ids=["unanswered", "not a number", "answered"],
)
def test_one_line_while_a_question_that_applies_does_not_pass(answers, expected):
    # given
    questions = [Question(code="years", label="Years of practice", kind="number", required=True)]

    # then
    assert questions_unanswered(questions=questions, answers=answers) == expected
