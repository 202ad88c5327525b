"""The reminder engine: each active rule, one set-based statement, nothing read into Python.

For a rule "N days before (after) the date of a source's rows", a row is due on
``date - N`` (``date + N``). One statement per rule:

1. selects the source's rows whose due day lies in the rule's window, today and the days
   before it still worth catching up (`ReminderRule.catch_up_days`), skipping the rows the
   rule already fired for (its `ReminderOccurrence` for that due date);
2. records the occurrence, `ON CONFLICT DO NOTHING` on (rule, row, due date): a second run,
   or two workers at once, fire nothing twice;
3. queues the messages through the outbox's bulk enqueue (`bulk_enqueue_sql`), which alone
   decides addressing (account, guest e-mail and phone, preferences, opt-outs, language),
   available at the rule's send-at time on the due day, in the agency's time zone (at once
   for a day caught up late);
4. runs the source's own `record` statement (a timeline entry), for rows that got messages.

A source whose guests need a link only Python can issue (`ReminderSource.guest_links`) gets
the keys of its guests' messages back from the statement, and the links are written on them
in the same transaction, before the dispatcher can see them.

Catch-up never sends a stale reminder: a rule's window stops where the next rule of the same
source, template and scope becomes due, so after a few missed days a license 26 days from
expiry gets the 30-day reminder only, never also the 60-day one.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification, ReminderOccurrence, ReminderRule
from notifications.reminders import ReminderSource, get_source
from notifications.services.outbox import (
    bulk_enqueue_params,
    bulk_enqueue_sql,
    schedule_dispatch,
)

logger = logging.getLogger(__name__)

_OCCURRENCES = ReminderOccurrence._meta.db_table
_URL_MARKER = "REMINDER-LINK-PART-"


@dataclass(frozen=True)
class ReminderOutcome:
    """What one rule's run wrote: occurrences, messages per channel, the source's records."""

    rule_id: int
    fired: int
    emails: int
    sms: int
    in_app: int
    recorded: int

    @property
    def messages(self) -> int:
        return self.emails + self.sms + self.in_app

    @property
    def total(self) -> int:
        """Every row written; 0 on a second run of the same day."""
        return self.fired + self.messages + self.recorded


def _sql_literal_parts(url: str, markers: dict[str, str]) -> str:
    """Turn a reversed URL with markers into an SQL concatenation of literals and expressions."""
    parts: list[str] = []
    rest = url
    while True:
        positions = [(rest.find(marker), marker) for marker in markers if marker in rest]
        if not positions:
            break
        at, marker = min(positions)
        parts.append(_quote(rest[:at]))
        parts.append(f"({markers[marker]})::text")
        rest = rest[at + len(marker) :]
    parts.append(_quote(rest))
    return " || ".join(parts)


def _quote(text: str) -> str:
    # The text is the site's own URL prefix and paths from reverse(); doubled quotes and
    # percent signs keep it a literal inside a statement that also takes parameters.
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def _link_sql(source: ReminderSource) -> str:
    if source.link is None:
        return "''"
    # reverse() with a marker per argument, then each marker replaced by its expression: the
    # URL patterns stay the one place paths are spelled (arguments must accept the marker).
    name, kwargs = source.link
    markers = {key: f"{_URL_MARKER}{index}" for index, key in enumerate(kwargs)}
    url = settings.SITE_URL + reverse(name, kwargs=markers)
    link = _sql_literal_parts(url, {markers[key]: kwargs[key] for key in kwargs})
    if source.link_for_guests:
        return link
    return f"CASE WHEN ({source.account}) IS NULL THEN '' ELSE {link} END"


def _context_sql(source: ReminderSource) -> str:
    pairs = ["'days', %(days)s::integer"]
    for name, expression in source.context.items():
        pairs.append(f"{_quote(name)}, {expression}")
    return "jsonb_build_object(" + ", ".join(pairs) + ")"


def _guest_keys_sql(source: ReminderSource) -> str:
    # The dedupe keys of the messages queued for guests, when the source links them itself.
    if source.guest_links is None:
        return "'{}'::text[]"
    return """(SELECT coalesce(array_agg(q.dedupe_key), '{}')
          FROM queued AS q
          JOIN recipients AS r ON q.dedupe_key = r.key || ':' || q.channel
         WHERE r.account_id IS NULL)"""


def _write_guest_links(source: ReminderSource, keys: list[str], cursor) -> None:
    """Put the source's guest link of each row on the guest messages queued for it (dedupe
    keys ``reminder:<rule>:<row>:<due>:<channel>``), in one UPDATE."""
    by_row: dict[int, list[str]] = {}
    for key in keys:
        by_row.setdefault(int(key.split(":")[2]), []).append(key)
    links = source.guest_links(sorted(by_row))
    pairs = [
        (key, links[row]) for row, row_keys in by_row.items() if links.get(row) for key in row_keys
    ]
    if not pairs:
        return
    cursor.execute(
        f"""UPDATE {Notification._meta.db_table} AS n SET link_url = v.url
              FROM unnest(%s::text[], %s::text[]) AS v(key, url)
             WHERE n.dedupe_key = v.key""",  # noqa: S608 (the table from the model)
        [[key for key, _url in pairs], [url for _key, url in pairs]],
    )


def rule_statement(*, rule: ReminderRule, source: ReminderSource) -> str:
    """Return the one statement that runs `rule` (parameters: `rule_params`)."""
    scope = f"AND ({source.scope}) = ANY(%(scope)s)" if rule.scope and source.scope else ""
    record = (
        f""",
