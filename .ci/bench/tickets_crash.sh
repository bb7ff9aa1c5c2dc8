#!/usr/bin/env bash
# Ticket benchmark 4: crash safety of idempotent creates.
#
#   bash .ci/bench/tickets_crash.sh      # SETTINGS="clients=16 tickets=100 kills=3 after=1s down=500ms"
#
# Runs TestCrashTicketCreates (internal/app/crash_tickets_test.go) on SQLite
# and, when a server answers on 127.0.0.1:5432, on PostgreSQL: CLIENTS
# clients each create TICKETS tickets through POST /api/v1/t/demo/tickets
# with their own Idempotency-Key per ticket and retry the same key on a
# connection error or 5xx until they get 201 or 200; the server (a child
# process running serve --demo) is killed with SIGKILL `kills` times, each
# after `after` of load, and started again after `down`. Then the
# database is read: every acknowledged ticket must be there, no key may
# have two tickets, keys = tickets = idempotency rows = acknowledgements,
# and each answer must name the ticket the database holds for its key.
# Prints one PASS/FAIL line per database with the counts; exits non-zero on
# a FAIL. `go test ./internal/app` runs the same test with small settings
# (8 clients × 25 tickets, one kill) on each database of `make test`.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SETTINGS=${SETTINGS:-clients=16 tickets=100 kills=3 after=1s down=500ms}
log "building the internal/app test binary"
(cd "$ROOT" && go test -c -o "$WORK/app.test" ./internal/app)

DBS=(sqlite)
pg_available && DBS+=(postgres) || log "PostgreSQL not reachable on 127.0.0.1:5432; SQLite only"
status=0
echo "## crash safety: $SETTINGS"
for db in "${DBS[@]}"; do
	env=(ESTATEDESK_CRASH_TICKETS="$SETTINGS")
	[[ $db == postgres ]] && env+=(ESTATEDESK_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres)
	rc=0
	run_waited "$WORK/crash.$db.txt" env "${env[@]}" "$WORK/app.test" \
		-test.run '^TestCrashTicketCreates$' -test.v -test.count 1 -test.timeout 10m || rc=$?
	line=$(grep -o -E '(PASS|FAIL) crash-tickets .*' "$WORK/crash.$db.txt" | tail -1)
	if [[ -z $line || $rc -ne 0 ]]; then
		status=1
		echo "FAIL crash-tickets db=$db (exit $rc) ${line#* crash-tickets }"
		grep -E '^\s+crash_tickets_test.go' "$WORK/crash.$db.txt" | head -20 >&2 || tail -30 "$WORK/crash.$db.txt" >&2
	else
		echo "$line"
	fi
done
exit "$status"
