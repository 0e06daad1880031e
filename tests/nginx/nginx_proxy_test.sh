#!/usr/bin/env bash
# nginx_proxy_test.sh — runs docker/nginx.conf for real in front of a real inspectd.
#
# Usage: nginx_proxy_test.sh <path-to-inspectd-binary> <path-to-docker/nginx.conf>
#
# There is no Docker engine in CI, so the compose deployment can't be started; instead this
# starts `inspectd serve` on a free loopback port with a temp data dir, derives a test
# config from the shipped nginx.conf (only the listen address, inspectd's address, the
# worker user, the access log and the temp paths change; see rewrite_conf), checks it with
# `nginx -t`, starts nginx on another free loopback port and proves through it that:
#   - /healthz answers 200 {"status":"ok"} through the proxy;
#   - a sane client X-Request-Id comes back unchanged; without one (or with an insane one)
#     nginx generates a 32-hex id, inspectd echoes it, and nginx's JSON access log names
#     the same id;
#   - a 2 MiB body passes nginx (client_max_body_size 25m) and is answered by inspectd
#     itself (problem+json, and the access log shows inspectd's status as upstream_status);
#   - a 30 MiB body is refused by nginx with 413 as problem+json carrying X-Request-Id,
#     without reaching inspectd;
#   - inspectd exits 0 on SIGTERM afterwards (graceful drain) while nginx still holds idle
#     keepalive connections to it, and nginx then answers 503 problem+json + Retry-After.
# Needs: nginx (Debian's nginx-light is enough), curl, python3. Loopback only, never port 80;
# works as root (CI) and as a normal user; cleans up its processes and files on any exit.
set -euo pipefail

if [ "$#" -ne 2 ]; then
    echo "usage: $0 <path-to-inspectd-binary> <path-to-docker/nginx.conf>" >&2
    exit 2
