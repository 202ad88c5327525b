"""The taxes app's refusals; `str()` of each is the message for the person who caused it."""


class TaxesError(Exception):
    """Base of the taxes app's refusals."""


class RollRefused(TaxesError):
    """The roll file cannot be read as a roll at all; nothing was looked at or saved."""
