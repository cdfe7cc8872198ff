"""Logging the bot in so that it keeps one device (and so its keys) across restarts.

Order of preference:

1. a configured access token: used as it is; ``whoami`` tells its device;
2. the login saved in ``session.json`` by an earlier start, if the server still accepts it;
3. a password login, reusing the saved device id when there is one (the server then keeps the
   same device, and nio the same crypto store), otherwise creating the one device.

The resulting login is saved, so only the very first start ever creates a device.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nio import ErrorResponse, LoginResponse, WhoamiResponse

from bot.matrix.limits import Stats, call_with_retries
from bot.matrix.state import Credentials, load_credentials, save_credentials
from bot.matrix.translate import localpart
from bot.pacing import RetryPolicy

log = logging.getLogger(__name__)


class MatrixLoginError(Exception):
    """The homeserver refused every way of logging in; the message says why (no secrets)."""


@dataclass(frozen=True)
class Account:
    """Who to log in as (the secrets are plain strings here; never logged or repr'd)."""

    homeserver: str
    user: str
    password: str | None = None
    access_token: str | None = None
    device_name: str = "Tarjotin"

    def __repr__(self) -> str:
        return f"Account({self.homeserver!r}, {self.user!r}, ***)"

    def owns(self, credentials: Credentials) -> bool:
        """Whether a saved login belongs to this account on this homeserver."""
        return credentials.homeserver == self.homeserver and self.user in (
            credentials.user_id,
            localpart(credentials.user_id),
        )


async def whoami(client: Any, policy: RetryPolicy, stats: Stats) -> Any:
    """Ask the server whose token the client holds (an ``ErrorResponse`` if none)."""
    return await call_with_retries(
        "whoami", client.whoami, policy=policy, stats=stats, raise_on_permanent=False
    )


async def log_in(
    client: Any, account: Account, session_file: Path, policy: RetryPolicy, stats: Stats
) -> Credentials:
    """Log ``client`` in (see the module docstring) and save the login; return it."""
    credentials: Credentials | None = None
    if account.access_token:
        credentials = await _with_token(client, account, account.access_token, policy, stats)
    else:
        saved = load_credentials(session_file)
        if saved is not None and not account.owns(saved):
            saved = None
        if saved is not None:
            credentials = await _restore(client, saved, policy, stats)
        if credentials is None:
            device = saved.device_id if saved is not None else None
            credentials = await _with_password(client, account, device, policy, stats)
    if (client.access_token, client.device_id) != (credentials.access_token, credentials.device_id):
        client.restore_login(credentials.user_id, credentials.device_id, credentials.access_token)
    save_credentials(session_file, credentials)
    log.info("logged in to Matrix as device %s", credentials.device_id)
    return credentials


async def _with_token(
    client: Any, account: Account, token: str, policy: RetryPolicy, stats: Stats
) -> Credentials:
    client.access_token = token
    answer = await whoami(client, policy, stats)
    if not isinstance(answer, WhoamiResponse) or not answer.device_id:
        client.access_token = ""
        reason = answer.status_code if isinstance(answer, ErrorResponse) else "no device"
        raise MatrixLoginError(f"TARJOTIN_MATRIX_ACCESS_TOKEN was not accepted ({reason})")
    return Credentials(account.homeserver, answer.user_id, answer.device_id, token)


async def _restore(
    client: Any, saved: Credentials, policy: RetryPolicy, stats: Stats
) -> Credentials | None:
    client.access_token = saved.access_token
    client.user_id = saved.user_id
    answer = await whoami(client, policy, stats)
    client.access_token = ""
    if isinstance(answer, WhoamiResponse) and answer.device_id == saved.device_id:
        return saved
    log.info("the saved Matrix login is no longer valid; logging in again")
    return None


async def _with_password(
    client: Any, account: Account, device_id: str | None, policy: RetryPolicy, stats: Stats
) -> Credentials:
    if not account.password:
        raise MatrixLoginError("no TARJOTIN_MATRIX_PASSWORD to log in with")
    client.device_id = device_id
    password = account.password

    async def attempt() -> Any:
        return await client.login(password, device_name=account.device_name)

    answer = await call_with_retries(
        "login", attempt, policy=policy, stats=stats, raise_on_permanent=False
    )
    if not isinstance(answer, LoginResponse):
        reason = answer.status_code if isinstance(answer, ErrorResponse) else "no answer"
        raise MatrixLoginError(f"the homeserver refused the password login ({reason})")
    return Credentials(account.homeserver, answer.user_id, answer.device_id, answer.access_token)
