"""The one HTTP server of ``tarjotin run``: health, readiness, metrics and the Telegram webhook.

aiohttp's server, because aiohttp is already here (matrix-nio and the test servers run on it)
and it is asyncio through and through: the routes share the bot's event loop and objects, no
second framework or ASGI server is needed. Later features add their routes with
:meth:`HttpServer.add_route`.

- ``GET /healthz``: 200 while the process runs (for a container's HEALTHCHECK, a liveness probe);
- ``GET /readyz``: 200 when every check passes, else 503; the body names each check's state
  (database reachable and migrated, each channel connected or reconnecting, catalogue loaded);
- ``GET /metrics``: Prometheus's text format (see :mod:`bot.metrics`).

It listens on ``TARJOTIN_HTTP_LISTEN`` (default 127.0.0.1: unreachable from outside a container;
set 0.0.0.0 there) and ``TARJOTIN_HTTP_PORT`` (default 8080; 0 turns the server off).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from aiohttp import web

from bot.failures import ExitCode, OperatorError
from bot.metrics import CONTENT_TYPE, Metrics

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[bool]]
"""One readiness check: ``True`` when that part is ready. It may raise: that is "not ready"."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Each readiness check gets this long before it counts as failed.
CHECK_TIMEOUT = 3.0

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"


@dataclass
class Readiness:
    """Named checks, run concurrently for ``/readyz``."""

    checks: dict[str, Check] = field(default_factory=dict)

    def add(self, name: str, check: Check) -> None:
        """Add (or replace) the check called ``name``."""
        self.checks[name] = check

    async def report(self) -> dict[str, str]:
        """Each check's state: ``ok``, ``failing`` or ``timeout``."""
        names = list(self.checks)
        outcomes = await asyncio.gather(
            *(asyncio.wait_for(self.checks[name](), CHECK_TIMEOUT) for name in names),
            return_exceptions=True,
        )
        return {name: _state(outcome) for name, outcome in zip(names, outcomes, strict=True)}


def _state(outcome: object) -> str:
    if outcome is True:
        return "ok"
    if isinstance(outcome, TimeoutError):
        return "timeout"
    if isinstance(outcome, BaseException):
        log.warning("a readiness check failed: %s", type(outcome).__name__)
    return "failing"


class HttpServer:
    """The process's HTTP endpoints; started first and stopped last by ``tarjotin run``."""

    name = "http"

    def __init__(
        self, listen: str, port: int, *, metrics: Metrics, readiness: Readiness | None = None
    ) -> None:
        self.listen = listen
        self.port = port
        self.metrics = metrics
        self.readiness = readiness or Readiness()
        self.app = web.Application(client_max_size=1024 * 1024)
        self.app.router.add_get(HEALTH_PATH, self._health)
        self.app.router.add_get(READY_PATH, self._ready)
        self.app.router.add_get(METRICS_PATH, self._metrics)
        self._runner: web.AppRunner | None = None

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        """Serve ``handler`` at ``path`` (before :meth:`start`)."""
        self.app.router.add_route(method, path, handler)

    @property
    def bound_port(self) -> int:
        """The port listened on (the real one when ``port`` was 0 in a test)."""
        if self._runner is None or not self._runner.addresses:
            return self.port
        address = self._runner.addresses[0]
        return int(address[1])

    async def start(self) -> None:
        """Listen; the routes answer from now on."""
        runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, self.listen, self.port).start()
        except OSError as error:
            await runner.cleanup()
            raise OperatorError(
                ExitCode.HTTP_PORT,
                f"The HTTP server could not listen on {self.listen}:{self.port} "
                f"({error.strerror or error}). Another program may be using the port: choose "
                "a free one with TARJOTIN_HTTP_PORT (0 turns the server off), or fix "
                "TARJOTIN_HTTP_LISTEN. Nothing was started.",
            ) from error
        self._runner = runner
        log.info("HTTP server listening on %s:%d", self.listen, self.bound_port)

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _health(self, _request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def _ready(self, _request: web.Request) -> web.Response:
        report = await self.readiness.report()
        ready = all(state == "ok" for state in report.values())
        return _json(report | {"ready": "yes" if ready else "no"}, 200 if ready else 503)

    async def _metrics(self, _request: web.Request) -> web.Response:
        try:
            await self.metrics.refresh()
        except Exception as error:  # the database is down: still show what is in memory
            log.warning("metrics could not read the database: %s", type(error).__name__)
        return web.Response(body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE})


def _json(body: Mapping[str, str], status: int) -> web.Response:
    return web.Response(
        text=json.dumps(body, sort_keys=True) + "\n", status=status, content_type="application/json"
    )