recorded AS (
{source.record}
)"""
        if source.record
        else """,
recorded AS (SELECT 1 WHERE FALSE)"""
    )
    # `due` is the rule's window, narrowed by the source's own date expression so an index
    # on it serves the range; rows fired already are skipped here, by the occurrence's
    # unique index, rather than built only for ON CONFLICT to drop them (most rows of a
    # catch-up window were reminded on an earlier day).
    return f"""
WITH due AS MATERIALIZED (
    SELECT ({source.row_id})::bigint AS object_id,
           ({source.date})::date AS on_date,
           ({source.date})::date + %(offset)s::integer AS due_on,
           ({source.account})::bigint AS account_id,
           COALESCE(({source.guest_email})::text, '') AS guest_email,
           COALESCE(({source.guest_phone})::text, '') AS guest_phone,
           COALESCE(({source.guest_language})::text, '') AS guest_language,
           {_context_sql(source)} AS context,
           {_link_sql(source)} AS link_url
      FROM {source.from_sql}
     WHERE ({source.where})
       AND ({source.date}) >= %(first_date)s
       AND ({source.date}) <= %(last_date)s
       {scope}
       AND NOT EXISTS (
               SELECT 1 FROM {_OCCURRENCES} AS fired_before
                WHERE fired_before.rule_id = %(rule_id)s
                  AND fired_before.object_id = ({source.row_id})
                  AND fired_before.due_on = ({source.date})::date + %(offset)s::integer)
),
fired AS (
    INSERT INTO {_OCCURRENCES} (rule_id, object_id, due_on, created_at)
    SELECT %(rule_id)s, object_id, due_on, statement_timestamp() FROM due
        ON CONFLICT (rule_id, object_id, due_on) DO NOTHING
 RETURNING object_id, due_on
),
recipients AS (
    SELECT d.account_id, d.guest_email, d.guest_phone, d.guest_language, d.context,
           d.link_url,
           'reminder:' || %(rule_id)s::text || ':' || d.object_id::text || ':'
               || to_char(d.due_on, 'YYYY-MM-DD') AS key,
           GREATEST(statement_timestamp(),
                    (d.due_on + %(send_at)s::time) AT TIME ZONE %(time_zone)s) AS available_at
      FROM due AS d
      JOIN fired AS f ON f.object_id = d.object_id AND f.due_on = d.due_on
),
queued AS (
{bulk_enqueue_sql(recipients="recipients")}
),
queued_rows AS (
    SELECT d.object_id, d.on_date, d.due_on, d.context
      FROM due AS d
     WHERE (d.object_id, d.due_on) IN (
               SELECT split_part(dedupe_key, ':', 3)::bigint,
                      split_part(dedupe_key, ':', 4)::date
                 FROM queued)
){record}
SELECT (SELECT count(*) FROM fired),
       (SELECT count(*) FROM queued WHERE channel = 'email'),
       (SELECT count(*) FROM queued WHERE channel = 'sms'),
       (SELECT count(*) FROM queued WHERE channel = 'in_app'),
       (SELECT count(*) FROM recorded),
       {_guest_keys_sql(source)}
