"""Concern categories' questions (Open311 attributes) move to the shared `cases.questions`
table, owned by their category: a datatype becomes the question's kind, a list's answers its
choices ("key | name" a line), an attribute that asks nothing an information line. Codes and
keys are kept, so the answers stored on reports read as before.
"""

from django.db import migrations

KIND_OF_DATATYPE = {
    "string": "text",
    "text": "long_text",
    "number": "number",
    "datetime": "datetime",
    "singlevaluelist": "single_choice",
    "multivaluelist": "multiple_choice",
}
DATATYPE_OF_KIND = {kind: datatype for datatype, kind in KIND_OF_DATATYPE.items()}


def _category_content_type(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label="concerns", model="concerncategory")[0]


def attributes_to_questions(apps, schema_editor):
    CategoryAttribute = apps.get_model("concerns", "CategoryAttribute")
    Question = apps.get_model("cases", "Question")
    attributes = CategoryAttribute.objects.prefetch_related("values").order_by("id")
    if not attributes.exists():
        return
    owner_type = _category_content_type(apps)
    questions = []
    for attribute in attributes:
        values = sorted(attribute.values.all(), key=lambda value: (value.order, value.id))
        questions.append(
            Question(
                owner_type=owner_type,
                owner_id=attribute.category_id,
                code=attribute.code,
                label=attribute.description,
                hint=attribute.datatype_description,
                kind=KIND_OF_DATATYPE[attribute.datatype] if attribute.variable else "info",
                required=attribute.required and attribute.variable,
                order=attribute.order,
                choices="\n".join(
                    value.key if value.key == value.name else f"{value.key} | {value.name}"
                    for value in values
                ),
            )
        )
    Question.objects.bulk_create(questions)
    # Checked now, so the tables dropped next in this transaction meet no pending checks.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def questions_to_attributes(apps, schema_editor):
    CategoryAttribute = apps.get_model("concerns", "CategoryAttribute")
    AttributeValue = apps.get_model("concerns", "AttributeValue")
    Question = apps.get_model("cases", "Question")
    owner_type = _category_content_type(apps)
    questions = Question.objects.filter(owner_type=owner_type).order_by("id")
    for question in questions:
        attribute = CategoryAttribute.objects.create(
            category_id=question.owner_id,
            code=question.code,
            description=question.label,
            datatype_description=question.hint,
            datatype=DATATYPE_OF_KIND.get(question.kind, "string"),
            required=question.required,
            variable=question.kind != "info",
            order=question.order,
        )
        for order, line in enumerate(
            (line for line in question.choices.splitlines() if line.strip()), start=1
        ):
            key, separator, name = line.partition("|")
            key, name = key.strip(), name.strip() if separator else key.strip()
            AttributeValue.objects.create(attribute=attribute, key=key, name=name, order=order)
    questions.delete()
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_questions_and_documents"),
        ("concerns", "0005_area_and_languages_checked_in_code"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(attributes_to_questions, questions_to_attributes),
        migrations.DeleteModel(name="AttributeValue"),
        migrations.DeleteModel(name="CategoryAttribute"),
    ]
