"""License types' questions and required documents move to the shared `cases.questions`
tables, owned by their type through contenttypes.

Rows keep their ids, so a conditional question still names its parent, a supplied document
still names its requirement, and the answers (JSON keyed by question code) read as before.
Reversible: going back copies the rows into licensing's own tables again.
"""

import django.db.models.deletion
from django.db import migrations, models

QUESTION_FIELDS = (
    "id",
    "code",
    "label",
    "hint",
    "kind",
    "required",
    "order",
    "choices",
    "for_renewal",
    "condition_question_id",
    "condition_value",
    "min_value",
    "max_value",
    "date_range",
    "review_answer",
)
DOCUMENT_FIELDS = ("id", "name", "description", "required", "order")


def _license_type_content_type(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label="licensing", model="licensetype")[0]


def _restart_sequence(schema_editor, model) -> None:
    """After rows are copied with their ids, the table's next id follows the largest one."""
    largest = model.objects.aggregate(largest=models.Max("id"))["largest"]
    schema_editor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)",
        [model._meta.db_table, largest or 1, largest is not None],
    )


def questions_to_cases(apps, schema_editor):
    """Copy every type's questions and documents into the shared tables, ids kept."""
    OldQuestion = apps.get_model("licensing", "Question")
    OldDocument = apps.get_model("licensing", "RequiredDocument")
    Question = apps.get_model("cases", "Question")
    Document = apps.get_model("cases", "DocumentRequirement")
    if not OldQuestion.objects.exists() and not OldDocument.objects.exists():
        return
    owner_type = _license_type_content_type(apps)
    Document.objects.bulk_create(
        Document(
            owner_type=owner_type,
            owner_id=old["license_type_id"],
            **{field: old[field] for field in DOCUMENT_FIELDS},
        )
        for old in OldDocument.objects.values("license_type_id", *DOCUMENT_FIELDS)
    )
    Question.objects.bulk_create(
        Question(
            owner_type=owner_type,
            owner_id=old["license_type_id"],
            **{field: old[field] for field in QUESTION_FIELDS},
        )
        for old in OldQuestion.objects.order_by("id").values("license_type_id", *QUESTION_FIELDS)
    )
    for model in (Question, Document):
        _restart_sequence(schema_editor, model)
    # The copies' foreign keys are checked now, so the table changes that follow in this
    # transaction meet no pending checks.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def questions_back_to_licensing(apps, schema_editor):
    """Copy license types' shared questions and documents back into licensing's tables."""
    OldQuestion = apps.get_model("licensing", "Question")
    OldDocument = apps.get_model("licensing", "RequiredDocument")
    Question = apps.get_model("cases", "Question")
    Document = apps.get_model("cases", "DocumentRequirement")
    owner_type = _license_type_content_type(apps)
    documents = Document.objects.filter(owner_type=owner_type)
    questions = Question.objects.filter(owner_type=owner_type)
    OldDocument.objects.bulk_create(
        OldDocument(license_type_id=new["owner_id"], **{f: new[f] for f in DOCUMENT_FIELDS})
        for new in documents.values("owner_id", *DOCUMENT_FIELDS)
    )
    OldQuestion.objects.bulk_create(
        OldQuestion(license_type_id=new["owner_id"], **{f: new[f] for f in QUESTION_FIELDS})
        for new in questions.order_by("id").values("owner_id", *QUESTION_FIELDS)
    )
    for model in (OldQuestion, OldDocument):
        _restart_sequence(schema_editor, model)
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def forget_copies(apps, schema_editor):
    """Going back: the shared tables no longer hold license types' rows."""
    Question = apps.get_model("cases", "Question")
    Document = apps.get_model("cases", "DocumentRequirement")
    owner_type = _license_type_content_type(apps)
    # Children before the questions they depend on (PROTECT).
    questions = Question.objects.filter(owner_type=owner_type)
    while questions.exists():
        questions.exclude(dependents__isnull=False).delete()
    Document.objects.filter(owner_type=owner_type).delete()
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_questions_and_documents"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("licensing", "0015_question_number_and_date_limits"),
    ]

    operations = [
        migrations.RunPython(questions_to_cases, forget_copies),
        migrations.AlterField(
            model_name="applicationdocument",
            name="requirement",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="supplied",
                to="cases.documentrequirement",
            ),
        ),
        migrations.RunPython(migrations.RunPython.noop, questions_back_to_licensing),
        migrations.DeleteModel(name="Question"),
        migrations.DeleteModel(name="RequiredDocument"),
    ]
