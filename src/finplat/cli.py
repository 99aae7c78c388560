"""The ``finplat`` command line: the processes (``serve``, ``worker``, ``scheduler``), one-shot
administration, and a sub-command group per package from its ``cli`` module."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console

from finplat import processes
from finplat.modules import optional_module

app = typer.Typer(
    help="finplat: an internet finance platform.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
console = Console()

# (package, command group name). A package's ``cli`` module exposes ``app`` (a typer.Typer).
COMMAND_GROUPS = (
    ("identity", "admin"),
    ("ledger", "ledger"),
    ("audit", "audit"),
    ("payment", "reconcile"),
    ("events", "events"),
    ("lending", "loan"),
    ("risk", "risk"),
)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", envvar="PORT")] = 8000,
) -> None:
    """Serve the API, its docs and the web app (and, embedded, the worker and scheduler)."""
    import uvicorn

    from finplat.observability import configure_logging

    configure_logging()
    uvicorn.run(
        "finplat.main:create_app",
        factory=True,
        host=host,
        port=port,
        log_config=None,
        proxy_headers=False,
    )


# The long-running processes beside ``serve`` (a scaled deployment runs each on its own).
app.command()(processes.worker)
app.command()(processes.scheduler)


@app.command()
def migrate(revision: Annotated[str, typer.Option(help="Target revision.")] = "head") -> None:
    """Bring the database schema up to date."""
    from finplat.config import get_settings
    from finplat.migrate import upgrade

    upgrade(get_settings().database_url, revision)
    console.print(f"database migrated to {revision}")


@app.command()
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when users exist.")
    ] = False,
) -> None:
    """Fill an empty database with realistic demo data and print how to log in."""
    from finplat import demo as demo_module

    asyncio.run(demo_module.run(console=console, if_empty=if_empty))


@app.command("openapi")
def openapi_document() -> None:
    """Print the API's OpenAPI document (JSON), from which the web app's typed client is made."""
    from finplat.core import openapi
    from finplat.main import create_app

    typer.echo(openapi.document_text(create_app(background=False)), nl=False)


keys_app = typer.Typer(help="Keys for personal data at rest.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("rotate")
def keys_rotate(
    batch_size: Annotated[int, typer.Option(min=1, max=5000, help="Rows per transaction.")] = 500,
) -> None:
    """Re-encrypt every stored personal-data value under the active key (FINPLAT_DATA_KEY_ACTIVE).

    Keep the old version in FINPLAT_DATA_KEYS until `finplat keys status` shows nothing left
    under it; an interrupted run resumes where it stopped.
    """
    from finplat import key_rotation

    report = asyncio.run(_with_database(lambda db: key_rotation.rotate(db, batch_size=batch_size)))
    for column, moved in report.items():
        console.print(f"{column}: {moved} re-encrypted")


@keys_app.command("status")
def keys_status() -> None:
    """Count the stored values per column that are not yet under the active key."""
    from finplat import key_rotation

    report = asyncio.run(_with_database(key_rotation.pending))
    for column, left in report.items():
        console.print(f"{column}: {left} under an older key")
    raise typer.Exit(1 if any(report.values()) else 0)


async def _with_database(work):  # type: ignore[no-untyped-def]
    from finplat.config import get_settings
    from finplat.core import crypto
    from finplat.main import build_database

    settings = get_settings()
    crypto.configure(
        crypto.KeyRing.parse(settings.data_keys, settings.data_key_active, settings.blind_index_key)
    )
    db = build_database(settings)
    try:
        return await work(db)
    finally:
        await db.dispose()


def _add_groups() -> None:
    for package, name in COMMAND_GROUPS:
        module = optional_module(f"finplat.{package}.cli")
        if module is None:
            continue
        group = getattr(module, "app", None)
        if isinstance(group, typer.Typer):
            app.add_typer(group, name=name)
        for command in getattr(module, "COMMANDS", ()):
            app.command()(command)


_add_groups()

if __name__ == "__main__":
    app()
