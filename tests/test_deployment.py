"""The container files, checked without a container engine: variables, health check, install.

No Docker engine runs here, so the Dockerfile and compose.yaml are read as text: every variable
they give the bot is a real setting, the HEALTHCHECK command (run for real against a local
server) asks the health route on the configured port, dependencies come only from the hashed
lock before the source is copied, the install is a wheel, and posters find the fonts.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import poster
from bot.config import CONFIG_FILE_VARIABLE, Settings

ROOT = Path(__file__).resolve().parent.parent

#: The HTTP server's contract from issue 14; the HTTP server module must agree with these.
HEALTH_ROUTE = "/healthz"
HTTP_LISTEN_VARIABLE = "TARJOTIN_HTTP_LISTEN"
HTTP_PORT_VARIABLE = "TARJOTIN_HTTP_PORT"
HTTP_PORT = 8080

#: Variables the image may set that are not Tarjotin's own.
RUNTIME_VARIABLES = {"PATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED",
                     "PIP_DISABLE_PIP_VERSION_CHECK", "PIP_NO_CACHE_DIR"}  # fmt: skip
#: Where Debian's font packages put the files bot/poster.py looks for.
DEBIAN_FONTS = {
    "fonts-dejavu-core": "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "fonts-noto-cjk": "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
}
SOURCE_DIRECTORIES = ("bot", "handlers", "catalog", "locales")


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction, its continuation lines joined."""

    keyword: str
    arguments: str


def dockerfile() -> list[Instruction]:
    lines: list[str] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text("utf-8").splitlines():
        if raw.lstrip().startswith("#") or (not raw.strip() and not pending):
            continue
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        lines.append(pending + raw)
        pending = ""
    found = []
    for line in lines:
        keyword, _, arguments = line.strip().partition(" ")
        found.append(Instruction(keyword.upper(), " ".join(arguments.split())))
    return found


def stages() -> list[list[Instruction]]:
    """The build stages, each from its FROM on."""
    result: list[list[Instruction]] = []
    for instruction in dockerfile():
        if instruction.keyword == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def image_environment() -> dict[str, str]:
    """What the final stage's ENV instructions set."""
    found: dict[str, str] = {}
    for instruction in stages()[-1]:
        if instruction.keyword == "ENV":
            for word in shlex.split(instruction.arguments):
                name, _, value = word.partition("=")
                found[name] = value
    return found


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text("utf-8"))
    return loaded


def setting_variables() -> set[str]:
    """Every variable Tarjotin reads: the settings, the config file, the HTTP server's pair."""
    prefix = str(Settings.model_config.get("env_prefix", ""))
    fields = {prefix + name.upper() for name in Settings.model_fields}
    return fields | {CONFIG_FILE_VARIABLE, HTTP_LISTEN_VARIABLE, HTTP_PORT_VARIABLE}


def test_setting_variables_are_read_from_the_settings() -> None:
    names = setting_variables()
    assert "TARJOTIN_DATABASE_URL" in names
    assert "TARJOTIN_TELEGRAM_TOKEN" in names
    assert "TARJOTIN_NO_SUCH_THING" not in names


def test_every_variable_compose_gives_the_bot_is_a_setting() -> None:
    environment = compose()["services"]["bot"]["environment"]
    assert set(environment) <= setting_variables()
    assert "TARJOTIN_DATABASE_URL" in environment


def test_every_variable_the_image_sets_is_a_setting_or_the_runtimes() -> None:
    environment = image_environment()
    ours = {name for name in environment if name.startswith("TARJOTIN_")}
    assert ours <= setting_variables()
    assert set(environment) - ours <= RUNTIME_VARIABLES


def test_the_image_listens_on_every_interface_on_the_exposed_port() -> None:
    environment = image_environment()
    assert environment[HTTP_LISTEN_VARIABLE] == "0.0.0.0"
    assert environment[HTTP_PORT_VARIABLE] == str(HTTP_PORT)
    exposed = [i.arguments for i in stages()[-1] if i.keyword == "EXPOSE"]
    assert exposed == [str(HTTP_PORT)]
    bot = compose()["services"]["bot"]
    assert str(bot["environment"][HTTP_PORT_VARIABLE]) == str(HTTP_PORT)
    assert bot["environment"][HTTP_LISTEN_VARIABLE] == "0.0.0.0"
    assert [port.rsplit(":", 1)[1] for port in bot["ports"]] == [str(HTTP_PORT)]


class _Health(BaseHTTPRequestHandler):
    status = 200
    asked: list[str] = []  # noqa: RUF012 - shared with the test by design

    def do_GET(self) -> None:
        type(self).asked.append(self.path)
        ok = self.path == HEALTH_ROUTE and self.status == 200
        self.send_response(200 if ok else (404 if self.path != HEALTH_ROUTE else self.status))
        self.end_headers()
        self.wfile.write(b"ok" if ok else b"no")

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test's output quiet."""


