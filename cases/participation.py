"""Who takes part in a case, and who is told of what: the declarations a workflow makes.

A case's people are its participants (`cases.participants.Participant`): the applicant
(the owner of the request: the resident who applied or reported, or the guest behind it),
the followers (neighbours who asked to be told about a public report) and any role a
workflow declares (a permit's contractor or agent, a property owner). Each role says what
its holders may read and whether a new holder confirms their address first:

- `reads`: ``participants`` (the people on the case: messages, documents, every public
  move) or ``public`` (only what the case's public page shows). A follower reads public
  events only, so nothing private (a message, a document request, a payment) is ever sent
  to one, whatever a workflow declares: the notifying code checks each event's audience.
- `confirm`: a new holder added by address (or by an account without a verified e-mail
  address) is pending until the owner of the address opens the link sent there; pending
  participants are told nothing else.

Each workflow declares, per event kind, which roles are told and with which message
template (``notices``). The engine's defaults (`DEFAULT_NOTICES`) tell the applicant of the
submission, of every public move and of staff's messages, and followers of public moves; a
workflow replaces a kind's entry by declaring it::

    participation=Participation(
        roles={CONTRACTOR: CONTRACTOR_ROLE},
        notices={
            "inspection": {APPLICANT: "permits/inspection", CONTRACTOR: "permits/inspection"},
        },
    )

Registering a workflow checks its declarations (cases/workflow.py): every role told is one
the workflow has, every kind is one it records, and a role that reads only public events is
never told of a kind that cannot be public.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases import events

# The engine's roles, on every case.
APPLICANT = "applicant"
FOLLOWER = "follower"
# Standard roles a workflow may declare.
OWNER = "owner"
CONTRACTOR = "contractor"
AGENT = "agent"

# What a role's holders may read (cases.events audiences).
READS = frozenset({events.PARTICIPANTS, events.PUBLIC})


@dataclass(frozen=True)
class ParticipantRole:
    """One role people hold on a case: its name, what its holders read, and whether a new
    holder confirms their address before being told anything."""

    label: str | Promise
    reads: str = events.PARTICIPANTS
    confirm: bool = False


APPLICANT_ROLE = ParticipantRole(label=_("Applicant"))
FOLLOWER_ROLE = ParticipantRole(label=_("Follower"), reads=events.PUBLIC, confirm=True)
OWNER_ROLE = ParticipantRole(label=_("Property owner"), confirm=True)
CONTRACTOR_ROLE = ParticipantRole(label=_("Contractor"), confirm=True)
AGENT_ROLE = ParticipantRole(label=_("Agent"), confirm=True)

CORE_ROLES: dict[str, ParticipantRole] = {APPLICANT: APPLICANT_ROLE, FOLLOWER: FOLLOWER_ROLE}

# Who is told of what on every case unless its workflow says otherwise: event kind ->
# {role: message template}. Templates live in templates/notifications/<key>/.
DEFAULT_NOTICES: dict[str, dict[str, str]] = {
    events.SUBMITTED: {APPLICANT: "cases/submitted"},
    events.STATUS_CHANGED: {APPLICANT: "cases/status_changed", FOLLOWER: "cases/followed_update"},
    events.MESSAGE: {APPLICANT: "cases/message"},
}


@dataclass(frozen=True)
class Participation:
    """A workflow's participants: roles beyond the engine's, who is told of what, and how
    the messages to them are filled in.

    `roles` adds roles to the engine's applicant and follower. `notices` maps an event kind
    to ``{role: template key}``, replacing the engine's entry for that kind (an empty dict
    tells nobody). `public_page` is the URL name (taking ``reference``) of the case's public
    page, the link a role that reads only public events is sent; without one, such a role
    is sent no link. `context(case=, language=)` returns what the service's templates need
    beyond the engine's context, in `language` (called with that language active).
    """

    roles: Mapping[str, ParticipantRole] = field(default_factory=dict)
    notices: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    public_page: str = ""
    context: Callable[..., dict] | None = None

    def __post_init__(self):
        object.__setattr__(self, "roles", dict(self.roles))
        object.__setattr__(
            self, "notices", {kind: dict(told) for kind, told in self.notices.items()}
        )

    @property
    def all_roles(self) -> dict[str, ParticipantRole]:
        """The engine's roles and the workflow's own."""
        return {**CORE_ROLES, **self.roles}

    @property
    def all_notices(self) -> dict[str, dict[str, str]]:
        """Event kind -> {role: template key}: the engine's defaults, then the workflow's."""
        return {**DEFAULT_NOTICES, **self.notices}

    def told_of(self, kind: str) -> dict[str, str]:
        """{role: template key} of the roles told of an event of `kind`."""
        return dict(self.all_notices.get(kind, {}))
