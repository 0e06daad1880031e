#!/usr/bin/env bash
# The offline contract checker (api-spec/tools/check-exchanges.cjs) can fail:
# a recorded wrong body type, a missing required member and header, and a
# success on a route the spec does not have are each reported, and a valid
# exchange is not.
set -euo pipefail
checker=$1 spec=$2 here=$(dirname "$0")
set +e
out=$(node "$checker" "$spec" "$here/bad-exchanges.jsonl" 2>&1)
rc=$?
set -e
echo "$out"
[ "$rc" -eq 1 ] || { echo "FAIL: exit status $rc, expected 1"; exit 1; }
expect() { grep -qF -- "$1" <<<"$out" || { echo "FAIL: not reported: $1"; exit 1; }; }
expect 'check-exchanges: 4 exchanges checked'
expect 'GET /healthz → 200: body.status: Response body property status must be string'
expect "POST /api/v1/auth/login → 200: body: Response body must have required property 'access_token'"
expect "POST /api/v1/auth/login → 200: header: Response header must have required property 'x-request-id'"
expect 'GET /api/v1/no-such-route → 200: no operation in the spec matches'
n=$(grep -c '^  ' <<<"$out")
# the valid /healthz exchange (line 4) adds nothing
[ "$(grep -c 'GET /healthz' <<<"$out")" -eq 2 ] || { echo "FAIL: the valid exchange was reported"; exit 1; }
echo "ok: $n violations reported"
