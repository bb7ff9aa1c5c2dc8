#!/usr/bin/env bash
# Ticket benchmark 2: the filtered queue with 1,000,000 tickets across 1,000
# companies, API and HTML page.
#
#   bash .ci/bench/tickets_queue.sh                  # PostgreSQL
#   BENCH_SQLITE=1 bash .ci/bench/tickets_queue.sh   # + the same on SQLite
#   TENANTS=100 bash .ci/bench/tickets_queue.sh      # a smaller world
#
# Seeding (TestBenchTicketsSeed, internal/app/bench_tickets_seed_test.go):
# TENANTS companies (default 1,000) of two estates (240 units, owners in
# about nine in ten), four teams per estate and six staff each, and TICKETS
# (1,000) tickets each: the first company's are a year played by
# demo.TicketHistory, the others get a copy moved onto their own estates,
# units, owners, teams, categories and staff. The shared user
# bench-staff@estatedesk.test is a manager in the first MEMBER (100)
# companies. On PostgreSQL the database is seeded with synchronous_commit
# off, then set back and VACUUM ANALYZEd.
# Measured: the server (no demo, --log-level warn) answers, as bench-staff,
#   api   GET /api/v1/t/SLUG/tickets?status=S&estate=E   (50-row JSON page)
#   html  GET /t/SLUG/tickets?status=S&estate=E          (the page: tabs with counts, filters, 50 rows)
# with SLUG one of the MEMBER companies, E one of its two estates and S one
# of received, dispatched, in_progress, on_hold, completed, closed, drawn per
# request. wrk -c$CONNS for each (CONNS="1 16" by default), ROUNDS (3) of
# DURATION (10s) alternating api/html. Target: p99 ≤ 50 ms.
#
#   PROFILE=/tmp/edprof-queue TENANTS=100 bash .ci/bench/tickets_queue.sh
# instead serves PostgreSQL from the internal/app test binary (TestBenchServe)
# with -test.cpuprofile, puts DURATION of html then api load (wrk -c4) on it
# and prints the top of the profile (queue pages only: -focus ticketList).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$BENCH_DIR/tickets_lib.sh"

TENANTS=${TENANTS:-1000}
TICKETS=${TICKETS:-1000}
MEMBER=${MEMBER:-100}
WORKERS=${WORKERS:-4}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-1 16}
WARMUP=${WARMUP:-3s}
command -v wrk >/dev/null || { log "wrk not found (apt-get install -y wrk)"; exit 1; }
build
log "building the internal/app test binary (the seeder)"
(cd "$ROOT" && go test -c -o "$WORK/app.test" ./internal/app)

DBS=()
pg_available && DBS+=(postgres) || log "PostgreSQL not reachable on 127.0.0.1:5432; skipping it"
[[ ${BENCH_SQLITE:-0} == 1 ]] && DBS+=(sqlite)

