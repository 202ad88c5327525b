"""An area's ZIP codes are five digits each, as an address is read.

Codes entered as ZIP+4 keep their five digits (an address never matched them whole). Any
other code could never match either; rather than drop what an administrator typed, the
migration stops and names the areas to correct in the admin first.
"""

import re

import django.db.models.lookups
from django.db import migrations, models

ZIP_CODE_TYPED = re.compile(r"([0-9]{5})(?:-[0-9]{4})?")


def zip_codes_five_digits(apps, schema_editor):
    Area = apps.get_model("cases", "Area")
    wrong = {}
    for area in Area.objects.exclude(postal_codes=[]):
        codes, bad = [], []
        for typed in area.postal_codes:
            match = ZIP_CODE_TYPED.fullmatch(typed.strip())
            if match:
                codes.append(match.group(1))
            else:
                bad.append(typed)
        if bad:
            wrong[area.code] = bad
        elif codes != area.postal_codes:
            area.postal_codes = list(dict.fromkeys(codes))
            area.save(update_fields=["postal_codes"])
    if wrong:
        listed = "; ".join(f"{code}: {', '.join(bad)}" for code, bad in sorted(wrong.items()))
        raise RuntimeError(
            "These areas have ZIP codes that are not 5 digits and never matched an address. "
            f"Correct them in the admin (Areas), then migrate again: {listed}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0019_areas"),
    ]

    operations = [
        migrations.RunPython(zip_codes_five_digits, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="area",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.Regex(
                    models.Func(
                        models.F("postal_codes"),
                        models.Value(","),
                        function="array_to_string",
                        output_field=models.TextField(),
                    ),
                    "^([0-9]{5}(,[0-9]{5})*)?$",
                ),
                name="cases_area_zip_codes_five_digits",
                violation_error_message="Each ZIP code is 5 digits, as 62701.",
            ),
        ),
    ]
