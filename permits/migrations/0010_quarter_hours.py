import django.core.validators
import django.db.models.expressions
import django.db.models.functions.math
import django.db.models.lookups
from django.conf import settings
from django.db import migrations, models

# Exact times go by quarter hours.
#
# A shift's minutes per inspection become a multiple of 15 (rounded up, and its inspections
# lowered where the rounded minutes no longer fit in the half-day).
SHIFTS_SQL = """
UPDATE permits_inspectorshift
   SET appointment_minutes = ((appointment_minutes + 14) / 15) * 15,
       capacity = LEAST(capacity, 240 / (((appointment_minutes + 14) / 15) * 15))
 WHERE mod(appointment_minutes, 15) <> 0
"""

# The days already opened at exact times keep their times: each time (one row per time,
# spanning the shift's minutes) keeps its row, now its first quarter hour, and the rest of
# its span is cut in quarter hours after it (a last piece shorter where the minutes were no
# multiple of 15), with the same capacity (0 stays a time off). Every row keeps the time's
# length as its shift's minutes. Then each quarter hour counts the booked inspections its
# span overlaps, so an inspection keeps its time and what it does not overlap is free.
SPLIT_SQL = [
    """
    UPDATE permits_inspectionslot
       SET shift_minutes = GREATEST(15, round(extract(epoch FROM upper(span) - lower(span)) / 60))
     WHERE starts_at IS NOT NULL
    """,
    """
    CREATE TEMPORARY TABLE permits_split_times AS
    SELECT id, inspector_id, day, period, area_id, capacity, starts_at, span, shift_minutes
      FROM permits_inspectionslot
     WHERE starts_at IS NOT NULL AND upper(span) - lower(span) > interval '15 minutes'
    """,
    """
    UPDATE permits_inspectionslot AS s
       SET span = tstzrange(lower(s.span), lower(s.span) + interval '15 minutes', '[)')
      FROM permits_split_times AS x
     WHERE s.id = x.id
    """,
    """
    INSERT INTO permits_inspectionslot
           (inspector_id, day, period, area_id, capacity, booked, starts_at, span, shift_minutes)
    SELECT x.inspector_id, x.day, x.period, x.area_id, x.capacity, 0,
           x.starts_at + k * interval '15 minutes',
           tstzrange(lower(x.span) + k * interval '15 minutes',
                     LEAST(lower(x.span) + (k + 1) * interval '15 minutes', upper(x.span)), '[)'),
           x.shift_minutes
      FROM permits_split_times AS x
     CROSS JOIN LATERAL generate_series(
           1, ceil(extract(epoch FROM upper(x.span) - lower(x.span)) / 900)::int - 1) AS k
    """,
    """
    UPDATE permits_inspectionslot AS s
       SET booked = (
           SELECT count(*) FROM permits_inspection AS i
            WHERE i.status = 'scheduled' AND i.inspector_id = s.inspector_id
              AND i.day = s.day AND i.span && s.span)
     WHERE s.starts_at IS NOT NULL
    """,
    "DROP TABLE permits_split_times",
]


def quarter_hours(apps, schema_editor):
    schema_editor.execute(SHIFTS_SQL)
    for statement in SPLIT_SQL:
        schema_editor.execute(statement)
    # Check the new rows' foreign keys now, so the constraints below may alter the table in
    # the same transaction.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("permits", "0009_permit_fee_invoice_once"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="inspectorshift",
            name="permits_shift_times_fit",
        ),
        migrations.AddField(
            model_name="inspectionslot",
            name="shift_minutes",
            field=models.PositiveSmallIntegerField(
                blank=True, editable=False, null=True, verbose_name="minutes per inspection"
            ),
        ),
        migrations.AlterField(
            model_name="inspectionstep",
            name="minutes",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="How long this inspection takes where inspectors work at exact times: it is offered only at the times from which this much of the shift is free, and holds the quarter hours it overlaps, leaving the rest to another inspection. Empty: as long as one exact time of the inspector's shift.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(15),
                    django.core.validators.MaxValueValidator(240),
                ],
                verbose_name="minutes, at exact times",
            ),
        ),
        migrations.AlterField(
            model_name="inspectorshift",
            name="appointment_minutes",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="Empty: applicants book the morning or the afternoon. A number (a multiple of 15): they book an exact time, offered every so many minutes from the start of the half-day (8 a.m. or noon) and right after each booked inspection; the working time is the inspections above times these minutes. An inspection takes its own minutes (these, if it has none) in quarter hours, and leaves the rest to another.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(15),
                    django.core.validators.MaxValueValidator(240),
                ],
                verbose_name="minutes per inspection, at exact times",
            ),
        ),
        migrations.RunPython(quarter_hours, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="inspectionslot",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("shift_minutes__isnull", True), ("starts_at__isnull", True)),
                    models.Q(("shift_minutes__gte", 15), ("starts_at__isnull", False)),
                    _connector="OR",
                ),
                name="permits_slot_time_has_minutes",
            ),
        ),
        migrations.AddConstraint(
            model_name="inspectorshift",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("appointment_minutes__isnull", True),
                    models.Q(
                        models.Q(("appointment_minutes__gte", 15)),
                        django.db.models.lookups.Exact(
                            django.db.models.functions.math.Mod(
                                models.F("appointment_minutes"), 15
                            ),
                            0,
                        ),
                        django.db.models.lookups.LessThanOrEqual(
                            django.db.models.expressions.CombinedExpression(
                                models.F("capacity"), "*", models.F("appointment_minutes")
                            ),
                            240,
                        ),
                    ),
                    _connector="OR",
                ),
                name="permits_shift_times_fit",
            ),
        ),
    ]
