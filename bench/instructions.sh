#!/usr/bin/env bash
# Instructions per request of a server, counted by valgrind's callgrind: unlike
# req/s or CPU time this does not move with whatever else the 2-core machine is
# doing (same count within ~2% run to run), so it can tell a 3% change apart.
# It counts user-space instructions only (not the kernel's socket work), on the
# main thread (JavaScript, the event loop, scavenges) and on all threads (plus
# GC and JIT helpers). Run it on the seeded bench database (tsx bench/seed.ts).
#
#   bash bench/instructions.sh <workload: UserById, SearchBox, ... (bench/README.md)> [warm-up requests] [measured requests]
#   SERVER=baseline bash bench/instructions.sh UserById     # the hand-written baseline instead
set -euo pipefail
cd "$(dirname "$0")/.."
workload=${1:?workload: UserById, Dashboard, PlaceOrder, SearchBox, OrderList, ClientDocument, DeepPage or Mixed}
warm=${2:-3000}
measured=${3:-2000}
port=${PORT:-4590}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export DATABASE_URL=${BENCH_DATABASE_URL:-mysql://root@127.0.0.1:3306/shop_bench} PORT=$port LOG_LEVEL=warn MIGRATE_ON_START=false NODE_ENV=production
if [ "${SERVER:-gateway}" = baseline ]; then entry=bench/baseline.ts; probe=stats; else entry=src/main.ts; probe=ready; fi
# Instrumentation off while starting and warming up (the JIT settles), on for the measured requests.
valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes --callgrind-out-file="$out/cg.%p" \
  node --import tsx "$entry" > "$out/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/$probe" > /dev/null && break; sleep 0.5; done
npx tsx bench/sequential-load.ts "$port" "$workload" "$warm"
callgrind_control -i on "$pid" > /dev/null 2>&1
npx tsx bench/sequential-load.ts "$port" "$workload" "$measured"
callgrind_control -i off "$pid" > /dev/null 2>&1
callgrind_control -d "$pid" > /dev/null 2>&1
kill -TERM "$pid"; wait "$pid" 2> /dev/null || true
main=$(grep -h '^totals:' "$out"/cg.*.1-01 | awk '{s += $2} END {print s}')
all=$(grep -h '^totals:' "$out"/cg.*.1-* | awk '{s += $2} END {print s}')
echo "${SERVER:-gateway} $workload: $((main / measured)) instructions/request on the main thread, $((all / measured)) on all threads"
