#!/usr/bin/env bash
# CPU and heap profiles of the server under the tenant home page load.
#
#   bash .ci/bench/profile.sh [OUT_DIR]     # default OUT_DIR=/tmp/edprof
#   BENCH_PG=1 bash .ci/bench/profile.sh    # on a fresh PostgreSQL database
#
# Runs `serve --demo --log-level warn` inside the internal/app test binary
# (TestBenchServe, internal/app/bench_serve_test.go) with -test.cpuprofile
# and -test.memprofile, puts DURATION of wrk load on GET /t/demo/, stops it
# with SIGTERM and prints the top of both profiles. Open them further with
#   go tool pprof -http 127.0.0.1:8000 OUT_DIR/app.test OUT_DIR/cpu.out
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

OUT=${1:-/tmp/edprof}
DURATION=${DURATION:-10s}
mkdir -p "$OUT"
(cd "$ROOT" && go test -c -o "$OUT/app.test" ./internal/app)
port=$(pick_port 5)
base="http://127.0.0.1:$port"
db=(--data-dir "$WORK/data")
if [[ ${BENCH_PG:-0} == 1 ]]; then
	pg_available || { log "PostgreSQL not reachable on 127.0.0.1:5432"; exit 1; }
	db=(--database-url "$(pg_fresh_db)")
fi
start_bg "$WORK/serve.log" env ESTATEDESK_BENCH_SERVE_ARGS="--addr 127.0.0.1:$port --demo --log-level warn ${db[*]}" \
	"$OUT/app.test" -test.run '^TestBenchServe$' -test.v \
	-test.cpuprofile "$OUT/cpu.out" -test.memprofile "$OUT/mem.out" -test.memprofilerate 65536
pid=$BG_PID
wait_status "$base/readyz" 200 30000 || { log "server did not start"; cat "$WORK/serve.log" >&2; exit 1; }
token=$(login "$base")
[[ -n $token ]] || { log "sign-in failed"; exit 1; }
run_waited "$WORK/wrk.txt" wrk -t2 -c32 -d"$DURATION" --latency -H "Cookie: ed_session=$token" "$base/t/demo/"
grep -E 'Requests/sec|99%|Non-2xx' "$WORK/wrk.txt" >&2
stop_pid "$pid"
[[ -s $OUT/cpu.out ]] || { log "no profile written"; cat "$WORK/serve.log" >&2; exit 1; }
echo "## CPU, flat"
go tool pprof -top -nodecount 30 "$OUT/app.test" "$OUT/cpu.out" 2>/dev/null
echo "## CPU, cumulative"
go tool pprof -top -cum -nodecount 45 "$OUT/app.test" "$OUT/cpu.out" 2>/dev/null
echo "## allocations (alloc_space)"
go tool pprof -top -sample_index alloc_space -nodecount 25 "$OUT/app.test" "$OUT/mem.out" 2>/dev/null
