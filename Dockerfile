# Tarjotin in a container: `docker build -t tarjotin . && docker run -e TARJOTIN_TELEGRAM_TOKEN=... tarjotin`
FROM python:3.11-slim
WORKDIR /app
# Fonts for poster PNGs (Latin, Cyrillic, Arabic); the SVG poster needs none.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core libraqm0 \
    && rm -rf /var/lib/apt/lists/*
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 TARJOTIN_DATA_DIR=/data
COPY pyproject.toml requirements.lock README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY catalog ./catalog
COPY locales ./locales
RUN pip install --no-cache-dir -c requirements.lock -e . \
    && useradd --system --home /data tarjotin && mkdir -p /data && chown tarjotin /data
USER tarjotin
VOLUME ["/data"]
ENTRYPOINT ["tarjotin"]
CMD ["run"]