"""  # noqa: S608 (fragments are the registered sources' own SQL; values are parameters)


def _window_days(rule: ReminderRule, siblings: Iterable[ReminderRule]) -> int:
    """How many days, today included, the rule's window reaches back.

    Its catch-up allowance, cut where the next rule of the same series becomes due: a
    reminder is never sent once a nearer one is current.
    """
    later = [
        sibling.offset
        for sibling in siblings
        if sibling.pk != rule.pk
        and sibling.active
        and sibling.source == rule.source
        and sibling.template_key == rule.template_key
        and sorted(sibling.scope) == sorted(rule.scope)
        and sibling.offset > rule.offset
    ]
    window = rule.catch_up_days
    if later:
        window = min(window, min(later) - rule.offset)
    return max(window, 1)


def rule_params(
    *, rule: ReminderRule, today: datetime.date, siblings: Iterable[ReminderRule] = ()
) -> dict:
    """Return the parameters of `rule_statement` for a run on `today`."""
    window = _window_days(rule, siblings)
    # Due in (today - window, today]  <=>  date in [today - window + 1 - offset, today - offset].
    last_date = today - datetime.timedelta(days=rule.offset)
    first_date = last_date - datetime.timedelta(days=window - 1)
    return {
        **bulk_enqueue_params(template_key=rule.template_key, channels=rule.channels),
        "rule_id": rule.pk,
        "today": today,
        "days": rule.days,
        "offset": rule.offset,
        "first_date": first_date,
        "last_date": last_date,
        "scope": list(rule.scope),
        "send_at": rule.send_at,
        "time_zone": settings.TIME_ZONE,
    }


def reminder_rule_run(
    *, rule: ReminderRule, today: datetime.date, siblings: Iterable[ReminderRule] = ()
) -> ReminderOutcome:
    """Fire `rule` for every row due on `today` or in its catch-up window, in one statement.

    `siblings` are the other rules, for the window's end (see `_window_days`). One
    transaction; the dispatcher is scheduled after commit if messages were queued. Raises
    LookupError if the rule's source is not registered.
    """
    source = get_source(rule.source)
    statement = rule_statement(rule=rule, source=source)
    params = rule_params(rule=rule, today=today, siblings=siblings)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        *counts, guest_keys = cursor.fetchone()
        outcome = ReminderOutcome(rule.pk, *counts)
        if guest_keys:
            _write_guest_links(source, guest_keys, cursor)
        if outcome.messages:
            schedule_dispatch()
    logger.info(
        "Reminder rule %s for %s: %s fired, %s e-mail, %s SMS, %s in-app",
        rule.pk,
        today,
        outcome.fired,
        outcome.emails,
        outcome.sms,
        outcome.in_app,
    )
    return outcome


def reminders_run(
    *, today: datetime.date | None = None, source: str | None = None
) -> list[ReminderOutcome]:
    """Run every active rule (of `source` only, if given) for `today`, the agency's date.

    Each rule runs in its own transaction: a rule whose source is gone is logged and skipped,
    the others still run. Safe to run any number of times a day.
    """
    today = today or timezone.localdate()
    rules = list(ReminderRule.objects.filter(active=True).order_by("pk"))
    outcomes = []
    for rule in rules:
        if source is not None and rule.source != source:
            continue
        try:
            outcomes.append(reminder_rule_run(rule=rule, today=today, siblings=rules))
        except LookupError:
            logger.error("Reminder rule %s names no registered source %r", rule.pk, rule.source)
    return outcomes
