#!/usr/bin/env bash
# Ticket benchmark 1: create throughput on PostgreSQL, against pgbench doing
# a comparable single-row insert in the same session.
#
#   bash .ci/bench/tickets_create.sh        # CLIENTS="1 8 32" ROUNDS=3 DURATION=10s
#
# One server (`serve --demo --log-level warn`, a fresh PostgreSQL database,
# the default pool of 16 connections) takes POST /api/v1/t/demo/tickets from
# wrk: each request has its own Idempotency-Key and a realistic body — one
# of 200 demo units with its owner, a type with a category of that type, a
# priority (mostly normal), a channel and a description; the API's default
# dispatch by the estate's rules applies. The demo manager's bearer token
# signs them.
# pgbench then inserts, for the same client count and duration (-M
# prepared, -j like wrk's -t), one row per transaction into bench_ticket_rows:
# 25 of the tickets table's columns (uuids, text, timestamps) with its
# primary key, unique number, the same nine secondary indexes and partial
# timer index, and the same five foreign keys (to one of the 200 demo
# units that wrk's bodies use, picked at random, with its estate, owner and
# the estate's first team, and a category), in the same database. Rounds alternate
# app/pgbench for every client count. The measurements start once the
# demo's first start has written its year of tickets, dispatch rules and
# timers, which it does in the background, and the database has been
# analyzed, as autovacuum would have done on a production server
# (autovacuum is off on the benchmark machine). BASELINE=bare leaves out
# the foreign keys and gives every row the same unit: the table of the
# benchmark's first runs, a cheaper row than a ticket's.
# Reported: requests/s, p99, CPU per request of the server and of its
# PostgreSQL backends (from /proc around each run), pgbench TPS and p99
# (from its per-transaction log), and app/pgbench of the medians.
# Targets at 32 connections: ≥ 1,000 tickets/s and ≥ 50% of pgbench's TPS.
#
#   PROFILE=/tmp/edprof-create bash .ci/bench/tickets_create.sh
# instead runs the server inside the internal/app test binary (TestBenchServe)
# with -test.cpuprofile/-test.memprofile, puts one DURATION of creates from
# 32 connections on it, and prints the top of the profiles and the SQL
# statements one create sends (log_statement = all for one request).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$BENCH_DIR/tickets_lib.sh"

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CLIENTS=${CLIENTS:-1 8 32}
WARMUP=${WARMUP:-3s}
command -v wrk >/dev/null || { log "wrk not found (apt-get install -y wrk)"; exit 1; }
command -v pgbench >/dev/null || { log "pgbench not found (apt-get install -y postgresql-contrib)"; exit 1; }
pg_available || { log "PostgreSQL not reachable on 127.0.0.1:5432"; exit 1; }
build

url=$(pg_fresh_db)
BENCH_PG_DBS+=("$(db_name "$url")") # pg_fresh_db runs in a subshell: register the drop here
dbname=$(db_name "$url")
PSQL=(psql -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d "$dbname")
mkdir -p "$WORK/data"
log "starting the server on $dbname (the demo's first start plays a year of tickets)"
if [[ -n ${PROFILE:-} ]]; then
	mkdir -p "$PROFILE"
	(cd "$ROOT" && go test -c -o "$PROFILE/app.test" ./internal/app)
	port=$(pick_port "$TICKETS_PORT_INDEX")
	start_bg "$WORK/create.log" env ESTATEDESK_BENCH_SERVE_ARGS="--addr 127.0.0.1:$port --demo --log-level warn --data-dir $WORK/data --database-url $url" \
		"$PROFILE/app.test" -test.run '^TestBenchServe$' -test.cpuprofile "$PROFILE/cpu.out" \
		-test.memprofile "$PROFILE/mem.out" -test.memprofilerate 65536
	SERVER_PID=$BG_PID SERVER_URL="http://127.0.0.1:$port"
	wait_status "$SERVER_URL/readyz" 200 180000 || { log "server did not start"; cat "$WORK/create.log" >&2; exit 1; }
else
	start_server create "$TICKETS_PORT_INDEX" 180 --demo --log-level warn --data-dir "$WORK/data" --database-url "$url"
