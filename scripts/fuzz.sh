#!/usr/bin/env bash
# Fuzzing, apart from the test suite: cargo-fuzz (libFuzzer, AddressSanitizer)
# on the request dispatcher (`dispatch`: arbitrary request bytes at the C ABI)
# and on vault decoding (`decode`: arbitrary plaintext after decryption).
#
#   bash scripts/fuzz.sh [seconds per target, default 300] [target ...]
#
# Installs what it needs: a nightly toolchain (libFuzzer needs -Z flags) and
# cargo-fuzz. Inputs found go to rust/fuzz/work/<target> (not checked in) next
# to the checked-in seeds in rust/fuzz/corpus/<target>; a crash stops the run,
# leaves its input in rust/fuzz/artifacts/<target>/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-300}"
if [ $# -gt 0 ]; then shift; fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(dispatch decode); fi

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

fuzz="$PWD/rust/fuzz"
cd rust
summary=()
for target in "${targets[@]}"; do
  mkdir -p "$fuzz/work/$target"
  log="$fuzz/work/$target.log"
  printf '\n=== fuzzing %s for %ss\n' "$target" "$seconds"
  # Absolute corpus paths: the dispatch target changes its working directory.
  set +e
  cargo +nightly fuzz run "$target" "$fuzz/work/$target" "$fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1
  status=$?
  set -e
  # The targets' scratch vaults (libFuzzer exits without running destructors).
  rm -rf /dev/shm/authy-fuzz-"$target"-* /tmp/authy-fuzz-"$target"-*
  grep -E '^(INFO: seed corpus|Done |stat::)' "$log" || true
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  if [ "$status" -ne 0 ]; then
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -20 || true
    echo "FAILED: $target crashed (exit $status); full log: $log"
    exit 1
  fi
  summary+=("$target: ${seconds}s, ${runs:-?} executions (${rate:-?}/s), no crash")
done
printf '\n=== fuzzing done (%s, %s)\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$(rustup run nightly rustc --version)"
printf '%s\n' "${summary[@]}"
