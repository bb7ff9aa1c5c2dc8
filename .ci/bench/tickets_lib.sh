# Helpers of the ticket benchmarks (tickets_*.sh; sourced after common.sh,
# not run). Same rules as common.sh: 127.0.0.1 only, bounded loops, and
# everything started is stopped by PID when the script exits.

# The ticket scripts use ports BENCH_PORT_BASE+6 … +8, so that they can run
# beside the foundation's scripts (+0 … +5).
TICKETS_PORT_INDEX=${TICKETS_PORT_INDEX:-6}

# cpu_ticks PID: user + system CPU time of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))

# wrk_p99_ms FILE: the 99% latency of a wrk --latency report, in ms.
wrk_p99_ms() {
	awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		f = (u == "us") ? 0.001 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1; printf "%.3f\n", v * f }' "$1"
}

# wrk_rps FILE: requests/s of a wrk report.
wrk_rps() { awk '/^Requests\/sec:/ {print $2}' "$1"; }

# wrk_check NAME FILE: fails when wrk saw answers other than 2xx/3xx or
# socket errors (the figures would not be of the page under test).
wrk_check() {
	if grep -q 'Non-2xx or 3xx responses' "$2"; then
		log "$1: answers other than 2xx/3xx, the figures are not valid"
		cat "$2" >&2
		return 1
	fi
	if grep -q 'Socket errors' "$2"; then
		log "$1: $(grep 'Socket errors' "$2")"
	fi
}

# start_server NAME PORT_INDEX MAX_S ARGS...: starts `estatedesk serve` on
# 127.0.0.1 with ARGS and waits for /readyz 200; sets SERVER_PID, SERVER_URL.
start_server() {
	local name=$1 port
	port=$(pick_port "$2")
	local max_s=$3
	shift 3
	start_bg "$WORK/$name.log" "$BIN" serve --addr "127.0.0.1:$port" "$@"
	SERVER_PID=$BG_PID
	SERVER_URL="http://127.0.0.1:$port"
	if ! wait_status "$SERVER_URL/readyz" 200 $((max_s * 1000)); then
		log "$name did not start within ${max_s}s"
		tail -20 "$WORK/$name.log" >&2
		return 1
	fi
}

# login_as URL EMAIL: signs a user in (password demo12345) and prints the token.
login_as() {
	curl -s --max-time 10 -X POST -H 'Content-Type: application/json' \
		-d "{\"email\":\"$2\",\"password\":\"$DEMO_PASSWORD\"}" "$1/api/v1/auth/login" |
		sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}

# db_name URL: the database name of a postgres:// URL.
db_name() { local u=${1%%\?*}; echo "${u##*/}"; }

# rss_mib PID / heap_mib URL: resident memory of a process, Go heap in use
# of a server (from /metrics), both in MiB.
rss_mib() { awk '/^VmRSS/ {printf "%.1f\n", $2/1024}' "/proc/$1/status"; }
heap_mib() {
	curl -s --max-time 5 "$1/metrics" | awk '$1 == "go_memstats_heap_inuse_bytes" {printf "%.1f\n", $2/1048576}'
}

# pct LIST_FILE P: the P-th percentile of numbers, one a line.
pct() {
	sort -g "$1" | awk -v p="$2" '{v[NR]=$1} END { if (NR == 0) { print "nan"; exit }
		i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print v[i] }'
}

# pg_backend_ticks DBNAME OUT: CPU ticks of each client backend connected to
# DBNAME ("pid ticks" lines). pg_cpu_us_between BEFORE AFTER: their CPU time
# in µs between two such snapshots (backends that came or went count from
# or up to what was seen).
pg_backend_ticks() {
	local pid
	for pid in $(psql -X -At -h 127.0.0.1 -U postgres -d postgres -c \
		"SELECT pid FROM pg_stat_activity WHERE datname = '$1' AND backend_type = 'client backend'"); do
		[[ -r /proc/$pid/stat ]] && echo "$pid $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null)"
	done >"$2" || true
}
pg_cpu_us_between() {
	awk -v tick="$TICK_US" 'NR == FNR {b[$1] = $2; next} {d += $2 - (($1 in b) ? b[$1] : 0)} END {print d * tick}' "$1" "$2"
}

