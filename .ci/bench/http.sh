#!/usr/bin/env bash
# Benchmark 2: the authenticated tenant home page GET /t/demo/ against a bare
# Fiber handler, with wrk, in the same run.
#
#   bash .ci/bench/http.sh                          # SQLite, --log-level warn
#   BENCH_INFO=1 BENCH_PG=1 bash .ci/bench/http.sh  # + info-level logs, + PostgreSQL
#
# Targets, started once and then measured in alternation ROUNDS times
# (wrk -t$THREADS -c$CONNS -d$DURATION --latency), after a short warm-up:
#   bare         TestBenchBareFiber (internal/server/bench_bare_test.go)
#   sqlite-warn  estatedesk serve --demo --log-level warn, SQLite
#   sqlite-info  the same at --log-level info, logs to a file   (BENCH_INFO=1)
#   pg-warn      --log-level warn on a fresh PostgreSQL database (BENCH_PG=1)
# The demo manager signs in once per server (argon2 costs ~150 ms); the
# token is sent as the browser session cookie ed_session.
# Target: requests/s of the home page ≥ 25% of the bare handler's.
# Also shown: the server process's CPU time per request (from /proc/PID/stat
# around each wrk run), which a busy machine disturbs less than req/s.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
WARMUP=${WARMUP:-2s}
command -v wrk >/dev/null || { log "wrk not found (apt-get install -y wrk)"; exit 1; }
build
log "building the bare Fiber test binary"
(cd "$ROOT" && go test -c -o "$WORK/server.test" ./internal/server)

NAMES=()
declare -A URLS COOKIES SERVER_PIDS

add_target() { # NAME URL COOKIE PID
	NAMES+=("$1")
	URLS[$1]=$2
	COOKIES[$1]=$3
	SERVER_PIDS[$1]=$4
}

# cpu_ticks PID: user + system CPU time of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))

port=$(pick_port 1)
start_bg "$WORK/bare.log" env ESTATEDESK_BENCH_BARE_ADDR="127.0.0.1:$port" \
	"$WORK/server.test" -test.run '^TestBenchBareFiber$'
wait_status "http://127.0.0.1:$port/" 200 20000 || { log "bare server did not start"; cat "$WORK/bare.log" >&2; exit 1; }
add_target bare "http://127.0.0.1:$port/" "" "$BG_PID"

start_real() { # NAME PORT_INDEX LEVEL ARGS...
	local name=$1 port
	port=$(pick_port "$2")
	local level=$3
	shift 3
	start_bg "$WORK/$name.log" "$BIN" serve --addr "127.0.0.1:$port" --demo --log-level "$level" "$@"
	local pid=$BG_PID base="http://127.0.0.1:$port"
	wait_status "$base/readyz" 200 30000 || { log "$name did not start"; tail -5 "$WORK/$name.log" >&2; exit 1; }
	local token
	token=$(login "$base")
	[[ -n $token ]] || { log "$name: sign-in failed"; exit 1; }
	wait_status "$base/t/demo/" 200 5000 -b "ed_session=$token" || { log "$name: /t/demo/ is not 200"; exit 1; }
	add_target "$name" "$base/t/demo/" "ed_session=$token" "$pid"
}

mkdir -p "$WORK/sqlite-warn" "$WORK/sqlite-info"
start_real sqlite-warn 2 warn --data-dir "$WORK/sqlite-warn"
if [[ ${BENCH_INFO:-0} == 1 ]]; then
	start_real sqlite-info 3 info --data-dir "$WORK/sqlite-info"
fi
if [[ ${BENCH_PG:-0} == 1 ]]; then
	if pg_available; then
		start_real pg-warn 4 warn --database-url "$(pg_fresh_db)"
	else
		log "PostgreSQL not reachable on 127.0.0.1:5432; skipping pg-warn"
	fi
fi

# run_wrk NAME DURATION OUT
run_wrk() {
	local name=$1 args=(-t"$THREADS" -c"$CONNS" -d"$2" --latency)
	[[ -n ${COOKIES[$name]} ]] && args+=(-H "Cookie: ${COOKIES[$name]}")
	run_waited "$3" wrk "${args[@]}" "${URLS[$name]}"
}

# p99_ms FILE: the 99% latency of a wrk report in ms.
p99_ms() {
	awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		f = (u == "us") ? 0.001 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1; printf "%.3f\n", v * f }' "$1"
}

for name in "${NAMES[@]}"; do
	log "warm-up $name"
	run_wrk "$name" "$WARMUP" /dev/null
done
for round in $(seq 1 "$ROUNDS"); do
	for name in "${NAMES[@]}"; do
		out="$WORK/$name.$round.wrk"
		pid=${SERVER_PIDS[$name]}
		ticks0=$(cpu_ticks "$pid")
		run_wrk "$name" "$DURATION" "$out"
		ticks1=$(cpu_ticks "$pid")
		rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
		# server CPU per request (µs): steadier than req/s when the machine is busy
		awk -v t=$(((ticks1 - ticks0) * TICK_US)) '/ requests in / {printf "%.1f\n", t / $1}' "$out" >>"$WORK/$name.cpu"
		p99=$(p99_ms "$out")
		sockerr=$(sed -n 's/^ *Socket errors: *//p' "$out")
		log "round $round $name: $rps req/s, p99 $p99 ms${sockerr:+ (socket errors: $sockerr)}"
		[[ -z $sockerr ]] || echo "round $round: socket errors $sockerr" >>"$WORK/$name.notes"
		if grep -q 'Non-2xx or 3xx responses' "$out"; then
			log "$name: answers other than 2xx/3xx, the figures are not valid"
			cat "$out" >&2
			exit 1
		fi
		echo "$rps" >>"$WORK/$name.rps"
		echo "$p99" >>"$WORK/$name.p99"
		[[ $name == bare ]] && bare_rps=$rps
		[[ $name != bare ]] && awk -v r="$rps" -v b="$bare_rps" 'BEGIN {printf "%.2f\n", 100 * r / b}' >>"$WORK/$name.ratio"
	done
done

echo "## GET /t/demo/ (authenticated) vs bare Fiber; wrk -t$THREADS -c$CONNS -d$DURATION, $ROUNDS alternating rounds, median (min–max); target ≥ 25% of bare"
bare_med=$(median <"$WORK/bare.rps")
for name in "${NAMES[@]}"; do
	line=$(printf '%-12s req/s %-24s p99 ms %-24s server CPU µs/req %-22s' "$name" "$(stats <"$WORK/$name.rps")" \
		"$(stats <"$WORK/$name.p99")" "$(stats <"$WORK/$name.cpu")")
	if [[ $name != bare ]]; then
		line+=$(awk -v r="$(median <"$WORK/$name.rps")" -v b="$bare_med" 'BEGIN {printf " req/s ratio of medians %.1f%%", 100 * r / b}')
		line+=" (per round $(stats <"$WORK/$name.ratio") %)"
	fi
	echo "$line"
	[[ ! -s $WORK/$name.notes ]] || sed "s/^/             $name /" "$WORK/$name.notes"
done
