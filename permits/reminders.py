"""Permits' reminder source: booked inspections, by the working day before them.

`Inspection.remind_on` is the working day before the inspection (holidays skipped, written
when it is booked or moved), so the rule "0 days before, by e-mail and text" reminds on the
right day after a weekend or a holiday; migration 0003 adds that rule, which administrators
may change like any other (notifications/README.md).
"""

from django.utils.translation import gettext_lazy as _

from notifications.reminders import ReminderSource

SOURCE_KEY = "permits.inspection_day"
TEMPLATE_KEY = "permits/inspection_reminder"

INSPECTION_DAY = ReminderSource(
    key=SOURCE_KEY,
    label=_("Permit inspections, the working day before"),
    from_sql="""permits_inspection AS i
        JOIN permits_permit AS p ON p.id = i.permit_id
        JOIN permits_inspectionstep AS s ON s.id = i.step_id
        JOIN cases_case AS c ON c.id = p.case_id""",
    row_id="i.id",
    date="i.remind_on",
    where="i.status = 'scheduled' AND i.day > %(today)s",
    account="c.applicant_id",
    guest_email="c.guest_email",
    context={
        "reference": "c.reference",
        "permit_number": "p.permit_number",
        "address": "p.address",
        "inspection": "s.name",
        "inspection_es": "s.name_es",
        "day_on": "to_char(i.day, 'YYYY-MM-DD')",
        "period": "i.period",
        "time": "coalesce(to_char(i.starts_at, 'HH24:MI'), '')",
    },
    link=("permits:inspections", {"reference": "c.reference"}),
    scope="p.permit_type_id",
    scope_model="permits.PermitType",
)
