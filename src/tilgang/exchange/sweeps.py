"""Time-based work of the exchange, run by ``tilgang manage sweep`` (idempotent)."""

from tilgang.exchange.services import draft_cleanup_sweep, retention_sweep, upload_cleanup_sweep

SWEEPS = [retention_sweep, upload_cleanup_sweep, draft_cleanup_sweep]
