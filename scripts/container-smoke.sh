#!/usr/bin/env bash
# Builds the image and proves it works: inside the container `python -m bot check` passes
# against the fake Bot API and fake panel on 127.0.0.1 and fails on a wrong key; then the bot
# itself runs, answers /start, and its HEALTHCHECK command reports healthy.
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
envs=(-e BOT_TOKEN -e BOT_API_URL -e PANEL_API_URL -e PANEL_API_KEY -e ADMIN_CHAT_ID=-1001234567890)

"$CC" run "${envs[@]}" smm-bot:ci python -m bot check
echo "check against healthy fakes: OK"

if "$CC" run "${envs[@]}" -e PANEL_API_KEY=wrong-key-xyz smm-bot:ci python -m bot check 2>"$work/err"; then
  echo "check with a wrong key should have failed" >&2; exit 1
fi
grep -q "PANEL_API_KEY" "$work/err" && ! grep -q "wrong-key-xyz" "$work/err"
echo "check with a wrong key: fails clearly, no secret printed: OK"

"$CC" podman run -d --name "$name" --network=host "${envs[@]}" smm-bot:ci >/dev/null
healthy=0
for _ in $(seq 60); do
  if "$CC" podman exec "$name" python -m bot health >/dev/null 2>&1; then healthy=1; break; fi
  sleep 1
done
[ "$healthy" = 1 ] || { "$CC" podman logs "$name" | tail -30; echo "bot never became healthy" >&2; exit 1; }
"$CC" podman exec "$name" id -un | grep -qx bot
"$CC" podman stop -t 30 "$name" >/dev/null
kill -TERM "$fakes"; wait "$fakes" || true
grep -q "Hi," "$work/urls.replies" || { echo "the bot did not answer /start" >&2; cat "$work/urls.replies"; exit 1; }
echo "container runs as non-root, answers /start, healthcheck passes: OK"
