#!/usr/bin/env bash
# Import benchmark: peak resident memory of the server while it imports
# hostile workbooks and 100,000 rows (issue 15).
#
#   bash .ci/bench/import_memory.sh            # SQLite
#   DB=pg bash .ci/bench/import_memory.sh      # a fresh PostgreSQL database
#
# The files come from the importer's tests (TestWriteImportFiles): the
# staged zip bomb of issue 15 (a 480 MiB picture, then a 600 MiB sheet, in
# 1.3 MiB), the picture beside a good sheet, a sheet of 250 MiB of zeros,
# and 100,000 units with owners as CSV (6.5 MiB) and XLSX (4.1 MiB). One
# server (`serve --demo`, plan limits lifted) takes, phase by phase:
#   bombs      the three hostile workbooks, CONC copies of each at once
#   csv        one 100,000-row CSV: upload, dry run, apply
#   xlsx       the same rows as XLSX into the other estate, at once with
#              a CSV re-import of the first (two imports at once)
# Before each phase the kernel's peak (VmHWM) is reset (clear_refs 5); the
# phase's peak and the resident memory IDLE_S seconds after it are
# reported, in MiB. Target: every peak under 250 MB (238 MiB).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DB=${DB:-sqlite}
CONC=${CONC:-4}
IDLE_S=${IDLE_S:-5}
build
files="$WORK/files"
mkdir -p "$files" "$WORK/data"
log "writing the files"
(cd "$ROOT" && ESTATEDESK_IMPORT_FILES="$files" go test -count=1 -run TestWriteImportFiles ./internal/estate/importer/ >/dev/null)

args=(--demo --log-level info --data-dir "$WORK/data")
if [[ $DB == pg ]]; then
	pg_available || { log "PostgreSQL not reachable on 127.0.0.1:5432"; exit 1; }
	args+=(--database-url "$(pg_fresh_db)")
fi
PORT=$(pick_port 7)
base="http://127.0.0.1:$PORT"
ESTATEDESK_PLAN_GROWTH=0,0,0 start_bg "$WORK/server.log" "$BIN" serve --addr "127.0.0.1:$PORT" "${args[@]}"
pid=$BG_PID
wait_status "$base/readyz" 200 60000 || { log "not ready"; tail -20 "$WORK/server.log" >&2; exit 1; }
# The demo's ticket history holds SQLite's writer for a while after start,
# and a sign-in writes: on a busy machine the first may time out.
token=
for _ in 1 2 3 4 5 6; do
	token=$(login "$base" || true)
	[[ -n $token ]] && break
	sleep 5
done
[[ -n $token ]] || { log "sign-in failed"; exit 1; }
auth=(-H "Authorization: Bearer $token")
# The demo writes its year of tickets and fees in the background after the
# server is ready; measuring during it would count its memory as the
# imports'. Wait until it is done.
for _ in $(seq 1 600); do
	grep -q 'demo fees loaded' "$WORK/server.log" && break
	sleep 1
done
grep -q 'demo fees loaded' "$WORK/server.log" || { log "the demo did not finish loading"; exit 1; }
sleep "$IDLE_S"
mapfile -t estates < <(curl -s --max-time 10 "${auth[@]}" "$base/api/v1/t/demo/estates" |
	grep -o '"id":"[0-9a-f-]\{36\}","name"' | cut -d'"' -f4)
