"""Every write of the taxes app, by topic (import the module you need):

- `taxes.services.batches`: bulk payers' files of parcels and amounts, paid once;
- `taxes.services.escrow`: lenders' files of the parcels they pay from escrow;
- `taxes.services.checkout`: paying a bill online (the invoice) and applying it once paid;
- `taxes.services.payments`: applying a payment to a bill's instalments;
- `taxes.services.roll`: importing the assessor's roll.
"""
