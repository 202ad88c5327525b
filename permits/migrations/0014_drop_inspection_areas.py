import django.db.models.deletion
from django.db import migrations, models

# The shifts and half-days now name the agency's areas (0013): the inspection areas go.


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0019_areas"),
        ("permits", "0013_shift_areas_shared"),
    ]

    operations = [
        migrations.RemoveField(model_name="inspectorshift", name="area"),
        migrations.RemoveField(model_name="inspectionslot", name="area"),
        migrations.DeleteModel(name="InspectionArea"),
        migrations.RenameField(
            model_name="inspectorshift", old_name="shared_area", new_name="area"
        ),
        migrations.RenameField(
            model_name="inspectionslot", old_name="shared_area", new_name="area"
        ),
        migrations.AlterField(
            model_name="inspectorshift",
            name="area",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: anywhere in the jurisdiction.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="inspector_shifts",
                to="cases.area",
                verbose_name="area",
            ),
        ),
        migrations.AlterField(
            model_name="inspectionslot",
            name="area",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="inspection_slots",
                to="cases.area",
                verbose_name="area",
            ),
        ),
    ]
