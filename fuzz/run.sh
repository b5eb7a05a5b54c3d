#!/usr/bin/env bash
# Runs cargo-fuzz targets for a fixed time each, minimizes and packs their corpora into fuzz/seeds/ (replayed by
# npm test), and prints libFuzzer's closing figures, for README "Fuzzing".
#   bash fuzz/run.sh [SECONDS] [TARGET...]      (default: 600 s, every target; two at a time on two cores)
# cargo-fuzz needs nightly's -Z flags: on the stable toolchain RUSTC_BOOTSTRAP=1 unlocks them. The sanitizer is
# off (-s none): the core is safe Rust, so AddressSanitizer would only slow the search; panics, overflow checks
# and debug assertions are what is looked for, and they are on.
set -euo pipefail
cd "$(dirname "$0")"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
secs="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(guestchat_frame webchat_config embedded_event cif_payload bus_routing analytics_delivery)
export RUSTC_BOOTSTRAP=1
for t in "${targets[@]}"; do cargo fuzz build -s none "$t"; done
mkdir -p logs
run() {
  local t="$1"
  mkdir -p "corpus/$t"
  cargo fuzz run -s none "$t" "corpus/$t" -- -max_total_time="$secs" -print_final_stats=1 >"logs/$t.log" 2>&1 \
    && echo "$t: ok" || echo "$t: FAILED (see fuzz/logs/$t.log and fuzz/artifacts/$t/)"
}
i=0
for t in "${targets[@]}"; do
  run "$t" &
  i=$((i + 1))
  if [ $((i % 2)) -eq 0 ]; then wait; fi
done
wait
# Keep only the inputs that add coverage, packed for the bounded replay in npm test (tests/fuzz_corpus.rs).
for t in "${targets[@]}"; do cargo fuzz cmin -s none "$t" "corpus/$t" >"logs/$t.cmin.log" 2>&1 || true; done
node pack.mjs "${targets[@]}"
for t in "${targets[@]}"; do
  echo "== $t"
  grep -E '^Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb|DONE +cov' "logs/$t.log" | tail -4 || true
  ls "artifacts/$t" 2>/dev/null | sed 's/^/   artifact: /' || true
done
