#!/usr/bin/env bash
# The breaking-change checker (api-spec/tools/check-breaking.cjs) classifies
# what it must and exits as it must:
#
#   tests/contract/breaking/run.sh <check-breaking.cjs> <repo api-spec dir>
#
# Each case compares a fixture (fixtures/<case>-*.yaml: fixtures/base.yaml with
# one change) with base.yaml released as openapi-1.0.0.yaml in a temporary
# directory, and checks the exit status AND the reported lines (location,
# classification, reason), so a checker that exits right for the wrong reason
# fails too. Case j runs the real api-spec/openapi.yaml against a copy of itself.
set -euo pipefail
checker=$1 spec_dir=$2
fx=$(cd "$(dirname "$0")" && pwd)/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0 name='' out=''

fail() { echo "FAIL: $name: $*"; failures=$((failures + 1)); }
# run NAME EXPECTED-EXIT CURRENT RELEASED-DIR
run() {
	name=$1
	local want=$2 rc
	set +e
	out=$(node "$checker" "$3" "$4" 2>&1)
	rc=$?
	set -e
	echo "--- $name (exit $rc)"
	sed 's/^/    /' <<<"$out"
	[ "$rc" -eq "$want" ] || fail "exit status $rc, expected $want"
}
expect() { grep -qF -- "$1" <<<"$out" || fail "not reported: $1"; }
# lines NUMBER PATTERN: exactly NUMBER output lines match the (basic) regex
lines() {
	local n
	n=$(grep -c -- "$2" <<<"$out" || true)
	[ "$n" -eq "$1" ] || fail "$n lines match '$2', expected $1"
}
# a released dir holding one spec, named after the version inside it
release() { # DIR SPEC VERSION
	mkdir -p "$1"
	sed "s/^  version: 1\.0\.0$/  version: $3/" "$2" >"$1/openapi-$3.yaml"
}

rel=$tmp/rel
release "$rel" "$fx/base.yaml" 1.0.0
B='BREAKING      ' N='non-breaking  '

run 'a: optional properties added' 0 "$fx/a-optional-property.yaml" "$rel"
expect "${N}#/components/schemas/Pet/properties/nickname: new optional response property"
expect "${N}#/components/schemas/PetCreate/properties/nickname: new optional request property  [via POST /pets]"
lines 0 BREAKING
expect 'check-breaking: 2 change(s), 0 breaking'
expect 'OK: 1.0.0 → 1.1.0'

run 'b: response property removed, same major' 1 "$fx/b-removed-response-property.yaml" "$rel"
expect "${B}#/components/schemas/Pet/properties/tag: property removed from a response: clients that read it break  [via GET /pets and 3 more]"
lines 1 BREAKING
expect 'FAIL: 1 breaking change(s) but the major version did not change (1.0.0 → 1.1.0): undo them or release 2.0.0'

run 'c: response property removed, major bump' 0 "$fx/c-removed-response-property-major.yaml" "$rel"
expect "${B}#/components/schemas/Pet/properties/tag: property removed from a response"
expect 'OK: 1.0.0 → 2.0.0 (major version bump: breaking changes allowed)'

run 'd: new required request property' 1 "$fx/d-new-required-request-property.yaml" "$rel"
expect "${B}#/components/schemas/PetCreate/properties/owner: new required request property: existing clients do not send it  [via POST /pets]"
lines 1 BREAKING
expect 'FAIL: 1 breaking change(s) but the major version did not change'

run 'e: operation removed' 1 "$fx/e-removed-operation.yaml" "$rel"
expect "${B}#/paths/~1pets~1{id}/delete: operation removed: DELETE /pets/{id} (deletePet)"
lines 1 BREAKING
expect 'FAIL: 1 breaking change(s) but the major version did not change'

release "$tmp/f" "$fx/base.yaml" 0.9.0
run 'f: unchanged spec, version lowered' 1 "$tmp/f/openapi-0.9.0.yaml" "$rel"
expect 'check-breaking: no changes'
expect 'FAIL: version lowered: 0.9.0 is lower than the released 1.0.0'

