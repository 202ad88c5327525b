"""The agency's own closures (`cases.service_levels`), on top of the public holidays."""

from django.contrib import admin

from cases.service_levels import Holiday, holiday_add


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """The agency's own closures, on top of the public holidays: adding one moves the due
    dates of the open cases it falls within (`cases.service_levels.holiday_add`)."""

    list_display = ["date", "name"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def get_readonly_fields(self, request, obj=None):
        # A closure's day is what moved the due dates: a different day is a new holiday.
        return ["date"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        saved = holiday_add(date=obj.date, name=obj.name)
        obj.pk = saved.pk
