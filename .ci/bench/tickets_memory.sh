#!/usr/bin/env bash
# Ticket benchmark 3: memory over a long create-and-list load.
#
#   bash .ci/bench/tickets_memory.sh      # DURATION=300 (s), SAMPLE=10 (s), CONNS=8
#
# One server (`serve --demo --log-level warn`, a fresh PostgreSQL database)
# takes DURATION seconds of wrk load, CONNS connections, in which every other
# request creates a ticket (the bodies of tickets_create.sh) and the others
# read a queue filtered by status and estate, in turn the API's and the HTML
# page's. Every SAMPLE seconds the script reads the server's VmRSS
# (/proc/PID/status) and Go heap in use (go_memstats_heap_inuse_bytes from
# /metrics). Reported: first, last and max of each, and the slope of a
# least-squares line through the samples after WARM seconds (60), in MiB
# per minute, and the same over the second half: flat means no growth trend
# after the warm-up. The heap is read from /metrics, which must answer 200
# under load (samples it fails are left empty).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$BENCH_DIR/tickets_lib.sh"

DURATION=${DURATION:-300}
SAMPLE=${SAMPLE:-10}
WARM=${WARM:-60}
CONNS=${CONNS:-8}
command -v wrk >/dev/null || { log "wrk not found (apt-get install -y wrk)"; exit 1; }
pg_available || { log "PostgreSQL not reachable on 127.0.0.1:5432"; exit 1; }
build
url=$(pg_fresh_db)
dbname=$(db_name "$url")
BENCH_PG_DBS+=("$dbname") # pg_fresh_db runs in a subshell: register the drop here
mkdir -p "$WORK/data"
log "starting the server on $dbname"
start_server memory "$((TICKETS_PORT_INDEX + 2))" 180 --demo --log-level warn --data-dir "$WORK/data" --database-url "$url"
pid=$SERVER_PID base=$SERVER_URL
wait_demo_history "$dbname"
token=$(login "$base")
[[ -n $token ]] || { log "sign-in failed"; exit 1; }
create_lua "$dbname" "$token" "$WORK/mixed.lua" 1
before=$(psql -X -At -h 127.0.0.1 -U postgres -d "$dbname" -c "SELECT count(*) FROM tickets")

# wrk in the background; the samples are taken here, so the loop ends by
# itself after DURATION.
wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$WORK/mixed.lua" "$base" -- mem >"$WORK/mixed.wrk" &
wrk_pid=$!
BENCH_PIDS+=("$wrk_pid")
t0=$(now_us)
echo "t_s rss_mib heap_mib" >"$WORK/samples.txt"
for i in $(seq 0 $((DURATION / SAMPLE))); do
	target=$((t0 + i * SAMPLE * 1000000))
	while (($(now_us) < target)); do sleep 0.2; done
	kill -0 "$pid" 2>/dev/null || { log "the server died"; tail -20 "$WORK/memory.log" >&2; exit 1; }
	echo "$((i * SAMPLE)) $(rss_mib "$pid") $(heap_mib "$base")" >>"$WORK/samples.txt"
done
wait "$wrk_pid" || true
wrk_check mixed "$WORK/mixed.wrk"
after=$(psql -X -At -h 127.0.0.1 -U postgres -d "$dbname" -c "SELECT count(*) FROM tickets")

# fit COLUMN FROM_S: first, last, max and the least-squares slope (MiB/min)
# of the samples from FROM_S on.
fit() {
	awk -v c="$1" -v warm="$2" 'NR > 1 {
		if (NR == 2) first = $c
		last = $c; if ($c > max) max = $c
		if ($1 >= warm) { n++; sx += $1; sy += $c; sxx += $1 * $1; sxy += $1 * $c }
	} END {
		slope = (n > 1) ? (n * sxy - sx * sy) / (n * sxx - sx * sx) * 60 : 0
		printf "first %.1f  last %.1f  max %.1f  slope after %ds %+.2f MiB/min (%d samples)\n", first, last, max, warm, slope, n }' "$WORK/samples.txt"
}
echo "## memory under a mixed create/list load, PostgreSQL, wrk -c$CONNS ${DURATION}s, a sample every ${SAMPLE}s (MiB)"
echo "load: $(wrk_rps "$WORK/mixed.wrk") req/s (half creates), p99 $(wrk_p99_ms "$WORK/mixed.wrk") ms; tickets $before → $after"
echo "VmRSS:          $(fit 2 "$WARM")"
echo "                second half: $(fit 2 $((DURATION / 2)) | sed 's/.*slope/slope/')"
echo "Go heap in use: $(fit 3 "$WARM")"
echo "                second half: $(fit 3 $((DURATION / 2)) | sed 's/.*slope/slope/')"
missing=$(awk 'NR > 1 && NF < 3' "$WORK/samples.txt" | wc -l)
[[ $missing -eq 0 ]] || echo "WARNING: /metrics gave no heap figure in $missing samples (not 200 under load?); the heap line is not valid"
echo "samples (t_s rss heap): $(tail -n +2 "$WORK/samples.txt" | tr '\n' ';' | sed 's/;$//')"