fi
INSPECTD=$1
CONF_SRC=$2
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "nginx proxy: $tool is required" >&2; exit 1; }
done
[ -x "$NGINX" ] || { echo "nginx proxy: nginx not found (apt-get install nginx-light)" >&2; exit 1; }
[ -x "$INSPECTD" ] || { echo "nginx proxy: $INSPECTD is not an executable" >&2; exit 1; }
[ -r "$CONF_SRC" ] || { echo "nginx proxy: cannot read $CONF_SRC" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/nginx-proxy-test.XXXXXX")
chmod 755 "$TMP"   # nginx workers run as nobody when the test runs as root
INSPECTD_PID=""
NGINX_PID=""
pass=0
fail=0

LOGS_SHOWN=0
show_logs() {
    local f
    [ "$LOGS_SHOWN" = 0 ] || return 0
    LOGS_SHOWN=1
    for f in "$TMP/inspectd.log" "$TMP/nginx.log" "$TMP/access.log"; do
        [ -s "$f" ] || continue
        echo "---- last lines of $(basename "$f") ----" >&2
        tail -n 30 "$f" >&2
    done
}

# running PID: true while PID exists and is not a zombie (an exited, unreaped child).
running() {
    local state
    state=$(sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
    [ -n "$state" ] && [ "$state" != Z ]
}

# stop_proc PID SIGNAL SECONDS: signal, wait up to SECONDS, then SIGKILL. Sets STOP_RC to
# the exit status and STOP_KILLED=1 if it had to be killed.
stop_proc() {
    local pid=$1 sig=$2 secs=$3 i
    STOP_RC=0
    STOP_KILLED=0
    kill -"$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < secs * 10; i++)); do
        running "$pid" || break
        sleep 0.1
    done
    if running "$pid"; then
        STOP_KILLED=1
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || STOP_RC=$?
}

# shellcheck disable=SC2317  # reached through the trap
cleanup() {
    local rc=$?
    set +e
    [ -n "$NGINX_PID" ] && stop_proc "$NGINX_PID" QUIT 5
    [ -n "$INSPECTD_PID" ] && stop_proc "$INSPECTD_PID" KILL 5
    [ "$rc" -ne 0 ] && show_logs
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
    echo "nginx proxy: $*" >&2
    exit 1
}

ok() {
    pass=$((pass + 1))
    echo "ok   - $1"
}

not_ok() {
    fail=$((fail + 1))
    echo "FAIL - $1" >&2
}

# wait_for URL PID SECONDS: until URL answers 2xx, or die if PID exits or time runs out.
wait_for() {
    local url=$1 pid=$2 secs=$3 i
    for ((i = 0; i < secs * 10; i++)); do
        running "$pid" || die "process $pid exited while waiting for $url"
        curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
        sleep 0.1
    done
    die "$url did not answer within ${secs}s"
}

# request CURL-ARGS...: one request; sets STATUS (HTTP code, or "curl exit N") and leaves
# headers and body in $TMP/r.headers and $TMP/r.body.
request() {
    local rc=0
    STATUS=$(curl -sS --max-time 30 -o "$TMP/r.body" -D "$TMP/r.headers" -w '%{http_code}' "$@") || rc=$?
    [ "$rc" -eq 0 ] || STATUS="curl exit $rc"
}

# header NAME: the value of the last NAME header in $TMP/r.headers (empty if none).
header() {
    awk -v want="$1" '
        { sub(/\r$/, ""); i = index($0, ":") }
        i > 0 && tolower(substr($0, 1, i - 1)) == tolower(want) {
            v = substr($0, i + 1); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v); last = v
        }
        END { print last }' "$TMP/r.headers"
}

# access_field REQUEST_ID FIELD: FIELD of nginx's JSON access-log line for REQUEST_ID
# ("<none>" if there is no such line). nginx writes the line after the response, so retry.
access_field() {
    local i v
    for ((i = 0; i < 20; i++)); do
        v=$(python3 - "$TMP/access.log" "$1" "$2" <<'EOF'
import json, sys
path, rid, field = sys.argv[1:]
found = "<none>"
with open(path) as f:
    for line in f:
        rec = json.loads(line)
        if rec.get("request_id") == rid:
            found = str(rec.get(field, "<missing field>"))
print(found)
EOF
        )
        [ "$v" != "<none>" ] && break
        sleep 0.05
    done
    printf '%s\n' "$v"
}

# ---- ports, inspectd ---------------------------------------------------------------------
read -r P_INSPECTD P_NGINX < <(python3 -c '
import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')

mkdir "$TMP/data"
"$INSPECTD" serve --listen "127.0.0.1:$P_INSPECTD" --data "$TMP/data" >"$TMP/inspectd.log" 2>&1 &
INSPECTD_PID=$!
wait_for "http://127.0.0.1:$P_INSPECTD/readyz" "$INSPECTD_PID" 10

# ---- the test config ---------------------------------------------------------------------
# The shipped file is for the container. Rewrite only what must differ here, then check
# that every rewrite happened, so a changed nginx.conf fails loudly instead of silently
# testing something else.
rewrite_conf() {
    local user_line="" temps="" m group
    if [ "$(id -u)" -eq 0 ]; then
        group=nogroup
        getent group nogroup >/dev/null || group=nobody
        user_line="user nobody $group;"
    fi
    mkdir -p "$TMP/nginx/temp"
    temps="client_body_temp_path $TMP/nginx/temp/client_body; proxy_temp_path $TMP/nginx/temp/proxy;"
    for m in fastcgi uwsgi scgi; do   # modules compiled in create their temp dirs at start
        "$NGINX" -V 2>&1 | grep -q -- "--without-http_${m}_module" ||
            temps="$temps ${m}_temp_path $TMP/nginx/temp/$m;"
    done
    sed -E \
        -e "s|^([[:space:]]*)user[[:space:]][^;]*;.*$|\\1$user_line|" \
        -e '/^[[:space:]]*(pid|daemon)[[:space:]]/d' \
        -e "s|^([[:space:]]*set[[:space:]]+\\\$inspectd_upstream[[:space:]]+)inspectd:8080;|\\1127.0.0.1:$P_INSPECTD;|" \
        -e "s|^([[:space:]]*)listen[[:space:]]+80([[:space:];])|\\1listen 127.0.0.1:$P_NGINX\\2|" \
        -e "s|^([[:space:]]*)access_log[[:space:]]+/dev/stdout([[:space:];])|\\1access_log $TMP/access.log\\2|" \
        -e "s|^([[:space:]]*http[[:space:]]*\\{.*)$|\\1\\n    $temps|" \
        "$CONF_SRC" >"$TMP/nginx.conf"

    # Active (uncommented) lines only from here on.
    grep -v -E '^[[:space:]]*(#|$)' "$TMP/nginx.conf" >"$TMP/active.conf"
    local want
    for want in "\$inspectd_upstream 127.0.0.1:$P_INSPECTD;" "listen 127.0.0.1:$P_NGINX" \
        "access_log $TMP/access.log inspectd_json" "client_body_temp_path $TMP/"; do
        [ "$(grep -c -F -- "$want" "$TMP/active.conf")" -eq 1 ] ||
            die "rewriting $CONF_SRC: expected exactly one active '$want' (see the header of nginx.conf)"
    done
    [ "$(grep -c -E '^[[:space:]]*listen[[:space:]]' "$TMP/active.conf")" -eq 1 ] ||
        die "rewriting $CONF_SRC: only the one 'listen 80' may be active (keep the TLS lines commented)"
    ! grep -q -E 'inspectd:8080|^[[:space:]]*user[[:space:]]+nginx' "$TMP/active.conf" ||
        die "rewriting $CONF_SRC: the container upstream or user survived the rewrite"
}
rewrite_conf

NGINX_ARGS=(-p "$TMP/nginx/" -e stderr -c "$TMP/nginx.conf")
"$NGINX" -t "${NGINX_ARGS[@]}" -g "pid $TMP/nginx.pid;" >"$TMP/nginx-t.log" 2>&1 || {
    cat "$TMP/nginx-t.log" >&2
    die "nginx -t rejected the config derived from $CONF_SRC"
}
ok "nginx -t accepts the config derived from $(basename "$CONF_SRC")"

"$NGINX" "${NGINX_ARGS[@]}" -g "daemon off; pid $TMP/nginx.pid;" >"$TMP/nginx.log" 2>&1 &
NGINX_PID=$!
BASE="http://127.0.0.1:$P_NGINX"
wait_for "$BASE/healthz" "$NGINX_PID" 5

# ---- through nginx -----------------------------------------------------------------------
HEX32='^[0-9a-f]{32}$'

# a) liveness through the proxy
request "$BASE/healthz"
if [ "$STATUS" = 200 ] && grep -q '"ok"' "$TMP/r.body"; then
    ok "GET /healthz through nginx: 200 ok"
else
    not_ok "GET /healthz through nginx: status $STATUS, body: $(head -c 200 "$TMP/r.body")"
fi

# b) a sane client request id comes back unchanged
request -H 'X-Request-Id: nginx-test-123' "$BASE/healthz"
rid=$(header X-Request-Id)
if [ "$STATUS" = 200 ] && [ "$rid" = nginx-test-123 ]; then
    ok "client X-Request-Id nginx-test-123 comes back unchanged"
else
    not_ok "client X-Request-Id: status $STATUS, got X-Request-Id '$rid', want 'nginx-test-123'"
fi

# c) no client id: nginx generates one, inspectd echoes it, the access log names it
request "$BASE/healthz"
rid=$(header X-Request-Id)
if [[ "$rid" =~ $HEX32 ]] && [ "$(access_field "$rid" upstream_status)" = 200 ]; then
    ok "no client id: nginx's id $rid reaches inspectd, comes back and is in the access log"
else
    not_ok "no client id: got X-Request-Id '$rid' (want 32 hex digits, in the access log with upstream_status 200)"
fi

# d) an insane client id is replaced by nginx's, not passed on
request -H 'X-Request-Id: bad id/with spaces' "$BASE/healthz"
rid=$(header X-Request-Id)
if [[ "$rid" =~ $HEX32 ]]; then
    ok "an invalid client X-Request-Id is replaced by a generated one"
else
    not_ok "invalid client X-Request-Id: got '$rid', want 32 hex digits"
fi

# e) 2 MiB passes nginx and is answered by inspectd (not nginx) with problem+json.
#    No "Expect: 100-continue", like wx.uploadFile.
head -c $((2 * 1024 * 1024)) /dev/zero >"$TMP/2m.bin"
request -X POST -H 'Expect:' -H 'Content-Type: application/json' \
    -H 'X-Request-Id: nginx-test-2mib' --data-binary "@$TMP/2m.bin" "$BASE/api/v1/anything"
ctype=$(header Content-Type)
upstream=$(access_field nginx-test-2mib upstream_status)
if [[ "$STATUS" =~ ^4[0-9][0-9]$ ]] && [[ "$ctype" == application/problem+json* ]] && [ "$upstream" = "$STATUS" ]; then
    ok "2 MiB POST passes nginx; inspectd answers $STATUS problem+json"
else
    not_ok "2 MiB POST: status $STATUS, Content-Type '$ctype', inspectd's status in the access log '$upstream' (want inspectd's own 4xx problem+json)"
fi

# f) 30 MiB is refused by nginx itself: 413 problem+json with the request id, inspectd untouched
head -c $((30 * 1024 * 1024)) /dev/zero >"$TMP/30m.bin"
request -X POST -H 'Content-Type: application/octet-stream' \
    -H 'X-Request-Id: nginx-test-30mib' --data-binary "@$TMP/30m.bin" "$BASE/api/v1/photos"
ctype=$(header Content-Type)
rid=$(header X-Request-Id)
upstream=$(access_field nginx-test-30mib upstream_status)
if [ "$STATUS" = 413 ] && [[ "$ctype" == application/problem+json* ]] &&
    [ "$rid" = nginx-test-30mib ] && [ -z "$upstream" ] &&
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["status"] != 413)' "$TMP/r.body" 2>/dev/null; then
    ok "30 MiB POST: nginx answers 413 problem+json with X-Request-Id, inspectd never sees it"
else
    not_ok "30 MiB POST: status $STATUS, Content-Type '$ctype', X-Request-Id '$rid', upstream_status '$upstream' (want 413 problem+json from nginx, upstream_status empty)"
fi
rm -f "$TMP/2m.bin" "$TMP/30m.bin"

# ---- shutdown ----------------------------------------------------------------------------
# inspectd first, while nginx still holds idle keepalive connections to it, as in production.
stop_proc "$INSPECTD_PID" TERM 15
INSPECTD_PID=""
if [ "$STOP_KILLED" = 0 ] && [ "$STOP_RC" = 0 ]; then
    ok "inspectd exits 0 on SIGTERM"
else
    not_ok "inspectd on SIGTERM: exit status $STOP_RC$([ "$STOP_KILLED" = 1 ] && echo ', had to be killed after 15 s')"
fi

# g) inspectd gone: nginx answers 503 problem+json with Retry-After and the request id
request -H 'X-Request-Id: nginx-test-down' "$BASE/healthz"
ctype=$(header Content-Type)
if [ "$STATUS" = 503 ] && [[ "$ctype" == application/problem+json* ]] &&
    [ "$(header X-Request-Id)" = nginx-test-down ] && [ -n "$(header Retry-After)" ]; then
    ok "inspectd down: nginx answers 503 problem+json with Retry-After and X-Request-Id"
else
    not_ok "inspectd down: status $STATUS, Content-Type '$ctype' (want 503 problem+json, Retry-After, X-Request-Id)"
fi

stop_proc "$NGINX_PID" QUIT 10
NGINX_PID=""

[ "$fail" -eq 0 ] || show_logs
echo "nginx proxy: $pass passed, $fail failed"
exit $((fail > 0))
