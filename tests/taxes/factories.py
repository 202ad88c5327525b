"""Parcels, owners and tax bills with readable defaults: a residential parcel on Elm Street,
owned by Pat Rivera, billed $2,000.00 for 2026 in two instalments."""

import datetime

import factory

from taxes.models import BillLine, Instalment, Lender, LineKind, Owner, Parcel, TaxBill


class ParcelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Parcel

    number = factory.Sequence(lambda n: f"01-{n:06d}")
    situs_address = factory.Sequence(lambda n: f"{n + 1} ELM STREET")


class OwnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Owner

    parcel = factory.SubFactory(ParcelFactory)
    position = 1
    name = "Pat Rivera"
    last_name = "Rivera"
    mailing_address = "1 Elm Street\nSpringfield"


class TaxBillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaxBill
        skip_postgeneration_save = True

    parcel = factory.SubFactory(ParcelFactory)
    tax_year = 2026
    number = factory.Sequence(lambda n: f"2026-{n:07d}")

    @factory.post_generation
    def schedule(self, create, extracted, **kwargs):
        """Lines and instalments: `schedule=[(due_date, cents), ...]`; by default two halves
        of a $2,000.00 county levy, due March 31 and September 30; `schedule=[]` for none."""
        if not create:
            return
        rows = (
            extracted
            if extracted is not None
            else [(datetime.date(2026, 3, 31), 100000), (datetime.date(2026, 9, 30), 100000)]
        )
        if not rows:
            return
        BillLine.objects.create(
            bill=self, kind=LineKind.LEVY, district="COUNTY", amount_cents=sum(c for _, c in rows)
        )
        for sequence, (due_date, cents) in enumerate(rows, start=1):
            Instalment.objects.create(
                bill=self, sequence=sequence, due_date=due_date, amount_cents=cents
            )


class LenderFactory(factory.django.DjangoModelFactory):
    """A mortgage lender; `members=[user, ...]` for the accounts that send its files."""

    class Meta:
        model = Lender
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Lender {n} Bank")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)
