"""The production path: settings refuse to start half-configured, pass `check --deploy`,
and every variable they read is documented in `.env.example` and wired in docker-compose.yml.

Settings are loaded in a subprocess with a controlled environment, because the test process
itself runs with the development stack's variables (DEBUG on, embedded servers).
"""

import itertools
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

BASE_DIR = Path(__file__).resolve().parents[2]

PRODUCTION_ENVIRONMENT = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "portal.springfield.example.gov",
    "DATABASE_URL": "postgresql://portal:s3cret@db.internal:5432/portal",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "SECURE_TLS": "true",
}


def run_django(args: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess:
    # Only what Python needs plus the variables under test: nothing leaks in from the
    # developer's shell or the test stack. Empty strings (rather than absent variables) also
    # stop a local `.env` file from filling the gap, since it never overrides the environment.
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        **environment,
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_portal_refuses_to_start_without_production_essentials(missing):
    # given
    environment = {**PRODUCTION_ENVIRONMENT, missing: ""}

    # when
    result = run_django(["-c", "import django; django.setup()"], environment)

    # then
    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line == (
        "django.core.exceptions.ImproperlyConfigured: "
        f"{missing} must be set when DEBUG is off. See .env.example for what it means."
    )


def test_portal_starts_with_production_essentials_only():
    # given
    environment = dict(PRODUCTION_ENVIRONMENT)

    # when
    result = run_django(["-c", "import django; django.setup(); print('ready')"], environment)

    # then
    assert (result.returncode, result.stdout) == (0, "ready\n"), result.stderr


def test_deploy_checks_pass_with_production_environment():
    # given
    environment = dict(PRODUCTION_ENVIRONMENT)

    # when
    result = run_django(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], environment)

    # then
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


@pytest.mark.parametrize(("secure_tls", "protocol"), [("true", "https"), ("false", "http")])
def test_links_in_account_emails_follow_secure_tls(secure_tls, protocol):
    # given: production settings, served over TLS or (docker compose on a laptop) not
    environment = {**PRODUCTION_ENVIRONMENT, "SECURE_TLS": secure_tls}

    # when
    result = run_django(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL)",
        ],
        environment,
    )

    # then
    assert (result.returncode, result.stdout) == (0, f"{protocol}\n"), result.stderr


@pytest.mark.parametrize("secure_tls", ["true", "false"])
def test_the_language_cookie_follows_the_session_cookie(secure_tls):
    # given: production settings, served over TLS or (docker compose on a laptop) not
    environment = {**PRODUCTION_ENVIRONMENT, "SECURE_TLS": secure_tls}

    # when
    result = run_django(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.LANGUAGE_COOKIE_SECURE == s.SESSION_COOKIE_SECURE, "
            "s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_SAMESITE, s.LANGUAGE_COOKIE_HTTPONLY)",
        ],
        environment,
    )

    # then
    secure = str(secure_tls == "true")
    assert (result.returncode, result.stdout) == (0, f"True {secure} Lax True\n"), result.stderr


# --- .env.example --------------------------------------------------------------------------

SOURCES_READ_FROM_ENVIRONMENT = [
    BASE_DIR / "portal" / "settings.py",
    BASE_DIR / "portal" / "devstack.py",
]

