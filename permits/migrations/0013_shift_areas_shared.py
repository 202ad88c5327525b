import django.db.models.deletion
from django.db import migrations, models

# Inspectors' areas become the agency's areas (`cases.Area`), the ones every service's cases
# are placed in; `permits.InspectionArea` goes in 0014.
#
# Each inspection area becomes an agency area with its name and ZIP codes (a ZIP-only area:
# no boundary), and its shifts and opened half-days are moved onto it, except where one
# agency area already lists every one of its ZIP codes (say a ward listing 62702 and 62707
# for an inspection area "north" of those two): a permit there is placed in that area (the
# area created first wins a ZIP code), so its inspectors go to it. A code an agency area
# already uses gets "-inspections" added. An inspection area without ZIP codes served no
# property; it is dropped if no shift names it, and the migration stops otherwise (an agency
# area needs a boundary or ZIP codes), saying which, rather than lose the shift's area.


def _shared_area(Area, old):
    codes = list(dict.fromkeys(old.postal_codes))
    holders = {
        getattr(
            Area.objects.filter(postal_codes__contains=[code]).order_by("pk").first(), "pk", None
        )
        for code in codes
    }
    if codes and len(holders) == 1 and None not in holders:
        return Area.objects.get(pk=holders.pop())
    code = old.code
    if Area.objects.filter(code=code).exists():
        code = f"{old.code[:20]}-inspections"
    return Area.objects.create(code=code, name=old.name, name_es=old.name_es, postal_codes=codes)


def areas_share(apps, schema_editor):
    InspectionArea = apps.get_model("permits", "InspectionArea")
    Area = apps.get_model("cases", "Area")
    Shift = apps.get_model("permits", "InspectorShift")
    Slot = apps.get_model("permits", "InspectionSlot")
    for old in InspectionArea.objects.order_by("pk"):
        used = Shift.objects.filter(area=old).exists() or Slot.objects.filter(area=old).exists()
        if not old.postal_codes:
            if used:
                raise RuntimeError(
                    f"The inspection area {old.code!r} has no ZIP codes but inspectors' shifts "
                    "name it: give it its ZIP codes, or move its shifts to another area, then "
                    "migrate again."
                )
            continue
        area = _shared_area(Area, old)
        Shift.objects.filter(area=old).update(shared_area=area)
        Slot.objects.filter(area=old).update(shared_area=area)


def areas_unshare(apps, schema_editor):
    InspectionArea = apps.get_model("permits", "InspectionArea")
    Area = apps.get_model("cases", "Area")
    Shift = apps.get_model("permits", "InspectorShift")
    Slot = apps.get_model("permits", "InspectionSlot")
    used = set(Shift.objects.values_list("shared_area", flat=True)) | set(
        Slot.objects.values_list("shared_area", flat=True)
    )
    for area in Area.objects.filter(pk__in=used - {None}):
        old = InspectionArea.objects.get_or_create(
            code=area.code,
            defaults={
                "name": area.name,
                "name_es": area.name_es,
                "postal_codes": area.postal_codes,
            },
        )[0]
        Shift.objects.filter(shared_area=area).update(area=old)
        Slot.objects.filter(shared_area=area).update(area=old)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0019_areas"),
        ("permits", "0012_drop_inspection_result_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="inspectorshift",
            name="shared_area",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="cases.area",
            ),
        ),
        migrations.AddField(
            model_name="inspectionslot",
            name="shared_area",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="cases.area",
            ),
        ),
        migrations.RunPython(areas_share, areas_unshare),
    ]
