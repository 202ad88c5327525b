from notifications.reminders import ReminderSource

SHOW_DAY = ReminderSource(
    key="petshow.show_day",
    label="Pet show entries, by their show day",
    from_sql=(
        "petshow_entry AS e JOIN petshow_showclass AS s ON s.id = e.show_class_id"
        " JOIN cases_case AS c ON c.id = e.case_id"
    ),
    row_id="e.id",
    date="s.show_day",
    where="c.status = 'entered'",
    account="c.applicant_id",
    guest_email="c.guest_email",
    guest_language="c.language",
    context={"pet_name": "e.pet_name", "show_day": "to_char(s.show_day, 'YYYY-MM-DD')"},
)
