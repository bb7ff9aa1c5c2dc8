#!/usr/bin/env bash
# Benchmark 3: authorization check with 10,000 tenants × 20 staff loaded
# (BenchmarkCan in internal/rbac/bench_test.go).
#
#   bash .ci/bench/authz.sh          # COUNT=3 by default
#
# Equivalent to: go test -run x -bench BenchmarkCan -benchmem -count=3 ./internal/rbac/
# The test binary is built first and its VmHWM polled, so that the peak RSS
# of the whole process (policy + decision cache + runtime) is shown too.
# Targets: ≤ 2 µs per check, ≤ 200 MB.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

COUNT=${COUNT:-3}
(cd "$ROOT" && go test -c -o "$WORK/rbac.test" ./internal/rbac/)
"$WORK/rbac.test" -test.run x -test.bench BenchmarkCan -test.benchmem -test.count "$COUNT" >"$WORK/bench.txt" &
pid=$!
BENCH_PIDS+=("$pid")
# Peak RSS of the whole benchmark process: the last VmHWM read before it ends.
while kill -0 "$pid" 2>/dev/null; do
	awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null >"$WORK/hwm.tmp" && [[ -s $WORK/hwm.tmp ]] && mv "$WORK/hwm.tmp" "$WORK/hwm.txt"
	sleep 0.2
done
wait "$pid"
grep -E '^(goos|goarch|cpu|Benchmark)' "$WORK/bench.txt" >&2

echo "## authorization check, 10,000 tenants × 20 staff, median (min–max); target ≤ 2000 ns, ≤ 200 MB"
for sub in cached cached-parallel uncached; do
	ns=$(awk -v s="^BenchmarkCan/$sub-[0-9]+$" '$1 ~ s {print $3}' "$WORK/bench.txt" | stats)
	bop=$(awk -v s="^BenchmarkCan/$sub-[0-9]+$" '$1 ~ s {for (i = 1; i < NF; i++) if ($(i+1) == "B/op") print $i}' "$WORK/bench.txt" | median)
	printf '%-16s ns/op %-26s B/op %s\n' "$sub" "$ns" "$bop"
done
heap=$(awk '/^BenchmarkCan\// {for (i = 1; i < NF; i++) if ($(i+1) == "MB-heap") print $i}' "$WORK/bench.txt" | median)
policy=$(awk '/^BenchmarkCan\// {for (i = 1; i < NF; i++) if ($(i+1) == "MB-policy") print $i}' "$WORK/bench.txt" | median)
echo "memory: policy ${policy} MB, live heap ${heap} MB$([[ -s $WORK/hwm.txt ]] && awk '{printf ", benchmark process peak RSS %.1f MiB", $1/1024}' "$WORK/hwm.txt")"
