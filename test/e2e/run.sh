#!/usr/bin/env bash
# End-to-end tests in a real VS Code: code-server (installed offline by ../shared/e2e/setup-code-server.sh
# into .e2e-cache), driven by playwright-core and Debian's chromium. Runs every test/e2e/*.e2e.js against
# one server whose workspace is a copy of ../shared/fixtures/fmnist, with the built extension (the repo
# root; `npm test` builds first). Screenshots go to test-output/shots. E2E_ONLY=name runs matching specs only.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${THEORY_LENS_SHARED:-$REPO/../shared}
if [ ! -d "$SHARED/e2e" ] || [ ! -d "$SHARED/fixtures/fmnist" ]; then
  echo "e2e: $SHARED/e2e or fixtures missing; cannot run the end-to-end tests" >&2
  exit 1
fi
CACHE=$REPO/.e2e-cache
mkdir -p "$CACHE"
echo "e2e: installing code-server (cached in .e2e-cache)…"
# Run the installer outside npm's lifecycle environment: under `npm test`, npm_* variables point nested
# npm runs at node 20, and code-server's postinstall then refuses to run (it needs node 24).
clean_env=(env)
for v in $(env | grep -o '^npm_[A-Za-z0-9_]*'); do clean_env+=(-u "$v"); done
clean_env+=(-u NODE -u INIT_CWD)
"${clean_env[@]}" bash "$SHARED/e2e/setup-code-server.sh" "$CACHE" > "$CACHE/setup.log" 2>&1 || { tail -30 "$CACHE/setup.log"; exit 1; }
WORK=$(mktemp -d /tmp/theory-lens-e2e.XXXXXX)
WS=$WORK/workspace
node --import tsx "$REPO/test/e2e/make-workspace.ts" "$SHARED/fixtures/fmnist" "$WS" > /dev/null
SHOTS=$REPO/test-output/shots
mkdir -p "$SHOTS"
PORT=${E2E_PORT:-$((8100 + RANDOM % 800))}
PID=
# stop the server by its PID (it takes a few seconds to exit), also when a step fails
cleanup() {
  if [ -n "$PID" ]; then
    kill "$PID" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$PID" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
OUT=$(bash "$SHARED/e2e/start-code-server.sh" "$CACHE" "$WORK/profile" "$REPO" "$WS" "$PORT")
PID=$(echo "$OUT" | head -1)
URL=$(echo "$OUT" | tail -1)

status=0
passed=0
failed=0
# E2E_ONLY=report runs only the specs whose file name contains it
for spec in "$REPO"/test/e2e/*.e2e.js; do
  case "$(basename "$spec")" in *"${E2E_ONLY:-}"*) ;; *) continue ;; esac
  echo "e2e: $(basename "$spec")"
  if CS_URL="$URL" SHOTS="$SHOTS" WORKSPACE="$WS" REPO="$REPO" timeout 600 node "$spec"; then passed=$((passed+1)); else failed=$((failed+1)); status=1; fi
done
echo "e2e: $passed passed, $failed failed"
[ $status -eq 0 ] || { echo "--- server log ---"; tail -40 "$WORK/profile/server.log" || true; }
exit $status
