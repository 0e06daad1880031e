#!/usr/bin/env bash
# GET /docs renders in a real browser: starts inspectd, loads the page in
# headless Chromium (Debian's; no network but loopback), and checks with
# check-dom.cjs that Redoc rendered the embedded spec and lists every
# operation, and that the page's Content-Security-Policy refused nothing
# (no CDN, no other origin, nothing the policy forgot).
#
#   docs_render_test.sh <inspectd> <api-spec dir>
set -euo pipefail
bin=$1 spec_dir=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/inspectd-docs-XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
INSPECTD_LISTEN=127.0.0.1:$port INSPECTD_DATA=$work/data INSPECTD_BOOTSTRAP_ADMIN_PASSWORD=docs-test-password-1 \
	"$bin" serve >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
	curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && break
	sleep 0.05
done
curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" || { cat "$work/server.log"; echo "FAIL: inspectd not ready"; exit 1; }

# The page itself: HTML, its policy, no caching surprises.
headers=$(curl -fsS -D - -o "$work/page.html" "http://127.0.0.1:$port/docs")
grep -qi '^content-type: text/html; charset=utf-8' <<<"$headers" || { echo "FAIL: /docs content type"; echo "$headers"; exit 1; }
grep -qi "^content-security-policy: default-src 'none'" <<<"$headers" || { echo "FAIL: /docs has no restrictive CSP"; echo "$headers"; exit 1; }
if grep -Eqi '<(script|link)[^>]+(src|href)="?https?://' "$work/page.html"; then
	echo "FAIL: the page loads something from another origin"
	exit 1
fi

chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-quic --no-first-run \
	--disable-component-update --disable-sync --user-data-dir="$work/chromium" \
	--enable-logging=stderr --v=0 --virtual-time-budget=30000 \
	--dump-dom "http://127.0.0.1:$port/docs" >"$work/dom.html" 2>"$work/chromium.log" || {
	tail -20 "$work/chromium.log"
	echo "FAIL: chromium"
	exit 1
}
status=0
node "$here/check-dom.cjs" "$spec_dir" "$spec_dir/openapi.yaml" "$work/dom.html" || status=1
# The browser console: a policy refusal or a script error is a failure.
if grep -E 'CONSOLE.*(Refused to|Uncaught|TypeError)' "$work/chromium.log"; then
	echo "FAIL: the page logged the errors above"
	status=1
fi
kill -TERM "$pid"
wait "$pid" || { cat "$work/server.log"; echo "FAIL: inspectd did not exit cleanly"; status=1; }
pid=
[ "$status" -eq 0 ] && echo "ok: /docs renders every operation"
exit "$status"
