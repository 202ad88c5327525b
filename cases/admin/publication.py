"""Publication of a service's setup rows (a license or permit type, a concern category, a
facility): a new row is a draft that residents cannot see; its administrator previews what
residents will read, in English or Spanish, then publishes it from its page, and may take it
back to draft.

`PublicationAdminMixin` gives the row's admin all of that: the "publication" column and
filter, the publication field with its "Save and publish" / "Save and take back to draft"
button, the preview links and page, and the landing on the new row's page after "Save". The
admin says what is published and how, with the texts below and three methods.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.localized import preview_language


class PublishedFilter(admin.SimpleListFilter):
    title = _("publication")
    parameter_name = "published"

    def lookups(self, request, model_admin):
        return [("yes", _("Published")), ("no", _("Draft"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(published_at__isnull=self.value() == "no")
        return queryset


class PublicationAdminMixin:
    """Draft, preview and publish a model with `published_at` and a `published` property.

    Put `"publication_state"` in `list_display`, `PublishedFilter` in `list_filter` and
    `"publication"` and `"preview"` in `readonly_fields`. Set the texts, and define
    `publish_object`, `unpublish_object` and `render_preview`.
    """

    # What the publication field says of a published row, a draft and one not saved yet.
    published_text: str
    draft_text: str
    new_text: str
    # The message once published ("“%(name)s” is published: …").
    published_message: str
    # The preview's link in English, and what stands instead before the row is saved.
    preview_link_text = _("Preview the resident's pages in English")
    preview_new_text = _("Once saved, the resident's pages can be previewed from here.")
    # What `unpublish_object` raises when the row may not go back to draft (its message is
    # shown to the administrator).
    unpublish_refused: tuple[type[Exception], ...] = ()

    def publish_object(self, request, obj) -> None:
        """Publish `obj` through its service."""
        raise NotImplementedError

    def unpublish_object(self, request, obj) -> None:
        """Take `obj` back to draft through its service (may raise `unpublish_refused`)."""
        raise NotImplementedError

    def render_preview(self, request, obj, *, language: str) -> HttpResponse:
        """The resident's pages of `obj` in `language`."""
        raise NotImplementedError

    def _admin_url_name(self, page: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{page}"

    @admin.display(description=_("publication"), ordering="published_at")
    def publication_state(self, obj):
        return gettext("Published") if obj.published else gettext("Draft")

    @admin.display(description=_("publication"))
    def publication(self, obj):
        if obj.pk is None:
            return str(self.new_text)
        if obj.published:
            return format_html(
                '{} <button type="submit" name="_unpublish" value="1" class="button">{}</button>',
                self.published_text,
                gettext("Save and take back to draft"),
            )
        return format_html(
            '{} <button type="submit" name="_publish" value="1" class="button default">{}</button>',
            self.draft_text,
            gettext("Save and publish"),
        )

    @admin.display(description=_("preview"))
    def preview(self, obj):
        if obj.pk is None:
            return str(self.preview_new_text)
        url = reverse(f"admin:{self._admin_url_name('preview')}", args=[obj.pk])
        return format_html(
            '<a href="{}?lang=en">{}</a> · <a href="{}?lang=es">{}</a>',
            url,
            self.preview_link_text,
            url,
            gettext("in Spanish"),
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name=self._admin_url_name("preview"),
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return self.render_preview(request, obj, language=preview_language(request))

    def response_add(self, request, obj, post_url_continue=None):
        # A new row is a draft: its page is where it is previewed and published.
        if "_addanother" not in request.POST and "_popup" not in request.POST:
            messages.success(
                request,
                gettext(
                    "“%(name)s” is saved as a draft. Preview it, then publish it when it is ready."
                )
                % {"name": obj.name},
            )
            return HttpResponseRedirect(
                reverse(f"admin:{self._admin_url_name('change')}", args=[obj.pk])
            )
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_publish" in request.POST:
            self.publish_object(request, obj)
            messages.success(request, str(self.published_message) % {"name": obj.name})
            return HttpResponseRedirect(request.path)
        if "_unpublish" in request.POST:
            try:
                self.unpublish_object(request, obj)
            except self.unpublish_refused as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request, gettext("“%(name)s” is a draft again.") % {"name": obj.name}
                )
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)
