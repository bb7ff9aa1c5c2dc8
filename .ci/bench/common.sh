# Shared helpers of the benchmark scripts (sourced, not run).
# Everything here talks to 127.0.0.1 only, bounds every loop, and kills the
# processes it started (by PID) when the script exits.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/../.." && pwd)
PORT_BASE=${BENCH_PORT_BASE:-28090}
DEMO_EMAIL=manager@demo.estatedesk.test
DEMO_PASSWORD=demo12345

WORK=$(mktemp -d /tmp/edbench.XXXXXX)
# The binary under test: ESTATEDESK_BIN, or a fresh build in this run's WORK.
BIN=${ESTATEDESK_BIN:-$WORK/estatedesk}
BENCH_PIDS=()
BENCH_PG_DBS=()

bench_cleanup() {
	local p
	for p in "${BENCH_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${BENCH_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	for p in "${BENCH_PG_DBS[@]}"; do
		psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $p WITH (FORCE)" >/dev/null 2>&1 || true
	done
	rm -rf "$WORK"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '%s\n' "$*" >&2; }

# build compiles the binary unless ESTATEDESK_BIN points at one already.
build() {
	if [[ -z ${ESTATEDESK_BIN:-} ]]; then
		log "building $BIN"
		(cd "$ROOT" && go build -o "$BIN" ./cmd/estatedesk)
	fi
}

# now_us: wall clock in microseconds, without forking.
now_us() { echo $((${EPOCHREALTIME/./})); }

# port_busy PORT: something already listens there.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pick_port N: the N-th port of the range, failing if it is taken.
pick_port() {
	local port=$((PORT_BASE + $1))
	if port_busy "$port"; then
		log "port $port is in use; set BENCH_PORT_BASE"
		return 1
	fi
	echo "$port"
}

# wait_status URL WANT MAX_MS [CURL_ARGS...]: poll every 5 ms until URL
# answers WANT; returns 1 after MAX_MS.
wait_status() {
	local url=$1 want=$2 max_ms=$3
	shift 3
	local deadline=$(($(now_us) + max_ms * 1000)) code
	while (($(now_us) < deadline)); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$@" "$url" || true)
		[[ $code == "$want" ]] && return 0
		sleep 0.005
	done
	return 1
}

# start_bg LOGFILE CMD...: start CMD in the background; sets BG_PID.
start_bg() {
	local logfile=$1
	shift
	"$@" >"$logfile" 2>&1 &
	BG_PID=$!
	BENCH_PIDS+=("$BG_PID")
}

# run_waited OUT CMD...: runs CMD with stdout to OUT and waits for it, in a
# way a signal interrupts at once (bash runs traps only between commands, but
# `wait` returns early); cleanup kills CMD too.
run_waited() {
	local out=$1
	shift
	"$@" >"$out" &
	local pid=$!
	BENCH_PIDS+=("$pid")
	local rc=0
	wait "$pid" || rc=$?
	local kept=() p
	for p in "${BENCH_PIDS[@]}"; do [[ $p != "$pid" ]] && kept+=("$p"); done
	BENCH_PIDS=("${kept[@]}")
	return "$rc"
}

# stop_pid PID: SIGTERM, wait up to 10 s, then SIGKILL.
stop_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 200); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	local kept=()
	for i in "${BENCH_PIDS[@]}"; do [[ $i != "$pid" ]] && kept+=("$i"); done
	BENCH_PIDS=("${kept[@]}")
}

# stats: reads numbers, one a line; prints "median (min–max, n=N)".
stats() {
	sort -g | awk '{v[NR]=$1} END {
		if (NR == 0) { print "n/a"; exit }
		m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2
		printf "%s (%s–%s, n=%d)\n", f(m), f(v[1]), f(v[NR]), NR }
	function f(x) { return sprintf(x >= 100 ? "%.0f" : x >= 10 ? "%.1f" : "%.2f", x) }'
}

# median: reads numbers, one a line; prints the median only.
median() {
	sort -g | awk '{v[NR]=$1} END {
		if (NR == 0) { print "nan"; exit }
		m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2
		printf "%.6g\n", m }'
}

# pg_available: a PostgreSQL answers on 127.0.0.1:5432.
pg_available() { command -v psql >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

# pg_fresh_db: creates an empty database (dropped at exit) and prints its URL.
pg_fresh_db() {
	local name="edbench_$(date +%s)_$RANDOM"
	psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $name" >/dev/null
	BENCH_PG_DBS+=("$name")
	echo "postgres://postgres@127.0.0.1:5432/$name?sslmode=disable"
}

# login BASE_URL: signs the demo manager in once and prints the token.
login() {
	curl -s --max-time 10 -X POST -H 'Content-Type: application/json' \
		-d "{\"email\":\"$DEMO_EMAIL\",\"password\":\"$DEMO_PASSWORD\"}" "$1/api/v1/auth/login" |
		sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}

# machine_notes: what docs/benchmarks.md records about the machine.
machine_notes() {
	echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  nproc: $(nproc)  $(go version 2>/dev/null || echo 'go: n/a')"
	echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)  mem: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "commit: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo n/a)$(cd "$ROOT" && git diff --quiet 2>/dev/null || echo ' (dirty tree)')"
}
