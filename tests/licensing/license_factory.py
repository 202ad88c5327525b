"""Licenses as a clerk's approval leaves them, without walking the whole application."""

import datetime

import factory
from django.db import transaction
from django.utils import timezone

from licensing import services
from licensing.models import License
from licensing.terms import expiry_date
from tests.accounts.factories import UserFactory
from tests.licensing.factories import LicenseTypeFactory


class LicenseFactory(factory.django.DjangoModelFactory):
    """An active license of a fresh type, held by a resident with an account."""

    class Meta:
        model = License

    license_type = factory.SubFactory(LicenseTypeFactory)
    number = None  # allocated from the type's counter in _create
    holder = factory.SubFactory(UserFactory)
    holder_name = factory.LazyAttribute(lambda o: o.holder.full_name if o.holder else "Pat Doe")
    holder_email = factory.LazyAttribute(lambda o: o.holder.email if o.holder else "")
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    expires_on = factory.LazyAttribute(
        lambda o: expiry_date(issued_on=o.issued_on, term_months=o.license_type.term_months)
    )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # The counter allocates inside the transaction that uses the number, as approval does.
        with transaction.atomic():
            if not kwargs.get("number"):
                kwargs["number"] = services.license_number_allocate(
                    license_type=kwargs["license_type"]
                )
            return super()._create(model_class, *args, **kwargs)
