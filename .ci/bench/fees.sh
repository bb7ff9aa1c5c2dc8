#!/usr/bin/env bash
# Issue 10's fee figures on PostgreSQL (TestBenchFees in
# internal/fee/bench_test.go): 100,000 units seeded by SQL, three monthly
# items; billing runs of ROUNDS months, each run again; the arrears list,
# its totals and the whole page's service calls, 50 times each; PAYMENTS
# counter payments at CONNS connections, first one transaction each (as
# before the batches), then batched.
#
#   bash .ci/bench/fees.sh                       # UNITS=100000 ROUNDS=3 PAYMENTS=800 CONNS=16
#   EXPLAIN=1 bash .ci/bench/fees.sh             # + the arrears queries' plans
#
# The test database commits with synchronous_commit on and a pool of 16,
# as the server runs. Targets: run ≤ 15 s, rerun ≤ 5 s creating nothing,
# arrears list p99 ≤ 100 ms, payment p99 ≤ 30 ms at 16 connections.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

export ESTATEDESK_TEST_POSTGRES=${ESTATEDESK_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}
export ESTATEDESK_BENCH_FEES=1
export ESTATEDESK_BENCH_FEES_UNITS=${UNITS:-100000}
export ESTATEDESK_BENCH_FEES_ROUNDS=${ROUNDS:-3}
export ESTATEDESK_BENCH_FEES_PAYMENTS=${PAYMENTS:-800}
export ESTATEDESK_BENCH_FEES_CONNS=${CONNS:-16}
if [[ -n ${EXPLAIN:-} ]]; then
	export ESTATEDESK_BENCH_FEES_EXPLAIN=1
fi
log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
(cd "$ROOT" && go test -count=1 -timeout 60m -run '^TestBenchFees$' -v ./internal/fee/) >"$WORK/fees.txt" 2>&1 || {
	cat "$WORK/fees.txt" >&2
	exit 1
}
grep -E 'BENCH|EXPLAIN|seeded' "$WORK/fees.txt" | sed 's/^ *bench_test.go:[0-9]*: //'
log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
