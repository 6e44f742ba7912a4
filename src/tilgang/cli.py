"""The ``tilgang`` console script: the engine's commands and the portal's management commands."""

import os
import sys

import typer

app = typer.Typer(help="tilgang: microdata access service.", no_args_is_help=True)


def _mount_engine_commands() -> None:
    # Engine sub-commands; each module defines a Typer app and needs no web framework.
    from tilgang.engine import cli_extract, cli_registers

    app.add_typer(cli_registers.app, name="registers")
    app.command("extract")(cli_extract.extract)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def manage(ctx: typer.Context) -> None:
    """Run a portal management command (migrate, runserver, db_worker, …)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tilgang.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tilgang manage", *ctx.args])


audit_app = typer.Typer(help="The tamper-evident audit chain.")
app.add_typer(audit_app, name="audit")


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tilgang.config.settings")
    import django

    django.setup()


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the chain; exit 1 and name the first modified, deleted, inserted or reordered event."""
    _django_setup()
    from tilgang.audit.selectors import audit_chain_verify

    count, finding = audit_chain_verify()
    if finding is None:
        typer.echo(f"audit chain intact: {count} events verified")
        return
    typer.echo(f"audit chain broken at event {finding.seq}: {finding.kind} ({finding.detail})", err=True)
    raise typer.Exit(1)


@app.command()
def demo(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Migrate the embedded database, load the demo data, and run the portal with its worker."""
    import signal
    import subprocess

    # Links in e-mails and SMS point at this portal, on whatever port it runs (the worker inherits it).
    os.environ.setdefault("TILGANG_SITE_URL", f"http://{host}:{port}")
    _django_setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("demo_seed")
    worker = subprocess.Popen([sys.executable, "-m", "tilgang.cli", "manage", "db_worker"])  # noqa: S603
    sweeper = subprocess.Popen([sys.executable, "-m", "tilgang.cli", "manage", "sweep", "--every", "60"])  # noqa: S603
    typer.echo(f"Portal: http://{host}:{port}/  (outbox for e-mail and SMS: http://{host}:{port}/utboks/)")
    # A plain `kill` stops the worker and the sweep too, not only the portal.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        call_command("runserver", f"{host}:{port}", use_reloader=False)
    finally:
        for process in (worker, sweeper):
            process.terminate()
            process.wait(timeout=10)


def main() -> None:
    _mount_engine_commands()
    app(prog_name="tilgang")


if __name__ == "__main__":
    main()