fi
pid=$SERVER_PID base=$SERVER_URL
wait_demo_history "$dbname"
"${PSQL[@]}" -c "VACUUM ANALYZE"
token=$(login "$base")
[[ -n $token ]] || { log "sign-in failed"; exit 1; }

create_lua "$dbname" "$token" "$WORK/create.lua"

# The pgbench side: a scratch table like tickets, one insert per transaction.
tenant_id=$("${PSQL[@]}" -At -c "SELECT id FROM tenants WHERE slug = 'demo'")
user_id=$("${PSQL[@]}" -At -c "SELECT id FROM users WHERE email = '$DEMO_EMAIL'")
category=$(awk '$1 == "维修" {print $2; exit}' "$WORK/cats.txt")
"${PSQL[@]}" <<SQL
CREATE TABLE bench_ticket_rows (
    tenant_id uuid NOT NULL, id uuid NOT NULL, number text NOT NULL, estate_id uuid NOT NULL,
    unit_id uuid, person_id uuid, caller_name text NOT NULL DEFAULT '', caller_phone text NOT NULL DEFAULT '',
    channel text NOT NULL, type text NOT NULL, category_id uuid, priority text NOT NULL,
    major boolean NOT NULL DEFAULT false, status text NOT NULL, description text NOT NULL,
    received_by uuid NOT NULL, created_by uuid NOT NULL, team_id uuid, assignee_id uuid,
    response_due timestamptz, resolve_due timestamptz, callback_state text NOT NULL DEFAULT '',
    timer_at timestamptz, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id), UNIQUE (tenant_id, number));
CREATE INDEX ON bench_ticket_rows (tenant_id, created_at, id);
CREATE INDEX ON bench_ticket_rows (tenant_id, estate_id, created_at, id);
CREATE INDEX ON bench_ticket_rows (tenant_id, status, created_at, id);
CREATE INDEX ON bench_ticket_rows (tenant_id, team_id, status);
CREATE INDEX ON bench_ticket_rows (tenant_id, assignee_id, status);
CREATE INDEX ON bench_ticket_rows (tenant_id, unit_id, created_at);
CREATE INDEX ON bench_ticket_rows (tenant_id, person_id, created_at);
CREATE INDEX ON bench_ticket_rows (tenant_id, resolve_due);
CREATE INDEX ON bench_ticket_rows (tenant_id, callback_state, created_at);
CREATE INDEX ON bench_ticket_rows (timer_at) WHERE timer_at IS NOT NULL;
CREATE SEQUENCE bench_ticket_seq;
SQL
if [[ ${BASELINE:-row} == row ]]; then
	"${PSQL[@]}" -c "ALTER TABLE bench_ticket_rows
		ADD FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id),
		ADD FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id),
		ADD FOREIGN KEY (tenant_id, person_id) REFERENCES persons (tenant_id, id),
		ADD FOREIGN KEY (tenant_id, category_id) REFERENCES ticket_categories (tenant_id, id),
		ADD FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id)"
fi
# The same 200 units and owners as wrk's bodies, each with its estate's
# first team: a row picks one at random, as the app's creates do.
"${PSQL[@]}" -c "CREATE TABLE bench_refs (n int PRIMARY KEY, estate_id uuid, unit_id uuid, person_id uuid, team_id uuid)"
awk '{printf "%d\t%s\t%s\t%s\n", NR, $1, $2, $3}' "$WORK/units.txt" |
	"${PSQL[@]}" -c "\copy bench_refs (n, estate_id, unit_id, person_id) FROM pstdin"
"${PSQL[@]}" -c "UPDATE bench_refs r SET team_id = (SELECT t.id FROM teams t WHERE t.estate_id = r.estate_id ORDER BY t.id LIMIT 1); ANALYZE bench_refs"
refs=$(wc -l <"$WORK/units.txt")
[[ ${BASELINE:-row} == row ]] || refs=1 # every row the first unit, as the second run's table
cat >"$WORK/insert.sql" <<SQL
\set r random(1, $refs)
INSERT INTO bench_ticket_rows (tenant_id, id, number, estate_id, unit_id, person_id, caller_name, caller_phone,
    channel, type, category_id, priority, major, status, description, received_by, created_by, team_id, assignee_id,
    response_due, resolve_due, callback_state, timer_at, created_at, updated_at)
