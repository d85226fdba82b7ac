#!/usr/bin/env bash
# make demo: two partner nodes, "alpha" and "bravo", under ./demo on
# loopback. Each gets its own synthetic sample data; they exchange cards,
# agree to share drug trafficking and border security up to TLP:AMBER,
# create tokens for each other and sync. Then both serve TAXII 2.1 in the
# foreground (Ctrl-C stops both).
set -euo pipefail
accord=${1:-build/accord}
dir=${2:-demo}
count=${3:-5000}
aport=${DEMO_PORT:-8443}
bport=$((aport + 1))
areas=drug-trafficking,border-security
until=$(date -u -d '+1 year' +%Y-%m-%d)
from=$(date -u +%Y-%m-%d)

rm -rf "$dir"
mkdir -p "$dir"
pids=()
stop() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap stop EXIT INT TERM

# node NAME PORT ORG SEED: a node with its own sample data
node() {
	local n=$1 port=$2 org=$3 seed=$4 d="$dir/$1" identity
	"$accord" init "$d" --org "$org" >/dev/null
	sed -i "s/^port *=.*/port = $port/" "$d/accord.conf"
	identity=$(sed -n 's/^identity *= *//p' "$d/accord.conf")
	mkdir -p "$d/samples"
	"$accord" gen --seed "$seed" --count "$count" --created-by "$identity" \
		>"$d/samples/sample-bundle.json"
	echo "== $n ($org): importing $count synthetic objects (seed $seed)"
	"$accord" --node "$d" import "$d/samples/sample-bundle.json"
	"$accord" --node "$d" node card --url "https://127.0.0.1:$port/taxii2/api1/" \
		>"$dir/$n.card"
}

# serve NAME PORT: starts the node's server in the background
serve() {
	local d="$dir/$1"
	"$accord" --node "$d" serve --listen "127.0.0.1:$2" 2>"$d/serve.log" &
	pids+=($!)
	for _ in $(seq 1 100); do
		grep -q 'serving TAXII' "$d/serve.log" && return 0
		sleep 0.1
	done
	cat "$d/serve.log" >&2
	return 1
}

# register SELF PARTNER: SELF adds PARTNER's card and their agreement
register() {
	"$accord" --node "$dir/$1" partner add "$2" --card "$dir/$2.card" 2>/dev/null
	"$accord" --node "$dir/$1" agreement set "$2" --areas "$areas" \
		--max-tlp amber --from "$from" --until "$until" 2>/dev/null
}

# link SELF PARTNER: SELF keeps the token PARTNER issued for it
link() {
	local self="$dir/$1" peer="$dir/$2" tok="$dir/$1/keys/$2.tok"
	(umask 077 && "$accord" --node "$peer" token create --partner "$1" \
		--expires 30d --purpose "demo partner sync" 2>/dev/null >"$tok")
	"$accord" --node "$self" partner credentials "$2" --token-file "$tok"
	rm -f "$tok"
}

node alpha "$aport" "Alpha Border Police" 42
node bravo "$bport" "Bravo Drug Police" 7
register alpha bravo
register bravo alpha
serve alpha "$aport"
serve bravo "$bport"
# the tokens last: each server's sync loop starts on a partner once it has
# a card and credentials, so neither tries the other before both are up
link alpha bravo
link bravo alpha

echo
echo "== what each node may give the other (its agreement: $areas, up to TLP:AMBER)"
for pair in "alpha bravo" "bravo alpha"; do
	set -- $pair
	held=$("$accord" --node "$dir/$1" stats --json | jq '.objects')
	shared=$("$accord" --node "$dir/$1" stats --json --as-partner "$2" | jq '.objects')
	echo "$1 holds $held objects; $2 may receive $shared; $((held - shared)) stay at $1 (other areas, TLP:RED or above AMBER)"
done

echo
echo "== sync: each node pulls what the other shares with it (the servers' sync loops do the same on their own)"
"$accord" --node "$dir/bravo" sync pull alpha >/dev/null 2>&1 || true
"$accord" --node "$dir/alpha" sync pull bravo >/dev/null 2>&1 || true
for pair in "alpha bravo" "bravo alpha"; do
	set -- $pair
	got=$(sqlite3 "$dir/$2/store.db" \
		"SELECT count(DISTINCT id) FROM objects WHERE source = 'partner:$1'")
	echo "$2 now holds $got objects from $1, each with $1's verified signature"
done
echo
"$accord" --node "$dir/bravo" sync status alpha

for n in alpha bravo; do
	head -c 32 /dev/urandom | base64 | tr -d '\n' |
		"$accord" --node "$dir/$n" user add demo-analyst --role analyst --password-stdin
done
atok=$("$accord" --node "$dir/alpha" token create demo-analyst --expires 30d \
	--purpose "demo read token" 2>/dev/null)
btok=$("$accord" --node "$dir/bravo" token create demo-analyst --expires 30d \
	--purpose "demo read token" 2>/dev/null)
echo
echo "== correlations the exchange raised on bravo: $("$accord" --node "$dir/bravo" alerts --json | jq length) alerts; the first:"
"$accord" --node "$dir/bravo" alerts | head -3 || true
echo
echo "alpha: https://127.0.0.1:$aport/taxii2/  token for demo-analyst: $atok"
echo "bravo: https://127.0.0.1:$bport/taxii2/  token for demo-analyst: $btok"
echo "list alpha's collections:"
echo "  curl --cacert $dir/alpha/keys/tls.crt -H \"Authorization: Bearer $atok\" -H \"Accept: application/taxii+json;version=2.1\" https://127.0.0.1:$aport/taxii2/api1/collections/"
echo "other commands:"
echo "  $accord --node $dir/bravo search \"heroin\""
echo "  $accord --node $dir/bravo sync pull alpha     # fetch what is new now"
echo "  $accord --node $dir/alpha erase ID --reason \"...\" # erase here and at bravo if it got it"
echo "  $accord --node $dir/alpha stats --as-partner bravo"
echo
echo "while they run, each node pulls from the other every 60 s and pushes what is new"
echo "every 10 s ('accord partner set' changes that; 'accord sync status' shows it)"
echo "both nodes serve in the foreground; Ctrl-C stops them"
wait
