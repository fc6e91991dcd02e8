"""`/api/health` (liveness) and `/api/health/ready` (readiness) on the real server."""

from __future__ import annotations

import asyncio
from datetime import timedelta


async def ready(server) -> tuple[int, dict]:
    async with server.http() as http, http.get("/api/health/ready") as resp:
        return resp.status, await resp.json()


async def until_ready(server) -> dict:
    for _ in range(200):  # the jobs take their leases as the server starts
        status, body = await ready(server)
        if status == 200:
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"the server never became ready: {body}")


async def test_ready_when_the_database_answers_and_every_job_is_held(server):
    body = await until_ready(server)
    assert body == {"ok": True, "database": "up", "redis": "not configured",
                    "jobs": {job.name: "running" for job in server.services.jobs}}
    async with server.http() as http, http.get("/api/health") as resp:
        assert resp.status == 200 and (await resp.json())["database"] == "up"


async def test_not_ready_when_a_background_job_stopped_or_its_lease_ran_out(server):
    await until_ready(server)
    await server.services.sweeper_job.stop()
    status, body = await ready(server)
    assert status == 503 and body["ok"] is False and body["jobs"][server.services.sweeper_job.name] == "not started"
    assert body["database"] == "up"

    # A holder that stalls: its lease runs out (the clock moves past it) and readiness says so.
    others = [job for job in server.services.jobs if job is not server.services.sweeper_job]
    for job in others:
        await job.stop()
    server.services.sweeper_job.start()
    await until_ready_for(server, server.services.sweeper_job.name)
    server.clock.advance(timedelta(days=3))
    status, body = await ready(server)
    assert status == 503 and body["jobs"][server.services.sweeper_job.name] == "overdue"


async def until_ready_for(server, name: str) -> None:
    for _ in range(200):
        _, body = await ready(server)
        if body["jobs"].get(name) == "running":
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the job {name} never took its lease: {body}")