SELECT '$tenant_id', gen_random_uuid(), 'B' || nextval('bench_ticket_seq'), r.estate_id, r.unit_id, r.person_id, '王伟', '13800000000',
    'phone', 'repair', '$category', 'normal', false, 'dispatched', '卫生间水管漏水，楼下天花板有水渍，请尽快派人查看',
    '$user_id', '$user_id', r.team_id, NULL, now() + interval '1 day', now() + interval '3 days', '', now() + interval '1 day', now(), now()
FROM bench_refs r WHERE r.n = :r;
SQL

threads() { echo $(($1 < 2 ? $1 : 2)); }
run_app() { # CLIENTS DURATION OUT ROUND
	run_waited "$3" wrk -t"$(threads "$1")" -c"$1" -d"$2" --latency -s "$WORK/create.lua" "$base/api/v1/t/demo/tickets" -- "r$4c$1"
}
run_pgbench() { # CLIENTS DURATION OUT
	rm -rf "$WORK/pglog" && mkdir -p "$WORK/pglog"
	run_waited "$3" pgbench -h 127.0.0.1 -U postgres -n -M prepared -c "$1" -j "$(threads "$1")" \
		-T "${2%s}" -f "$WORK/insert.sql" -l --log-prefix "$WORK/pglog/pgbench_log" "$dbname"
	cat "$WORK/pglog"/pgbench_log.* | awk '{printf "%.3f\n", $3 / 1000}' >"$WORK/pglat.txt"
}

log "warm-up"
run_app 8 "$WARMUP" /dev/null warm
if [[ -n ${PROFILE:-} ]]; then
	run_waited "$WORK/prof.wrk" wrk -t2 -c32 -d"$DURATION" --latency -s "$WORK/create.lua" "$base/api/v1/t/demo/tickets" -- prof
	grep -E 'Requests/sec|99%|Non-2xx' "$WORK/prof.wrk" >&2
	stop_pid "$pid"
	[[ -s $PROFILE/cpu.out ]] || { log "no profile written"; cat "$WORK/create.log" >&2; exit 1; }
	echo "## CPU, flat"
	go tool pprof -top -nodecount 35 "$PROFILE/app.test" "$PROFILE/cpu.out" 2>/dev/null
	echo "## CPU, cumulative"
	go tool pprof -top -cum -nodecount 70 "$PROFILE/app.test" "$PROFILE/cpu.out" 2>/dev/null
	echo "## allocations (alloc_space)"
	go tool pprof -top -sample_index alloc_space -nodecount 25 "$PROFILE/app.test" "$PROFILE/mem.out" 2>/dev/null
	# The SQL of one create: a server whose connections log every statement
	# (a setting of this database only), one request, its lines of the log.
	pglog=$(ls -t /var/log/postgresql/postgresql-*-main.log 2>/dev/null | head -1 || true)
	if [[ -n $pglog && -r $pglog ]]; then
		"${PSQL[@]}" -c "ALTER DATABASE $dbname SET log_statement = 'all'"
		start_server create-log "$TICKETS_PORT_INDEX" 60 --log-level warn --data-dir "$WORK/data" --database-url "$url"
		tok=$(login "$SERVER_URL")
		body=$(printf '{"estate_id":"%s","unit_id":"%s","person_id":"%s","channel":"phone","type":"repair","category_id":"%s","priority":"normal","description":"statement count"}' \
			"$(awk 'NR==1 {print $1}' "$WORK/units.txt")" "$(awk 'NR==1 {print $2}' "$WORK/units.txt")" "$(awk 'NR==1 {print $3}' "$WORK/units.txt")" \
			"$(awk '$1 == "维修" {print $2; exit}' "$WORK/cats.txt")")
		post() { curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
			-H "Idempotency-Key: $1" -d "$body" "$SERVER_URL/api/v1/t/demo/tickets"; }
		post warm-1 >/dev/null
		post warm-2 >/dev/null
		sleep 0.5
		before=$(wc -l <"$pglog")
		code=$(post counted)
		sleep 0.5
		"${PSQL[@]}" -c "ALTER DATABASE $dbname RESET log_statement"
		tail -n +"$((before + 1))" "$pglog" | grep -a "@$dbname " | grep -a -E 'statement: |execute [^ ]*: ' >"$PROFILE/statements.txt" || true
		echo "## SQL statements of one create (answer $code; the third create of a warm server): $(wc -l <"$PROFILE/statements.txt")"
		sed -E 's/^.*(statement|execute [^ ]*): //' "$PROFILE/statements.txt" | cut -c1-220
	fi
	exit 0
