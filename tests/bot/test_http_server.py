"""The HTTP server: health, readiness and metrics, on a real socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from bot.failures import ExitCode, OperatorError
from bot.http_server import HttpServer, Readiness
from bot.intake import Entry, FairIntake, Weight
from bot.metrics import Metrics

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
async def served() -> AsyncIterator[tuple[HttpServer, str]]:
    server = HttpServer("127.0.0.1", 0, metrics=Metrics(lambda: NOW), readiness=Readiness())
    await server.start()
    yield server, f"http://127.0.0.1:{server.bound_port}"
    await server.stop()


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


async def test_health_is_ok_while_the_process_runs(served: tuple[HttpServer, str]) -> None:
    _, base = served
    assert await get(f"{base}/healthz") == (200, "ok\n")


async def test_readiness_names_each_check_and_fails_if_one_fails(
    served: tuple[HttpServer, str],
) -> None:
    server, base = served

    async def yes() -> bool:
        return True

    async def broken() -> bool:
        raise ConnectionRefusedError

    server.readiness.add("database", yes)
    assert await get(f"{base}/readyz") == (200, '{"database": "ok", "ready": "yes"}\n')
    server.readiness.add("channel:telegram", broken)
    status, body = await get(f"{base}/readyz")
    assert status == 503
    assert '"channel:telegram": "failing"' in body
    assert '"ready": "no"' in body


async def test_metrics_count_updates_time_answers_and_read_the_outbox(
    served: tuple[HttpServer, str],
) -> None:
    server, base = served
    intake = FairIntake(bound=1, hard_cap=2)
    server.metrics.watch_intake("telegram", intake)

    async def backlog(now: datetime) -> dict[str, tuple[int, float]]:
        assert now == NOW
        return {"matrix": (3, 42.0)}

    async def open_requests() -> int:
        return 2

    server.metrics.sources.backlog = backlog
    server.metrics.sources.open_requests = open_requests
    gate = asyncio.Event()

    async def work() -> None:
        await gate.wait()

    for _ in range(5):  # one runs, the rest wait; at the cap questions replace each other
        intake.submit(1001, Entry(Weight.QUESTION, work))
    gate.set()
    await intake.join()
    status, text = await get(f"{base}/metrics")
    assert status == 200
    lines = set(text.splitlines())
    assert 'tarjotin_updates_total{channel="telegram",outcome="ran"} 2.0' in lines
    assert 'tarjotin_updates_total{channel="telegram",outcome="coalesced"} 3.0' in lines
    assert 'tarjotin_answer_seconds_count{channel="telegram"} 2.0' in lines
    assert 'tarjotin_outbox_depth{channel="matrix"} 3.0' in lines
    assert 'tarjotin_outbox_oldest_due_seconds{channel="matrix"} 42.0' in lines
    assert "tarjotin_contact_requests_open 2.0" in lines


async def test_a_port_in_use_is_an_error_not_a_hang(served: tuple[HttpServer, str]) -> None:
    server, _ = served
    second = HttpServer("127.0.0.1", server.bound_port, metrics=Metrics(lambda: NOW))
    with pytest.raises(OperatorError, match="TARJOTIN_HTTP_PORT") as refused:
        await second.start()
    assert refused.value.code is ExitCode.HTTP_PORT
