"""Production refuses to start on demo defaults (called at the end of settings.py)."""

from __future__ import annotations


def production_problems(namespace: dict) -> list[str]:
    problems = []
    if namespace["SECRET_KEY"] == namespace["DEMO_SECRET_KEY"] or len(namespace["SECRET_KEY"]) < 40:
        problems.append("TILGANG_SECRET_KEY must be set to a random value of at least 40 characters")
    if namespace["DEBUG"]:
        problems.append("TILGANG_DEBUG must be off")
    if not namespace["STAFF_MFA_REQUIRED"]:
        problems.append("staff must use a second factor (TILGANG_STAFF_MFA_REQUIRED cannot be off)")
    for name in ("AUDIT_HMAC_KEY", "MASTER_KEY"):
        if namespace[name].startswith("demo-only"):
            problems.append(
                f"{name} must be set (TILGANG_{'AUDIT_KEY' if name == 'AUDIT_HMAC_KEY' else name})"
            )
    if not namespace.get("TILGANG_SEAL_KEY"):
        problems.append(
            "TILGANG_SEAL_KEY must be set, or deliveries cannot be reproduced after a master-key rotation"
        )
    if namespace["DATABASES"]["default"]["ENGINE"].endswith("sqlite3"):
        problems.append("production runs on PostgreSQL: set DATABASE_URL=postgres://…")
    return problems