# env.str("NAME", ...), env.bool(...), env.db_url_config(...) and friends; the settings'
# own helper for production-required values; os.environ / os.getenv in every form.
_NAME = r"""\(\s*["']([A-Z][A-Z0-9_]*)["']"""
READ_PATTERNS = [
    re.compile(r"\benv\.\w+" + _NAME),
    re.compile(r"\b_required_in_production" + _NAME),
    re.compile(r"\bos\.environ\.(?:get|setdefault|pop)" + _NAME),
    re.compile(r"""\bos\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""),
    re.compile(r"\bos\.getenv" + _NAME),
]
EXAMPLE_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)
COMPOSE_VARIABLE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)")


def variables_read_by(paths: list[Path]) -> set[str]:
    names = set()
    for path in paths:
        text = path.read_text()
        for pattern in READ_PATTERNS:
            names.update(pattern.findall(text))
    return names


def variables_in_env_example() -> set[str]:
    return set(EXAMPLE_LINE.findall((BASE_DIR / ".env.example").read_text()))


def test_variable_scanner_finds_variables_in_each_form_of_read():
    # given: one known variable per pattern, so a broken pattern cannot pass silently
    expected = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DEVSTACK_NAME", "XDG_RUNTIME_DIR"}

    # when
    found = variables_read_by(SOURCES_READ_FROM_ENVIRONMENT)

    # then
    assert expected <= found


def test_env_example_documents_every_variable_the_portal_reads():
    # given
    read = variables_read_by(SOURCES_READ_FROM_ENVIRONMENT)

    # when
    documented = variables_in_env_example()

    # then
    assert sorted(read - documented) == []


def variables_substituted_by_compose() -> set[str]:
    return set(COMPOSE_VARIABLE.findall((BASE_DIR / "docker-compose.yml").read_text()))


def test_env_example_documents_every_variable_docker_compose_substitutes():
    # given
    substituted = variables_substituted_by_compose()

    # when
    documented = variables_in_env_example()

    # then
    assert sorted(substituted - documented) == []


def test_env_example_lists_no_variable_that_nothing_reads():
    # given: the portal's sources, plus the values docker-compose.yml substitutes
    read = variables_read_by(SOURCES_READ_FROM_ENVIRONMENT) | variables_substituted_by_compose()

    # when
    documented = variables_in_env_example()

    # then
    assert sorted(documented - read) == []


def test_configuration_tables_name_every_variable_in_env_example():
    # given: the tables the README links to
    tables = (BASE_DIR / "docs" / "configuration.md").read_text()

    # when
    missing = [name for name in variables_in_env_example() if f"`{name}`" not in tables]

    # then
    assert sorted(missing) == []


def test_every_variable_in_env_example_has_a_comment_above_it():
    # given
    lines = (BASE_DIR / ".env.example").read_text().splitlines()

    # when: a variable line must follow a comment or another variable of the same block
    undocumented = [
        line
        for previous, line in itertools.pairwise(lines)
        if EXAMPLE_LINE.match(line) and not previous.startswith("#")
    ]

    # then
    assert undocumented == []


# --- docker-compose.yml ------------------------------------------------------------------

SECRET_KEY_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|API_KEY|PRIVATE", re.IGNORECASE)
URL_PASSWORD = re.compile(r"://[^:/@\s]+:([^@\s]+)@")
LOCAL_ONLY = re.compile(r"local", re.IGNORECASE)
# Runs once and exits: a health check would never report healthy; the services that need a
# migrated database wait for it to complete successfully instead.
ONE_OFF_SERVICES = {"migrate"}


def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def environment_of(service: dict) -> dict[str, str]:
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {key: str(value) for key, value in environment.items()}


def test_compose_runs_the_production_shaped_stack():
    # given
    services = compose()["services"]

    # when
    names = set(services)

    # then
    assert names == {"web", "worker", "beat", "migrate", "db", "redis", "mailpit"}
    assert services["db"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    assert services["web"]["command"][:2] == ["gunicorn", "portal.wsgi"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "portal", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "portal", "beat"]


def test_every_long_running_compose_service_has_a_healthcheck():
    # given
    services = compose()["services"]

    # when
    without = [
        name
        for name, service in services.items()
        if name not in ONE_OFF_SERVICES and not service.get("healthcheck", {}).get("test")
    ]

    # then
    assert without == []


def test_application_services_wait_for_migrations_and_healthy_stores():
    # given
    services = compose()["services"]

    # when
    waits = {name: services[name]["depends_on"] for name in ("web", "worker", "beat")}

    # then
    for depends_on in waits.values():
        assert depends_on["migrate"] == {"condition": "service_completed_successfully"}
        assert depends_on["redis"] == {"condition": "service_healthy"}
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}


def test_compose_hard_codes_no_secret_beyond_local_only_defaults():
    # given
    services = compose()["services"]

    # when
    offending = []
    for name, service in services.items():
        for key, value in environment_of(service).items():
            secrets_in_value = URL_PASSWORD.findall(value)
            if SECRET_KEY_NAME.search(key):
                secrets_in_value.append(value)
            for secret in secrets_in_value:
                from_environment = secret.startswith("${")
                default = secret.partition(":-")[2]
                if not from_environment or (default and not LOCAL_ONLY.search(default)):
                    offending.append(f"{name}.{key}")

    # then
    assert offending == []


def test_compose_requires_secret_key_from_the_environment():
    # given
    services = compose()["services"]

    # when
    secret_keys = {
        environment_of(services[name])["SECRET_KEY"]
        for name in ("web", "worker", "beat", "migrate")
    }

    # then
    assert len(secret_keys) == 1
    assert secret_keys.pop().startswith("${SECRET_KEY:?")


# --- Static files and the image ------------------------------------------------------------

VENDOR_COPY = re.compile(r"(node_modules/[\w@./-]+/dist/)(?:\{([^}]+)\}|([\w.-]+))")


def vendor_files_copied_by(text: str) -> set[str]:
    """`node_modules/<package>/dist/<item>` for every item a `cp` line names, braces expanded."""
    copied = set()
    for folder, braced, single in VENDOR_COPY.findall(text):
        items = braced.split(",") if braced else [single]
        copied.update(folder + item.strip() for item in items)
    return copied


def test_image_builds_the_same_vendor_assets_as_make_setup():
    # given
    from_makefile = vendor_files_copied_by((BASE_DIR / "Makefile").read_text())

    # when
    from_dockerfile = vendor_files_copied_by((BASE_DIR / "Dockerfile").read_text())

    # then
    assert "node_modules/@uswds/uswds/dist/css" in from_makefile
    assert sorted(from_makefile ^ from_dockerfile) == []


SASS_BUILD = re.compile(
    r"sass --load-path=node_modules/@uswds/uswds/packages\s*(?:\\\s*)?"
    r"--style=compressed --no-source-map --quiet"
)


def test_image_and_make_setup_compile_the_same_uswds_stylesheet():
    # given
    makefile = (BASE_DIR / "Makefile").read_text()
    dockerfile = (BASE_DIR / "Dockerfile").read_text()

    # then: the same compiler options, and the portal's settings as the source in both
    assert SASS_BUILD.search(makefile)
    assert SASS_BUILD.search(dockerfile)
    assert "static/portal/scss/portal-uswds.scss $(USWDS)/css/uswds.min.css" in makefile
    assert "COPY static/portal/scss/portal-uswds.scss ./" in dockerfile
    assert "portal-uswds.scss vendor/uswds/css/uswds.min.css" in dockerfile


def test_the_built_stylesheet_sets_no_text_in_merriweather():
    # Two Merriweather web fonts would take most of a page's 150 KB budget.
    css = (BASE_DIR / "static/vendor/uswds/css/uswds.min.css").read_text()

    assert "Source Sans Pro Web" in css
    assert "Merriweather" not in css


def test_static_files_collect_with_hashed_names_as_in_production(tmp_path, settings):
    # given: the manifest storage production uses (WhiteNoise's variant only adds
    # compression), which fails on any url() or source map pointing at a missing file
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }

    # when
    call_command("collectstatic", "--noinput", verbosity=0)

    # then
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    assert "vendor/uswds/css/uswds.min.css" in manifest
    assert "portal/css/portal.css" in manifest
