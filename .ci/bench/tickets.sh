#!/usr/bin/env bash
# The ticket benchmarks of docs/benchmarks.md ("Tickets"), one after the other:
#   create  tickets_create.sh  POST /api/v1/t/demo/tickets at 1, 8, 32 connections
#                              vs pgbench's comparable insert (≥ 1,000/s and ≥ 50% at 32)
#   queue   tickets_queue.sh   filtered 50-row queue, 1,000 companies × 1,000 tickets,
#                              API and HTML (p99 ≤ 50 ms)
#   memory  tickets_memory.sh  RSS and Go heap over 5 minutes of creates and lists (flat)
#   crash   tickets_crash.sh   SIGKILL under retrying idempotent creates: PASS/FAIL
#
#   bash .ci/bench/tickets.sh                 # all four, about 25 minutes on 2 cores
#   bash .ci/bench/tickets.sh create crash    # some of them
#
# Each part's settings are its own script's (ROUNDS, DURATION, …); they talk
# to 127.0.0.1 only (ports BENCH_PORT_BASE+6 … +8, PostgreSQL on 5432) and
# stop what they started. Not part of run.sh (make bench): too long. Figures
# only, except crash, whose FAIL makes this script exit non-zero.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/common.sh"

parts=("$@")
[[ ${#parts[@]} -gt 0 ]] || parts=(create queue memory crash)
build
export ESTATEDESK_BIN=$BIN # the scripts below reuse this build

echo "# estatedesk ticket benchmarks"
machine_notes
echo
status=0
for part in "${parts[@]}"; do
	[[ -f $here/tickets_$part.sh ]] || { log "unknown part $part (create, queue, memory, crash)"; exit 2; }
	rc=0
	run_waited "$WORK/$part.txt" bash "$here/tickets_$part.sh" || rc=$?
	cat "$WORK/$part.txt"
	[[ $rc -eq 0 ]] || { echo "($part exited $rc)"; status=1; }
	echo
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
