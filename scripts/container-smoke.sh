#!/usr/bin/env bash
# Builds the image and proves it works with the `.env` the README tells people to write
# (`.env.example` with the four values filled in, passed with --env-file): inside the container
# `python -m bot check` passes against the fake Bot API and fake panel on 127.0.0.1 and fails
# on a wrong key; a database path the bot cannot write stops it with one line; then the bot
# itself runs with HTTP_LISTEN set, answers /start, its HEALTHCHECK command reports healthy
# (through /healthz), and /healthz, /readyz and /metrics answer from outside the container.
# Needs ../shared/tools/container-check (podman) and the project's venv active.
set -euo pipefail
cd "$(dirname "$0")/.."
CC=../shared/tools/container-check
if [ ! -x "$CC" ]; then
  echo "!! CONTAINER STEP SKIPPED: $CC not found; the image was NOT built or tested !!" >&2
  [ "${CI:-}" = "true" ] && { echo "container-smoke: CI needs the container tool" >&2; exit 1; }
  exit 0
fi
rc=0
"$CC" available >/tmp/smm-container-available.log 2>&1 || rc=$?
if [ "$rc" != 0 ]; then
  if [ "$rc" = 3 ]; then
    echo "!! CONTAINER STEP SKIPPED: this machine cannot run containers: $(cat /tmp/smm-container-available.log) !!" >&2
    exit 0
  fi
  cat /tmp/smm-container-available.log >&2; exit "$rc"
fi

"$CC" build . >/tmp/smm-container-build.log 2>&1 || { tail -40 /tmp/smm-container-build.log; exit 1; }
echo "image smm-bot:ci built"

work=$(mktemp -d)
python -m tests.fakes.serve "$work/urls" &
fakes=$!
name="smm-smoke-$$"
cleanup() {
  "$CC" podman rm -f "$name" >/dev/null 2>&1 || true
  kill "$fakes" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 100); do [ -f "$work/urls" ] && break; sleep 0.1; done
set -a; . "$work/urls"; set +a
ADMIN_CHAT_ID=-1001234567890  # the fake Bot API's group; the bot is a member there

# The README's set-up: copy .env.example, fill in BOT_TOKEN, PANEL_API_URL, PANEL_API_KEY and
# ADMIN_CHAT_ID (two of them in quotes, which the README allows and Docker keeps); BOT_API_URL
# points at the fake Bot API instead of Telegram. Nothing else changes.
env_file="$work/.env"
awk -v tok="$BOT_TOKEN" -v api="$BOT_API_URL" -v url="$PANEL_API_URL" -v key="$PANEL_API_KEY" \
    -v chat="$ADMIN_CHAT_ID" '
  /^BOT_TOKEN=/     { print "BOT_TOKEN=" tok; next }
  /^PANEL_API_URL=/ { print "PANEL_API_URL=" url; next }
  /^PANEL_API_KEY=/ { print "PANEL_API_KEY=\"" key "\""; next }
  /^ADMIN_CHAT_ID=/ { print "ADMIN_CHAT_ID=\"" chat "\""; next }
  /^BOT_API_URL=/   { print "BOT_API_URL=" api; next }
  { print }' .env.example >"$env_file"

"$CC" run --env-file "$env_file" smm-bot:ci python -m bot check >"$work/check.out"
cat "$work/check.out"
grep -q "Operators' group: OK" "$work/check.out"
grep -q "/data/bot.sqlite3 does not exist yet" "$work/check.out"
echo "check with the README's .env (--env-file): OK"

if "$CC" run --env-file "$env_file" -e PANEL_API_KEY=wrong-key-xyz smm-bot:ci python -m bot check 2>"$work/err"; then
  echo "check with a wrong key should have failed" >&2; exit 1
fi
grep -q "PANEL_API_KEY" "$work/err" && ! grep -q "wrong-key-xyz" "$work/err"
echo "check with a wrong key: fails clearly, no secret printed: OK"

# A folder the non-root user cannot write: one line, exit 1, no traceback.
rc=0
"$CC" run --env-file "$env_file" -e DATABASE_PATH=/app/db/bot.sqlite3 smm-bot:ci python -m bot 2>"$work/err" || rc=$?
if [ "$rc" != 1 ] || ! grep -q "DATABASE_PATH: cannot create /app/db (no write permission in /app)" "$work/err" \
   || grep -q "Traceback" "$work/err"; then
  cat "$work/err" >&2; echo "an unwritable DATABASE_PATH should stop the bot with one line (rc=$rc)" >&2; exit 1
fi
echo "unwritable DATABASE_PATH: one line, exit 1: OK"

# The ops endpoints on a free port of the host (the container shares the host's network).
port=$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$CC" podman run -d --name "$name" --network=host --env-file "$env_file" \
  -e HTTP_LISTEN="127.0.0.1:$port" smm-bot:ci >/dev/null
healthy=0
for _ in $(seq 60); do
  if "$CC" podman exec "$name" python -m bot health >/dev/null 2>&1; then healthy=1; break; fi
  sleep 1
done
[ "$healthy" = 1 ] || { "$CC" podman logs "$name" | tail -30; echo "bot never became healthy" >&2; exit 1; }
# From outside the container, as a load balancer or Prometheus would ask.
python - "$port" <<'PY' || { "$CC" podman logs "$name" | tail -30; exit 1; }
import json, sys, time, urllib.error, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"
def get(path):
    with urllib.request.urlopen(base + path, timeout=5) as answer:
        return answer.status, answer.read().decode()
status, body = get("/healthz")
assert status == 200 and json.loads(body) == {"status": "ok"}, (status, body)
for _ in range(30):  # ready once the catalog sync reached the panel
    try:
        status, body = get("/readyz")
        break
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read().decode()
        time.sleep(1)
assert status == 200, (status, body)
status, body = get("/metrics")
assert status == 200 and "smm_leader 1.0" in body and "smm_database_up 1.0" in body, body[:500]
print("/healthz, /readyz, /metrics from outside the container: OK")
PY
"$CC" podman exec "$name" id -un | grep -qx bot
"$CC" podman exec "$name" test -f /data/bot.sqlite3  # on the volume
"$CC" podman stop -t 30 "$name" >/dev/null
kill -TERM "$fakes"; wait "$fakes" || true
grep -q "Hi," "$work/urls.replies" || { echo "the bot did not answer /start" >&2; cat "$work/urls.replies"; exit 1; }
echo "container with the README's .env runs as non-root, keeps its database on /data, answers /start, healthcheck passes: OK"
