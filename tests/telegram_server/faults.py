"""Fault injection: make the next calls of a method fail like a flaky Telegram.

Telegram's front end sometimes answers 500, 502 (an nginx HTML page, not JSON),
429 with ``retry_after`` or nothing at all. A plan holds, per method, the
faults its next calls meet, in order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["status", "timeout", "disconnect"]


@dataclass(frozen=True)
class Fault:
    """One failure: an HTTP status, a hang past the client's timeout, or a dropped connection.

    With ``apply`` the call is carried out first and only its response is lost,
    so the bot's message reaches the user although the bot saw an error.
    """

    kind: FaultKind
    status: int = 500
    retry_after: int = 1
    delay: float = 30.0
    apply: bool = False
    description: str | None = None


def as_fault(spec: int | str | Fault, *, retry_after: int, delay: float) -> Fault:
    """Read a fault given as a status code, ``"timeout"``, ``"disconnect"`` or a Fault."""
    if isinstance(spec, Fault):
        return spec
    if isinstance(spec, int):
        return Fault("status", status=spec, retry_after=retry_after)
    if spec == "timeout":
        return Fault("timeout", delay=delay)
    if spec == "timeout_after_apply":
        return Fault("timeout", delay=delay, apply=True)
    if spec == "disconnect":
        return Fault("disconnect")
    raise ValueError(f"unknown fault {spec!r}")


class FaultPlan:
    """Faults waiting for the next calls of each method (names compared case-blind)."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[Fault]] = {}

    def add(self, method: str, faults: Iterable[Fault]) -> None:
        """Queue faults for the next calls of ``method``."""
        self._queues.setdefault(method.lower(), deque()).extend(faults)

    def take(self, method: str) -> Fault | None:
        """Give the fault this call of ``method`` meets, if any."""
        queue = self._queues.get(method.lower())
        return queue.popleft() if queue else None

    def remaining(self, method: str) -> int:
        """Count faults still waiting for ``method``."""
        return len(self._queues.get(method.lower(), ()))

    def clear(self) -> None:
        """Forget every queued fault."""
        self._queues.clear()


NGINX_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)
