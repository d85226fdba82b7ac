#!/usr/bin/env bash
# End to end: init, import (good, bad, strict, json, truncated, a live feed
# on stdin), get, export,
# search, stats, node discovery, refusal to touch an existing node.
. "$(dirname "$0")/lib.sh"
N="$TMP/node"

expect_exit 0 "help" -- "$ACCORD" --help
expect_exit 2 "unknown command" -- "$ACCORD" frobnicate
for c in init import export get search stats gen; do
	expect_exit 0 "$c --help" -- "$ACCORD" "$c" --help
	expect_grep "$TMP/out" "usage: accord $c" "$c --help text"
done

# init
expect_exit 2 "init without --org" -- "$ACCORD" init "$N"
expect_exit 0 "init" -- "$ACCORD" init "$N" --org "Test Agency"
[ "$(stat -c %a "$N/keys/node.key")" = 600 ] && ok || bad "secret key mode not 0600"
expect_grep "$N/accord.conf" '^identity = identity--' "config names identity"
expect_exit 1 "init refuses existing node" -- "$ACCORD" init "$N" --org "Other"
expect_grep "$TMP/err" "refusing to touch" "init refusal message"
ls "$TMP" | grep -q init- && bad "init left a temporary directory" || ok

# node discovery
expect_exit 1 "no node in cwd" -- env -u ACCORD_NODE bash -c "cd '$TMP' && '$ACCORD' stats"
expect_grep "$TMP/err" "no accord node at" "clear no-node message"
expect_exit 0 "ACCORD_NODE" -- env ACCORD_NODE="$N" "$ACCORD" stats
expect_grep "$TMP/out" "identity" "stats lists the node identity"
expect_exit 0 "cwd node" -- env -u ACCORD_NODE bash -c "cd '$N' && '$ACCORD' stats"
expect_exit 0 "--node after command" -- "$ACCORD" stats --node "$N"

# import good data
"$ACCORD" gen --seed 7 --count 300 >"$TMP/gen.json"
expect_exit 0 "import generated bundle" -- "$ACCORD" --node "$N" import "$TMP/gen.json"
expect_grep "$TMP/out" "^accepted: +300$" "all 300 accepted"
expect_exit 0 "re-import is duplicate" -- "$ACCORD" --node "$N" import "$TMP/gen.json" --json
expect_grep "$TMP/out" '"duplicates": ?300' "300 duplicates"
expect_grep "$TMP/out" '"accepted": ?0' "nothing new"

# JSON Lines from stdin
"$ACCORD" gen --seed 8 --count 50 --format jsonl >"$TMP/gen.jsonl"
expect_exit 0 "import jsonl from stdin" -- bash -c "'$ACCORD' --node '$N' import - <'$TMP/gen.jsonl'"
expect_grep "$TMP/out" "^accepted: +50$" "50 jsonl accepted"

