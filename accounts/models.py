from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from portal.languages import LanguageField, language_tag_constraint


class PortalUserManager(UserManager):
    """Users are identified by e-mail address; there is no username."""

    use_in_migrations = True

    def _create_user(self, username, email, password, **extra_fields):
        email = self.normalize_email(email)
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(None, email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(None, email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in: a resident, or a member of staff (`is_staff`)."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    preferred_language = LanguageField(_("preferred language"))
    notify_by_email = models.BooleanField(_("e-mail me updates and reminders"), default=True)
    notify_by_sms = models.BooleanField(
        _("text me updates and reminders"),
        default=False,
        help_text=_("Needs a mobile phone number."),
    )

    objects = PortalUserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            language_tag_constraint("preferred_language", name="accounts_user_language_tag"),
            # Text messages need somewhere to go.
            models.CheckConstraint(
                condition=models.Q(notify_by_sms=False) | ~models.Q(phone=""),
                name="accounts_user_sms_needs_phone",
                violation_error_code="sms_needs_phone",
                violation_error_message=_("Enter a mobile phone number to get text messages."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email
