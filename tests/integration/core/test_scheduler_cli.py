import pytest
from typer.testing import CliRunner

from finplat import observability, runtime
from finplat.core import scheduler
from finplat.core.scheduler import JobRegistry


@pytest.fixture
def cli(settings, monkeypatch):
    from finplat.cli import app
    from finplat.config import get_settings

    monkeypatch.setenv("FINPLAT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("FINPLAT_ENVIRONMENT", "test")
    monkeypatch.setattr(runtime, "load_package_modules", lambda: [])
    monkeypatch.setattr(observability, "configure_logging", lambda: None)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_settings.cache_clear()


def test_scheduler_runs_a_date_once_and_reports_failures(db, cli, monkeypatch) -> None:
    jobs = JobRegistry()
    calls: list = []
    broken = {"on": True}

    async def first(*, db, business_date, now, checkpoint) -> None:
        calls.append(("first", business_date.isoformat()))

    async def second(*, db, business_date, now, checkpoint) -> None:
        if broken["on"]:
            raise RuntimeError("not today")
        calls.append(("second", business_date.isoformat()))

    jobs.register("test.first", first, order=1)
    jobs.register("test.second", second, order=2)
    monkeypatch.setattr(scheduler, "registry", jobs)

    result = cli("scheduler", "--date", "2026-03-01")
    assert result.exit_code == 1
    assert "test.first: done" in result.output
    assert "test.second: failed (RuntimeError: not today)" in result.output

    broken["on"] = False
    result = cli("scheduler", "--date", "2026-03-01")
    assert result.exit_code == 0, result.output
    assert "test.first: skipped" in result.output and "test.second: done" in result.output
    assert calls == [("first", "2026-03-01"), ("second", "2026-03-01")]


def test_scheduler_rejects_a_bad_date(cli) -> None:
    result = cli("scheduler", "--date", "2026-13-01")
    assert result.exit_code == 2


def test_worker_and_scheduler_are_top_level_processes_beside_serve() -> None:
    from finplat.cli import app

    runner = CliRunner()
    top = runner.invoke(app, ["--help"])
    assert all(name in top.output for name in ("serve", "worker", "scheduler"))
    events = runner.invoke(app, ["events", "--help"])
    assert events.exit_code == 0
    assert "worker" not in events.output and "scheduler" not in events.output
    assert runner.invoke(app, ["events", "worker"]).exit_code == 2
