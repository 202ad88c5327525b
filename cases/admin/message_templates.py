"""Message templates staff send residents from the workbench queue, one text per language."""

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext

from cases.workbench.models import MessageTemplate, MessageTemplateText


class TextFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        languages = [
            form.cleaned_data.get("language")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if settings.LANGUAGE_CODE not in languages:
            raise ValidationError(
                gettext(
                    "Write the message in %(language)s at least: residents whose language "
                    "it is not written in get that text."
                )
                % {"language": dict(settings.LANGUAGES)[settings.LANGUAGE_CODE]}
            )


class MessageTemplateTextInline(admin.StackedInline):
    model = MessageTemplateText
    formset = TextFormSet
    extra = 1


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "active", "order")
    list_editable = ("active", "order")
    search_fields = ("name",)
    inlines = [MessageTemplateTextInline]
