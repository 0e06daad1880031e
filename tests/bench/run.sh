#!/usr/bin/env bash
# make bench: a city's data set, then wrk on loopback against a release build.
#   usage: tests/bench/run.sh path/to/inspectd
# 1. Starts inspectd on a temporary data directory; seed_api.py makes 20
#    towns of 20 villages, the benchmark users, one complete visit and one
#    rectification task through the API; the server stops and bench_seed
#    clones them to 1,000 users, 100,000 inspections and 20,000 tasks.
# 2. Restarts it (logging every request at info into a file, as in
#    production) and runs wrk (2 threads, 32 connections, 10 s each, reads
#    after 2 s unmeasured: BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS)
#    against each endpoint: requests/s,
#    p50/p99 latency, the server's peak RSS, and each figure's ratio to
#    /healthz from the same run.
# 3. Writes (new visits; edits with If-Match), eight concurrent 10 MB photo
#    uploads, tus and thumbnails (photos.py), and the near-duplicate lookup
#    at a million photos (bench_dhash).
set -euo pipefail

bin=${1:?usage: $0 path/to/inspectd}
here=$(cd "$(dirname "$0")" && pwd)
bindir=$(dirname "$bin")
duration=${BENCH_DURATION:-10s}
warmup=${BENCH_WARMUP:-2s}
conns=${BENCH_CONNECTIONS:-32}
tmp=$(mktemp -d /tmp/inspectd-bench-XXXXXX)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	if [ -n "${BENCH_KEEP:-}" ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
admin_password=bench-admin-password-1

start() {
	INSPECTD_BOOTSTRAP_ADMIN_PASSWORD=$admin_password INSPECTD_LOG_LEVEL=${1:-warn} \
		"$bin" serve --listen "127.0.0.1:$port" --data "$tmp/data" 2>>"$tmp/server.log" &
	pid=$!
	for _ in $(seq 1 500); do
		curl -fsS "$base/readyz" >/dev/null 2>&1 && return
		sleep 0.02
	done
	curl -fsS "$base/readyz" >/dev/null
}
stop() {
	kill -TERM "$pid"
	wait "$pid"
	pid=""
}

echo "inspectd bench: $("$bin" version | head -1)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); wrk -t2 -c$conns -d$duration --latency (after $warmup unmeasured)"

t0=$(date +%s)
start warn
seeded=$(python3 "$here/seed_api.py" "$port" "$admin_password")
stop
"$bindir/bench_seed" "$tmp/data/inspectd.db"
visit=$(awk '$1=="visit" {print $2}' <<<"$seeded")
village=$(awk '$1=="village" {print $2}' <<<"$seeded")
echo "data set ready in $(($(date +%s) - t0)) s"

start "${INSPECTD_LOG_LEVEL:-info}"
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$pid/status"; }
echo "idle RSS: $(rss_kb) KiB"

login() {
	curl -fsS "$base/api/v1/auth/login" -H 'Content-Type: application/json' -d "{\"username\":\"$1\",\"password\":\"$2\"}" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
inspector=$(login bench.inspector bench-password-1)
cadre=$(login bench.cadre bench-password-1)
admin=$(login admin "$admin_password")

# The admin's list, page 1 and page 1,000 (50 a page): the cursor of page 1,000.
page1000=$(python3 - "$port" "$admin" <<'EOF'
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
path = "/api/v1/inspections?limit=50"
for page in range(999):
    c.request("GET", path, headers={"Authorization": "Bearer " + sys.argv[2]})
    body = json.loads(c.getresponse().read())
    path = "/api/v1/inspections?limit=50&cursor=" + body["next_cursor"]
print(path)
EOF
)

healthz_rps=""
printf '%-44s %10s %9s %9s %7s\n' endpoint "req/s" p50 p99 "×healthz"
bench() {
	local name=$1 path=$2
	shift 2
	local out rps p50 p99 ratio
	# reads warm up first (unmeasured): each of the server's worker connections
	# fills its page cache; the write scripts keep state (versions) and do not
	case " $* " in
	*" -s "*) ;;
	*) wrk -t2 -c"$conns" -d"$warmup" "$@" "$base$path" >/dev/null ;;
	esac
	out=$(wrk -t2 -c"$conns" -d"$duration" --latency "$@" "$base$path")
	rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
	p50=$(awk '$1=="50%" {print $2}' <<<"$out")
	p99=$(awk '$1=="99%" {print $2}' <<<"$out")
	if grep -q 'Non-2xx' <<<"$out"; then
		echo "$name: non-2xx responses:" >&2
		echo "$out" >&2
		exit 1
	fi
	[ -z "$healthz_rps" ] && healthz_rps=$rps
	ratio=$(awk -v a="$rps" -v b="$healthz_rps" 'BEGIN {printf "%.3f", a / b}')
	printf '%-44s %10s %9s %9s %7s\n' "$name" "$rps" "$p50" "$p99" "$ratio"
}

bench "GET /healthz" /healthz
bench "GET /inspections/{id} (inspector)" "/api/v1/inspections/$visit" -H "Authorization: Bearer $inspector"
bench "GET /inspections?limit=50 (inspector)" "/api/v1/inspections?limit=50" -H "Authorization: Bearer $inspector"
bench "GET /inspections?limit=50 page 1 (admin)" "/api/v1/inspections?limit=50" -H "Authorization: Bearer $admin"
bench "GET /inspections?limit=50 page 1000 (admin)" "$page1000" -H "Authorization: Bearer $admin"
bench "GET /me/tasks (cadre)" "/api/v1/me/tasks" -H "Authorization: Bearer $cadre"
TOKEN=$inspector ORG=$village bench "POST /inspections (new ids)" / -s "$here/post.lua"
ids=$(for _ in 1 2; do
	curl -fsS "$base/api/v1/inspections" -H "Authorization: Bearer $inspector" -H 'Content-Type: application/json' \
		-d "{\"org_id\":\"$village\",\"template_id\":\"00000000-0000-4000-8000-000000000001\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
done | paste -sd,)
TOKEN=$inspector IDS=$ids conns=2 bench "PUT /inspections/{id} If-Match (2 conns)" / -s "$here/put.lua"
echo "peak RSS after the reads and writes: $(hwm_kb) KiB"

# Photos: concurrent uploads, tus, thumbnails (the first made, then cached ones served).
photos=$(python3 "$here/photos.py" "$port" "$pid" "$inspector")
grep -v '^thumbnail \|^uploads_' <<<"$photos"
photo=$(awk '/^thumbnail / {print $2}' <<<"$photos")
bench "GET /photos/{id}/thumbnail (cached)" "/api/v1/photos/$photo/thumbnail" -H "Authorization: Bearer $inspector"
echo "peak RSS: $(hwm_kb) KiB"
stop

# Evidence checks: the near-duplicate lookup at a million stored photo hashes.
"$bindir/bench_dhash" "${BENCH_PHOTOS:-1000000}"
