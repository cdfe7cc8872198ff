"""``tarjotin run`` as an operator runs it: a real process, its HTTP endpoints, SIGTERM.

The bot process talks to the fake Bot API server of this test (long polling) and serves
``/healthz``, ``/readyz`` and ``/metrics`` on a port of its own; the test reads them as
``curl`` or Prometheus would.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from tests.telegram_server.fixtures import FakeTelegramFactory

ANA = 4242
METRICS = (
    "tarjotin_updates_total",
    "tarjotin_answer_seconds_bucket",
    "tarjotin_outbox_depth",
    "tarjotin_sends_total",
    "tarjotin_reminder_lateness_seconds_count",
    "tarjotin_catalogue_reloads_total",
    "tarjotin_contact_requests_open",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def fetch(url: str) -> tuple[int, str]:
    try:
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            return response.status, await response.text()
    except aiohttp.ClientConnectionError:
        return 0, ""


async def test_a_running_bot_serves_health_readiness_and_metrics(
    fake_telegram_factory: FakeTelegramFactory, tmp_path: Path
) -> None:
    server = await fake_telegram_factory()
    port = free_port()
    env = {
        **os.environ,
        "TARJOTIN_DATA_DIR": str(tmp_path),
        "TARJOTIN_TELEGRAM_TOKEN": server.token,
        "TARJOTIN_TELEGRAM_API_URL": server.url,
        "TARJOTIN_HTTP_PORT": str(port),
        "TARJOTIN_DEMO": "true",  # the demo catalogue on purpose
    }
    tarjotin = Path(sys.executable).with_name("tarjotin")
    process = await asyncio.create_subprocess_exec(
        str(tarjotin), "run", env=env, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            status, body = await fetch(f"{base}/readyz")
            if status == 200:
                break
            assert process.returncode is None, "the bot exited while starting"
            await asyncio.sleep(0.1)
        assert status == 200, body
        assert '"channel:telegram": "ok"' in body
        assert await fetch(f"{base}/healthz") == (200, "ok\n")
        server.user_starts(ANA, language_code="fi")
        await server.wait_for_messages(ANA, 1, timeout=30)
        status, text = await fetch(f"{base}/metrics")
        assert status == 200
        assert all(name in text for name in METRICS), text
        assert 'tarjotin_updates_total{channel="telegram",outcome="ran"} 1.0' in text
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, errors = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, errors.decode()
    assert b"Traceback" not in errors
