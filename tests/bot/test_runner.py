"""The runner starts channels, then services; a stop ends services first, then channels."""

from __future__ import annotations

import asyncio

from bot.runner import run_channels


class RecordingChannel:
    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    async def start(self) -> None:
        self.log.append(f"start {self.name}")

    async def stop(self) -> None:
        self.log.append(f"stop {self.name}")


async def test_services_run_between_channel_start_and_stop() -> None:
    log: list[str] = []
    stop = asyncio.Event()
    running = asyncio.Event()

    async def service(until: asyncio.Event) -> None:
        log.append("service running")
        running.set()
        await until.wait()
        log.append("service done")

    async def failing(until: asyncio.Event) -> None:
        raise RuntimeError("boom")

    runner = asyncio.create_task(
        run_channels([RecordingChannel("a", log), RecordingChannel("b", log)], stop,
                     [service, failing])
    )
    await running.wait()
    stop.set()
    await runner
    assert log == [
        "start a", "start b", "service running", "service done", "stop b", "stop a"
    ]
