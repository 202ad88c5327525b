"""Every write of the taxes app, by topic (import the module you need):

- `taxes.services.payments`: applying a payment to a bill's instalments;
- `taxes.services.roll`: importing the assessor's roll.
"""
