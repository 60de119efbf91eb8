# One container: the bot with its SQLite database on the /data volume.
FROM python:3.12-slim

# MALLOC_ARENA_MAX: glibc gives each thread (SQLite connections, parsing threads) its own
# malloc arena that keeps what it freed; one arena for all keeps ~2 MB less at 10k services
# and 100k orders, at the same speed (docs/benchmarks.md). The bot sets the same limit
# itself when this is unset and trims after big jobs (bot/memory.py).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MALLOC_ARENA_MAX=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_PATH=/data/bot.sqlite3

WORKDIR /app
# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir bot && touch bot/__init__.py && pip install . && pip uninstall -y smm-bot && rm -rf bot build
COPY bot ./bot
COPY locales ./locales
# /app/data -> /data: a relative DATABASE_PATH (data/bot.sqlite3, the venv default) lands on
# the volume too, instead of failing (/app is not writable) or living in the container layer.
# Bytecode compiled now: the HEALTHCHECK starts a fresh python every minute.
RUN pip install --no-deps -e . \
 && python -m compileall -q bot \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin bot \
 && mkdir -p /data && chown bot /data && ln -s /data /app/data

USER bot
# webhook mode (WEBHOOK_URL set): WEBHOOK_LISTEN, 0.0.0.0:8080 by default
EXPOSE 8080
VOLUME ["/data"]
# Healthy while the running bot keeps its heartbeat file fresh; with HTTP_LISTEN set,
# `python -m bot health` asks the bot's /healthz instead (same rule, over HTTP).
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s --retries=3 \
  CMD ["python", "-m", "bot", "health"]
CMD ["python", "-m", "bot"]
