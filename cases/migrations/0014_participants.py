"""A case's people become rows of their own: every case's applicant (its account, or its
guest's e-mail address and phone, in the language they applied in) is its applicant
participant, confirmed since the case was made. Anonymous cases have none."""

import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
import phonenumber_field.modelfields
from django.conf import settings
from django.db import migrations, models

import portal.languages


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0013_service_level_stages"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Participant",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("role", models.CharField(max_length=20, verbose_name="role")),
                ("name", models.CharField(blank=True, max_length=150, verbose_name="name")),
                (
                    "email",
                    models.EmailField(blank=True, max_length=254, verbose_name="e-mail address"),
                ),
                (
                    "phone",
                    phonenumber_field.modelfields.PhoneNumberField(
                        blank=True, max_length=128, region=None, verbose_name="phone"
                    ),
                ),
                (
                    "language",
                    portal.languages.LanguageField(
                        choices=portal.languages.language_choices,
                        default=portal.languages.default_language,
                        max_length=8,
                        verbose_name="language",
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="since"),
                ),
                (
                    "confirmed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="confirmed at"),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="participants",
                        to="cases.case",
                        verbose_name="case",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="case_participations",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="account",
                    ),
                ),
            ],
            options={
                "verbose_name": "participant",
                "verbose_name_plural": "participants",
                "ordering": ["created_at", "id"],
                "indexes": [
                    models.Index(fields=["case", "role"], name="cases_participant_case_role"),
                    models.Index(fields=["user"], name="cases_participant_user"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("role__regex", "^[a-z][a-z0-9_]{1,19}$")),
                        name="cases_participant_role_format",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("user__isnull", False),
                            models.Q(("email", ""), _negated=True),
                            models.Q(("phone", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="cases_participant_reachable",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("user__isnull", True),
                            models.Q(("email", ""), ("phone", "")),
                            _connector="OR",
                        ),
                        name="cases_participant_account_or_guest",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("role", "applicant")),
                        fields=("case",),
                        name="cases_participant_one_applicant",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("user__isnull", False)),
                        fields=("case", "role", "user"),
                        name="cases_participant_user_once",
                    ),
                    models.UniqueConstraint(
                        models.F("case"),
                        models.F("role"),
                        django.db.models.functions.text.Lower("email"),
                        condition=models.Q(("email", ""), _negated=True),
                        name="cases_participant_email_once",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("phone", ""), _negated=True),
                        fields=("case", "role", "phone"),
                        name="cases_participant_phone_once",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("language__regex", "^[a-z]{2,3}(-[a-z0-9]{2,8})*$")),
                        name="cases_participant_language_tag",
                    ),
                ],
            },
        ),
        migrations.RunSQL(
            """
            INSERT INTO cases_participant
                   (case_id, role, user_id, name, email, phone, language, created_at,
                    confirmed_at)
            SELECT id, 'applicant', applicant_id,
                   CASE WHEN applicant_id IS NULL THEN guest_name ELSE '' END,
                   CASE WHEN applicant_id IS NULL THEN guest_email ELSE '' END,
                   CASE WHEN applicant_id IS NULL THEN guest_phone ELSE '' END,
                   language, created_at, created_at
              FROM cases_case
             WHERE applicant_id IS NOT NULL OR guest_email <> '' OR guest_phone <> ''
             ORDER BY id
            """,
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
