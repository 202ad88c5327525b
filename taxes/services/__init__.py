"""Every write of the taxes app, by topic (import the module you need):

- `taxes.services.checkout`: paying a bill online (the invoice) and applying it once paid;
- `taxes.services.payments`: applying a payment to a bill's instalments;
- `taxes.services.roll`: importing the assessor's roll.
"""