fi
run_pgbench 8 "${WARMUP}" "$WORK/warm.pgb"
for round in $(seq 1 "$ROUNDS"); do
	for c in $CLIENTS; do
		out="$WORK/app.$c.$round.wrk"
		t0=$(cpu_ticks "$pid")
		pg_backend_ticks "$dbname" "$WORK/pg0"
		run_app "$c" "$DURATION" "$out" "$round"
		t1=$(cpu_ticks "$pid")
		pg_backend_ticks "$dbname" "$WORK/pg1"
		wrk_check "app c=$c" "$out"
		awk -v t="$(pg_cpu_us_between "$WORK/pg0" "$WORK/pg1")" '/ requests in / {printf "%.0f\n", t / $1}' "$out" >>"$WORK/app.$c.pgcpu"
		rps=$(wrk_rps "$out")
		echo "$rps" >>"$WORK/app.$c.rps"
		wrk_p99_ms "$out" >>"$WORK/app.$c.p99"
		awk -v t=$(((t1 - t0) * TICK_US)) '/ requests in / {printf "%.0f\n", t / $1}' "$out" >>"$WORK/app.$c.cpu"
		pgb="$WORK/pg.$c.$round.txt"
		run_pgbench "$c" "$DURATION" "$pgb"
		tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$pgb" | tail -1)
		echo "$tps" >>"$WORK/pg.$c.tps"
		pct "$WORK/pglat.txt" 99 >>"$WORK/pg.$c.p99"
		awk -v a="$rps" -v p="$tps" 'BEGIN {printf "%.1f\n", 100 * a / p}' >>"$WORK/ratio.$c"
		log "round $round c=$c: app $rps req/s p99 $(tail -1 "$WORK/app.$c.p99") ms | pgbench $tps tps p99 $(tail -1 "$WORK/pg.$c.p99") ms"
	done
done
made=$("${PSQL[@]}" -At -c "SELECT count(*) FROM tickets t JOIN tenants n ON n.id = t.tenant_id AND n.slug = 'demo' WHERE t.channel <> '' AND t.created_by = '$user_id' AND t.description LIKE '%（r%'")
rows=$("${PSQL[@]}" -At -c "SELECT count(*) FROM bench_ticket_rows")
[[ $rows -gt 0 ]] || { log "pgbench inserted no rows"; exit 1; }

echo "## ticket create, PostgreSQL, wrk -d$DURATION vs pgbench -T$DURATION -M prepared, $ROUNDS alternating rounds, median (min–max); target at 32: ≥ 1000/s and ≥ 50% of pgbench"
for c in $CLIENTS; do
	printf 'c=%-3s app req/s %-26s p99 ms %-24s server CPU µs/req %-22s PG backends CPU µs/req %-22s | pgbench tps %-26s p99 ms %-22s | app/pgbench %s%% (per round %s)\n' "$c" \
		"$(stats <"$WORK/app.$c.rps")" "$(stats <"$WORK/app.$c.p99")" "$(stats <"$WORK/app.$c.cpu")" "$(stats <"$WORK/app.$c.pgcpu")" \
		"$(stats <"$WORK/pg.$c.tps")" "$(stats <"$WORK/pg.$c.p99")" \
		"$(awk -v a="$(median <"$WORK/app.$c.rps")" -v p="$(median <"$WORK/pg.$c.tps")" 'BEGIN {printf "%.1f", 100 * a / p}')" \
		"$(stats <"$WORK/ratio.$c")"
done
echo "tickets created by the benchmark: $made; rows inserted by pgbench: $rows; server pool: ESTATEDESK_DB_MAX_CONNS=${ESTATEDESK_DB_MAX_CONNS:-16 (default)}"