# create_lua DBNAME TOKEN OUT [MIXED]: a wrk script that POSTs realistic creates to
# /api/v1/t/demo/tickets as TOKEN, each with its own Idempotency-Key (wrk
# argument after --: a prefix that makes the keys of this run unique). The
# bodies: 200 demo units with their owners, a type with a category of that
# type (mostly repairs), mostly normal priority, a channel, a description.
# Leaves the units in $WORK/units.txt ("estate unit person") and the
# categories in $WORK/cats.txt ("parent-name id"). With MIXED=1 every
# other request reads a queue instead, in turn the API's and the HTML page's
# (GET …/tickets?status=S&estate=E, the token as bearer and as the session
# cookie).
create_lua() {
	# The bodies: demo units with their owners, categories by type.
	psql -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d "$1" -At -F ' ' -c "SELECT u.estate_id, u.id, l.person_id FROM units u
		JOIN unit_persons l ON l.tenant_id = u.tenant_id AND l.unit_id = u.id AND l.primary_contact
		JOIN tenants t ON t.id = u.tenant_id AND t.slug = 'demo' ORDER BY md5(u.id::text) LIMIT 200" >"$WORK/units.txt"
	psql -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d "$1" -At -F ' ' -c "SELECT p.name, c.id FROM ticket_categories c JOIN ticket_categories p
		ON p.tenant_id = c.tenant_id AND p.id = c.parent_id JOIN tenants t ON t.id = c.tenant_id AND t.slug = 'demo'" >"$WORK/cats.txt"
	[[ -s $WORK/units.txt && -s $WORK/cats.txt ]] || { log "no demo units or categories"; exit 1; }
	lua_list() { awk -v q='"' 'BEGIN {printf "{"} {printf "%s%s%s%s,", q, $0, q, ""} END {print "}"}'; }
	{
		echo "local units = {"
		awk '{printf "{%c%s%c,%c%s%c,%c%s%c},\n", 34, $1, 34, 34, $2, 34, 34, $3, 34}' "$WORK/units.txt"
		echo "}"
		for parent in 维修 服务 邻里 收费 绿化 保洁 安全; do
			echo "local cat_$(echo -n "$parent" | md5sum | cut -c1-6) = $(awk -v p="$parent" '$1 == p {print $2}' "$WORK/cats.txt" | lua_list)"
		done
		h() { echo -n "$1" | md5sum | cut -c1-6; }
		cat <<LUA
-- type, its categories, weight (out of 20)
local kinds = {
	{"repair", cat_$(h 维修)}, {"repair", cat_$(h 维修)}, {"repair", cat_$(h 维修)}, {"repair", cat_$(h 维修)},
	{"repair", cat_$(h 维修)}, {"repair", cat_$(h 维修)}, {"repair", cat_$(h 维修)}, {"repair", cat_$(h 维修)},
	{"repair", cat_$(h 保洁)}, {"repair", cat_$(h 安全)}, {"repair", cat_$(h 绿化)}, {"repair", cat_$(h 维修)},
	{"complaint", cat_$(h 邻里)}, {"complaint", cat_$(h 服务)}, {"complaint", cat_$(h 邻里)},
	{"inquiry", cat_$(h 收费)}, {"inquiry", cat_$(h 收费)}, {"inquiry", cat_$(h 收费)},
	{"suggestion", cat_$(h 绿化)}, {"praise", cat_$(h 服务)},
}
local priorities = {"normal", "normal", "normal", "normal", "normal", "normal", "normal", "normal", "urgent", "emergency"}
local channels = {"phone", "phone", "phone", "api", "web", "walk_in", "staff"}
local descriptions = {
	"卫生间水管漏水，楼下天花板有水渍，请尽快派人查看",
	"厨房水龙头关不紧，一直滴水",
	"单元门禁刷卡没反应，老人进出不方便",
	"楼道灯坏了好几天了，晚上很黑",
	"电梯运行时有异响，担心安全",
	"楼上装修噪音太大，中午也不停",
	"咨询本季度物业费的缴费方式和截止日期",
	"小区绿化带杂草太多，建议修剪",
	"保安师傅帮忙搬运重物，态度很好，特此表扬",
	"地下车库有车辆长期占用消防通道",
}
local path = "/api/v1/t/demo/tickets"
local token = "$2"
local auth = "Bearer " .. token
local mixed = ${4:-0}
local statuses = {"received", "dispatched", "in_progress", "on_hold", "completed", "closed"}
local tcount = 0
function setup(thread)
	tcount = tcount + 1
	thread:set("tid", tcount)
end
function init(args)
	prefix = (args[1] or "run") .. "-" .. tid .. "-"
	n = 0
end
function request()
	n = n + 1
	if mixed == 1 and n % 2 == 0 then
		local q = "?status=" .. statuses[(n / 2) % #statuses + 1] .. "&estate=" .. units[n % #units + 1][1]
		if n % 4 == 0 then
			return wrk.format("GET", "/api/v1/t/demo/tickets" .. q, {["Authorization"] = auth})
		end
		return wrk.format("GET", "/t/demo/tickets" .. q, {["Cookie"] = "ed_session=" .. token})
	end
	local u = units[(n * 7 + tid * 13) % #units + 1]
	local k = kinds[(n * 3 + tid) % #kinds + 1]
	local cats = k[2]
	local body = string.format(
		'{"estate_id":"%s","unit_id":"%s","person_id":"%s","channel":"%s","type":"%s","category_id":"%s","priority":"%s","description":"%s（%s）"}',
		u[1], u[2], u[3], channels[n % #channels + 1], k[1], cats[n % #cats + 1], priorities[(n * 11 + tid) % #priorities + 1],
		descriptions[(n * 5 + tid) % #descriptions + 1], prefix .. n)
	return wrk.format("POST", path, {["Authorization"] = auth, ["Content-Type"] = "application/json",
		["Idempotency-Key"] = prefix .. n}, body)
end
LUA
	} >"$3"
}

# wait_demo_history DBNAME: the demo's first start writes its year of tickets,
# dispatch rules and open tickets' timers in the background after /readyz;
# waits (up to 5 minutes) until the rules are there and the job count and
# the tickets' deadline generations (which setting the timers moves) have
# stopped changing, so that no measurement shares the machine with it.
wait_demo_history() {
	local q="SELECT (SELECT count(*) FROM dispatch_rules) || ' ' || (SELECT count(*) FROM river_job) || ' ' || (SELECT coalesce(sum(sla_gen), 0) FROM tickets)" prev="" now i
	for i in $(seq 1 600); do
		now=$(psql -X -At -h 127.0.0.1 -U postgres -d "$1" -c "$q" 2>/dev/null || true)
		if [[ ${now%% *} -gt 0 && $now == "$prev" ]]; then
			return 0
		fi
		prev=$now
		sleep 0.5
	done
	log "the demo's history did not settle within 5 minutes"
	return 1
}
