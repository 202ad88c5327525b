"""Concern categories with their questions, and the canned responses staff send reporters.

A new category is a draft: residents, the service search and the Open311 API do not see it
until it is published from its page, after a preview of the resident's pages in English or
Spanish (`concerns.admin.preview`).
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.questions.admin import QuestionInline, QuestionsAdminMixin
from cases.questions.selectors import missing_spanish_of
from concerns import services
from concerns.admin.preview import category_preview
from concerns.forms import ConcernCategoryForm
from concerns.models import CannedResponse, ConcernCategory
from portal.localized import missing_translations, preview_language

# What every report asks on its own pages, before the category's questions.
STANDARD_QUESTIONS = (
    _("Location"),
    _("Address"),
    _("Description"),
    _("Describe the problem"),
    _("Photo"),
    _("Your name"),
    _("E-mail address"),
    _("Email"),
    _("Phone number"),
    _("Phone"),
)


class ConcernQuestionInline(QuestionInline):
    standard_questions = STANDARD_QUESTIONS


class PublishedFilter(admin.SimpleListFilter):
    title = _("publication")
    parameter_name = "published"

    def lookups(self, request, model_admin):
        return [("yes", _("Published")), ("no", _("Draft"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(published_at__isnull=self.value() == "no")
        return queryset


@admin.register(ConcernCategory)
class ConcernCategoryAdmin(QuestionsAdminMixin, admin.ModelAdmin):
    form = ConcernCategoryForm
    list_display = [
        "name",
        "code",
        "group",
        "department",
        "target_days",
        "publication_state",
        "active",
    ]
    list_filter = [PublishedFilter, "active", "group", "department"]
    search_fields = ["name", "name_es", "code", "keywords", "keywords_es", "group"]
    ordering = ["group", "order", "name"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [ConcernQuestionInline]
    readonly_fields = ["publication", "preview", "missing_spanish", "standard_steps"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (
                None,
                {
                    "fields": [
                        ("name", "name_es"),
                        ("group", "new_group", "group_es"),
                        ("description", "description_es"),
                        ("keywords", "keywords_es"),
                        ("code", "order"),
                    ],
                    "description": _(
                        "Each text a resident reads has its Spanish beside it; left empty, "
                        "Spanish readers see the English. The site's service search finds the "
                        "category by its name, group, description and keywords, in both "
                        "languages, as soon as it is active."
                    ),
                },
            ),
            (
                _("Handling"),
                {
                    "fields": [
                        "department",
                        "target_days",
                        "active",
                        "location_required",
                        "photo_required",
                    ]
                },
            ),
            (_("Questions"), {"fields": ["standard_steps"]}),
        ]
        if obj is not None:
            fieldsets.insert(
                0, (_("Publication"), {"fields": ["publication", "preview", "missing_spanish"]})
            )
        return fieldsets

    @admin.display(description=_("publication"), ordering="published_at")
    def publication_state(self, category):
        return gettext("Published") if category.published else gettext("Draft")

    @admin.display(description=_("publication"))
    def publication(self, category):
        if category.published:
            return format_html(
                '{} <button type="submit" name="_unpublish" value="1" class="button">{}</button>',
                gettext("Published: residents can find this category and report in it."),
                gettext("Save and take back to draft"),
            )
        return format_html(
            '{} <button type="submit" name="_publish" value="1" class="button default">{}</button>',
            gettext(
                "Draft: residents and the Open311 API cannot see this category yet. Preview "
                "it, then publish it."
            ),
            gettext("Save and publish"),
        )

    @admin.display(description=_("preview"))
    def preview(self, category):
        url = reverse("admin:concerns_concerncategory_preview", args=[category.pk])
        return format_html(
            '<a href="{}?lang=en">{}</a> · <a href="{}?lang=es">{}</a>',
            url,
            gettext("Preview the resident's pages in English"),
            url,
            gettext("in Spanish"),
        )

    @admin.display(description=_("missing in Spanish"))
    def missing_spanish(self, category):
        missing = [*missing_translations(category), *missing_spanish_of(owner=category)]
        if not missing:
            return gettext("Nothing: every text a resident reads has its Spanish.")
        return format_html(
            '<ul id="missing-spanish">{}</ul>',
            format_html_join("", "<li>{}</li>", ((line,) for line in missing)),
        )

    @admin.display(description=_("already asked"))
    def standard_steps(self, category):
        return gettext(
            "Before the questions below, every report asks where the problem is, a "
            "description and a photo, and the reporter's name, e-mail address and phone "
            "number if they want to be told: do not ask them again."
        )

    def has_delete_permission(self, request, obj=None):
        # Reports keep their category: make it inactive instead.
        return False

    def get_urls(self):
        return [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="concerns_concerncategory_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, object_id):
        category = self.get_object(request, unquote(object_id))
        if category is None:
            raise Http404
        if not self.has_view_or_change_permission(request, category):
            raise PermissionDenied
        return category_preview(request, category=category, language=preview_language(request))

    def response_change(self, request, obj):
        if "_publish" in request.POST:
            services.category_publish(category=obj, actor=request.user)
            messages.success(
                request,
                gettext("“%(name)s” is published: residents can find it and report in it.")
                % {"name": obj.name},
            )
            return HttpResponseRedirect(request.path)
        if "_unpublish" in request.POST:
            try:
                services.category_unpublish(category=obj, actor=request.user)
            except services.CategoryNotPublishable as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request, gettext("“%(name)s” is a draft again.") % {"name": obj.name}
                )
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        # A new category is a draft: its page is where it is previewed and published.
        if "_addanother" not in request.POST and "_popup" not in request.POST:
            messages.success(
                request,
                gettext(
                    "“%(name)s” is saved as a draft. Preview it, then publish it when it is ready."
                )
                % {"name": obj.name},
            )
            return HttpResponseRedirect(
                reverse("admin:concerns_concerncategory_change", args=[obj.pk])
            )
        return super().response_add(request, obj, post_url_continue)


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ["title", "close_reason", "active", "order"]
    list_filter = ["active", "close_reason"]
    search_fields = ["title", "body"]
