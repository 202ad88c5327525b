from licensing import demo
from licensing.models import LicenseType, Question


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
