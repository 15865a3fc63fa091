#!/bin/sh
# Benchmark: vow serve under wrk on loopback (keep-alive), server and wrk on
# the same machine: requests/s and p99 of POST /v1/decide, GET and PUT of a
# 1 KiB record, each also as a ratio to GET /healthz in the same run, and
# each of the three with the audit log on / off (a change's entry is written
# in the change's transaction; reads and decisions through the writer thread).
# Needs wrk (Debian package wrk). DURATION (default 10s), CONNECTIONS (50).
set -eu
BUILD="${BUILD:-build}"
VOW="$PWD/$BUILD/vow"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-50}"
command -v wrk >/dev/null || { echo "bench/http.sh: wrk is not installed (apt-get install wrk)"; exit 1; }
dir="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
"$VOW" init "$dir/data" >/dev/null
KEY=$("$VOW" key create --data "$dir/data" --role admin)
"$VOW" serve --data "$dir/data" --listen 127.0.0.1:0 --port-file "$dir/port" --rate 0 --threads 2 2>"$dir/log" &
pid=$!
for i in $(seq 50); do [ -s "$dir/port" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(cat "$dir/port")"
ID=$(curl -s -H "Authorization: Bearer $KEY" -d '{"email":"bench@example.com","region":"NL"}' "$URL/v1/subjects" | sed 's/.*"id":"\([0-9a-f]*\)".*/\1/')
VALUE=$(printf '{"v":"%s"}' "$(head -c 1015 /dev/zero | tr '\0' 'a')")
curl -s -X PUT -H "Authorization: Bearer $KEY" -H "Vow-Purpose: essential.service" -d "$VALUE" "$URL/v1/subjects/$ID/data/user.name" >/dev/null
cat > "$dir/decide.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $KEY"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"subject":"$ID","category":"user.name","purpose":"essential.service"}'
LUA
cat > "$dir/get.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $KEY"
wrk.headers["Vow-Purpose"] = "essential.service"
LUA
cat > "$dir/put.lua" <<LUA
wrk.method = "PUT"
wrk.headers["Authorization"] = "Bearer $KEY"
wrk.headers["Vow-Purpose"] = "essential.service"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$VALUE'
LUA
run() { # NAME PATH [SCRIPT]
	if [ -n "${3:-}" ]; then s="-s $3"; else s=""; fi
	# shellcheck disable=SC2086
	wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency $s "$URL$2" > "$dir/$1.out"
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p' "$dir/$1.out")
	p99=$(sed -n 's/^ *99% *\([0-9.]*[a-z]*\)/\1/p' "$dir/$1.out")
	non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\)/\1/p' "$dir/$1.out")
	echo "$1 $rps $p99 ${non2xx:-0}"
}
run healthz /healthz > "$dir/results"
run decide /v1/decide "$dir/decide.lua" >> "$dir/results"
run get "/v1/subjects/$ID/data/user.name" "$dir/get.lua" >> "$dir/results"
run put "/v1/subjects/$ID/data/user.name" "$dir/put.lua" >> "$dir/results"
# the same server without the audit log, for decide
kill "$pid"; wait "$pid" 2>/dev/null || true
rm -f "$dir/port"
"$VOW" serve --data "$dir/data" --listen 127.0.0.1:0 --port-file "$dir/port" --rate 0 --threads 2 --audit off 2>>"$dir/log" &
pid=$!
for i in $(seq 50); do [ -s "$dir/port" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(cat "$dir/port")"
run decide-noaudit /v1/decide "$dir/decide.lua" >> "$dir/results"
run get-noaudit "/v1/subjects/$ID/data/user.name" "$dir/get.lua" >> "$dir/results"
run put-noaudit "/v1/subjects/$ID/data/user.name" "$dir/put.lua" >> "$dir/results"
base=$(awk '$1 == "healthz" { print $2 }' "$dir/results")
echo "wrk -t2 -c$CONNECTIONS -d$DURATION on loopback, server with 2 threads, same 2-core machine"
awk -v base="$base" '{ printf "  %-15s %9.0f req/s  p99 %-9s ratio to healthz %.2f  (non-2xx: %s)\n", $1, $2, $3, $2 / base, $4 }' "$dir/results"
for what in decide get put; do
	on=$(awk -v w="$what" '$1 == w { print $2 }' "$dir/results")
	off=$(awk -v w="$what-noaudit" '$1 == w { print $2 }' "$dir/results")
	awk -v w="$what" -v on="$on" -v off="$off" \
		'BEGIN { printf "  %s with the audit log / without: %.2f\n", w, on / off }'
done
