#!/usr/bin/env bash
# Compiler scaling table (#8): `rulec compile` end to end on generated
# shipping data at 100,000, 1,000,000 and 5,000,000 rows (set ROWS to
# change), with the wall time of each stage (the `time: ...` line the binary
# prints on stderr), the whole run and its peak memory (`/usr/bin/time -v`,
# "Maximum resident set size"), then the growth ratio of each stage between
# sizes next to what n log n growth would give. Prints a Markdown table.
#
#   scripts/scaling.sh                 # 100k, 1M, 5M rows
#   ROWS="100000 200000" scripts/scaling.sh
#
# Every run trains the teacher (--no-cache) with the default options and one
# worker thread per core. Data and outputs go to a temporary folder (WORK to
# keep them). Without /usr/bin/time (Debian: `apt-get install time`), the
# memory column reads "–".
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS="${ROWS:-100000 1000000 5000000}"
WORK="${WORK:-$(mktemp -d)}"
mkdir -p "$WORK"

cargo build --release --quiet -p rulec
BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/rulec"
TIME=""
if [ -x /usr/bin/time ]; then
    TIME="/usr/bin/time -v"
fi

for n in $ROWS; do
    csv="$WORK/shipping_$n.csv"
    [ -f "$csv" ] || "$BIN" --quiet dataset shipping --rows "$n" --out "$csv"
    echo "scaling: compiling $n rows" >&2
    # shellcheck disable=SC2086 # $TIME is a command and its flag, or empty.
    $TIME "$BIN" compile "$csv" --target cheapest_shipper --no-cache \
        --out "$WORK/out_$n" 2> "$WORK/log_$n.txt" > /dev/null
done

python3 - "$WORK" $ROWS <<'EOF'
import math
import platform
import re
import sys

work, sizes = sys.argv[1], [int(n) for n in sys.argv[2:]]
runs = {}
for n in sizes:
    text = open(f"{work}/log_{n}.txt").read()
    line = re.search(r"^time: (.*) \(total ([0-9.]+)s\)$", text, re.M)
    if not line:
        sys.exit(f"no `time:` line in {work}/log_{n}.txt")
    stages = {}
    for part in line.group(1).split(", "):
        name, secs = part.rsplit(" ", 1)
        stages[name] = float(secs.rstrip("s"))
    stages["total"] = float(line.group(2))
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    rules = re.search(r"^done: (\d+) rules?;", text, re.M)
    runs[n] = (stages, int(rss.group(1)) / 1024 if rss else None, rules.group(1) if rules else "?")

names = list(runs[sizes[0]][0].keys())
fmt_n = lambda n: f"{n:,}"
print(f"rulec compile scaling on shipping ({platform.machine()}, {platform.system()})")
print()
print("| rows | rules | " + " | ".join(f"{s} s" for s in names) + " | peak memory MiB |")
print("|---:|---:|" + "---:|" * (len(names) + 1))
for n in sizes:
    stages, mib, rules = runs[n]
    cells = [f"{stages[s]:.2f}" for s in names]
    mem = f"{mib:,.0f}" if mib is not None else "–"
    print(f"| {fmt_n(n)} | {rules} | " + " | ".join(cells) + f" | {mem} |")

# Growth between consecutive sizes, against n log n.
print()
print("| growth | n log n | " + " | ".join(names) + " | peak memory |")
print("|---|---:|" + "---:|" * (len(names) + 1))
worse = []
for a, b in zip(sizes, sizes[1:]):
    nlogn = (b * math.log(b)) / (a * math.log(a))
    cells = []
    for s in names:
        ta, tb = runs[a][0][s], runs[b][0][s]
        if ta > 0:
            r = tb / ta
            # Worse than n log n: grows more than 25 % past it, on a stage
            # long enough (1 s at the larger size) not to be timer noise.
            flag = r > 1.25 * nlogn and tb >= 1.0
            if flag:
                worse.append(f"{s} ({fmt_n(a)} → {fmt_n(b)}: × {r:.1f}, n log n × {nlogn:.1f})")
            cells.append(f"{r:.1f}" + (" **worse**" if flag else ""))
        else:
            cells.append("–")
    ma, mb = runs[a][1], runs[b][1]
    mem = f"{mb / ma:.1f}" if ma and mb else "–"
    print(f"| {fmt_n(a)} → {fmt_n(b)} | {nlogn:.1f} | " + " | ".join(cells) + f" | {mem} |")
print()
if worse:
    print("Stages growing worse than n log n: " + "; ".join(worse) + ".")
else:
    print("No stage grows worse than n log n (25 % margin, stages of at least 1 s).")
EOF
