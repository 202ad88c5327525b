from django.db import migrations

# The summary tables as of this migration.
SUMMARIES = (
    "analytics_caseweek",
    "analytics_closeduration",
    "analytics_backlogage",
    "analytics_revenueday",
    "analytics_gatewayattentionday",
    "analytics_messageday",
)


def summaries_rebuild(apps, schema_editor):
    """Rebuild the summaries that 0003 emptied, where figures had been published.

    0003 emptied the durations and the backlog (to add their department), so until the next
    scheduled refresh the median days to decision and the backlog charts would show nothing
    while the page says the figures are up to date. This runs the beat task's own service
    at deployment instead, in the migration's transaction (seconds over a million cases; see
    docs/performance.md). Where the summaries were never refreshed (a new or empty
    database) there is nothing to repair, and nothing is written: the page keeps saying the
    figures have not been worked out yet until the first scheduled refresh.

    The service is the current code, not a frozen copy: it reads the tables as the
    migrations this one depends on leave them, which is the schema it was written for, and
    is told the summaries of that schema (those added later do not exist yet).
    """
    SummaryRefresh = apps.get_model("analytics", "SummaryRefresh")
    if not SummaryRefresh.objects.using(schema_editor.connection.alias).exists():
        return
    from portal.analytics.refresh import summaries_refresh

    summaries_refresh(tables=SUMMARIES)


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0003_durations_and_backlog_by_department"),
        # The tables the refresh reads, at the schema it reads them in.
        ("cases", "0017_work_item_cancelled"),
        ("notifications", "0007_delivery_status"),
        ("payments", "0006_invoice_one_per_subject"),
    ]

    operations = [
        # Reversing leaves the rebuilt rows: they are right for 0003's schema too.
        migrations.RunPython(summaries_rebuild, reverse_code=migrations.RunPython.noop),
    ]
