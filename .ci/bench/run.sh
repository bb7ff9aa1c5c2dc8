#!/usr/bin/env bash
# All four benchmarks of docs/benchmarks.md, one after the other:
#   1 startup.sh  exec → first 200 on /readyz          (target ≤ 1 s)
#   2 http.sh     GET /t/demo/ vs a bare Fiber handler (target ≥ 25% of bare)
#   3 authz.sh    authorization check, 10k tenants × 20 staff (≤ 2 µs, ≤ 200 MB)
#   4 rss.sh      idle RSS after a start with --demo   (target ≤ 80 MB)
# plus the in-process handler benchmark (BenchmarkHandler) that splits the
# page's cost from wrk's and the kernel's.
#
#   bash .ci/bench/run.sh                   # about 3 minutes on 2 cores
#   BENCH_PG=1 BENCH_INFO=1 bash .ci/bench/run.sh   # + PostgreSQL, + info-level logs
#
# Talks to 127.0.0.1 only (ports BENCH_PORT_BASE=28090 … +5); each script
# kills what it started when it exits. Figures only: nothing here fails on
# a missed target — compare ratios within one run on a noisy machine.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/common.sh"

build
export ESTATEDESK_BIN=$BIN # the scripts below reuse this build

echo "# estatedesk benchmarks"
machine_notes
echo
# Each part runs as a waited background job so that a signal to this script
# reaches it at once (its own trap then stops what it started).
for part in startup http authz rss; do
	run_waited "$WORK/$part.txt" bash "$here/$part.sh"
	cat "$WORK/$part.txt"
	echo
done
echo "## in-process handler cost (BenchmarkHandler, SQLite), median of ${COUNT:-3}"
(cd "$root" && go test -c -o "$WORK/app.test" ./internal/app/)
run_waited "$WORK/handler.txt" "$WORK/app.test" -test.run x -test.bench BenchmarkHandler -test.benchmem -test.count "${COUNT:-3}"
for sub in bare healthz home-fragment home home-parallel; do
	ns=$(awk -v s="^BenchmarkHandler/$sub-[0-9]+$" '$1 ~ s {print $3}' "$WORK/handler.txt" | stats)
	cpu=$(awk -v s="^BenchmarkHandler/$sub-[0-9]+$" '$1 ~ s {for (i = 1; i < NF; i++) if ($(i+1) == "cpu-ns/op") print $i}' "$WORK/handler.txt" | stats)
	allocs=$(awk -v s="^BenchmarkHandler/$sub-[0-9]+$" '$1 ~ s {for (i = 1; i < NF; i++) if ($(i+1) == "allocs/op") print $i}' "$WORK/handler.txt" | median)
	printf '%-14s ns/op %-30s cpu-ns/op %-30s allocs/op %s\n' "$sub" "$ns" "$cpu" "$allocs"
done
