"""The taxes app's refusals; `str()` of each is the message for the person who caused it."""


class TaxesError(Exception):
    """Base of the taxes app's refusals."""


class RollRefused(TaxesError):
    """The roll file cannot be read as a roll at all; nothing was looked at or saved."""


class EBillRefused(TaxesError):
    """A parcel link, enrolment or recipient change was refused; nothing changed.

    `field` names the form field the message belongs to (None: the whole form)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class EBillRateLimited(EBillRefused):
    """Too many attempts to link a parcel in the window; nothing was checked."""


class NoticeRefused(TaxesError):
    """A paper notice cannot be marked mailed: unknown, or marked already."""


class CreditNotRefundable(TaxesError):
    """There is no credit to refund here, or not for the one asking; nothing was changed."""


class FileRefused(TaxesError):
    """A payer's file cannot be taken: `errors`, a list of (row number or None, message);
    nothing was saved."""

    def __init__(self, errors: list[tuple[int | None, str]]):
        super().__init__("; ".join(message for _row, message in errors[:3]))
        self.errors = errors[:200]
        self.error_count = len(errors)


class BatchRefused(FileRefused):
    """A bulk payer's file cannot be paid, or its batch is paid already; nothing was saved."""


class EscrowFileRefused(FileRefused):
    """A lender's escrow file has rows that cannot be taken; nothing was saved. `rows` is
    every row of the file as read, each with its problem ("" for none), to show the file."""

    def __init__(self, errors: list[tuple[int | None, str]], *, rows: list | None = None):
        super().__init__(errors)
        self.rows = rows or []


class LenderConflictRefused(TaxesError):
    """A lender conflict cannot be settled as asked; nothing changed. `field` names the form
    field the message belongs to (None: the whole form)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class LenderConflictSettledAlready(TaxesError):
    """The conflict is no longer open (settled already, or the bill's lender changed since);
    nothing changed."""
