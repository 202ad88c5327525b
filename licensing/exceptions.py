"""Errors licensing services raise; each message is fit to show the person acting."""

from django.core.exceptions import ValidationError


class LicensingError(Exception):
    """The requested change was refused and nothing was changed."""


class ApplicationNotEditable(LicensingError):
    """The application has been sent (or closed): its answers can no longer change."""


class ApplicationChanged(ApplicationNotEditable):
    """Its invoice changed while the request was on its way (another tab asked to pay): the
    person tries again."""


class ApplicationIncomplete(ValidationError):
    """Something required is missing; `messages` lists what, in the resident's words."""


class AlreadyPaid(LicensingError):
    """The application's fee is paid already: a second payment is refused."""


class DecisionForbidden(LicensingError):
    """Only active staff, other than the applicant, decide on an application."""


class RenewalNotOpen(LicensingError):
    """The license cannot be renewed today: outside its window, or not renewable at all."""


class RenewalAlreadyOpen(LicensingError):
    """A renewal of this license is already with the clerks (or paid)."""


class DisciplineRefused(LicensingError):
    """A disciplinary action was refused (who records it, or the license's state)."""
