#!/usr/bin/env bash
# Fuzz smoke run (issue #7): builds the fuzz targets under fuzz/ with
# cargo-fuzz on the stable toolchain (`--sanitizer none`, no -Z flag, no
# RUSTC_BOOTSTRAP), replays the committed seeds and crash reproducers, then
# fuzzes each target for a while. Fails on any crash, hang or leak of
# memory past the limit; the input that did it is left in
# fuzz/artifacts/<target>/ and its path printed.
#
#   .ci/fuzz.sh [--seconds N] [--targets "dsl rules_json emit csv_scan"|all]
#
# FUZZ_SECONDS and FUZZ_TARGETS set the same from the environment. The
# default targets build in a few minutes. `ingest` (the whole CSV
# ingest, polars included) is left out unless named, or with `all`: it links
# the compiler crate, polars and candle, whose build took 34 CPU-minutes
# here (fuzz/README.md), too much for every CI run.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
targets="${FUZZ_TARGETS:-dsl rules_json emit csv_scan}"
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --targets) targets="$2"; shift 2 ;;
        *) echo "fuzz.sh: unknown argument \`$1\`" >&2; exit 2 ;;
    esac
done

CARGO_FUZZ_VERSION=0.13.2
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
    cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
fi
cargo fuzz --version
rustc --version

host="$(rustc -vV | sed -n 's/^host: //p')"
if [ "$targets" = all ]; then
    targets="dsl rules_json emit csv_scan ingest"
fi
needs_csv=false
needs_light=false
for t in $targets; do
    case "$t" in
        ingest) needs_csv=true ;;
        dsl | rules_json | emit | csv_scan) needs_light=true ;;
        *) echo "fuzz.sh: unknown target \`$t\`" >&2; exit 2 ;;
    esac
done
# `-s none`: no sanitizer, the one mode cargo-fuzz supports on stable.
# Safe Rust needs no AddressSanitizer to find panics, overflows (debug
# assertions are on) and hangs.
# In fuzz/target whatever CARGO_TARGET_DIR says: the fuzz builds share
# nothing with the workspace's (other flags), and the runs below look there.
if $needs_light; then
    cargo fuzz build -s none --target-dir fuzz/target
fi
if $needs_csv; then
    # polars and the other crates.io dependencies are built without
    # coverage instrumentation, in a target folder of their own.
    RUSTC_WRAPPER="$PWD/fuzz/uninstrumented-deps.sh" \
        cargo fuzz build -s none --features csv --target-dir fuzz/target/csv
fi

failed=()
for t in $targets; do
    bin="fuzz/target/$host/release/$t"
    seeds="fuzz/seeds/$t"
    case "$t" in
        ingest) bin="fuzz/target/csv/$host/release/$t"; dict=fuzz/dicts/csv.dict ;;
        csv_scan) dict=fuzz/dicts/csv.dict ;;
        # The backends read what the loader reads.
        emit) dict=fuzz/dicts/rules_json.dict; seeds=fuzz/seeds/rules_json ;;
        *) dict="fuzz/dicts/$t.dict" ;;
    esac
    corpus="fuzz/corpus/$t"
    artifacts="fuzz/artifacts/$t"
    mkdir -p "$corpus" "$artifacts" "fuzz/regressions/$t"
    opts=(-dict="$dict" -timeout=20 -rss_limit_mb=4096 -max_len=8192
        -artifact_prefix="$artifacts/" -print_final_stats=1)
    if [ ! -x "$bin" ]; then
        echo "fuzz.sh: the build left no \`$bin\`" >&2
        exit 1
    fi
    echo "== $t: replaying seeds and regression inputs"
    if ! "$bin" "${opts[@]}" -runs=0 "$seeds" "fuzz/regressions/$t"; then
        failed+=("$t (a committed input)")
        continue
    fi
    echo "== $t: fuzzing for ${seconds}s"
    if ! "$bin" "${opts[@]}" -max_total_time="$seconds" \
        "$corpus" "$seeds" "fuzz/regressions/$t"; then
        failed+=("$t")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz.sh: crashes in: ${failed[*]}; inputs are in fuzz/artifacts/" >&2
    ls -l fuzz/artifacts/*/ >&2 || true
    exit 1
fi
echo "fuzz.sh: no crash in: $targets (${seconds}s each)"
