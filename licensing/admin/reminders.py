"""A license type's own renewal reminders, set on the type's change page.

Reminders are `notifications.ReminderRule` rows of the license-expiry source: a rule whose
scope is exactly this type is the type's own and is edited here, a row per reminder ("30
days before it expires, by e-mail and text message, at 7:00"); rules for every type or for
several are the agency's, edited under Reminder rules and only listed here. The rule's name,
source, scope and template follow from the type, so an administrator types only what
differs between reminders.

Set up in one pass: the rows are saved with the type, in the admin's transaction (on the
add page too: the type is saved first). Refused on the form, nothing saved: two reminders
on the same day, a channel the renewal reminder's template cannot send, and removing a
reminder that has been sent already (its record keeps it from being sent twice: untick
"active" instead).
"""

from __future__ import annotations

from functools import partial

from django import forms
from django.contrib import admin
from django.contrib.admin.checks import InlineModelAdminChecks
from django.contrib.admin.utils import flatten_fieldsets
from django.db.models import Q
from django.forms.models import BaseModelFormSet, modelformset_factory
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from licensing.models import LicenseType
from licensing.reminders import SOURCE_KEY, TEMPLATE_KEY
from notifications.forms import template_refusals
from notifications.models import NotificationChannel, ReminderRule, ReminderTiming

# A reminder further ahead than this is a slip of the keyboard (a license's term is at most
# a few years, and residents are not reminded a year and more in advance).
MAX_DAYS_BEFORE = 366


class LicenseReminderForm(forms.ModelForm):
    days = forms.IntegerField(
        label=_("days before expiry"),
        min_value=1,
        max_value=MAX_DAYS_BEFORE,
        help_text=_("Sent this many days before the license expires (1: the day before)."),
    )
    channels = forms.MultipleChoiceField(
        label=_("channels"),
        choices=NotificationChannel.choices,
        initial=list(NotificationChannel.values),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each holder gets the channels of these they accept."),
    )

    class Meta:
        model = ReminderRule
        fields = ["days", "channels", "send_at", "active"]

    def clean_channels(self):
        channels = self.cleaned_data["channels"]
        refusals = template_refusals(TEMPLATE_KEY, channels)
        if refusals:
            raise forms.ValidationError(refusals)
        return channels


def _kept(form) -> bool:
    if form.cleaned_data.get("DELETE"):
        return False
    return form.instance.pk is not None or form.has_changed()


class LicenseReminderFormSet(BaseModelFormSet):
    """The rules of one license type, made and kept in step with it."""

    def __init__(
        self,
        data=None,
        files=None,
        instance=None,
        save_as_new=False,
        prefix=None,
        queryset=None,
        **kwargs,
    ):
        self.instance = instance if instance is not None else LicenseType()
        if queryset is None:
            queryset = ReminderRule.objects.all()
        if self.instance.pk is None or save_as_new:
            queryset = queryset.none()
        else:
            queryset = own_rules(queryset, license_type=self.instance).order_by("-days", "pk")
        super().__init__(data, files, prefix=prefix, queryset=queryset, **kwargs)

    @classmethod
    def get_default_prefix(cls):
        return "renewal-reminders"

    def clean(self):
        super().clean()
        days_taken: dict[int, forms.Form] = {}
        sent: list[int] = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data"):
                continue
            if form.cleaned_data.get("DELETE") and form.instance.pk:
                # A removed row's own errors are ignored by the formset: refuse it as a whole.
                if form.instance.occurrences.exists():
                    sent.append(form.instance.days)
                continue
            if not _kept(form):
                continue
            days = form.cleaned_data.get("days")
            if days is None:
                continue
            if days in days_taken:
                form.add_error(
                    "days",
                    _("Another reminder is already sent %(days)s days before expiry.")
                    % {"days": days},
                )
            days_taken[days] = form
        if sent:
            raise forms.ValidationError(
                _(
                    "The reminder %(days)s days before expiry has been sent already, so it "
                    "cannot be removed: untick “active” to stop it."
                )
                % {"days": ", ".join(map(str, sorted(sent, reverse=True)))}
            )

    def save_new(self, form, commit=True):
        return self._fill(form, super().save_new(form, commit=False), commit)

    def save_existing(self, form, obj, commit=True):
        return self._fill(form, super().save_existing(form, obj, commit=False), commit)

    def _fill(self, form, rule: ReminderRule, commit: bool) -> ReminderRule:
        license_type = self.instance
        rule.source = SOURCE_KEY
        rule.scope = [license_type.pk]
        rule.timing = ReminderTiming.BEFORE
        rule.template_key = TEMPLATE_KEY
        name = gettext("%(type)s: renewal reminder %(days)s days before expiry") % {
            "type": license_type.name,
            "days": rule.days,
        }
        rule.name = name[: ReminderRule._meta.get_field("name").max_length]
        if commit:
            rule.save()
        return rule


def own_rules(queryset, *, license_type: LicenseType):
    """The rules that belong to `license_type` alone (edited on its page)."""
    return queryset.filter(source=SOURCE_KEY, scope=[license_type.pk])


def shared_rules(*, license_type: LicenseType):
    """The agency's rules that also remind holders of `license_type` (every type's, or
    several types')."""
    rules = ReminderRule.objects.filter(source=SOURCE_KEY, active=True)
    if license_type.pk is None:
        return rules.filter(scope=[])
    return rules.filter(Q(scope=[]) | Q(scope__contains=[license_type.pk])).exclude(
        scope=[license_type.pk]
    )


class LicenseReminderInlineChecks(InlineModelAdminChecks):
    def _check_exclude_of_parent_model(self, obj, parent_model):
        # Rules name their license types in `scope`, not by a foreign key.
        return []

    def _check_relation(self, obj, parent_model):
        return []


class LicenseReminderInline(admin.StackedInline):
    # Stacked, as the other inlines of the page: the tabular layout's empty column header is
    # announced as nothing by screen readers.
    model = ReminderRule
    form = LicenseReminderForm
    formset = LicenseReminderFormSet
    checks_class = LicenseReminderInlineChecks
    fields = [("days", "send_at", "active"), "channels"]
    # Blank rows, so reminders are added without JavaScript too.
    extra = 2
    verbose_name = _("renewal reminder")
    verbose_name_plural = _("renewal reminders")

    def get_formset(self, request, obj=None, **kwargs):
        fields = kwargs.pop("fields", None) or flatten_fieldsets(self.get_fieldsets(request, obj))
        formset = modelformset_factory(
            self.model,
            form=self.form,
            formset=self.formset,
            fields=fields,
            formfield_callback=partial(self.formfield_for_dbfield, request=request),
            extra=self.get_extra(request, obj),
            can_delete=self.can_delete and self.has_delete_permission(request, obj),
            **kwargs,
        )
        return formset
