"""Background jobs of preparation, run by ``tilgang manage db_worker`` (inline in tests)."""

from __future__ import annotations

from django.tasks import task


@task
def run_job(job_id: int) -> str:
    """Run one engine job (dry run, extraction or reproduction) and record its outcome on the job."""
    from tilgang.preparation.services import job_run

    return job_run(job_id).status
