#!/usr/bin/env bash
# Benchmark 4: idle resident memory after a start with the demo.
#
#   bash .ci/bench/rss.sh            # RUNS=3, IDLE_S=5 by default
#
# Each run starts the binary with --demo on a fresh SQLite data dir ("first"),
# waits for /readyz 200, sleeps IDLE_S seconds without traffic and reads
# VmRSS and VmHWM (peak) from /proc/PID/status; then does the same for a
# second start on that demo DB ("again"), and once more with one sign-in
# (argon2id allocates 64 MiB per hash) before the idle wait ("again+signin",
# for information: the target is about the idle start). Target: VmRSS ≤ 80 MB (MiB here,
# as the kernel's kB are KiB).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RUNS=${RUNS:-3}
IDLE_S=${IDLE_S:-5}
build
PORT=$(pick_port 0)
URL="http://127.0.0.1:$PORT"

# one_rss NAME ARGS...
one_rss() {
	local name=$1
	shift
	start_bg "$WORK/$name.log" "$BIN" serve --addr "127.0.0.1:$PORT" --log-level warn "$@"
	local pid=$BG_PID
	if ! wait_status "$URL/readyz" 200 20000; then
		log "$name: not ready"
		stop_pid "$pid"
		return 1
	fi
	if [[ $name == *+signin ]]; then
		[[ -n $(login "$URL") ]] || log "$name: sign-in failed"
	fi
	run_waited /dev/null sleep "$IDLE_S"
	awk '/^VmRSS/ {printf "%.1f\n", $2/1024}' "/proc/$pid/status" >>"$WORK/$name.rss"
	awk '/^VmHWM/ {printf "%.1f\n", $2/1024}' "/proc/$pid/status" >>"$WORK/$name.hwm"
	stop_pid "$pid"
}

for i in $(seq 1 "$RUNS"); do
	d="$WORK/data-$i"
	mkdir -p "$d"
	one_rss first --data-dir "$d" --demo
	one_rss again --data-dir "$d" --demo
	one_rss again+signin --data-dir "$d" --demo
done

echo "## idle RSS ${IDLE_S} s after /readyz 200, --demo (MiB), median (min–max); target ≤ 80 MB"
for name in first again again+signin; do
	printf '%-12s VmRSS %-26s VmHWM (peak) %s\n' "$name" "$(stats <"$WORK/$name.rss")" "$(stats <"$WORK/$name.hwm")"
done
