"""Settings for tilgang, read from the environment with safe defaults for the embedded demo.

Production (TILGANG_MODE=production) refuses to start with a demo secret, DEBUG on or staff
allowed without a second factor: see ``tilgang.config.checks``.
"""

from pathlib import Path

from tilgang.config.env import database_from_url, env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = Path(env_str("TILGANG_HOME", str(Path.cwd())))
VAR_DIR = Path(env_str("TILGANG_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded defaults keep database and files here

DEMO_SECRET_KEY = "demo-only-secret-key-never-use-in-production-tilgang"  # noqa: S105
MODE = env_str("TILGANG_MODE", "demo")  # "demo" | "production"
PRODUCTION = MODE == "production"
SECRET_KEY = env_str("TILGANG_SECRET_KEY", DEMO_SECRET_KEY)
DEBUG = env_bool("TILGANG_DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("TILGANG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("TILGANG_CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("TILGANG_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Staff must use a second factor; only a development set-up may turn this off.
STAFF_MFA_REQUIRED = env_bool("TILGANG_STAFF_MFA_REQUIRED", True)
# Key of the audit chain's HMAC-SHA256; a separate secret so rotating SECRET_KEY keeps the chain.
AUDIT_HMAC_KEY = env_str("TILGANG_AUDIT_KEY", "demo-only-audit-key")
# Master key that wraps per-object data keys (envelope encryption of stored secrets and files).
MASTER_KEY = env_str("TILGANG_MASTER_KEY", "demo-only-master-key")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "ninja",
    "tilgang.core",
    "tilgang.audit",
    "tilgang.accounts",
    "tilgang.institutions",
    "tilgang.catalog",
    "tilgang.applications",
    "tilgang.offers",
    "tilgang.exchange",
    "tilgang.preparation",
    "tilgang.inquiries",
    "tilgang.notify",
    "tilgang.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tilgang.core.middleware.UserLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tilgang.accounts.middleware.ApiTokenMiddleware",
    "tilgang.accounts.middleware.StaffMfaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "tilgang.core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "tilgang.config.urls"
WSGI_APPLICATION = "tilgang.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tilgang.core.context_processors.portal",
            ],
        },
    }
]

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'tilgang.sqlite3'}", BASE_DIR
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# NIST SP 800-63B: length and a blocklist, no composition rules (see accounts/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "tilgang.accounts.passwords.NistPasswordValidator"},
]
PASSWORD_MIN_LENGTH_SINGLE_FACTOR = 15
PASSWORD_MIN_LENGTH_WITH_MFA = 8
PASSWORD_MAX_LENGTH = 256
# Links by e-mail (invitation, set password) expire; each is single-use.
INVITATION_VALID_DAYS = env_int("TILGANG_INVITATION_VALID_DAYS", 7)
PASSWORD_LINK_VALID_MINUTES = env_int("TILGANG_PASSWORD_LINK_VALID_MINUTES", 60)
# Login throttling: failures within the window before further tries are refused.
LOGIN_MAX_FAILURES_PER_ACCOUNT = env_int("TILGANG_LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)
LOGIN_MAX_FAILURES_PER_IP = env_int("TILGANG_LOGIN_MAX_FAILURES_PER_IP", 20)
LOGIN_FAILURE_WINDOW_MINUTES = env_int("TILGANG_LOGIN_FAILURE_WINDOW_MINUTES", 15)
REAUTH_VALID_MINUTES = 10

SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
}

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", "Norsk bokmål"), ("nn", "Norsk nynorsk"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "tilgang_language"
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
NODE_MODULES = Path(env_str("TILGANG_NODE_MODULES", str(BASE_DIR / "node_modules")))
STATICFILES_DIRS: list = [PACKAGE_DIR / "static"]
if NODE_MODULES.exists():
    # Designsystemet and htmx come from npm; served as plain files, no bundler.
    STATICFILES_DIRS.append(("vendor", NODE_MODULES))
