#!/usr/bin/env bash
# Federation sync benchmark: alpha holds N objects that its agreement lets
# bravo receive; bravo pulls them all over pinned HTTPS (real server on
# loopback), with every provenance signature checked at ingest.
# Prints objects/s of the pull and, from the same run, two baselines:
#   import  the same bundle imported locally into a fresh node (ingest
#           cost without the network);
#   fetch   paging through alpha's view for bravo with curl, discarding
#           the pages (serving cost without ingest; the count is the
#           size of the view).
# It also prints the CPU time per object of bravo's pull and of alpha's
# server during it (less noisy than wall time on a shared machine).
# usage: bench/bench_sync.sh BUILD_DIR [N] [WORKDIR]
set -euo pipefail
accord=$(realpath "${1:-build}/accord")
n=${2:-100000}
work=$(mktemp -d "${3:-/tmp}/accord-bench-sync.XXXXXX")
trap 'kill -TERM $apid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
apid=
A=$work/alpha B=$work/bravo C=$work/local
MT="application/taxii+json;version=2.1"

now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

for d in "$A" "$B" "$C"; do "$accord" init "$d" --org "$(basename "$d")" >/dev/null; done
# one area and TLP:GREEN for every object, so that all of them are shared
"$accord" gen --seed 5 --count "$n" --format jsonl |
	jq -c 'if (.type | test("^(marking-definition|extension-definition)$")) then . else
		.object_marking_refs = ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]
		| del(.granular_markings) | .extensions = ((.extensions // {}) |
		with_entries(select(.key != "extension-definition--05ea4847-bb88-4c1a-af65-7e077cbbdd26"))
		+ {"extension-definition--05ea4847-bb88-4c1a-af65-7e077cbbdd26":
		   {"extension_type": "property-extension", "areas": ["drug-trafficking"]}}) end' \
		>"$work/bundle.jsonl"
"$accord" --node "$A" import "$work/bundle.jsonl" >/dev/null

t0=$(now)
"$accord" --node "$C" import "$work/bundle.jsonl" >/dev/null
t1=$(now)
import_s=$(elapsed "$t0" "$t1")

"$accord" --node "$A" serve --listen 127.0.0.1:0 2>"$work/alpha.log" &
apid=$!
url=
for _ in $(seq 1 200); do
	url=$(sed -n 's/^accord: serving TAXII 2.1 at \(.*\)$/\1/p' "$work/alpha.log")
	[ -n "$url" ] && break
	sleep 0.1
done
[ -n "$url" ] || { cat "$work/alpha.log" >&2; exit 1; }
"$accord" --node "$A" node card --url "${url}api1/" >"$work/alpha.card"
"$accord" --node "$B" partner add alpha --card "$work/alpha.card" 2>/dev/null
"$accord" --node "$A" partner add bravo --identity \
	"$(sed -n 's/^identity *= *//p' "$B/accord.conf")" 2>/dev/null
"$accord" --node "$A" agreement set bravo --areas drug-trafficking --max-tlp amber \
	--from 2020-01-01 --until 2099-12-31 2>/dev/null
"$accord" --node "$B" agreement set alpha --areas drug-trafficking --max-tlp amber \
	--from 2020-01-01 --until 2099-12-31 2>/dev/null
tok=$(umask 077 && "$accord" --node "$A" token create --partner bravo 2>/dev/null)
(umask 077 && echo "$tok" >"$work/tok")
"$accord" --node "$B" partner credentials alpha --token-file "$work/tok" 2>/dev/null
shared=$("$accord" --node "$A" stats --json --as-partner bravo | jq .objects)

# fetch only: every page of every readable collection, discarded
cols=$(curl -sk -H "Authorization: Bearer $tok" -H "Accept: $MT" -H "X-Accord-Purpose: benchmark" "${url}api1/collections/" |
	jq -r '.collections[] | select(.can_read) | .id')
t0=$(now)
for c in $cols; do
	after=
	for _ in $(seq 1 $((n / 1000 + 10))); do
		curl -sk -D "$work/h" -o "$work/page" -H "Authorization: Bearer $tok" \
			-H "Accept: $MT" -H "X-Accord-Purpose: benchmark" "${url}api1/collections/$c/objects/?limit=1000${after:+&added_after=$after}"
		grep -q '"more": *true' "$work/page" || break
		after=$(sed -n 's/^[Xx]-[Tt][Aa][Xx][Ii][Ii]-[Dd]ate-[Aa]dded-[Ll]ast: *\([^\r]*\).*/\1/p' "$work/h")
	done
done
t1=$(now)
fetch_s=$(elapsed "$t0" "$t1")
fetched=$shared

t0=$(now)
# CPU seconds (user + system) of bravo's pull and of alpha's server during
# it: they vary less than wall time on a shared machine
alpha_cpu() { awk '{ print $14 + $15 }' "/proc/$apid/stat"; }
a0=$(alpha_cpu)
TIMEFORMAT='%U %S'
{ time "$accord" --node "$B" sync pull alpha >"$work/pull.out" 2>&1; } 2>"$work/pull.cpu"
a1=$(alpha_cpu)
t1=$(now)
sync_s=$(elapsed "$t0" "$t1")
got=$(sed -n 's/.* \([0-9]*\) accepted.*/\1/p' "$work/pull.out")
server_rss=$(awk '/^VmHWM/ {print $2 / 1024}' "/proc/$apid/status")
cat "$work/pull.out"

echo "objects in alpha's view for bravo: $shared"
echo "import (local ingest baseline): $n objects in ${import_s} s = $(rate "$n" "$import_s") objects/s"
echo "fetch only (serve, no ingest):  $fetched objects in ${fetch_s} s = $(rate "$fetched" "$fetch_s") objects/s"
echo "sync pull (fetch + verify + ingest): $got objects in ${sync_s} s = $(rate "$got" "$sync_s") objects/s"
awk -v g="$got" -v a="$((a1 - a0))" -v hz="$(getconf CLK_TCK)" '{
	printf "sync pull CPU per object: bravo %.1f us, alpha %.1f us\n",
		($1 + $2) * 1e6 / g, a / hz * 1e6 / g }' "$work/pull.cpu"
echo "alpha's server, peak RSS over the run: ${server_rss} MiB"
awk -v s="$sync_s" -v i="$import_s" -v f="$fetch_s" -v g="$got" -v n="$n" -v k="$fetched" 'BEGIN {
	printf "ratio sync/import: %.2f   ratio sync/fetch: %.2f\n", (g / s) / (n / i), (g / s) / (k / f) }'
