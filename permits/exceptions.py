"""What the permits services refuse, each with a message fit to show the person who tried."""

from django.core.exceptions import ValidationError


class PermitsError(Exception):
    """Base of every refusal of the permits services."""


class PermitTypeNotPublishable(PermitsError):
    """The type cannot be published or taken back to a draft now; the message says why."""


class PermitNotEditable(PermitsError):
    """The application has been sent (or closed), or the person is not its applicant."""


class PermitChanged(PermitNotEditable):
    """Its invoice changed while the request was on its way (another tab asked to pay)."""


class PermitIncomplete(ValidationError):
    """Something required is missing or refused; `messages` (or `error_dict`, by field)
    says what, in the applicant's words."""


class ContractorRefused(ValidationError):
    """The license named is not one a contractor may take this permit with; the message
    says why (not found, not active, suspended, wrong trade)."""


class PlanRejected(ValidationError):
    """The plan sheet is not a readable PDF, is empty or too large; the message says why."""


class AlreadyPaid(PermitsError):
    """The application fee is paid already: a second payment is refused."""


class InspectionRefused(PermitsError):
    """An inspection cannot be booked, moved, cancelled or resulted now; the message says why
    and what to do. `code` names the rule for pages and tests."""

    def __init__(self, message: str, *, code: str = ""):
        super().__init__(message)
        self.code = code


class BookingBlocked(InspectionRefused):
    """Nothing can be booked on this permit now; `blockers` are every reason, in order."""

    def __init__(self, message: str, *, code: str = "", blockers=()):
        super().__init__(message, code=code)
        self.blockers = list(blockers)


class SlotFull(InspectionRefused):
    """The half-day chosen has no inspector free any more (someone booked the last place)."""


class IssuanceRefused(PermitsError):
    """The permit cannot be invoiced, issued or extended now; the message says why."""


class CancelRefused(PermitsError):
    """The permit cannot be withdrawn or cancelled now, or not by this person; the message
    says why."""
