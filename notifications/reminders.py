"""Reminder sources: the rows a service can be reminded about, declared in code.

A reminder *rule* (`notifications.models.ReminderRule`, data an administrator edits) says "N
days before (or after) this date, on these channels, with this template". What "this date"
is, of which rows, and who is told, is a *source*: the owning app registers one in its
`AppConfig.ready()` with `register_source`, as SQL fragments the engine composes into one
set-based statement per rule (see `notifications.services.reminders` and
notifications/README.md). Notifications never imports the app that owns a source.

Every fragment is trusted SQL written by the app (never user input). Fragments may use the
statement's parameters `%(today)s` (the run's date), `%(days)s` (the rule's number of days,
never negative), `%(rule_id)s` and `%(time_zone)s` (the agency's time zone); a literal
percent sign is written `%%`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise


@dataclass(frozen=True)
class ReminderSource:
    """Which rows a rule may remind about, the date it counts from, and who is told.

    key           stable name rules refer to, e.g. "licensing.license_expiry"
    label         what the admin shows
    from_sql      the FROM clause, with aliases (joins allowed)
    row_id        expression of the row's id (bigint), the dedupe key's "row"
    date          expression of the date the rule counts from (a `date`; an index on it
                  keeps a rule's run to the rows of its window)
    where         rows that may be reminded at all (e.g. active licenses only)
    account       expression of the recipient's account id, or NULL for a guest
    guest_email   e-mail address of a guest (used only when `account` is NULL)
    guest_phone   phone number of a guest in E.164 (used only when `account` is NULL); a
                  source gives one only where the person agreed to texts
    guest_language  language of a guest (an account's own preference wins)
    context       template context: name -> SQL expression (JSON-serializable values)
    link          (URL name, kwargs as SQL expressions): the page the message points to,
                  absolute, for account holders (`link_for_guests` for guests too)
    scope         expression a rule may narrow its rows by (e.g. the license type's id),
                  with `scope_model` ("app_label.Model") naming what the ids are
    guest_links   optional callable, for links a statement cannot make (a guest link is
                  signed in Python, `cases.links`): given the ids of the rows a run has just
                  queued guests' messages for, it returns {row id: absolute link}; the engine
                  writes each on that guest's messages, in the run's transaction, so they are
                  sent with it
    record        optional statement run over the rows a run queued messages for, e.g. the
                  entry of a service's own timeline. It reads the relation `queued_rows`
                  (columns `object_id`, `on_date`, `due_on`, and `context`, the messages'
                  jsonb context, so a record needs not read the source's tables again) and
                  must end with `RETURNING 1`, so the run counts what it wrote.
    """

    key: str
    label: str | Promise
    from_sql: str
    row_id: str
    date: str
    where: str = "TRUE"
    account: str = "NULL::bigint"
    guest_email: str = "''"
    guest_phone: str = "''"
    guest_language: str = "''"
    context: dict[str, str] = field(default_factory=dict)
    link: tuple[str, dict[str, str]] | None = None
    link_for_guests: bool = False
    guest_links: Callable[[list[int]], dict[int, str]] | None = None
    scope: str = ""
    scope_model: str = ""
    record: str = ""


_SOURCES: dict[str, ReminderSource] = {}


def register_source(source: ReminderSource) -> None:
    """Make `source` available to reminder rules; registering the same key again replaces it."""
    _SOURCES[source.key] = source


def unregister_source(key: str) -> None:
    """Forget a source (tests that register a throwaway one)."""
    _SOURCES.pop(key, None)


def get_source(key: str) -> ReminderSource:
    """Return the source registered as `key`; raises LookupError if there is none."""
    try:
        return _SOURCES[key]
    except KeyError:
        raise LookupError(f"No reminder source is registered as {key!r}.") from None


def source_choices() -> list[tuple[str, str]]:
    """The registered sources as (key, label) choices, for the rule's form."""
    return sorted(((s.key, str(s.label)) for s in _SOURCES.values()), key=lambda c: c[1])
