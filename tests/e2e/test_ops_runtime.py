import asyncio

from finplat import runtime
from finplat.core import scheduler
from finplat.core.scheduler import JobRegistry
from finplat.events import dispatcher
from finplat.main import create_app
from tests.outbox import stored_event

handled: list[int] = []


async def _probe_handler(session, event) -> None:
    handled.append(event.id)


dispatcher.register("test.runtime_probe", "test.runtime_probe", _probe_handler)


async def _wait_for(condition, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


async def test_embedded_runtime_dispatches_and_schedules_then_stops(settings, db, clock,
                                                                      monkeypatch) -> None:
    jobs = JobRegistry()
    ran: list = []

    async def probe_job(*, db, business_date, now, checkpoint) -> None:
        ran.append(business_date)

    jobs.register("probe", probe_job)
    monkeypatch.setattr(scheduler, "registry", jobs)
    monkeypatch.setattr(runtime, "load_package_modules", lambda: [])
    monkeypatch.setattr(runtime, "DISPATCH_POLL_SECONDS", 0.02)
    app = create_app(settings, clock=clock, db=db, background=True)
    async with app.router.lifespan_context(app):
        loops = app.state.background
        event_id = await db.run(lambda s: stored_event(s, topic="test.runtime_probe",
                                                       payload={}, now=clock.now()))
        await _wait_for(lambda: event_id in handled and ran)
    assert all(task.done() for task in loops.tasks)
    assert ran == [scheduler.business_date_of(clock.now())]


async def test_disabled_runtime_starts_nothing(settings, db, clock) -> None:
    app = create_app(settings, clock=clock, db=db, background=False)
    async with app.router.lifespan_context(app):
        assert not hasattr(app.state, "background")


def test_package_modules_are_loaded_when_present() -> None:
    loaded = runtime.load_package_modules()
    assert all(name.rsplit(".", 1)[1] in ("handlers", "jobs") for name in loaded)
