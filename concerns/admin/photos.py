"""Reporters' photos: inline on the report, and a list where staff hide or show them."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from concerns import services
from concerns.models import ConcernPhoto


class ConcernPhotoInline(admin.TabularInline):
    model = ConcernPhoto
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["position", "preview", "width", "height", "public"]
    readonly_fields = ["position", "preview", "width", "height", "public"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("photo"))
    def preview(self, photo):
        if not photo.public:
            return gettext("Hidden from the public")
        url = reverse("concerns:photo", args=[photo.report.case.reference, photo.position])
        return format_html('<a href="{url}"><img src="{url}" alt="" width="160"></a>', url=url)


@admin.register(ConcernPhoto)
class ConcernPhotoAdmin(admin.ModelAdmin):
    """Photos, to hide one that shows a face, a number plate or anything private."""

    list_display = ["__str__", "report", "position", "width", "height", "public"]
    list_filter = ["public"]
    list_select_related = ["report__case"]
    search_fields = ["=report__case__reference"]
    fields = ["report", "position", "width", "height", "size", "public", "created_at"]
    readonly_fields = fields
    actions = ["hide", "show"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _set(self, request, queryset, *, public: bool) -> None:
        for photo in queryset.select_related("report").order_by("pk"):
            services.photo_set_public(photo=photo, public=public, actor=request.user)

    @admin.action(description=_("Hide from the public"), permissions=["change"])
    def hide(self, request, queryset):
        self._set(request, queryset, public=False)
        self.message_user(request, gettext("The selected photos are hidden from the public."))

    @admin.action(description=_("Show to the public"), permissions=["change"])
    def show(self, request, queryset):
        self._set(request, queryset, public=True)
        self.message_user(request, gettext("The selected photos are shown to the public."))
