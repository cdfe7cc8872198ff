"""A real Synapse homeserver on loopback, so the Matrix adapter is tested against the real thing.

Synapse lives in its own virtual environment (see ``install-synapse.sh``) and runs as a
subprocess; nothing here imports it. The server is reached over HTTP with the standard
library only, so the harness works from synchronous fixtures and from async tests alike.

Rate limits: Synapse's *default* message rate limit (``rc_message``) stays on, so a test can
show the bot riding through ``M_LIMIT_EXCEEDED``. Every other limit (logins, joins, invites,
room creation, ...) is relaxed in the config, and :meth:`SynapseServer.remove_rate_limits`
lifts the message limit for one user through the admin API.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SERVER_NAME = "localhost"
HOST = "127.0.0.1"
INSTALL_SCRIPT = Path(__file__).resolve().parent / "install-synapse.sh"
DEFAULT_VENV = Path.home() / ".cache" / "tarjotin" / "synapse-venv"
VENV_ENV = "TARJOTIN_SYNAPSE_VENV"

# Every rate limit but rc_message, opened wide: tests log in, join and create rooms in bursts.
_RELAXED = {"per_second": 1000, "burst_count": 1000}
_RELAXED_LIMITS: dict[str, object] = {
    "rc_registration": _RELAXED,
    "rc_login": {"address": _RELAXED, "account": _RELAXED, "failed_attempts": _RELAXED},
    "rc_joins": {"local": _RELAXED, "remote": _RELAXED},
    "rc_joins_per_room": _RELAXED,
    "rc_invites": {"per_room": _RELAXED, "per_user": _RELAXED, "per_issuer": _RELAXED},
    "rc_room_creation": _RELAXED,
    "rc_key_requests": _RELAXED,
    "rc_presence": {"per_user": _RELAXED},
    "rc_media_create": _RELAXED,
    "rc_delayed_event_mgmt": _RELAXED,
    "rc_admin_redaction": _RELAXED,
    "rc_3pid_validation": _RELAXED,
    "rc_profile": _RELAXED,
    "rc_user_directory": _RELAXED,
    "rc_reports": _RELAXED,
}


class SynapseError(RuntimeError):
    """Synapse could not be installed, started or asked something: the test run cannot go on."""


class MatrixHTTPError(SynapseError):
    """The homeserver answered an HTTP request with an error status."""

    def __init__(self, status: int, body: Mapping[str, Any], url: str) -> None:
        super().__init__(f"HTTP {status} from {url}: {dict(body)}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class MatrixUser:
    """A registered account with a logged-in device, as the admin registration API returns it."""

    user_id: str
    localpart: str
    password: str
    access_token: str
    device_id: str
    homeserver: str


@dataclass(frozen=True)
class SynapsePaths:
    """Where one server's files live inside its working directory."""

    root: Path

    @property
    def config(self) -> Path:
        """The homeserver.yaml handed to Synapse."""
        return self.root / "homeserver.yaml"

    @property
    def log_config(self) -> Path:
        """The Python logging config Synapse loads."""
        return self.root / "log.yaml"

    @property
    def log(self) -> Path:
        """Synapse's own log file (WARNING and up)."""
        return self.root / "homeserver.log"

    @property
    def console(self) -> Path:
        """The subprocess's stdout and stderr, for errors before logging is set up."""
        return self.root / "console.log"

    @property
    def signing_key(self) -> Path:
        """The server's ed25519 signing key."""
        return self.root / "signing.key"

    @property
    def database(self) -> Path:
        """The SQLite database."""
        return self.root / "homeserver.db"

    @property
    def media(self) -> Path:
        """The media store."""
        return self.root / "media_store"


def synapse_venv() -> Path:
    """Return the virtual environment Synapse is (to be) installed in."""
    configured = os.environ.get(VENV_ENV)
    return Path(configured) if configured else DEFAULT_VENV


