#!/usr/bin/env bash
# Ticket creates, two builds against each other: the way to tell whether a
# change to the create path helps, on a machine whose neighbours move
# absolute figures by a third between runs.
#
#   bash .ci/bench/tickets_ab.sh OLD_REV NEW_REV     # git revisions (or paths to built binaries)
#   ROUNDS=3 DURATION=6s CONNS=32 bash .ci/bench/tickets_ab.sh HEAD~1 HEAD
#
# One fresh PostgreSQL database gets the demo (OLD's first start writes its
# history) and is analyzed; then, for ROUNDS rounds, each build in turn is
# started on it (its migrations run, so NEW may add some), warmed up for 2 s
# and given DURATION of the create load of tickets_create.sh (CONNS
# connections). Reported per run: creates/s, and CPU per create of the
# server and of its PostgreSQL backends (/proc around the run). Compare the
# builds within a round.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$BENCH_DIR/tickets_lib.sh"

[[ $# -eq 2 ]] || { log "usage: tickets_ab.sh OLD NEW"; exit 2; }
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-6s}
CONNS=${CONNS:-32}
command -v wrk >/dev/null || { log "wrk not found (apt-get install -y wrk)"; exit 1; }
pg_available || { log "PostgreSQL not reachable on 127.0.0.1:5432"; exit 1; }

# binary REV NAME: REV if it is an executable, else a build of that revision.
binary() {
	if [[ -x $1 ]]; then
		echo "$1"
		return
	fi
	local dir="$WORK/src-$2"
	git -C "$ROOT" worktree add -q --detach "$dir" "$1" >&2
	(cd "$dir" && go build -o "$WORK/$2" ./cmd/estatedesk) >&2
	git -C "$ROOT" worktree remove --force "$dir" >&2
	echo "$WORK/$2"
}
old=$(binary "$1" old)
new=$(binary "$2" new)

url=$(pg_fresh_db)
BENCH_PG_DBS+=("$(db_name "$url")")
dbname=$(db_name "$url")
mkdir -p "$WORK/data"
log "loading the demo with $1"
BIN=$old start_server ab-demo "$TICKETS_PORT_INDEX" 180 --demo --log-level warn --data-dir "$WORK/data" --database-url "$url"
wait_demo_history "$dbname"
stop_pid "$SERVER_PID"
psql -q -X -h 127.0.0.1 -U postgres -d "$dbname" -c "VACUUM ANALYZE"

for round in $(seq 1 "$ROUNDS"); do
	for side in old new; do
		bin=$old
		[[ $side == new ]] && bin=$new
		BIN=$bin start_server "ab-$side" "$TICKETS_PORT_INDEX" 60 --log-level warn --data-dir "$WORK/data" --database-url "$url"
		pid=$SERVER_PID
		token=$(login "$SERVER_URL")
		[[ -f $WORK/create.lua ]] || create_lua "$dbname" "$token" "$WORK/create.lua"
		sed -i "s/^local token = .*/local token = \"$token\"/" "$WORK/create.lua"
		run_waited /dev/null wrk -t2 -c"$CONNS" -d2s -s "$WORK/create.lua" "$SERVER_URL/api/v1/t/demo/tickets" -- "w$round$side"
		t0=$(cpu_ticks "$pid")
		pg_backend_ticks "$dbname" "$WORK/pg0"
		out="$WORK/$side.$round.wrk"
		run_waited "$out" wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$WORK/create.lua" "$SERVER_URL/api/v1/t/demo/tickets" -- "r$round$side"
		t1=$(cpu_ticks "$pid")
		pg_backend_ticks "$dbname" "$WORK/pg1"
		wrk_check "$side" "$out"
		n=$(awk '/ requests in / {print $1}' "$out")
		printf 'round %d %-3s %8s creates/s  server %4d µs/create  PostgreSQL %4d µs/create\n' "$round" "$side" "$(wrk_rps "$out")" \
			$(((t1 - t0) * TICK_US / n)) $(($(pg_cpu_us_between "$WORK/pg0" "$WORK/pg1") / n))
		stop_pid "$pid"
	done
done
