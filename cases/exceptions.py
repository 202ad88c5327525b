"""Errors the case engine raises. Each carries a message fit to show a member of staff."""

from django.core.exceptions import ValidationError


class CaseError(Exception):
    """Base class: the requested change to a case was refused and nothing was changed."""


class TransitionNotAllowed(CaseError):
    """The case's workflow has no move from its current status to the requested one."""


class TransitionForbidden(CaseError):
    """The move exists, but this actor may not make it."""


class TransitionRefused(CaseError):
    """The move exists and the actor may make it, but its guard refuses it now; the message
    is the guard's reason, fit to show the person who tried (e.g. "A review is still open")."""


class ActionForbidden(CaseError):
    """This person may not do that to this case (e.g. a resident writing on another's case)."""


class SubmissionKeyTaken(CaseError):
    """The key a form carried was claimed already for another case's work
    (`cases.services.submission_key_claim`): the form was sent for something else, so nothing
    was applied. Callers say so in their own terms (e.g. "sent for another inspection")."""


class InvalidAssignee(CaseError):
    """Cases can only be assigned to active members of staff."""


class DocumentRejected(ValidationError):
    """The upload is too large, empty, or not a type the portal accepts (judged by content).

    A ValidationError so that forms can attach it to the file field unchanged.
    """