((${#estates[@]} >= 2)) || { log "want two demo estates, got ${estates[*]:-none}"; exit 1; }

field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" | head -1; }
# upload FILE ESTATE: prints the import's ID, or nothing when the server
# refused the file (its answer goes to WORK/refused).
upload() {
	local body
	body=$(curl -s --max-time 120 "${auth[@]}" -F "file=@$1" "$base/api/v1/t/demo/estates/$2/imports" || true)
	local id
	id=$(field id <<<"$body")
	[[ -n $id ]] || printf '%s\n' "$body" >>"$WORK/refused"
	echo "$id"
}
# wait_done ID: polls until the import's job has finished; prints its status.
wait_done() {
	local i status
	for i in $(seq 1 600); do
		sleep 1
		# An empty answer is a poll that timed out while the server was busy.
		status=$(curl -s --max-time 30 "${auth[@]}" "$base/api/v1/t/demo/imports/$1" | field status || true)
		[[ -z $status || $status == validating || $status == applying ]] || { echo "$status"; return; }
	done
	echo timeout
}
# import FILE ESTATE: upload, dry run, apply; prints the statuses.
do_import() {
	local id s
	id=$(upload "$1" "$2")
	if [[ -z $id ]]; then
		echo "$(basename "$1"): refused"
		return
	fi
	s=$(wait_done "$id")
	if [[ $s == validated ]]; then
		# On SQLite the confirmation waits for the one writer, which another
		# import's apply may hold for half a minute: a generous bound, and a
		# refused or timed-out confirmation is reported, not fatal (set -e).
		local code
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 300 "${auth[@]}" -X POST \
			"$base/api/v1/t/demo/imports/$id/apply" || true)
		if [[ $code != 2?? ]]; then
			echo "$(basename "$1"): $s→apply refused ($code)"
			return
		fi
		s="$s→$(wait_done "$id")"
	fi
	echo "$(basename "$1"): $s"
}
rss() { awk "/^$1/ {printf \"%.1f\", \$2/1024}" "/proc/$pid/status"; }
phase() {
	local name=$1
	shift
	echo 5 >"/proc/$pid/clear_refs"
	local t0
	t0=$(now_us)
	"$@" >"$WORK/$name.out"
	local secs=$((($(now_us) - t0) / 1000000))
	local peak
	peak=$(rss VmHWM)
	sleep "$IDLE_S"
	printf '%-6s peak %6s MiB   %s s later %6s MiB   %3d s   %s\n' "$name" "$peak" "$IDLE_S" "$(rss VmRSS)" "$secs" \
		"$(sort "$WORK/$name.out" | uniq -c | sed 's/^ *//' | tr '\n' ';')"
}
# A bare `wait` would also wait for the server: wait for the imports' PIDs.
bombs() {
	local f i pids=()
	for f in bomb bomb_media bomb_sheet; do
		for i in $(seq 1 "$CONC"); do
			do_import "$files/$f.xlsx" "${estates[0]}" &
			pids+=($!)
		done
	done
	wait "${pids[@]}"
}
csv() { do_import "$files/units100k.csv" "${estates[0]}"; }
two() {
	do_import "$files/units100k.xlsx" "${estates[1]}" &
	local a=$!
	do_import "$files/units100k.csv" "${estates[0]}" &
	wait "$a" $!
}
# SAMPLE=FILE: every half second, the server's VmRSS beside Go's own
# memory (from /metrics), to tell the Go heap from SQLite's C heap.
if [[ -n ${SAMPLE:-} ]]; then
	(while kill -0 "$pid" 2>/dev/null; do
		printf '%s rss %s %s\n' "$(date +%T)" "$(rss VmRSS)" "$(curl -s --max-time 2 "$base/metrics" |
			awk '/^go_memstats_sys_bytes /{s=$2} /^go_memstats_heap_inuse_bytes /{h=$2} /^go_memstats_next_gc_bytes /{n=$2}
				END{printf "go_sys %.1f heap_inuse %.1f next_gc %.1f", s/1048576, h/1048576, n/1048576}')"
		sleep 0.5
	done >"$SAMPLE") &
fi
echo "## import memory, $DB, server VmHWM per phase (peak reset before each), MiB; target < 238 MiB (250 MB)"
printf 'idle   VmRSS %s MiB\n' "$(rss VmRSS)"
# PHASES picks some of the phases (default all three).
for p in ${PHASES:-bombs csv two}; do
	phase "$p" "$p"
done