# bad objects: kept good ones, reasons given
cat >"$TMP/mixed.jsonl" <<'JSON'
{"type":"identity","spec_version":"2.1","id":"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","name":"Good Org","identity_class":"organization"}
{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd40","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '1.2.3.4']","pattern_type":"stix","valid_from":"2026-02-01T00:00:00Z","valid_until":"2026-01-01T00:00:00Z"}
{"type":"identity","id":"identity--broken"
{"type":"identity","spec_version":"2.1","id":"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd41","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","name":"Dup key","name":"x","identity_class":"organization"}
JSON
expect_exit 3 "mixed import exits 3" -- "$ACCORD" --node "$N" import "$TMP/mixed.jsonl"
expect_grep "$TMP/out" "^accepted: +1$" "good object kept"
expect_grep "$TMP/out" "^rejected: +3$" "three rejected"
expect_grep "$TMP/err" "valid_until: must be later than valid_from" "validator reason"
expect_grep "$TMP/err" "line 3" "position of the malformed line"
expect_grep "$TMP/err" "duplicate" "duplicate key reason"

# strict: nothing kept
sed 's/8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f/8e2e2d2b-17d4-4cbf-938f-98ee46b3cd50/' "$TMP/mixed.jsonl" >"$TMP/strict.jsonl"
expect_exit 1 "strict import fails" -- "$ACCORD" --node "$N" import --strict "$TMP/strict.jsonl"
expect_exit 4 "strict import kept nothing" -- "$ACCORD" --node "$N" get identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd50

# conflict: same id+modified, other content
sed 's/Good Org/Changed Org/' "$TMP/mixed.jsonl" | head -1 >"$TMP/conflict.jsonl"
expect_exit 3 "conflict rejected" -- "$ACCORD" --node "$N" import "$TMP/conflict.jsonl"
expect_grep "$TMP/err" "conflict|different content|other content" "conflict reason"

# new version and revocation
sed 's/"modified":"2026-01-01T00:00:00Z","name":"Good Org"/"modified":"2026-03-01T00:00:00Z","name":"Good Org Renamed"/' "$TMP/mixed.jsonl" | head -1 >"$TMP/v2.jsonl"
expect_exit 0 "second version" -- "$ACCORD" --node "$N" import "$TMP/v2.jsonl"
expect_exit 0 "get newest" -- "$ACCORD" --node "$N" get identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f
expect_grep "$TMP/out" "Good Org Renamed" "newest version returned"
expect_exit 0 "get all versions" -- "$ACCORD" --node "$N" get identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f --all-versions
[ "$(jq length "$TMP/out")" = 2 ] && ok || bad "two versions expected"
expect_exit 4 "get missing" -- "$ACCORD" --node "$N" get identity--00000000-0000-4000-8000-000000000000
expect_exit 2 "get bad id" -- "$ACCORD" --node "$N" get nonsense

# truncated bundle: error with position, earlier objects kept
"$ACCORD" gen --seed 9 --count 100 | head -c 30000 >"$TMP/trunc.json"
expect_exit 1 "truncated bundle" -- "$ACCORD" --node "$N" import "$TMP/trunc.json"
expect_grep "$TMP/err" "truncat|unterminated|end of input" "truncation reported"
cp "$TMP/err" "$TMP/trunc_file.err"

# invalid UTF-8
printf '{"type":"identity","spec_version":"2.1","id":"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd60","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","name":"bad \xff\xfe","identity_class":"organization"}\n' >"$TMP/utf8.jsonl"
expect_exit 3 "invalid utf-8 rejected" -- "$ACCORD" --node "$N" import "$TMP/utf8.jsonl"

# deep nesting and a huge string: rejected with the limit named, others kept
{
	printf '{"type":"identity","spec_version":"2.1","id":"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd70","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","name":"deep","identity_class":"organization","x_deep":'
	printf '[%.0s' $(seq 1 200); printf ']%.0s' $(seq 1 200); printf '}\n'
	printf '{"type":"identity","spec_version":"2.1","id":"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd71","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","identity_class":"organization","name":"'
	head -c 2000000 /dev/zero | tr '\0' 'a'; printf '"}\n'
	printf '{"type":"identity","spec_version":"2.1","id":"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd72","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","name":"fine","identity_class":"organization"}\n'
} >"$TMP/hostile.jsonl"
expect_exit 3 "deep nesting and huge string rejected" -- "$ACCORD" --node "$N" import "$TMP/hostile.jsonl" --json
jq -e '.accepted == 1 and .rejected == 2' "$TMP/out" >/dev/null && ok || bad "hostile counts: $(head -c 300 "$TMP/out")"
expect_grep "$TMP/out" "depth|nest" "depth limit named"
expect_grep "$TMP/out" "string" "string limit named"

# the same inputs through a pipe that pauses part-way (read as data arrives,
# not in whole chunks): the same verdicts and the same error position
paused() { head -c 20000 "$1"; sleep 0.3; tail -c +20001 "$1"; }
expect_exit 3 "hostile input through a paused pipe" -- bash -c "$(declare -f paused); paused '$TMP/hostile.jsonl' | '$ACCORD' --node '$N' import - --json"
jq -e '.accepted + .duplicates == 1 and .rejected == 2' "$TMP/out" >/dev/null && ok || bad "hostile counts through a pipe: $(head -c 300 "$TMP/out")"
expect_exit 1 "truncated bundle through a paused pipe" -- bash -c "$(declare -f paused); paused '$TMP/trunc.json' | '$ACCORD' --node '$N' import -"
diff <(grep -iE "truncat|unterminated|end of input" "$TMP/trunc_file.err") <(grep -iE "truncat|unterminated|end of input" "$TMP/err") >/dev/null &&
	ok || bad "truncation through a pipe reported differently: $(head -c 300 "$TMP/err")"

# export
expect_exit 0 "export" -- "$ACCORD" --node "$N" export --type threat-actor
jq -e '.type == "bundle" and (.objects | length) > 0 and all(.objects[]; .type == "threat-actor")' "$TMP/out" >/dev/null && ok || bad "export bundle shape"
expect_exit 0 "export all" -- "$ACCORD" --node "$N" export --all-versions
"$ACCORD" --node "$N" export >"$TMP/all.json" 2>/dev/null
N2="$TMP/node2"
"$ACCORD" init "$N2" --org "Second" >/dev/null
# the export carries this node's signatures: another node keeps them only
# once it knows this node's key
expect_exit 3 "export signed by an unknown node rejected elsewhere" -- "$ACCORD" --node "$N2" import "$TMP/all.json" --json
jq -e '.accepted == 0 and .rejected > 0 and .bad_signatures == .rejected' "$TMP/out" >/dev/null && ok || bad "unknown signer counts: $(head -c 300 "$TMP/out")"
expect_grep "$TMP/out" "provenance: signed by unknown node" "unknown signer named"
"$ACCORD" --node "$N" node card >"$TMP/n1.card" 2>/dev/null
"$ACCORD" --node "$N2" partner add first --card "$TMP/n1.card" >/dev/null 2>&1
expect_exit 0 "export re-imports elsewhere" -- "$ACCORD" --node "$N2" import "$TMP/all.json"
[ "$(sqlite3 "$N2/store.db" "SELECT count(*) FROM objects WHERE json LIKE '%\"signer\":\"$(jq -r .id "$N2/identity.json")\"%'")" = 1 ] && ok || bad "a foreign object was re-signed on import"
expect_exit 2 "export bad timestamp" -- "$ACCORD" --node "$N" export --added-after yesterday
expect_exit 0 "export added-after future" -- "$ACCORD" --node "$N" export --added-after 2100-01-01T00:00:00Z
jq -e '(.objects | length) == 0' "$TMP/out" >/dev/null && ok || bad "future export not empty"

# search
expect_exit 0 "search" -- "$ACCORD" --node "$N" search "Good Org Renamed"
expect_grep "$TMP/out" "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f" "search finds object"
expect_exit 0 "search hostile syntax" -- "$ACCORD" --node "$N" search '" OR * NEAR( -'
expect_exit 2 "search bad limit" -- "$ACCORD" --node "$N" search x --limit 0

# a live feed on stdin that pauses: what came before the pause is committed
# during it (batch_max_ms), then the rest follows in the same import
N3="$TMP/live"
"$ACCORD" init "$N3" --org "Live" >/dev/null
sed -i 's/^batch_max_ms = .*/batch_max_ms = 200/' "$N3/accord.conf"
"$ACCORD" gen --seed 21 --count 300 --format jsonl >"$TMP/live.jsonl"
base=$(sqlite3 "$N3/store.db" "select count(*) from objects")
feed() {
	head -n 100 "$TMP/live.jsonl"
	for _ in $(seq 1 200); do # at most 20 s
		[ "$(sqlite3 "file:$N3/store.db?mode=ro" "select count(*) from objects" 2>/dev/null || echo 0)" -ge $((base + 100)) ] &&
			{ touch "$TMP/live.seen"; break; }
		sleep 0.1
	done
	tail -n +101 "$TMP/live.jsonl"
}
feed | "$ACCORD" --node "$N3" import - --json >"$TMP/live.out" 2>&1
[ -e "$TMP/live.seen" ] && ok || bad "objects before the pause were not committed during it"
jq -e '.accepted == 300 and .rejected == 0' "$TMP/live.out" >/dev/null && ok || bad "live feed counts: $(head -c 300 "$TMP/live.out")"

# stats
expect_exit 0 "stats json" -- "$ACCORD" --node "$N" stats --json
jq -e '.objects > 300' "$TMP/out" >/dev/null && ok || bad "stats totals"

finish
