"""Production refuses to start on demo defaults."""

import os
import subprocess
import sys

from tilgang.config import settings as demo_settings
from tilgang.config.checks import production_problems


def _namespace(**overrides):
    values = {name: getattr(demo_settings, name) for name in dir(demo_settings) if name.isupper()}
    values.update(overrides)
    return values


def test_demo_defaults_are_refused_in_production():
    sqlite = {"default": {"ENGINE": "django.db.backends.sqlite3"}}
    problems = " ".join(production_problems(_namespace(DATABASES=sqlite)))
    for needle in ("TILGANG_SECRET_KEY", "DEBUG", "AUDIT", "MASTER_KEY", "PostgreSQL"):
        assert needle in problems


def test_staff_without_mfa_is_refused_in_production():
    assert any("second factor" in p for p in production_problems(_namespace(STAFF_MFA_REQUIRED=False)))


def test_proper_production_settings_pass():
    namespace = _namespace(
        SECRET_KEY="k" * 50,
        DEBUG=False,
        AUDIT_HMAC_KEY="a-real-audit-key",
        MASTER_KEY="a-real-master-key",
        TILGANG_SEAL_KEY="a-real-seal-key",
        DATABASES={"default": {"ENGINE": "django.db.backends.postgresql"}},
    )
    assert production_problems(namespace) == []


def test_the_app_will_not_start_in_production_with_demo_defaults(tmp_path):
    env = {
        **os.environ,
        "TILGANG_MODE": "production",
        "DJANGO_SETTINGS_MODULE": "tilgang.config.settings",
        "TILGANG_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "refusing to start in production mode" in result.stderr
