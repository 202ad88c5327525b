"""Workflows as data: which statuses a kind of case passes through, and who may move it.

A service app describes its cases once, in its own ``workflow.py``, and registers the
description from its ``AppConfig.ready()``::

    # licensing/workflow.py
    from django.utils.translation import gettext_lazy as _

    from cases.models import CaseStatus as S
    from cases.workflow import STAFF, APPLICANT, State, Transition, Workflow

    LICENSE_APPLICATION = Workflow(
        kind="license_application",
        name=_("Business license application"),
        prefix="LIC",
        target_days=30,  # business days for the whole case
        department_code="CLERK",
        states={
            S.SUBMITTED: State(
                label=_("Received"),
                next_steps=_("A clerk will check your application within 5 working days."),
                target_days=5,  # business days for this stage
            ),
            S.IN_REVIEW: State(label=_("Being reviewed"), next_steps=_("..."), target_days=20),
            S.APPROVED: State(label=_("Approved"), next_steps=_("..."), final=True),
            S.WITHDRAWN: State(label=_("Withdrawn"), next_steps=_("..."), final=True),
        },
        transitions=[
            Transition(S.SUBMITTED, S.IN_REVIEW, actors={STAFF}, label=_("Start review")),
            Transition(S.IN_REVIEW, S.APPROVED, actors={STAFF}, label=_("Approve")),
            Transition(S.SUBMITTED, S.WITHDRAWN, actors={APPLICANT}, label=_("Withdraw")),
        ],
    )

    # licensing/apps.py
    def ready(self):
        from cases.workflow import register
        from licensing.workflow import LICENSE_APPLICATION

        register(LICENSE_APPLICATION)

Statuses are the workflow's own: any lower-case code (``corrections_required``, ``held``)
with the resident's label, the staff label, and whether the case is then open, waiting for
the resident (``waiting=True``) or over (``final=True``). ``cases.models.CaseStatus`` only
names codes several workflows share. ``draft`` is the engine's one reserved code: a case not
sent yet (``case_create(submit=False)``). The kinds of timeline event a workflow records
beyond the engine's own are declared in ``event_kinds`` (see cases/events.py). The database
refuses a status or an event kind the case's workflow does not declare: the declarations are
copied into the ``DeclaredStatus`` and ``DeclaredEventKind`` tables after every ``migrate``
(cases/declarations.py), so a new service needs no migration of ``cases``.

Rules the registry enforces when a workflow is registered (a mistake fails at start-up, not
in front of a resident):

- status codes are lower-case slugs of at most 20 characters; a state is not both final and
  waiting;
- the initial status (``submitted`` unless set) and every transition's ends are in ``states``;
- a ``(source, target)`` pair appears once; actors are ``staff``, ``applicant``, ``system``;
- event kinds are slugs, do not redefine the engine's own, and have audiences among
  ``staff``, ``participants``, ``public``;
- the prefix is 2 to 8 capital letters and no two workflows share a kind or a prefix (the
  system check ``cases.E001`` also refuses the prefixes reserved by `cases.references`).

Actors: ``staff`` is any active member of staff who is not the case's own applicant (nobody
approves their own application), ``applicant`` is the case's own applicant, and ``system``
is code acting with ``actor=None`` (a scheduled task, a payment receipt).

A move may have a ``guard``: a callable ``guard(case=..., actor=...)`` returning ``None`` to
allow the move or a reason to refuse it (``TransitionRefused`` carries the reason). A move
with ``service_only=True`` is made only by the service's own code (which does more in the
same transaction, such as issuing the license), never offered by the generic back office or
the resident's case page; the service still passes the person deciding as ``actor``, so the
timeline records who decided.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise

from cases.events import ALL_AUDIENCES, CORE_EVENT_KINDS, PUBLIC, EventKind
from cases.participation import CORE_ROLES, READS, Participation

if TYPE_CHECKING:
    from cases.areas.locating import CaseLocation

STAFF = "staff"
APPLICANT = "applicant"
SYSTEM = "system"
ACTORS = frozenset({STAFF, APPLICANT, SYSTEM})

_PREFIX = re.compile(r"^[A-Z]{2,8}$")
_KIND = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,19}$")

DRAFT = "draft"

# What a status means for the case: still being worked, waiting for the resident, or over.
OPEN = "open"
WAITING = "waiting"
FINAL = "final"
PHASES = (OPEN, WAITING, FINAL)


@dataclass(frozen=True)
class State:
    """How one status of a workflow reads to the resident."""

    label: str | Promise
    next_steps: str | Promise = ""
    # A final state closes the case: `closed_at` is set on entry and cleared on leaving.
    final: bool = False
    # The case waits for the resident (to answer, upload, pay): not staff's move.
    waiting: bool = False
    # How the back office names it, when staff need more precision than the resident.
    staff_label: str | Promise = ""
    # The service-level target of this stage: staff move the case on within this many
    # business days of its entering the status (None: no target of its own). Only an open
    # status has one: a waiting status stops the clock, a final one ends it.
    target_days: int | None = None

    @property
    def phase(self) -> str:
        return FINAL if self.final else WAITING if self.waiting else OPEN

    @property
    def label_for_staff(self) -> str | Promise:
        return self.staff_label or self.label


@dataclass(frozen=True)
class Transition:
    """One allowed move from `source` to `target`, and who may make it."""

    source: str
    target: str
    actors: frozenset[str] | set[str] = field(default_factory=lambda: frozenset({STAFF}))
    # A public move appears on the resident's timeline and notifies them (and, in a
    # published workflow, on the case's public page); a private one is staff's history.
    public: bool = True
    label: str | Promise = ""
    # guard(case=, actor=) -> None to allow, or the reason the move is refused now.
    guard: Callable[..., str | Promise | None] | None = None
    # Made only by the service's own code, never offered by the generic pages.
    service_only: bool = False

    def __post_init__(self):
        object.__setattr__(self, "actors", frozenset(self.actors))


@dataclass(frozen=True)
class WorkItemJoin:
    """How the parallel work items of one case (a review per department) join their outcomes.

    Items are worked while the case is in `status`. When the last open item of a round closes
    (cases/work_items.py), the case moves as the system to `approved` if every item of the
    round was approved, or to `rejected` if any was rejected. An empty target leaves that move
    to staff: the case may move on, and a guard such as `work_items_closed` keeps it from
    moving on earlier.
    """

    status: str
    approved: str = ""
    rejected: str = ""


@dataclass(frozen=True)
class Workflow:
    """The statuses and moves of one kind of case.

    `target_days` is the whole case's service-level target: a submitted case is due that many
    business days after submission (None: no target for the whole case); each open state may
    add a target of its own stage (`State.target_days`). Both clocks stop while the case is
    in a waiting state and the due dates move on by the business days it waited (see
    cases/service_levels.py). `allow_anonymous` lets a case of this kind be created with no
    applicant and no guest contact (an anonymous concern report); every other case must say
    whom to tell about it. `resident_page` names the service's own page for one case (a URL
    name reversed with the case's `reference`, e.g. an application's answers, fee and
    license); the resident's case page links to it with `resident_page_label`.

    `published` says the case's status history is public: its submission and public moves
    (with their public notes) are shown to anyone who may see the case's public page, as a
    concern report's page is open to all. Otherwise they reach only the people on the case.
    Messages, documents, payments and notes are never published, whatever this says.
    """

    kind: str
    name: str | Promise
    prefix: str
    states: Mapping[str, State]
    transitions: Iterable[Transition]
    target_days: int | None = None
    department_code: str = ""
    initial_status: str = "submitted"
    allow_anonymous: bool = False
    published: bool = False
    resident_page: str = ""
    resident_page_label: str | Promise = ""
    # Kinds of event this workflow records beyond the engine's own (cases.events).
    event_kinds: Mapping[str, EventKind] = field(default_factory=dict)
    # How parallel work items on a case join their outcomes (None: the service has none).
    work_items: WorkItemJoin | None = None
    # The case's people beyond the applicant and followers, and who is told of what
    # (cases/participation.py).
    participation: Participation = field(default_factory=Participation)
    # Where its cases are, for their area (cases/areas/locating.py; None: nowhere).
    location: CaseLocation | None = None

    def __post_init__(self):
        object.__setattr__(self, "transitions", tuple(self.transitions))
        object.__setattr__(self, "states", {str(k): v for k, v in self.states.items()})
        object.__setattr__(self, "event_kinds", dict(self.event_kinds))

    @property
    def all_event_kinds(self) -> dict[str, EventKind]:
        """The engine's kinds and this workflow's own."""
        return {**CORE_EVENT_KINDS, **self.event_kinds}

    def event_kind(self, code: str) -> EventKind | None:
        return CORE_EVENT_KINDS.get(code) or self.event_kinds.get(code)

    def state(self, status: str) -> State | None:
        return self.states.get(status)

    def find_transition(self, source: str, target: str) -> Transition | None:
        for transition in self.transitions:
            if transition.source == source and transition.target == target:
                return transition
        return None

    def transitions_from(
        self, source: str, *, actor_role: str | None = None, offered: bool = False
    ) -> list[Transition]:
        """Moves out of `source`, optionally only those `actor_role` may make, and with
        `offered` only those the generic pages may offer (not the service's own)."""
        return [
            t
            for t in self.transitions
            if t.source == source
            and (actor_role is None or actor_role in t.actors)
            and not (offered and t.service_only)
        ]

    def is_final(self, status: str) -> bool:
        state = self.states.get(status)
        return bool(state and state.final)

    def stage_target(self, status: str) -> int | None:
        """The business days a stage in `status` may take (None: no target of its own)."""
        state = self.states.get(status)
        return state.target_days if state else None

    def phase(self, status: str) -> str:
        """open, waiting (for the resident) or final; open for a status without a state."""
        state = self.states.get(status)
        return state.phase if state else OPEN

    def validate(self) -> None:
        """Raise ImproperlyConfigured if the workflow contradicts itself."""
        where = f"Workflow {self.kind!r}"
        if not _KIND.match(self.kind):
            raise ImproperlyConfigured(f"{where}: kind must be a lower-case slug.")
        if not _PREFIX.match(self.prefix):
            raise ImproperlyConfigured(f"{where}: prefix must be 2 to 8 capital letters.")
        if self.target_days is not None and self.target_days < 0:
            raise ImproperlyConfigured(f"{where}: target_days cannot be negative.")
        unknown = sorted(code for code in self.states if not _CODE.match(code))
        if unknown:
            raise ImproperlyConfigured(
                f"{where}: unknown statuses {unknown}: a status code is a lower-case slug "
                "of at most 20 characters."
            )
        for code, state in self.states.items():
            if state.final and state.waiting:
                raise ImproperlyConfigured(f"{where}: {code!r} cannot be final and waiting.")
            if code == DRAFT and (state.final or state.waiting):
                raise ImproperlyConfigured(f"{where}: a draft is neither final nor waiting.")
            if state.target_days is not None:
                if state.target_days < 0:
                    raise ImproperlyConfigured(
                        f"{where}: the target of {code!r} cannot be negative."
                    )
                if state.final or state.waiting or code == DRAFT:
                    raise ImproperlyConfigured(
                        f"{where}: only an open status has a target; {code!r} is "
                        f"{'a draft' if code == DRAFT else state.phase}."
                    )
        for code, kind in self.event_kinds.items():
            if not _CODE.match(code):
                raise ImproperlyConfigured(
                    f"{where}: event kind {code!r} must be a lower-case slug of at most 20 "
                    "characters."
                )
            if code in CORE_EVENT_KINDS:
                raise ImproperlyConfigured(
                    f"{where}: event kind {code!r} is the engine's own; declare another."
                )
            if not kind.audiences or not kind.audiences <= ALL_AUDIENCES:
                raise ImproperlyConfigured(
                    f"{where}: event kind {code!r} needs audiences among {sorted(ALL_AUDIENCES)}."
                )
        if self.initial_status not in self.states:
            raise ImproperlyConfigured(
                f"{where}: the initial status {self.initial_status!r} has no state."
            )
        seen = set()
        for t in self.transitions:
            pair = (t.source, t.target)
            if t.source not in self.states or t.target not in self.states:
                raise ImproperlyConfigured(f"{where}: transition {pair} leaves the states.")
            if t.source == t.target:
                raise ImproperlyConfigured(f"{where}: transition {pair} goes nowhere.")
            if pair in seen:
                raise ImproperlyConfigured(f"{where}: transition {pair} is declared twice.")
            if t.guard is not None and not callable(t.guard):
                raise ImproperlyConfigured(f"{where}: transition {pair} has a guard not callable.")
            if not t.actors or not t.actors <= ACTORS:
                raise ImproperlyConfigured(
                    f"{where}: transition {pair} needs actors among {sorted(ACTORS)}."
                )
            seen.add(pair)
        self._validate_participation(where)
        join = self.work_items
        if join is not None:
            if join.status not in self.states:
                raise ImproperlyConfigured(
                    f"{where}: work items are worked in {join.status!r}, which has no state."
                )
            for target in (join.approved, join.rejected):
                move = self.find_transition(join.status, target) if target else True
                if move is None or (move is not True and SYSTEM not in move.actors):
                    raise ImproperlyConfigured(
                        f"{where}: joining work items moves {join.status!r} to {target!r}, "
                        "which needs a transition the system may make."
                    )

    def _validate_participation(self, where: str) -> None:
        participation = self.participation
        for code, role in participation.roles.items():
            if not _CODE.match(code):
                raise ImproperlyConfigured(
                    f"{where}: participant role {code!r} must be a lower-case slug of at most "
                    "20 characters."
                )
            if code in CORE_ROLES:
                raise ImproperlyConfigured(
                    f"{where}: participant role {code!r} is the engine's own; declare another."
                )
            if role.reads not in READS:
                raise ImproperlyConfigured(
                    f"{where}: participant role {code!r} reads {role.reads!r}, not one of "
                    f"{sorted(READS)}."
                )
        roles = participation.all_roles
        kinds = self.all_event_kinds
        for kind, told in participation.all_notices.items():
            if kind not in kinds:
                raise ImproperlyConfigured(
                    f"{where}: participants are told of {kind!r}, an event kind it does not record."
                )
            for role, template_key in told.items():
                if role not in roles:
                    raise ImproperlyConfigured(
                        f"{where}: {role!r}, told of {kind!r}, is not a participant role."
                    )
                if not template_key:
                    raise ImproperlyConfigured(
                        f"{where}: {role!r} is told of {kind!r} without a message template."
                    )
                if roles[role].reads == PUBLIC and PUBLIC not in kinds[kind].audiences:
                    raise ImproperlyConfigured(
                        f"{where}: {role!r} reads only public events and cannot be told of "
                        f"{kind!r}, which is never public."
                    )


_registry: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    """Add `workflow` to the registry; raise ImproperlyConfigured on any inconsistency.

    Registering the very same object twice is harmless (AppConfig.ready() may run twice in
    some test set-ups); a different workflow for a registered kind or prefix is an error.
    """
    workflow.validate()
    existing = _registry.get(workflow.kind)
    if existing is workflow:
        return workflow
    if existing is not None:
        raise ImproperlyConfigured(f"A workflow for kind {workflow.kind!r} is registered.")
    for other in _registry.values():
        if other.prefix == workflow.prefix:
            raise ImproperlyConfigured(
                f"Prefix {workflow.prefix!r} is already used by workflow {other.kind!r}."
            )
    _registry[workflow.kind] = workflow
    return workflow


def unregister(kind: str) -> None:
    """Remove the workflow of `kind` (for tests that register a throw-away workflow)."""
    _registry.pop(kind, None)


def get_workflow(kind: str) -> Workflow:
    """Return the workflow registered for `kind`; raise LookupError if there is none."""
    try:
        return _registry[kind]
    except KeyError:
        raise LookupError(f"No workflow is registered for case kind {kind!r}.") from None


def registered_workflows() -> list[Workflow]:
    """Every registered workflow, by kind."""
    return [_registry[kind] for kind in sorted(_registry)]