MEDIA_ROOT = VAR_DIR / "media"
# The registers the engine extracts from (the demo generates synthetic ones here), and the office's
# working folders for orders, runs and linkage keys.
TILGANG_REGISTERS_DIR = Path(env_str("TILGANG_REGISTERS_DIR", str(VAR_DIR / "registers")))
TILGANG_PREPARATION_DIR = Path(env_str("TILGANG_PREPARATION_DIR", str(VAR_DIR / "preparation")))
# Seals each project's running-number randomness; derived from the master key when unset (demo only).
TILGANG_SEAL_KEY = env_str("TILGANG_SEAL_KEY")
STORAGES: dict[str, dict] = {
    "default": {
        "BACKEND": env_str("TILGANG_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": {"location": str(MEDIA_ROOT)} if not env_str("TILGANG_STORAGE_BACKEND") else {},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if env_str("TILGANG_STORAGE_BACKEND") == "storages.backends.s3.S3Storage":
    STORAGES["default"]["OPTIONS"] = {
        "bucket_name": env_str("TILGANG_S3_BUCKET"),
        "endpoint_url": env_str("TILGANG_S3_ENDPOINT_URL") or None,
        "region_name": env_str("TILGANG_S3_REGION", "eu-north-1"),
        "access_key": env_str("TILGANG_S3_ACCESS_KEY"),
        "secret_key": env_str("TILGANG_S3_SECRET_KEY"),
        "file_overwrite": False,
    }
# The file exchange: largest file accepted, and an optional key-management service that wraps data keys.
EXCHANGE_MAX_FILE_BYTES = env_int("TILGANG_EXCHANGE_MAX_FILE_BYTES", 20 * 1024**3)
EXCHANGE_KEY_WRAPPER = env_str("TILGANG_EXCHANGE_KEY_WRAPPER")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# E-mail: the visible outbox in demo mode, SMTP in production.
EMAIL_SMTP = "django.core.mail.backends.smtp.EmailBackend"
_email_backend = env_str(
    "TILGANG_EMAIL_BACKEND", EMAIL_SMTP if PRODUCTION else "tilgang.notify.backends.OutboxEmailBackend"
)
MAILERS = {
    "default": {
        "BACKEND": _email_backend,
        "OPTIONS": {
            "host": env_str("TILGANG_EMAIL_HOST", "localhost"),
            "port": env_int("TILGANG_EMAIL_PORT", 25),
            "username": env_str("TILGANG_EMAIL_HOST_USER"),
            "password": env_str("TILGANG_EMAIL_HOST_PASSWORD"),
            "use_tls": env_bool("TILGANG_EMAIL_USE_TLS", False),
            "timeout": 30,
        }
        if _email_backend == EMAIL_SMTP
        else {},
    }
}
DEFAULT_FROM_EMAIL = env_str("TILGANG_FROM_EMAIL", "Mikrodata <mikrodata@tilgang.example>")
# SMS: the visible outbox in demo mode, an HTTP gateway in production.
SMS_BACKEND = env_str(
    "TILGANG_SMS_BACKEND",
    "tilgang.notify.sms.HttpGatewaySmsBackend" if PRODUCTION else "tilgang.notify.sms.OutboxSmsBackend",
)
SMS_GATEWAY_URL = env_str("TILGANG_SMS_GATEWAY_URL")
SMS_GATEWAY_TOKEN = env_str("TILGANG_SMS_GATEWAY_TOKEN")
SMS_SENDER = env_str("TILGANG_SMS_SENDER", "Mikrodata")

TASKS = {
    "default": {
        "BACKEND": env_str("TILGANG_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("TILGANG_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if PRODUCTION:
    from django.core.exceptions import ImproperlyConfigured

    from tilgang.config.checks import production_problems

    _problems = production_problems(globals())
    if _problems:
        raise ImproperlyConfigured("refusing to start in production mode: " + "; ".join(_problems))
