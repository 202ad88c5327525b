"""License types built as an administrator would, and applications through the services."""

import factory

from licensing import services
from licensing.models import Application, LicenseType, Question, RequiredDocument
from tests.accounts.factories import UserFactory


class LicenseTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LicenseType

    code = factory.Sequence(lambda n: f"type-{n}")
    number_prefix = factory.Sequence(lambda n: "T" + "".join(chr(65 + int(d)) for d in f"{n:03d}"))
    name = factory.Sequence(lambda n: f"Test license {n}")
    category = "Testing"
    description = "A license for tests."
    application_fee_cents = 5000
    renewal_fee_cents = 4000
    late_fee_cents = 1500
    term_months = 12


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    license_type = factory.SubFactory(LicenseTypeFactory)
    name = factory.Sequence(lambda n: f"Document {n}")
    required = True


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    license_type = factory.SubFactory(LicenseTypeFactory)
    code = factory.Sequence(lambda n: f"q{n}")
    label = factory.Sequence(lambda n: f"Question {n}")
    kind = Question.Kind.TEXT
    required = True


class ApplicationFactory(factory.Factory):
    """A draft application, started through `application_start`."""

    class Meta:
        model = Application

    license_type = factory.SubFactory(LicenseTypeFactory)
    applicant = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.application_start(**kwargs)
