"""Settings of the citizen services portal.

One module, configured entirely by environment variables (see `.env.example`, which lists and
explains every one). Development defaults are safe to run on a laptop; with ``DEBUG`` off the
portal refuses to start unless the production essentials are set.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local `.env` file is optional; real deployments set variables in their environment.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)


def _required_in_production(name: str, *, default: str) -> str:
    """Return the variable `name`; without DEBUG it must be set explicitly."""
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return default
    raise ImproperlyConfigured(
        f"{name} must be set when DEBUG is off. See .env.example for what it means."
    )


# --- Core --------------------------------------------------------------------------------
SECRET_KEY = _required_in_production(
    "SECRET_KEY", default="development-only-secret-key-never-use-in-production-0123456789"
)
ALLOWED_HOSTS = _required_in_production(
    "ALLOWED_HOSTS", default="127.0.0.1,localhost,testserver"
).split(",")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "csp",
    "phonenumber_field",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "portal",
    "accounts",
    "cases",
    "notifications",
    "payments",
    "concerns",
    "licensing",
    "permits",
    "bookings",
    "taxes",
    "portal.analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Inside MessageMiddleware: it sees whether the page showed the messages.
    "portal.shown_messages.ShownMessagesNoStoreMiddleware",
    # After MessageMiddleware: it tells staff why they were sent to the MFA set-up page.
    "accounts.middleware.StaffMFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, so the 404 page it leads to is rendered like any other (language, user).
    "portal.paths.NulPathMiddleware",
]

if not DEBUG:
    # Collected, compressed static files served by the app server itself (see collectstatic).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "portal.context_processors.agency",
                "cases.workbench.context_processors.workbench",
            ],
            # `{{ obj|localized:"name" }}` everywhere: administrators' texts in the reader's
            # language (portal.localized).
            "builtins": ["portal.templatetags.localized"],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------
# DATABASE_URL: any PostgreSQL URL. `make run` / `make test` start an embedded PostgreSQL and
# set it for you when it is absent.
DATABASES = {
    "default": env.db_url_config(
        _required_in_production(
            "DATABASE_URL", default="postgresql://postgres:@localhost:5432/portal"
        )
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that costs no round trip (portal/db/base.py).
    DATABASES["default"]["ENGINE"] = "portal.db"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# REDIS_URL: the cache, the rate limits and the Celery broker.
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "portal.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="portal"),
        # Redis may go away: each call waits at most 0.2 s and is not retried; while it is
        # down the cache misses and drops writes instead of raising, and is skipped for
        # `outage_pause_seconds` after each failure (portal/cache.py).
        "OPTIONS": {
            "socket_connect_timeout": 0.2,
            "socket_timeout": 0.2,
            "outage_pause_seconds": 2,
            # allauth's marker that an authenticator code was used: while Redis is down it
            # cannot be checked, so such a code is refused rather than accepted twice.
            "once_only_prefixes": ["allauth.mfa.totp.used"],
        },
    },
    # Rendered pieces of pages, each keyed by everything it shows that code, settings and
    # translations do not fix: the layout (header, footer, service cards) per language and
    # role; lists per row versions.
    # Code, settings and translations change with a deploy (a process restart), so each
    # process keeps its own copy in memory: no network round trip on every page, and nothing
    # shared between machines.
    "fragments": {
        "BACKEND": "portal.cache.LocMemCache",
        "LOCATION": "portal-fragments",
        "TIMEOUT": 60 * 60 * 24,
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}
# Sessions live in the database, with the cache as a read-through: a Redis outage logs
# nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Accounts ----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PHONENUMBER_DEFAULT_REGION = env.str("PHONE_REGION", default="US")
# Django's and allauth's backends, each loading the signed-in person in plain SQL.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:dashboard"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# Links in allauth's e-mails follow SECURE_TLS (see Security): a plain-HTTP production-shaped
# run, like docker compose on a laptop, must not send https:// links nothing answers.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if env.bool("SECURE_TLS", default=not DEBUG) else "http"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm", "signup": "accounts.forms.SignupForm"}
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Behind a load balancer every request comes from its address: say how many proxies append
# to X-Forwarded-For (or which header carries the client's address) so that sign-in limits
# and every portal rate limit (portal.ratelimit) count visitors, not the proxy. Only set this
# when the proxies are yours: a client can write any X-Forwarded-For it likes.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("TRUSTED_CLIENT_IP_HEADER", default="") or None
MFA_TOTP_ISSUER = env.str("AGENCY_NAME", default="City of Springfield")

# --- Internationalisation ----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.str("AGENCY_TIME_ZONE", default="America/New_York")
# Public holidays skipped by service levels counted in business days (cases/service_levels.py):
# an ISO 3166 country and optionally one of its subdivisions (a state). The administrator adds
# the agency's own closures as Holiday rows. A calendar the `holidays` library does not know is
# a system check error (cases.E003).
AGENCY_HOLIDAYS_COUNTRY = env.str("AGENCY_HOLIDAYS_COUNTRY", default="US")
AGENCY_HOLIDAYS_SUBDIVISION = env.str("AGENCY_HOLIDAYS_SUBDIVISION", default="")

# --- Agency branding ---------------------------------------------------------------------
# Everything a town changes to adopt the portal; templates read it through the `agency`
# context processor, never hard-coded.
AGENCY = {
    "name": env.str("AGENCY_NAME", default="City of Springfield"),
    "short_name": env.str("AGENCY_SHORT_NAME", default="Springfield"),
    "logo_url": env.str("AGENCY_LOGO_URL", default="/static/portal/img/logo.svg"),
    "primary_color": env.str("AGENCY_PRIMARY_COLOR", default="#1a4480"),
    "secondary_color": env.str("AGENCY_SECONDARY_COLOR", default="#d83933"),
    "phone": env.str("AGENCY_PHONE", default="(555) 010-0100"),
    "email": env.str("AGENCY_EMAIL", default="help@springfield.example.gov"),
    "address": env.str("AGENCY_ADDRESS", default="100 Main Street, Springfield"),
    "hours": env.str("AGENCY_HOURS", default="Monday to Friday, 8:30 a.m. to 4:30 p.m."),
    "time_zone": TIME_ZONE,
    "currency": env.str("AGENCY_CURRENCY", default="USD"),
}

# --- Static and uploaded files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / env.str("STATIC_ROOT", default="staticfiles")
STATICFILES_DIRS = [
    BASE_DIR / "static",
]
STORAGES = {
    "default": {
        "BACKEND": env.str(
            "FILE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        )
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "portal.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = BASE_DIR / env.str("MEDIA_ROOT", default=".data/media")
MEDIA_URL = "/media/"
# Largest document a resident may upload, in bytes.
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Largest plan sheet (PDF) a permit applicant may upload, in bytes: drawings are large.
PERMITS_PLAN_MAX_BYTES = env.int("PERMITS_PLAN_MAX_BYTES", default=50 * 1024 * 1024)
# Largest inspection photo an inspector may upload, in bytes (a phone's photo is 2 to 6 MB).
PERMITS_PHOTO_MAX_BYTES = env.int("PERMITS_PHOTO_MAX_BYTES", default=15 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = DOCUMENT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- E-mail and SMS ----------------------------------------------------------------------
# EMAIL_URL: smtp://user:pass@host:587 (or consolemail://, or an anymail backend through
# EMAIL_BACKEND). Development prints e-mail to the console.
_email = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(_email)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=_email["EMAIL_BACKEND"])
ANYMAIL = {"IGNORE_UNSUPPORTED_FEATURES": True}
if env.str("ANYMAIL_ESP_API_KEY", default=""):
    ANYMAIL["ESP_API_KEY"] = env.str("ANYMAIL_ESP_API_KEY")
# The provider's delivery webhook (/notifications/anymail/<provider>/tracking/) posts with
# this "user:password"; without it, reports are not accepted.
if env.str("ANYMAIL_WEBHOOK_SECRET", default=""):
    ANYMAIL["WEBHOOK_SECRET"] = env.str("ANYMAIL_WEBHOOK_SECRET")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@springfield.example.gov")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SMS_BACKEND = env.str("SMS_BACKEND", default="notifications.sms.ConsoleSMSBackend")
# notifications.sms.TwilioSMSBackend sends through Twilio; replies of STOP and START reach
# /notifications/sms/twilio/inbound/, checked with the auth token.
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_MESSAGING_SERVICE_SID = env.str("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_API_BASE = env.str("TWILIO_API_BASE", default="https://api.twilio.com")
_twilio_sender = TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER
if SMS_BACKEND.endswith(".TwilioSMSBackend") and not (
    TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN and _twilio_sender
):
    raise ImproperlyConfigured(
        "SMS_BACKEND is Twilio: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
        "TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER."
    )

# --- Celery ------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Reliability: a task is acknowledged only once it has finished, a task whose worker died is
# redelivered, and each worker takes one task at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Redis redelivers an unacknowledged task after this many seconds; no task is scheduled
# further ahead than this (no long ETAs), so nothing runs twice by accident.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    # A broker that is down must not hold a request: queueing gives up after 0.2 s and is
    # not retried (every task queued by a request has an outbox row or a periodic job that
    # picks its work up later).
    "socket_connect_timeout": 0.2,
    "socket_timeout": 0.2,
    "max_retries": 0,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 0.2
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE = {
    "notifications-dispatch": {
        "task": "notifications.dispatch_pending",
        "schedule": env.float("NOTIFICATIONS_DISPATCH_SECONDS", default=30.0),
    },
}
NOTIFICATIONS_BATCH_SIZE = env.int("NOTIFICATIONS_BATCH_SIZE", default=100)
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=6)
# A claimed notification whose worker did not report back within this many seconds is
# claimed again by the next dispatcher run. A live worker renews the lease of its batch every
# third of it, so it can be short: it is how long a dead worker's messages wait.
NOTIFICATIONS_LEASE_SECONDS = env.int("NOTIFICATIONS_LEASE_SECONDS", default=60)
# Messages one guest address (e-mail or phone) that no account holder verified may be sent per
# hour and channel, whatever queued them (0: no limit); the rest are recorded as skipped.
NOTIFICATIONS_GUEST_MESSAGES_PER_HOUR = env.int("NOTIFICATIONS_GUEST_MESSAGES_PER_HOUR", default=5)
# The reminder engine (notifications/README.md): every hour, at twenty past, each active rule
# queues what is due today; a run finds nothing new once the day's reminders are queued, and
# messages wait for their rule's send-at time. The first run of the day comes after
# licensing's expiry jobs (00:05, 00:10), so a license expired today is not reminded.
CELERY_BEAT_SCHEDULE["notifications-run-reminders"] = {
    "task": "notifications.run_reminders",
    "schedule": crontab(minute=20),
}
# Every night, open cases are placed in the areas as they are then (an area redrawn, a
# facility moved, a case whose placement after it was sent did not run); only cases that
# move are written.
CELERY_BEAT_SCHEDULE["cases-areas-reassign"] = {
    "task": "cases.areas_reassign",
    "schedule": crontab(hour=2, minute=40),
}

# --- Security ----------------------------------------------------------------------------
# Served over TLS in production: HTTPS-only cookies, HSTS and a redirect to HTTPS.
SECURE_TLS = env.bool("SECURE_TLS", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = SECURE_TLS
CSRF_COOKIE_SECURE = SECURE_TLS
SECURE_SSL_REDIRECT = SECURE_TLS and env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE_TLS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_TLS
SECURE_HSTS_PRELOAD = SECURE_TLS
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The language choice is no secret, but it gets the session cookie's protections all the same.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        # Payment providers' hosted pages are reached by a form post or a redirect.
        "form-action": [SELF, *env.list("CSP_FORM_ACTION_EXTRA", default=[])],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

CRISPY_ALLOWED_TEMPLATE_PACKS = ["uswds"]
CRISPY_TEMPLATE_PACK = "uswds"

# --- Payments ----------------------------------------------------------------------------
# PAYMENTS_GATEWAY chooses how residents pay online:
#   "stripe"  Stripe Checkout; needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (the signing
#             secret of the endpoint /payments/stripe/webhook/ in Stripe's dashboard).
#   "local"   the test gateway: its page says no money moves and lets the payer approve or
#             decline. Never on a public server (`check --deploy` warns).
#   "none"    no online payment; invoices are paid at the counter and recorded by staff.
# Default: "stripe" when STRIPE_SECRET_KEY is set, otherwise "local" with DEBUG on (so
# `make run` takes payments on a fresh machine) and "none" without it.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Another address for Stripe's API (a local stub in tests); empty means Stripe itself.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
PAYMENTS_GATEWAY = env.str(
    "PAYMENTS_GATEWAY", default="stripe" if STRIPE_SECRET_KEY else ("local" if DEBUG else "none")
)
if PAYMENTS_GATEWAY not in {"stripe", "local", "none"}:
    raise ImproperlyConfigured("PAYMENTS_GATEWAY must be one of: stripe, local, none.")
if PAYMENTS_GATEWAY == "stripe" and not (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET):
    raise ImproperlyConfigured(
        "PAYMENTS_GATEWAY=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET. "
        "See .env.example for what they mean."
    )
if PAYMENTS_GATEWAY == "stripe":
    # The pay button posts to the portal, which redirects to Stripe's hosted page; browsers
    # check that redirect against form-action.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append("https://checkout.stripe.com")
# Minutes a payer has to finish one checkout attempt (Stripe accepts 30 to 1440).
PAYMENTS_CHECKOUT_MINUTES = env.int("PAYMENTS_CHECKOUT_MINUTES", default=60)
# Days a guest's signed link to an invoice and its receipts stays valid.
PAYMENTS_GUEST_LINK_DAYS = env.int("PAYMENTS_GUEST_LINK_DAYS", default=30)
# Minutes after a Stripe checkout attempt expires before, with no word from Stripe's
# webhook, the portal asks Stripe itself and lists the invoice for staff; also how long a
# refund reported before its payment waits for it before it is listed for staff.
PAYMENTS_WEBHOOK_GRACE_MINUTES = env.int("PAYMENTS_WEBHOOK_GRACE_MINUTES", default=30)
# Seconds the portal waits for the payment gateway (Stripe) before giving up on one call;
# an unanswered call is retried by `payments.retry_gateway_intents` with the same key.
PAYMENTS_GATEWAY_TIMEOUT_SECONDS = env.float("PAYMENTS_GATEWAY_TIMEOUT_SECONDS", default=10.0)
# Seconds a gateway call may stay unanswered before the retry task makes it again.
PAYMENTS_INTENT_RETRY_SECONDS = env.int("PAYMENTS_INTENT_RETRY_SECONDS", default=120)
# Lapsed facility holds are marked expired (availability ignores them already; this keeps the
# table honest for staff and reports).
CELERY_BEAT_SCHEDULE["bookings-expire-holds"] = {
    "task": "bookings.expire_holds",
    "schedule": 60.0,
}
# Waitlists: offers not taken in time lapse and free slots go to the next person waiting.
CELERY_BEAT_SCHEDULE["bookings-waitlist-sweep"] = {
    "task": "bookings.waitlist_sweep",
    "schedule": 60.0,
}
# Lotteries whose request window has closed are drawn (a drawn one is left as it is).
CELERY_BEAT_SCHEDULE["bookings-draw-lotteries"] = {
    "task": "bookings.draw_lotteries",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["payments-expire-invoices"] = {
    "task": "payments.expire_invoices",
    "schedule": 15 * 60.0,
}
CELERY_BEAT_SCHEDULE["payments-check-stale-attempts"] = {
    "task": "payments.check_stale_attempts",
    "schedule": 10 * 60.0,
}
# A refund Stripe reported before its payment is applied when the payment settles; this
# catches up on any whose moment was missed (a worker that died just after the commit).
CELERY_BEAT_SCHEDULE["payments-apply-waiting-events"] = {
    "task": "payments.apply_waiting_events",
    "schedule": 5 * 60.0,
}
# Gateway calls (checkouts, refunds) whose answer was never recorded are made again.
CELERY_BEAT_SCHEDULE["payments-retry-gateway-intents"] = {
    "task": "payments.retry_gateway_intents",
    "schedule": 2 * 60.0,
}
# Uploaded files whose database row never committed (a rollback, a worker that died):
# deleted once a day so no resident's document lingers unreachable in storage.
CELERY_BEAT_SCHEDULE["cases-sweep-orphaned-documents"] = {
    "task": "cases.sweep_orphaned_documents",
    "schedule": 24 * 60 * 60.0,
}
# Overdue cases are told to their department's supervisors once per stage
# (cases/escalations.py): every hour of the working day, at twenty to.
CELERY_BEAT_SCHEDULE["cases-escalate-overdue"] = {
    "task": "cases.escalate_overdue",
    "schedule": crontab(minute=40, hour="6-20"),
}
# The analytics' summary tables (portal/analytics/refresh.py), rebuilt every few minutes.
CELERY_BEAT_SCHEDULE["analytics-refresh-summaries"] = {
    "task": "analytics.refresh_summaries",
    "schedule": env.int("ANALYTICS_REFRESH_MINUTES", default=15) * 60.0,
}
CELERY_BEAT_SCHEDULE["concerns-sweep-orphaned-photos"] = {
    "task": "concerns.sweep_orphaned_photos",
    "schedule": 24 * 60 * 60.0,
}

# --- Concern reports (311) and the Open311 API -------------------------------------------
# CONCERNS_AREA_BOUNDS: the agency's area as "south,west,north,east" in decimal degrees;
# reports located outside it are refused (checked in code; changing it needs no migration).
CONCERNS_AREA_BOUNDS = tuple(
    env.list("CONCERNS_AREA_BOUNDS", default=["39.690000", "-89.780000", "39.880000", "-89.550000"])
)
if len(CONCERNS_AREA_BOUNDS) != 4:
    raise ImproperlyConfigured("CONCERNS_AREA_BOUNDS must be four numbers: south,west,north,east.")
# Open reports of the same category closer than this are offered as "is this it?".
CONCERNS_DUPLICATE_RADIUS_M = env.int("CONCERNS_DUPLICATE_RADIUS_M", default=50)
# Days after closing during which the reporter may say "not fixed" and reopen the report.
CONCERNS_REOPEN_DAYS = env.int("CONCERNS_REOPEN_DAYS", default=30)
# Largest photo accepted, in bytes, and the longest side it is resized to, in pixels.
# Reports one address may send per hour through the web form (0: no limit): each opens a case
# and may mail the address typed in it.
CONCERNS_REPORTS_PER_HOUR = env.int("CONCERNS_REPORTS_PER_HOUR", default=10)
CONCERNS_PHOTO_MAX_BYTES = env.int("CONCERNS_PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
CONCERNS_PHOTO_MAX_SIDE = env.int("CONCERNS_PHOTO_MAX_SIDE", default=1600)
# Open311 GeoReport v2: the jurisdiction id clients may send (empty: any value is refused
# but an absent one), the default per-key limit on POSTs, and the spec's query limits.
OPEN311_JURISDICTION_ID = env.str("OPEN311_JURISDICTION_ID", default="")
OPEN311_RATE_LIMIT_PER_MINUTE = env.int("OPEN311_RATE_LIMIT_PER_MINUTE", default=30)
OPEN311_MAX_RESULTS = env.int("OPEN311_MAX_RESULTS", default=1000)
OPEN311_MAX_DAYS = env.int("OPEN311_MAX_DAYS", default=90)
# MAP_TILE_URL: a tile server for the report map, e.g. https://tiles.example.gov/{z}/{x}/{y}.png
# (its origin is added to the CSP's img-src). Empty: no map is drawn and people give an
# address instead (with coordinates optional); nothing loads from a third party by default.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")
MAP_DEFAULT_ZOOM = env.int("MAP_DEFAULT_ZOOM", default=14)
if MAP_TILE_URL:
    from urllib.parse import urlsplit as _urlsplit

    _tiles = _urlsplit(MAP_TILE_URL.replace("{s}", "a"))
    _tile_origin = f"{_tiles.scheme}://{_tiles.netloc}".replace("://a.", "://*.")
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(_tile_origin)

# --- Property taxes ----------------------------------------------------------------------
# Searches one address may make on the public tax bill look-up per minute (0: no limit).
TAXES_LOOKUP_PER_MINUTE = env.int("TAXES_LOOKUP_PER_MINUTE", default=30)
# Second-factor attempts (owner's last name or the bill's access code) one address may make
# per 15 minutes (0: no limit): a wrong answer counts, so guessing codes costs time.
TAXES_FACTOR_ATTEMPTS_PER_15_MINUTES = env.int("TAXES_FACTOR_ATTEMPTS_PER_15_MINUTES", default=10)
# The smallest partial payment of a tax bill, in cents (a payment of the whole balance may be
# smaller).
TAXES_MINIMUM_PARTIAL_PAYMENT_CENTS = env.int("TAXES_MINIMUM_PARTIAL_PAYMENT_CENTS", default=2500)
# Days the link that confirms another recipient of a linked parcel's bills stays valid, and
# how many times an hour the resident may have it sent again (0: no limit).
TAXES_RECIPIENT_CONFIRM_DAYS = env.int("TAXES_RECIPIENT_CONFIRM_DAYS", default=7)
TAXES_RECIPIENT_CONFIRM_RESENDS_PER_HOUR = env.int(
    "TAXES_RECIPIENT_CONFIRM_RESENDS_PER_HOUR", default=3
)

# --- Licensing -------------------------------------------------------------------------
# Searches one address may make on the public license lookup per minute (0: no limit).
LICENSING_LOOKUP_PER_MINUTE = env.int("LICENSING_LOOKUP_PER_MINUTE", default=30)
# Complaints about licensees one address may send per hour (0: no limit): each opens a case.
LICENSING_COMPLAINTS_PER_HOUR = env.int("LICENSING_COMPLAINTS_PER_HOUR", default=5)
# Daily jobs, at the agency's local time (CELERY_TIMEZONE): expiry and lapse just after
# midnight, so a license is expired on its expiry date; reminders in the morning.
CELERY_BEAT_SCHEDULE["licensing-expire-licenses"] = {
    "task": "licensing.expire_licenses",
    "schedule": crontab(hour=0, minute=5),
}
# Suspensions end on their end date: just after the expiry job, the license gets back the
# status its dates call for. A run with nothing due changes nothing.
CELERY_BEAT_SCHEDULE["licensing-end-suspensions"] = {
    "task": "licensing.end_suspensions",
    "schedule": crontab(hour=0, minute=10),
}

# --- Permits: issuing and inspections ----------------------------------------------------
# Approved permits get their permit-fee invoice (the review service sends it when the last
# review closes; this catches any it could not). Permits past their validity expire at
# 00:15. Inspectors' half-days are opened from their weekly shifts every morning at 05:00
# for the days people may book (booking opens them too).
CELERY_BEAT_SCHEDULE["permits-invoice-approved"] = {
    "task": "permits.invoice_approved",
    "schedule": 5 * 60.0,
}
CELERY_BEAT_SCHEDULE["permits-expire-permits"] = {
    "task": "permits.expire_permits",
    "schedule": crontab(hour=0, minute=15),
}
CELERY_BEAT_SCHEDULE["permits-open-inspection-slots"] = {
    "task": "permits.open_inspection_slots",
    "schedule": crontab(hour=5, minute=0),
}

# --- Permits: public register and open data ---------------------------------------------
# Searches one address may make on the public permit search per minute (0: no limit).
PERMITS_SEARCH_PER_MINUTE = env.int("PERMITS_SEARCH_PER_MINUTE", default=30)
# Open data downloads (BLDS CSV/JSON of every permit) one address may start per hour (0: no
# limit): each streams the whole register through a web worker.
PERMITS_OPEN_DATA_PER_HOUR = env.int("PERMITS_OPEN_DATA_PER_HOUR", default=20)
# The state of the agency's addresses (two letters, e.g. IL), for the open data's
# OriginalState; the city is AGENCY_SHORT_NAME.
PERMITS_ADDRESS_STATE = env.str("PERMITS_ADDRESS_STATE", default="")

# --- Logging -----------------------------------------------------------------------------
# One line per record, to stderr, with no request bodies or e-mail addresses: log records
# name objects by id. `portal.logging.RedactPIIFilter` masks anything that looks like an
# e-mail address or phone number in case one slips into a message.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_pii": {"()": "portal.logfilters.RedactPIIFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_pii"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint narrates every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
