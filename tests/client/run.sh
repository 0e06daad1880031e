#!/usr/bin/env bash
# The main workflows, end to end, through a TypeScript client generated from the
# contract (api-spec/openapi.yaml), against a real inspectd started here.
#
#   tests/client/run.sh <path-to-inspectd> <work-dir>
#
# Needs tests/client/node_modules (`npm ci --ignore-scripts` in tests/client).
# Writes only into <work-dir> (a build directory) and a temporary data dir:
#   <work-dir>/generated/inspectd-api.d.ts   types generated from the spec
#   <work-dir>/tsconfig.json                 extends tests/client/tsconfig.json,
#                                            maps "inspectd-api" to those types
#                                            and sends output to <work-dir>/dist
#   <work-dir>/package.json                  {"type":"module"}: dist/*.js are ES modules
#   <work-dir>/node_modules                  a symlink to tests/client/node_modules,
#                                            so node finds openapi-fetch from dist/
#   <work-dir>/inspectd.log                  the server's log
# Steps: generate types → tsc (strict; emits only if it type-checks) → start inspectd → wait for
# /readyz → run the workflows → SIGTERM → require exit status 0 (ASan: no leaks).
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 <path-to-inspectd> <work-dir>" >&2
	exit 2
fi
inspectd=$(realpath "$1")
mkdir -p "$2"
work=$(realpath "$2")
client_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$client_dir/../.." && pwd)
spec="$repo/api-spec/openapi.yaml"
bin="$client_dir/node_modules/.bin"

[ -x "$inspectd" ] || { echo "client: not an executable: $inspectd" >&2; exit 2; }
[ -x "$bin/tsc" ] || { echo "client: run 'npm ci --ignore-scripts' in $client_dir first" >&2; exit 2; }

data_dir=$(mktemp -d "${TMPDIR:-/tmp}/inspectd-client.XXXXXX")
server_pid=""
cleanup() {
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -KILL "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$data_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "client: FAILED: $*" >&2
	if [ -s "$work/inspectd.log" ]; then
		echo "---- last lines of $work/inspectd.log ----" >&2
		tail -n 40 "$work/inspectd.log" >&2
	fi
	exit 1
}

started=$(date +%s)

# 1. Types from the contract.
rm -rf "$work/generated" "$work/dist"
mkdir -p "$work/generated"
node "$client_dir/scripts/generate-types.mjs" "$spec" "$work/generated/inspectd-api.d.ts" >/dev/null \
	|| fail "openapi-typescript could not generate types from $spec"

cat >"$work/tsconfig.json" <<EOF
{
  "extends": "$client_dir/tsconfig.json",
  "compilerOptions": {
    "rootDir": "$client_dir/src",
    "outDir": "$work/dist",
    "paths": { "inspectd-api": ["./generated/inspectd-api.d.ts"] }
  },
  "include": ["$client_dir/src/**/*.ts", "./generated/inspectd-api.d.ts"]
}
EOF
echo '{ "type": "module", "private": true }' >"$work/package.json"
ln -sfn "$client_dir/node_modules" "$work/node_modules"

# 2. The client code must fit the generated types (strict), then compile. One
# tsc pass does both: with --noEmitOnError it emits nothing unless the whole
# program (client + generated types + libraries) type-checks — the same verdict
# as `tsc --noEmit`, at half the time (tsc takes ~8 s here).
"$bin/tsc" -p "$work/tsconfig.json" --noEmitOnError \
	|| fail "tsc: the client does not type-check against the types generated from the spec"

# 3. A fresh inspectd on a free port.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
admin_password="Client-workflows-$RANDOM$RANDOM"
base="http://127.0.0.1:$port"
INSPECTD_LISTEN="127.0.0.1:$port" \
INSPECTD_DATA="$data_dir" \
INSPECTD_BOOTSTRAP_ADMIN_PASSWORD="$admin_password" \
INSPECTD_TIME_ZONE=Asia/Shanghai \
INSPECTD_LOG_LEVEL=warn \
	"$inspectd" serve >"$work/inspectd.log" 2>&1 &
server_pid=$!

ready=""
for _ in $(seq 1 300); do
	kill -0 "$server_pid" 2>/dev/null || fail "inspectd exited while starting"
	if [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz" || true)" = 200 ]; then
		ready=1
		break
	fi
	sleep 0.1
done
[ -n "$ready" ] || fail "inspectd was not ready within 30 s ($base/readyz)"

# 4. The workflows.
workflows_status=0
node --enable-source-maps "$work/dist/workflows.js" "$base" "$admin_password" || workflows_status=$?

# 5. A clean stop: SIGTERM, exit status 0 (under ASan a leak makes it non-zero).
kill -TERM "$server_pid"
server_status=0
wait "$server_pid" || server_status=$?
server_pid=""

[ "$workflows_status" -eq 0 ] || fail "the workflows failed (see above)"
[ "$server_status" -eq 0 ] || fail "inspectd exited with status $server_status after SIGTERM (sanitizer report or unclean shutdown)"
echo "client: all workflows passed; inspectd stopped cleanly ($(($(date +%s) - started)) s)"
