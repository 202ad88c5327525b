"""The workbench's own tables: each person's saved queue filters, and the message templates
staff send residents from the queue (configured in the admin, one text per language).

Imported by `cases.models`, so they belong to the cases app and its migrations.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from portal.languages import LanguageField, language_tag_constraint


class SavedQueueFilter(models.Model):
    """A filter of the "My work" queue one member of staff named and kept.

    `query` is the queue's own query string (view, service, status, department, dates,
    order), already cleaned by the queue's filter form when it was saved.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member of staff"),
        on_delete=models.CASCADE,
        related_name="saved_queue_filters",
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filter"), max_length=500)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved queue filter")
        verbose_name_plural = _("saved queue filters")
        ordering = ["user_id", "name"]
        constraints = [
            models.UniqueConstraint("user", Lower("name"), name="cases_savedqueuefilter_user_name"),
            models.CheckConstraint(condition=~Q(name=""), name="cases_savedqueuefilter_named"),
        ]

    def __str__(self) -> str:
        return self.name


class MessageTemplate(models.Model):
    """A ready-written message to residents, picked in the queue's bulk "send a message".

    Each resident gets the text in their language (`MessageTemplateText`), or, when the
    template has none in it, the text in the agency's default language.
    """

    name = models.CharField(_("name"), max_length=120, unique=True)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def text_for(self, language: str) -> str:
        """The template's text in `language`, else in the default language, else ""."""
        texts = {text.language: text.body for text in self.texts.all()}
        return texts.get(language) or texts.get(settings.LANGUAGE_CODE) or ""


class MessageTemplateText(models.Model):
    """The words of one message template in one language."""

    template = models.ForeignKey(
        MessageTemplate,
        verbose_name=_("message template"),
        on_delete=models.CASCADE,
        related_name="texts",
    )
    language = LanguageField(_("language"))
    body = models.TextField(_("text"))

    class Meta:
        verbose_name = _("text")
        verbose_name_plural = _("texts")
        ordering = ["template_id", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "language"], name="cases_messagetemplatetext_language"
            ),
            models.CheckConstraint(
                condition=~Q(body=""), name="cases_messagetemplatetext_not_empty"
            ),
            language_tag_constraint("language", name="cases_messagetemplatetext_language_tag"),
        ]

    def __str__(self) -> str:
        return f"{self.template_id}: {self.language}"
