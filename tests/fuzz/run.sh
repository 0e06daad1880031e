#!/usr/bin/env bash
# Runs every fuzz target for a set time on a copy of its seed corpus.
#   tests/fuzz/run.sh BUILD_DIR SECONDS_PER_TARGET [TARGET...]
# BUILD_DIR is a build with -DINSPECTD_FUZZ=ON (the fuzz_* executables are in
# BUILD_DIR or BUILD_DIR/tests/fuzz). New inputs go to a temporary copy, never
# into the source tree; a crash, leak, timeout or OOM fails the run and the
# reproducer is kept and named (rerun it: BUILD_DIR/fuzz_<t> <reproducer>).
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { echo "usage: $0 BUILD_DIR SECONDS_PER_TARGET [TARGET...]" >&2; exit 2; }
build=$1 secs=$2
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(router json multipart tus jwt csv)

work=$(mktemp -d "${TMPDIR:-/tmp}/inspectd-fuzz-run.XXXXXX")
keep=0
cleanup() { [ "$keep" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

failed=()
for t in "${targets[@]}"; do
	exe=$build/fuzz_$t
	[ -x "$exe" ] || exe=$build/tests/fuzz/fuzz_$t
	if [ ! -x "$exe" ]; then
		echo "fuzz: $t: no executable fuzz_$t under $build (configure with -DINSPECTD_FUZZ=ON)" >&2
		failed+=("$t")
		continue
	fi
	corpus=$work/corpus/$t artifacts=$work/artifacts/$t
	mkdir -p "$corpus" "$artifacts"
	[ -d "$here/corpus/$t" ] && cp -R "$here/corpus/$t/." "$corpus/"
	dict=()
	[ -f "$here/dict/$t.dict" ] && dict=("-dict=$here/dict/$t.dict")
	log=$work/$t.log
	echo "fuzz: $t for ${secs}s ($(find "$corpus" -type f | wc -l) seeds)"
	"$exe" "$corpus" "${dict[@]}" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
		-max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1
	rc=$?
	repro=$(find "$artifacts" -type f | head -n 1)
	if [ $rc -ne 0 ] || [ -n "$repro" ]; then
		keep=1
		failed+=("$t")
		echo "fuzz: $t FAILED (exit $rc); log: $log" >&2
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -n 5 >&2
		[ -n "$repro" ] && echo "fuzz: $t reproducer: $repro (rerun: $exe $repro)" >&2
	else
		grep -E '^stat::(number_of_executed_units|new_units_added)' "$log" | tr '\n' ' ' | sed "s/^/fuzz: $t ok: /"
		echo
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: failed: ${failed[*]} (logs and reproducers kept in $work)" >&2
	exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${secs}s without a finding"
