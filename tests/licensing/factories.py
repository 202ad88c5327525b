"""License types built as an administrator would, and applications through the services."""

import datetime

import factory
from django.utils import timezone

from cases.questions.models import DocumentRequirement, Question
from licensing import services
from licensing.models import Application, License, LicenseType
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
    published_at = factory.LazyFunction(timezone.now)


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    """A license type's required document (a `cases.questions` requirement it owns)."""

    class Meta:
        model = DocumentRequirement

    class Params:
        license_type = factory.SubFactory(LicenseTypeFactory)

    owner = factory.SelfAttribute("license_type")
    name = factory.Sequence(lambda n: f"Document {n}")
    required = True


class QuestionFactory(factory.django.DjangoModelFactory):
    """A license type's question (a `cases.questions` question it owns)."""

    class Meta:
        model = Question

    class Params:
        license_type = factory.SubFactory(LicenseTypeFactory)

    owner = factory.SelfAttribute("license_type")
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


class LicenseFactory(factory.django.DjangoModelFactory):
    """An issued license; `holder=None` with `holder_email` is one imported without account."""

    class Meta:
        model = License

    number = factory.Sequence(lambda n: f"TST-2026-{n:06d}")
    license_type = factory.SubFactory(LicenseTypeFactory)
    holder = factory.SubFactory(UserFactory)
    holder_name = factory.LazyAttribute(lambda o: o.holder.full_name if o.holder else "Pat Holder")
    holder_email = factory.LazyAttribute(lambda o: "" if o.holder else "pat@example.net")
    issued_on = factory.LazyAttribute(lambda o: o.expires_on - datetime.timedelta(days=365))
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
