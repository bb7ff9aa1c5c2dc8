#!/usr/bin/env bash
# Benchmark 1: time from exec of the binary to the first 200 on /readyz.
#
#   bash .ci/bench/startup.sh            # RUNS=5 by default
#   BENCH_PG=1 bash .ci/bench/startup.sh # also a fresh PostgreSQL database
#
# Cases, each RUNS times with a fresh data directory (or database):
#   empty        empty SQLite data dir, no demo      (create + migrate)
#   empty+demo   empty SQLite data dir, --demo       (create + migrate + demo load)
#   again+demo   second start on that demo DB, --demo (nothing to migrate or load)
#   pg-empty+demo / pg-again+demo  the same on a fresh PostgreSQL database
# The poll runs every 5 ms with curl; a curl process costs a few ms, so the
# figure may overshoot by that much. "startup_ms" is what the server itself
# logs from config parsed to listening (info level).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RUNS=${RUNS:-5}
MAX_MS=${MAX_MS:-20000}
build
PORT=$(pick_port 0)
URL="http://127.0.0.1:$PORT"

# one_start NAME ARGS...: starts, waits for /readyz 200, stops; records
# exec→ready (ms) in $WORK/NAME.ms and the logged startup_ms in $WORK/NAME.self.
one_start() {
	local name=$1
	shift
	local logfile="$WORK/$name.log" t0 t1
	t0=$(now_us)
	start_bg "$logfile" "$BIN" serve --addr "127.0.0.1:$PORT" --log-level info "$@"
	local pid=$BG_PID
	if ! wait_status "$URL/readyz" 200 "$MAX_MS"; then
		log "$name: no 200 on /readyz within $MAX_MS ms"
		tail -5 "$logfile" >&2
		stop_pid "$pid"
		return 1
	fi
	t1=$(now_us)
	stop_pid "$pid"
	awk -v d=$((t1 - t0)) 'BEGIN {printf "%.1f\n", d / 1000}' >>"$WORK/$name.ms"
	sed -n 's/.*"startup_ms":\([0-9]*\).*/\1/p' "$logfile" >>"$WORK/$name.self"
}

for i in $(seq 1 "$RUNS"); do
	d="$WORK/data-empty-$i"
	mkdir -p "$d"
	one_start empty --data-dir "$d"
	d="$WORK/data-demo-$i"
	mkdir -p "$d"
	one_start empty+demo --data-dir "$d" --demo
	one_start again+demo --data-dir "$d" --demo
	if [[ ${BENCH_PG:-0} == 1 ]]; then
		if pg_available; then
			u=$(pg_fresh_db)
			one_start pg-empty+demo --database-url "$u" --demo
			one_start pg-again+demo --database-url "$u" --demo
		else
			log "PostgreSQL not reachable on 127.0.0.1:5432; skipping the pg cases"
		fi
	fi
done

echo "## startup: exec → first 200 on /readyz (ms), median (min–max); target ≤ 1000 ms"
for name in empty empty+demo again+demo pg-empty+demo pg-again+demo; do
	[[ -s $WORK/$name.ms ]] || continue
	printf '%-15s exec→ready %-28s server startup_ms %s\n' "$name" \
		"$(stats <"$WORK/$name.ms")" "$(stats <"$WORK/$name.self")"
done
