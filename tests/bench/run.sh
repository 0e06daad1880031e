#!/usr/bin/env bash
# make bench: measures what exists so far with wrk on loopback.
#   usage: tests/bench/run.sh path/to/inspectd
# Starts a release inspectd on a free port with a temporary data directory,
# runs wrk against each endpoint (2 threads, 32 connections, 10 s by default:
# BENCH_DURATION=30s to change) and prints requests/s, p50/p99 latency and
# the server's peak RSS. The server logs at info (one JSON line per request,
# as in production) into a file. Stops the server with SIGTERM at the end.
set -euo pipefail

bin=${1:?usage: $0 path/to/inspectd}
duration=${BENCH_DURATION:-10s}
conns=${BENCH_CONNECTIONS:-32}
tmp=$(mktemp -d /tmp/inspectd-bench-XXXXXX)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The demo data (a round with four visits) gives the authenticated reads something to read.
INSPECTD_LOG_LEVEL=warn "$bin" seed-demo --data "$tmp/data" >/dev/null 2>&1
INSPECTD_LOG_LEVEL=${INSPECTD_LOG_LEVEL:-info} "$bin" serve --listen "127.0.0.1:$port" --data "$tmp/data" 2>"$tmp/server.log" &
pid=$!
for _ in $(seq 1 250); do
	curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
	sleep 0.02
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$pid/status"; }

echo "inspectd bench: $("$bin" version)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); wrk -t2 -c$conns -d$duration --latency"
echo "idle RSS: $(rss_kb) KiB"
printf '%-28s %12s %10s %10s\n' endpoint "req/s" p50 p99

bench() {
	local name=$1 path=$2
	shift 2
	local out
	out=$(wrk -t2 -c"$conns" -d"$duration" --latency "$@" "http://127.0.0.1:$port$path")
	local rps p50 p99
	rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
	p50=$(awk '$1=="50%" {print $2}' <<<"$out")
	p99=$(awk '$1=="99%" {print $2}' <<<"$out")
	if grep -q 'Non-2xx' <<<"$out"; then
		echo "$name: non-2xx responses:" >&2
		echo "$out" >&2
		exit 1
	fi
	printf '%-28s %12s %10s %10s\n' "$name" "$rps" "$p50" "$p99"
}

bench "GET /healthz" /healthz
bench "GET /readyz (db + disk)" /readyz

# An inspector's reads: JWT verification, the session check and the scoped query.
token=$(curl -fsS "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
	-d '{"username":"liming","password":"demo-password-1"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
visit=$(curl -fsS "http://127.0.0.1:$port/api/v1/me/assignments" -H "Authorization: Bearer $token" |
	python3 -c 'import json,sys; print(next(i["inspection_id"] for i in json.load(sys.stdin)["items"] if i["inspection_id"]))')
bench "GET /inspections/{id}" "/api/v1/inspections/$visit" -H "Authorization: Bearer $token"
bench "GET /inspections?limit=50" "/api/v1/inspections?limit=50" -H "Authorization: Bearer $token"
bench "GET /me/assignments" "/api/v1/me/assignments" -H "Authorization: Bearer $token"

# Photos: uploads (time, memory) and thumbnails (the first made, then cached ones served).
photos=$(python3 "$(dirname "$0")/photos.py" "$port" "$pid" "$token")
grep -v '^thumbnail ' <<<"$photos"
photo=$(awk '/^thumbnail / {print $2}' <<<"$photos")
bench "GET /photos/{id}/thumbnail" "/api/v1/photos/$photo/thumbnail" -H "Authorization: Bearer $token"
echo "peak RSS: $(hwm_kb) KiB"

# Evidence checks: the near-duplicate lookup at a million stored photo hashes.
"$(dirname "$bin")/bench_dhash" "${BENCH_PHOTOS:-1000000}"