def ensure_installed(venv: Path | None = None) -> Path:
    """Run ``install-synapse.sh`` (a no-op when up to date); return the venv's python."""
    target = venv or synapse_venv()
    env = {**os.environ, VENV_ENV: str(target)}
    result = subprocess.run(
        ["bash", str(INSTALL_SCRIPT)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SynapseError(
            f"install-synapse.sh failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    python = target / "bin" / "python"
    if not python.exists():
        raise SynapseError(f"install-synapse.sh left no interpreter at {python}")
    return python


def free_port(host: str = HOST) -> int:
    """Ask the kernel for a TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def signing_key_line() -> str:
    """Return a fresh Synapse signing key file line: any 32 random bytes are an ed25519 seed."""
    seed = base64.b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")
    return f"ed25519 a_{secrets.token_hex(2)} {seed}\n"


def log_config(log_file: Path) -> dict[str, object]:
    """Build Synapse's logging config: WARNING and up, to one file."""
    return {
        "version": 1,
        "formatters": {
            "precise": {
                "format": "%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - "
                "%(request)s - %(message)s"
            }
        },
        "filters": {
            "context": {"()": "synapse.logging.context.LoggingContextFilter", "request": ""}
        },
        "handlers": {
            "file": {
                "class": "logging.FileHandler",
                "formatter": "precise",
                "filename": str(log_file),
                "encoding": "utf8",
                "filters": ["context"],
            }
        },
        "root": {"level": "WARNING", "handlers": ["file"]},
        "disable_existing_loggers": False,
    }


def homeserver_config(paths: SynapsePaths, port: int, shared_secret: str) -> dict[str, object]:
    """Build homeserver.yaml: loopback client API only, no federation, fast bcrypt."""
    return {
        "server_name": SERVER_NAME,
        "public_baseurl": f"http://{HOST}:{port}/",
        "pid_file": str(paths.root / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": [HOST],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(paths.database)}},
        "log_config": str(paths.log_config),
        "media_store_path": str(paths.media),
        "signing_key_path": str(paths.signing_key),
        "registration_shared_secret": shared_secret,
        "macaroon_secret_key": secrets.token_hex(32),
        "form_secret": secrets.token_hex(32),
        "enable_registration": False,
        "bcrypt_rounds": 4,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "report_stats": False,
        "enable_metrics": False,
        "url_preview_enabled": False,
        "presence": {"enabled": False},
        **_RELAXED_LIMITS,
    }


def registration_mac(
    shared_secret: str, nonce: str, username: str, password: str, *, admin: bool
) -> str:
    """Compute the HMAC-SHA1 that Synapse's shared-secret registration API expects."""
    mac = hmac.new(shared_secret.encode("utf8"), digestmod=hashlib.sha1)
    for part in (nonce, username, password):
        mac.update(part.encode("utf8"))
        mac.update(b"\x00")
    mac.update(b"admin" if admin else b"notadmin")
    return mac.hexdigest()


def request_json(
    url: str,
    *,
    method: str = "GET",
    body: Mapping[str, object] | None = None,
    token: str | None = None,
    timeout: float = 10.0,
) -> dict[str, Any]:
    """Send one JSON request; return the decoded answer or raise :class:`MatrixHTTPError`."""
    data = json.dumps(body).encode("utf8") if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            decoded: dict[str, Any] = json.loads(response.read() or b"{}")
            return decoded
    except urllib.error.HTTPError as error:
        raw = error.read()
        error.close()
        try:
            payload = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            payload = {"raw": raw.decode("utf8", "replace")}
        raise MatrixHTTPError(error.code, payload, url) from None


def tail(path: Path, lines: int = 40) -> str:
    """Return the last lines of a file, or a note that it is missing."""
    if not path.exists():
        return f"({path.name} does not exist)"
    return "\n".join(path.read_text("utf8", "replace").splitlines()[-lines:])


def process_rss_bytes(pid: int) -> int:
    """Return a process's resident set size from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise SynapseError(f"no VmRSS for pid {pid}")


class SynapseServer:
    """One Synapse process on 127.0.0.1 with its config, database and logs in ``workdir``."""

    def __init__(self, python: Path, workdir: Path, port: int | None = None) -> None:
        self.python = python
        self.paths = SynapsePaths(workdir)
        self.port = port or free_port()
        self.shared_secret = secrets.token_hex(32)
        self.base_url = f"http://{HOST}:{self.port}"
        self.server_name = SERVER_NAME
        self.start_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._admin_token: str | None = None

    @property
    def pid(self) -> int:
        """The running server's process id."""
        if self._process is None:
            raise SynapseError("Synapse is not running")
        return self._process.pid

    def write_config(self) -> None:
        """Write homeserver.yaml, the log config and a signing key into the work directory."""
        self.paths.root.mkdir(parents=True, exist_ok=True)
        self.paths.media.mkdir(exist_ok=True)
        self.paths.signing_key.write_text(signing_key_line())
        self.paths.log_config.write_text(yaml.safe_dump(log_config(self.paths.log)))
        config = homeserver_config(self.paths, self.port, self.shared_secret)
        self.paths.config.write_text(yaml.safe_dump(config))

    def start(self, timeout: float = 60.0) -> None:
        """Start Synapse and wait until its client API answers, or raise with the log's tail."""
        if self._process is not None:
            raise SynapseError("Synapse is already running")
        self.write_config()
        began = time.monotonic()
        with self.paths.console.open("wb") as console:
            self._process = subprocess.Popen(
                [str(self.python), "-m", "synapse.app.homeserver", "-c", str(self.paths.config)],
                cwd=self.paths.root,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_until_ready(began + timeout)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began

    def _wait_until_ready(self, deadline: float) -> None:
        """Poll /_matrix/client/versions until it answers, the process dies or time runs out."""
        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise SynapseError(
                    f"Synapse exited with {self._process.returncode} before answering.\n"
                    + self.diagnostics()
                )
            try:
                request_json(f"{self.base_url}/_matrix/client/versions", timeout=2.0)
                return
            except (OSError, SynapseError):
                time.sleep(0.1)
        raise SynapseError(
            f"Synapse did not answer on {self.base_url} in time.\n" + self.diagnostics()
        )

    def diagnostics(self) -> str:
        """Return the tails of the console output and the log, for error messages."""
        return (
            f"--- {self.paths.console} ---\n{tail(self.paths.console)}\n"
            f"--- {self.paths.log} ---\n{tail(self.paths.log)}"
        )

    def stop(self, grace: float = 10.0) -> None:
        """Stop Synapse: SIGTERM, then SIGKILL if it has not exited within ``grace`` seconds."""
        process, self._process = self._process, None
        self._admin_token = None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=grace)

    def rss_bytes(self) -> int:
        """Return the server process's resident memory."""
        return process_rss_bytes(self.pid)

    def url(self, path: str) -> str:
        """Return the absolute URL of an API path on this server."""
        return f"{self.base_url}{path}"

    def register(self, username: str, password: str, admin: bool = False) -> MatrixUser:
        """Register an account through the shared-secret admin API; it comes logged in."""
        endpoint = self.url("/_synapse/admin/v1/register")
        nonce = request_json(endpoint)["nonce"]
        answer = request_json(
            endpoint,
            method="POST",
            body={
                "nonce": nonce,
                "username": username,
                "password": password,
                "admin": admin,
                "mac": registration_mac(self.shared_secret, nonce, username, password, admin=admin),
            },
        )
        return MatrixUser(
            user_id=answer["user_id"],
            localpart=username,
            password=password,
            access_token=answer["access_token"],
            device_id=answer["device_id"],
            homeserver=self.base_url,
        )

    def admin_token(self) -> str:
        """Return the access token of the harness's own admin account, registering it once."""
        if self._admin_token is None:
            admin = self.register(
                f"harness-admin-{secrets.token_hex(4)}", secrets.token_hex(16), True
            )
            self._admin_token = admin.access_token
        return self._admin_token

    def remove_rate_limits(self, user_id: str) -> None:
        """Exempt one user from rate limiting (the admin API's override with zero rates)."""
        quoted = urllib.parse.quote(user_id, safe="")
        request_json(
            self.url(f"/_synapse/admin/v1/users/{quoted}/override_ratelimit"),
            method="POST",
            body={"messages_per_second": 0, "burst_count": 0},
            token=self.admin_token(),
        )

    def rate_limit_override(self, user_id: str) -> dict[str, Any]:
        """Return a user's rate-limit override as the admin API reports it ({} for none)."""
        quoted = urllib.parse.quote(user_id, safe="")
        return request_json(
            self.url(f"/_synapse/admin/v1/users/{quoted}/override_ratelimit"),
            token=self.admin_token(),
        )
