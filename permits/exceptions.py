"""What the permits services refuse, each with a message fit to show the person who tried."""


class PermitsError(Exception):
    """Base of every refusal of the permits services."""


class PermitTypeNotPublishable(PermitsError):
    """The type cannot be published or taken back to a draft now; the message says why."""
