from cases.questions.models import Question
from licensing import demo
from licensing.models import LicenseType


def test_seed_loads_twelve_types_once(db):
    # when
    demo.seed()
    demo.seed()

    # then
    assert LicenseType.objects.count() == 12
    assert set(LicenseType.objects.values_list("code", flat=True)) == {row[0] for row in demo.TYPES}
    # every type has a conditional question or at least its own questions and documents
    for license_type in LicenseType.objects.all():
        assert license_type.questions.filter(for_renewal=False).exists()
        assert license_type.documents.exists()
    assert Question.objects.filter(condition_question__isnull=False).count() >= 6


def test_seed_sets_plausible_limits_on_number_and_date_questions(db):
    # when
    demo.seed()

    # then: no negative count, no expiry already past, no exam in the future
    numbers = Question.objects.filter(kind=Question.Kind.NUMBER)
    assert numbers.exists()
    assert not numbers.filter(min_value__isnull=True).exists()
    assert set(Question.objects.filter(code="employees").values_list("min_value", flat=True)) == {0}
    assert Question.objects.get(code="rabies_expiry").date_range == "not_past"
    assert Question.objects.get(code="exam_date").date_range == "not_future"
