# Tarjotin in a container. Build: `docker build -t tarjotin .`; run it with compose.yaml (the bot
# and PostgreSQL) as the README's "Running it in a container" says.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- builder: dependencies from the hashed lock, then the project's wheel ----
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/tarjotin
WORKDIR /src
# Dependencies first, so that a code change does not reinstall them: only files whose sha256
# the lock lists are accepted. The lock also pins the test tools; they are removed below.
COPY requirements.lock ./
RUN /opt/tarjotin/bin/pip install --require-hashes -r requirements.lock
# Then the source, built into a wheel (setup.py puts the translations in it) and installed
# from that wheel, not editable; finally every distribution Tarjotin does not need at run time
# (pytest, mypy, ruff...) is uninstalled, following the installed metadata.
COPY pyproject.toml setup.py MANIFEST.in README.md ./
COPY tools ./tools
COPY locales ./locales
COPY catalog ./catalog
COPY handlers ./handlers
COPY bot ./bot
RUN /opt/tarjotin/bin/pip wheel --no-deps --wheel-dir /wheels . \
    && /opt/tarjotin/bin/pip install --no-deps --no-index /wheels/tarjotin-*.whl \
    && /opt/tarjotin/bin/python -m tools.runtime_only tarjotin \
    && /opt/tarjotin/bin/pip check

# ---- runtime: the environment built above, fonts, an unprivileged user ----
FROM ${PYTHON_IMAGE}
# Fonts for PNG posters (bot/poster.py looks for them at Debian's paths): DejaVu Sans for Latin,
# Cyrillic and Arabic script, Noto Sans CJK for Chinese; libraqm shapes right-to-left titles.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core fonts-noto-cjk libraqm0 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --user-group --uid 10001 --home-dir /data --no-create-home tarjotin \
    && mkdir -p /data && chown tarjotin:tarjotin /data
COPY --from=builder /opt/tarjotin /opt/tarjotin
# The HTTP server (health, readiness, metrics, the Telegram webhook) must listen on every
# interface of the container to be reachable from outside it; publish the port with care.
ENV PATH=/opt/tarjotin/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TARJOTIN_DATA_DIR=/data \
    TARJOTIN_HTTP_LISTEN=0.0.0.0 \
    TARJOTIN_HTTP_PORT=8080
USER tarjotin
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
# Alive = /healthz answers 200; the slim image has no curl, so Python's urllib asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${TARJOTIN_HTTP_PORT}/healthz', timeout=4)" || exit 1
ENTRYPOINT ["tarjotin"]
CMD ["run"]