run 'g: description changed, same version' 1 "$fx/g-description-only.yaml" "$rel"
expect "${N}#/components/schemas/Pet/properties/name/description: description changed (documentation)"
lines 0 BREAKING
expect 'FAIL: the spec changed but info.version did not: it is still 1.0.0; a changed spec needs a new version'

run 'h: new enum value in a response' 1 "$fx/h-new-response-enum-value.yaml" "$rel"
expect "${B}#/components/schemas/PetStatus/enum: new enum value(s) \"reserved\" in a response: generated TypeScript unions and exhaustive switches break"
# the same enum is also a request parameter's: there, a new value is fine
expect "${N}#/components/schemas/PetStatus/enum: new enum value(s) \"reserved\" accepted in a request  [via GET /pets]"
lines 1 BREAKING
expect 'FAIL: 1 breaking change(s) but the major version did not change'

run 'i: new optional query parameter' 0 "$fx/i-new-optional-query-parameter.yaml" "$rel"
expect "${N}#/paths/~1pets/get/parameters/query:limit: new optional query parameter"
lines 0 BREAKING
expect 'check-breaking: 1 change(s), 0 breaking'

# j: the real contract against a copy of itself: nothing to report, and fast
real=$spec_dir/openapi.yaml
version=$(awk '/^info:/ { i = 1 } i && /^  version:/ { print $2; exit }' "$real")
mkdir "$tmp/j"
cp "$real" "$tmp/j/openapi-$version.yaml"
t0=$(date +%s%N)
run "j: api-spec/openapi.yaml ($version) against itself" 0 "$real" "$tmp/j"
ms=$((($(date +%s%N) - t0) / 1000000))
expect "check-breaking: no changes"
lines 0 '^  '
[ "$ms" -lt 5000 ] || fail "took $ms ms, expected < 5000"
echo "    ($ms ms)"

# k: no released spec yet (an empty and a missing directory): a first release
mkdir "$tmp/k"
touch "$tmp/k/README.md" "$tmp/k/openapi-latest.yaml"
run 'k: empty released dir' 0 "$fx/base.yaml" "$tmp/k"
expect 'no released spec (openapi-<version>.yaml) in'
expect 'first release, nothing to compare'
run 'k: missing released dir' 0 "$fx/base.yaml" "$tmp/k/none"
expect '(no such directory): first release'

# l: the newest release is picked by semver (1.10.0 > 1.9.0; a string sort
# would pick 1.9.0, where DELETE /pets/{id} is missing)
release "$tmp/l" "$fx/base.yaml" 1.10.0
sed 's/^  version: 1\.1\.0$/  version: 1.9.0/' "$fx/e-removed-operation.yaml" >"$tmp/l/openapi-1.9.0.yaml"
run 'l: newest release by semver' 0 "$tmp/l/openapi-1.10.0.yaml" "$tmp/l"
expect "against $tmp/l/openapi-1.10.0.yaml (1.10.0)"
expect 'check-breaking: no changes'

# m: usage and parse errors exit 2
run 'm: no arguments' 2 '' ''
expect 'usage: node check-breaking.cjs <current.yaml> <released-dir>'
printf 'openapi: 3.1.0\ninfo: {title: x, version: 1.1.0}\npaths: {\n' >"$tmp/broken.yaml"
run 'm: unparsable current spec' 2 "$tmp/broken.yaml" "$rel"
expect "cannot parse $tmp/broken.yaml"
release "$tmp/m" "$fx/base.yaml" 1.0.0
mv "$tmp/m/openapi-1.0.0.yaml" "$tmp/m/openapi-1.0.1.yaml"
run 'm: released file name and info.version disagree' 2 "$fx/a-optional-property.yaml" "$tmp/m"
expect 'info.version 1.0.0 does not match the file name'

if [ "$failures" -ne 0 ]; then
	echo "FAIL: $failures assertion(s) failed"
	exit 1
fi
echo 'ok: every case classified and exited as expected'
