"""Concern categories with their questions, and the canned responses staff send reporters.

A new category is a draft: residents, the service search and the Open311 API do not see it
until it is published from its page, after a preview of the resident's pages in English or
Spanish (`concerns.admin.preview`).
"""

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.admin.publication import PublicationAdminMixin, PublishedFilter
from cases.questions.admin import QuestionInline, QuestionsAdminMixin
from cases.questions.selectors import missing_spanish_of
from concerns import services
from concerns.admin.preview import category_preview
from concerns.forms import ConcernCategoryForm
from concerns.models import CannedResponse, ConcernCategory
from portal.localized import missing_translations

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


@admin.register(ConcernCategory)
class ConcernCategoryAdmin(PublicationAdminMixin, QuestionsAdminMixin, admin.ModelAdmin):
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
    published_text = _("Published: residents can find this category and report in it.")
    draft_text = _(
        "Draft: residents and the Open311 API cannot see this category yet. Preview "
        "it, then publish it."
    )
    new_text = _("A new category is saved as a draft.")
    published_message = _("“%(name)s” is published: residents can find it and report in it.")
    unpublish_refused = (services.CategoryNotPublishable,)

    def publish_object(self, request, obj):
        services.category_publish(category=obj, actor=request.user)

    def unpublish_object(self, request, obj):
        services.category_unpublish(category=obj, actor=request.user)

    def render_preview(self, request, obj, *, language):
        return category_preview(request, category=obj, language=language)

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


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ["title", "close_reason", "active", "order"]
    list_filter = ["active", "close_reason"]
    search_fields = ["title", "body"]
