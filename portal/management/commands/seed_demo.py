"""Load the demo data `make run` shows: accounts first, then each app's own demo data.

Every installed app may have a `demo.py` with a `seed()` function; they run in
INSTALLED_APPS order (accounts before the services that need residents), each creating only
what is missing, so running the command again changes nothing.
"""

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import module_has_submodule


class Command(BaseCommand):
    help = "Create demo accounts and data (only what is missing). Development only."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (demo passwords are public: never on a real portal).",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with public passwords and refuses to run with "
                "DEBUG off. Use --force if this really is a demo server."
            )
        for app_config in apps.get_app_configs():
            if module_has_submodule(app_config.module, "demo"):
                module = import_module(f"{app_config.name}.demo")
                seed = getattr(module, "seed", None)
                if callable(seed):
                    seed()
                    if options["verbosity"] > 1:
                        self.stdout.write(f"Demo data: {app_config.label}")
        if settings.DEBUG:
            self._print_logins()
            self._print_hints()

    def _print_hints(self) -> None:
        """Each app's demo may say what to try (a `hint()` returning a line)."""
        for app_config in apps.get_app_configs():
            if module_has_submodule(app_config.module, "demo"):
                hint = getattr(import_module(f"{app_config.name}.demo"), "hint", None)
                if callable(hint):
                    self.stdout.write(hint())

    def _print_logins(self) -> None:
        from allauth.mfa.adapter import get_adapter

        from accounts.demo import ACCOUNTS, DEMO_PASSWORD, DEMO_TOTP_SECRET
        from accounts.models import User

        self.stdout.write(f"\n  Demo accounts (password for all: {DEMO_PASSWORD})\n")
        for account in ACCOUNTS:
            self.stdout.write(f"    {account.role:<20} {account.email}")
        staff = User.objects.filter(email=ACCOUNTS[0].email).first()
        self.stdout.write(
            "\n  Staff sign in with a code from an authenticator app set up with the secret\n"
            f"    {DEMO_TOTP_SECRET}"
        )
        if staff is not None:
            uri = get_adapter().build_totp_url(staff, DEMO_TOTP_SECRET)
            self.stdout.write(f"    or this URI: {uri}")
        self.stdout.write(
            f"    (for example, `oathtool --totp -b {DEMO_TOTP_SECRET}` prints the current code)\n"
        )