lua_queue() { # FACE OUT TOKEN TARGETS
	{
		echo "local tenants = {"
		awk '{printf "{\"%s\",\"%s\",\"%s\"},\n", $1, $2, $3}' "$4"
		echo "}"
		cat <<LUA
local statuses = {"received", "dispatched", "in_progress", "on_hold", "completed", "closed"}
local face = "$1"
local token = "$3"
local tcount = 0
function setup(thread)
	tcount = tcount + 1
	thread:set("tid", tcount)
end
function init(args)
	math.randomseed(tid * 7919 + os.time())
end
function request()
	local t = tenants[math.random(#tenants)]
	local q = "/t/" .. t[1] .. "/tickets?status=" .. statuses[math.random(#statuses)] .. "&estate=" .. t[1 + math.random(2)]
	if face == "api" then
		return wrk.format("GET", "/api/v1" .. q, {["Authorization"] = "Bearer " .. token})
	end
	return wrk.format("GET", q, {["Cookie"] = "ed_session=" .. token})
end
LUA
	} >"$2"
}

for db in "${DBS[@]}"; do
	env=(ESTATEDESK_DATA_DIR="$WORK/$db-data")
	workers=$WORKERS
	if [[ $db == postgres ]]; then
		url=$(pg_fresh_db)
		BENCH_PG_DBS+=("$(db_name "$url")") # pg_fresh_db runs in a subshell: register the drop here
		dbname=$(db_name "$url")
		psql -q -X -h 127.0.0.1 -U postgres -d postgres -c "ALTER DATABASE $dbname SET synchronous_commit = off"
		env+=(ESTATEDESK_DATABASE_URL="$url")
		serve_db=(--database-url "$url")
	else
		env+=(ESTATEDESK_DATABASE_URL=)
		serve_db=(--database-url=)
		workers=1
	fi
	mkdir -p "$WORK/$db-data"
	log "$db: seeding $TENANTS companies × $TICKETS tickets"
	run_waited "$WORK/seed.$db.txt" env "${env[@]}" ESTATEDESK_BENCH_TICKETS_SEED="tenants=$TENANTS tickets=$TICKETS member=$MEMBER workers=$workers out=$WORK/targets.$db.txt" \
		"$WORK/app.test" -test.run '^TestBenchTicketsSeed$' -test.v -test.timeout 2h
	grep -q '^--- PASS' "$WORK/seed.$db.txt" || { log "$db: seeding failed"; tail -20 "$WORK/seed.$db.txt" >&2; exit 1; }
	seed_s=$(sed -n 's/^SEEDED .*seconds=\([0-9.]*\).*/\1/p' "$WORK/seed.$db.txt")
	if [[ $db == postgres ]]; then
		psql -q -X -h 127.0.0.1 -U postgres -d postgres -c "ALTER DATABASE $dbname RESET synchronous_commit"
		t0=$(now_us)
		psql -q -X -h 127.0.0.1 -U postgres -d "$dbname" -c "VACUUM ANALYZE"
		log "$db: VACUUM ANALYZE in $((($(now_us) - t0) / 1000)) ms"
		size=$(psql -X -At -h 127.0.0.1 -U postgres -d "$dbname" -c "SELECT pg_size_pretty(pg_database_size('$dbname'))")
		count=$(psql -X -At -h 127.0.0.1 -U postgres -d "$dbname" -c "SELECT count(*) FROM tickets")
	else
		size=$(du -sh "$WORK/$db-data" | cut -f1)
		count=$((TENANTS * TICKETS))
	fi
	echo "$db seed: $TENANTS companies, $count tickets in ${seed_s}s; database size $size" >>"$WORK/seed.summary"

	if [[ -n ${PROFILE:-} ]]; then
		mkdir -p "$PROFILE"
		cp "$WORK/app.test" "$PROFILE/app.test"
		port=$(pick_port "$((TICKETS_PORT_INDEX + 1))")
		start_bg "$WORK/queue-$db.log" env ESTATEDESK_BENCH_SERVE_ARGS="--addr 127.0.0.1:$port --log-level warn --data-dir $WORK/$db-data ${serve_db[*]}" \
			"$PROFILE/app.test" -test.run '^TestBenchServe$' -test.cpuprofile "$PROFILE/cpu.out"
		SERVER_PID=$BG_PID SERVER_URL="http://127.0.0.1:$port"
		wait_status "$SERVER_URL/readyz" 200 120000 || { log "server did not start"; cat "$WORK/queue-$db.log" >&2; exit 1; }
	else
		start_server "queue-$db" "$((TICKETS_PORT_INDEX + 1))" 120 --log-level warn --data-dir "$WORK/$db-data" "${serve_db[@]}"
	fi
	pid=$SERVER_PID base=$SERVER_URL
	token=$(login_as "$base" bench-staff@estatedesk.test)
	[[ -n $token ]] || { log "$db: sign-in failed"; exit 1; }
	# Both faces answer 200 with rows before anything is timed.
	read -r slug east _ <"$WORK/targets.$db.txt"
	rows=$(curl -s --max-time 10 -H "Authorization: Bearer $token" "$base/api/v1/t/$slug/tickets?status=closed&estate=$east" | grep -o '"number":' | wc -l)
	code=$(curl -s -o "$WORK/page.html" -w '%{http_code}' --max-time 10 -b "ed_session=$token" "$base/t/$slug/tickets?status=closed&estate=$east")
	[[ $rows -gt 0 && $code == 200 ]] || { log "$db: queue check failed (api rows $rows, html $code)"; exit 1; }
	log "$db: $slug closed tickets of one estate: api $rows rows, html $(wc -c <"$WORK/page.html") bytes"
	for face in api html; do
		lua_queue "$face" "$WORK/$face.$db.lua" "$token" "$WORK/targets.$db.txt"
		run_waited /dev/null wrk -t2 -c8 -d"$WARMUP" -s "$WORK/$face.$db.lua" "$base"
	done
	if [[ -n ${PROFILE:-} ]]; then
		for face in html api; do
			run_waited "$WORK/prof.$face.wrk" wrk -t2 -c4 -d"$DURATION" --latency -s "$WORK/$face.$db.lua" "$base"
			log "$face: $(wrk_rps "$WORK/prof.$face.wrk") req/s, p99 $(wrk_p99_ms "$WORK/prof.$face.wrk") ms"
		done
		stop_pid "$pid"
		echo "## CPU of the queue pages (-focus ticketList), cumulative"
		go tool pprof -top -cum -focus 'ticketList' -nodecount 80 "$PROFILE/app.test" "$PROFILE/cpu.out" 2>/dev/null
		echo "## the same, flat"
		go tool pprof -top -focus 'ticketList' -nodecount 30 "$PROFILE/app.test" "$PROFILE/cpu.out" 2>/dev/null
		exit 0
	fi
	for round in $(seq 1 "$ROUNDS"); do
		for c in $CONNS; do
			for face in api html; do
				out="$WORK/$db.$face.$c.$round.wrk"
				t0=$(cpu_ticks "$pid")
				run_waited "$out" wrk -t"$((c < 2 ? c : 2))" -c"$c" -d"$DURATION" --latency -s "$WORK/$face.$db.lua" "$base"
				t1=$(cpu_ticks "$pid")
				wrk_check "$db $face c=$c" "$out"
				key="$db.$face.$c"
				wrk_rps "$out" >>"$WORK/$key.rps"
				wrk_p99_ms "$out" >>"$WORK/$key.p99"
				awk '$1 == "50%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
					f = (u == "us") ? 0.001 : (u == "s") ? 1000 : 1; printf "%.3f\n", v * f }' "$out" >>"$WORK/$key.p50"
				awk -v t=$(((t1 - t0) * TICK_US)) '/ requests in / {printf "%.0f\n", t / $1}' "$out" >>"$WORK/$key.cpu"
				log "round $round $db $face c=$c: $(wrk_rps "$out") req/s p99 $(tail -1 "$WORK/$key.p99") ms"
			done
		done
	done
	stop_pid "$pid"
done

echo "## ticket queue, $TENANTS companies × $TICKETS tickets, filtered by status and estate, 50-row pages; wrk -d$DURATION, $ROUNDS rounds, median (min–max); target p99 ≤ 50 ms"
cat "$WORK/seed.summary"
for db in "${DBS[@]}"; do
	for c in $CONNS; do
		for face in api html; do
			key="$db.$face.$c"
			printf '%-8s %-4s c=%-3s p50 ms %-24s p99 ms %-24s req/s %-24s server CPU µs/req %s\n' "$db" "$face" "$c" \
				"$(stats <"$WORK/$key.p50")" "$(stats <"$WORK/$key.p99")" "$(stats <"$WORK/$key.rps")" "$(stats <"$WORK/$key.cpu")"
		done
	done
done
