"""What the permits services refuse, each with a message fit to show the person who tried."""


class PermitsError(Exception):
    """Base of every refusal of the permits services."""


class PermitTypeNotPublishable(PermitsError):
    """The type cannot be published or taken back to a draft now; the message says why."""


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