@pytest.fixture
def health_server() -> Iterator[ThreadingHTTPServer]:
    _Health.asked = []
    _Health.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def _run_healthcheck(port: int) -> int:
    (check,) = [i.arguments for i in stages()[-1] if i.keyword == "HEALTHCHECK"]
    command = check.split(" CMD ", 1)[1]
    assert not command.startswith("["), "the shell form expands the port variable"
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    environment = {"PATH": path, HTTP_PORT_VARIABLE: str(port)}
    done = subprocess.run(["/bin/sh", "-c", command], env=environment, capture_output=True,
                          timeout=60, check=False)  # fmt: skip
    return done.returncode


def test_the_healthcheck_asks_the_health_route_on_the_configured_port(
    health_server: ThreadingHTTPServer,
) -> None:
    assert _run_healthcheck(health_server.server_address[1]) == 0
    assert _Health.asked == [HEALTH_ROUTE]


def test_the_healthcheck_fails_when_the_server_is_unhealthy(
    health_server: ThreadingHTTPServer,
) -> None:
    _Health.status = 503
    assert _run_healthcheck(health_server.server_address[1]) != 0


def test_the_healthcheck_fails_when_nothing_listens(health_server: ThreadingHTTPServer) -> None:
    port = health_server.server_address[1]
    health_server.shutdown()
    health_server.server_close()
    assert _run_healthcheck(port) != 0


def test_dependencies_come_only_from_the_hashed_lock_before_the_source() -> None:
    (builder, *_rest) = stages()
    runs = [(index, i.arguments) for index, i in enumerate(builder) if i.keyword == "RUN"]
    locked = [
        index for index, run in runs
        if "pip install" in run and "--require-hashes" in run and "-r requirements.lock" in run
    ]  # fmt: skip
    assert locked
    copies = [
        index for index, i in enumerate(builder)
        if i.keyword == "COPY" and i.arguments.split()[0] in SOURCE_DIRECTORIES
    ]  # fmt: skip
    assert copies
    assert max(locked) < min(copies)


def test_the_project_is_installed_from_its_wheel_not_editable() -> None:
    every_run = " && ".join(i.arguments for i in dockerfile() if i.keyword == "RUN")
    installs = [part for part in every_run.split("&&") if "pip install" in part]
    assert not any(" -e " in f" {part} " or "--editable" in part for part in installs)
    assert any(".whl" in part and "--no-deps" in part for part in installs)


def test_the_image_runs_as_an_unprivileged_user_with_the_built_environment() -> None:
    final = stages()[-1]
    users = [i.arguments for i in final if i.keyword == "USER"]
    assert users
    assert users[-1] not in ("root", "0")
    assert any(i.keyword == "COPY" and i.arguments.startswith("--from=builder") for i in final)


def test_every_file_the_image_copies_exists_and_is_not_ignored() -> None:
    ignored = {
        line.strip() for line in (ROOT / ".dockerignore").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }  # fmt: skip
    assert {".git", ".venv", "data", ".env"} <= ignored
    for instruction in dockerfile():
        if instruction.keyword == "COPY" and not instruction.arguments.startswith("--from"):
            *sources, _target = instruction.arguments.split()
            for source in sources:
                assert (ROOT / source).exists(), source
                assert source not in ignored


def test_posters_find_the_fonts_the_image_installs() -> None:
    installs = " ".join(i.arguments for i in stages()[-1] if i.keyword == "RUN")
    for package in DEBIAN_FONTS:
        assert package in installs.split()
    assert poster.FONT_CANDIDATES[0] == DEBIAN_FONTS["fonts-dejavu-core"]
    assert DEBIAN_FONTS["fonts-noto-cjk"] in poster.CJK_FONT_CANDIDATES


def test_compose_keeps_data_and_database_in_volumes_and_waits_for_postgres() -> None:
    document = compose()
    services, volumes = document["services"], document["volumes"]
    bot, postgres = services["bot"], services["postgres"]
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert postgres["healthcheck"]["test"]
    data_dir = bot["environment"]["TARJOTIN_DATA_DIR"]
    mounts = {mount.split(":")[1]: mount.split(":")[0] for mount in bot["volumes"]}
    assert mounts[data_dir] in volumes
    assert any(m.endswith(":/var/lib/postgresql/data") and m.split(":")[0] in volumes
               for m in postgres["volumes"])  # fmt: skip
    assert "postgres:5432" in bot["environment"]["TARJOTIN_DATABASE_URL"]


def test_synapse_runs_only_in_the_matrix_profile() -> None:
    services = compose()["services"]
    assert services["synapse"]["profiles"] == ["matrix"]
    assert all("profiles" not in services[name] for name in ("bot", "postgres"))
