#!/usr/bin/env bash
# Audit trail end to end: every CLI path writes its entry, verify, export and
# offline verify with the public key, show filters, tampering → exit 5, and
# kill -9 during a heavy import: the log verifies and every committed object
# has its ingest entry.
. "$(dirname "$0")/lib.sh"
N="$TMP/node"
"$ACCORD" init "$N" --org "Audit Test" >/dev/null || { bad "init"; finish; exit 1; }
printf '\n[audit]\ncheckpoint_entries = 5\n' >>"$N/accord.conf"
# batches of exactly 1000 (no time limit: a slow sanitizer build must not
# cut one short)
sed -i 's/^batch_size = .*/batch_size = 1000/; s/^batch_max_ms = .*/batch_max_ms = 0/' "$N/accord.conf"
expect_exit 0 "audit --help" -- "$ACCORD" audit --help
expect_grep "$TMP/out" "usage: accord audit" "audit help text"
expect_exit 0 "empty log verifies" -- "$ACCORD" --node "$N" audit verify

count() { "$ACCORD" --node "$N" audit show --json "$@" | wc -l; }

"$ACCORD" gen --seed 5 --count 1500 --format jsonl >"$TMP/g.jsonl"
expect_exit 0 "import" -- "$ACCORD" --node "$N" import "$TMP/g.jsonl"
[ "$(count --action ingest)" -eq 2 ] && ok || bad "two ingest entries (batches of 1000)"
"$ACCORD" --node "$N" audit show --json --action ingest | jq -s 'map(.object_count) | add' >"$TMP/n"
[ "$(cat "$TMP/n")" -eq 1500 ] && ok || bad "ingest entries count 1500 objects"
id=$(head -1 "$TMP/g.jsonl" | jq -r .id)
[ "$(count --action ingest --object "$id")" -eq 1 ] && ok || bad "ingest entry names $id"

expect_exit 0 "get with purpose" -- "$ACCORD" --node "$N" get "$id" --purpose "case work" --case "K-17"
"$ACCORD" --node "$N" audit show --json --limit 1 >"$TMP/last"
jq -e --arg id "$id" '.action == "consult" and .channel == "get" and .purpose == "case work" and .case == "K-17" and .object_ids == [$id] and .actor.kind == "cli"' "$TMP/last" >/dev/null && ok || bad "get consult entry: $(cat "$TMP/last")"
expect_exit 4 "get missing" -- "$ACCORD" --node "$N" get identity--00000000-0000-4000-8000-000000000000
"$ACCORD" --node "$N" audit show --json --limit 1 | jq -e '.outcome == "error" and .object_count == 0' >/dev/null && ok || bad "failed get recorded"

expect_exit 0 "search" -- "$ACCORD" --node "$N" search "a" --limit 7 --purpose p1
"$ACCORD" --node "$N" audit show --json --limit 1 | jq -e '.channel == "search" and .query == "a" and .object_count == 7 and (.object_ids | length) == 7' >/dev/null && ok || bad "search consult entry"

expect_exit 0 "export" -- "$ACCORD" --node "$N" export --purpose "disclosure test"
[ "$(count --action consult | tail -1)" -ge 4 ] && ok || bad "export consult entries"
"$ACCORD" --node "$N" audit show --json | jq -s '[.[] | select(.channel == "export")] | map(.object_count) | add' >"$TMP/n"
jq -e '.objects | length' "$TMP/out" >"$TMP/m"
[ "$(cat "$TMP/n")" -eq "$(cat "$TMP/m")" ] && ok || bad "export entries count every exported object ($(cat "$TMP/n") vs $(cat "$TMP/m"))"

echo "correct horse battery" >"$TMP/pw"
expect_exit 0 "user add" -- "$ACCORD" --node "$N" user add carol --role analyst --password-file "$TMP/pw"
"$ACCORD" --node "$N" audit show --json --limit 1 | jq -e '.action == "admin_change" and (.query | test("user add carol"))' >/dev/null && ok || bad "user add entry"
expect_exit 0 "token create" -- "$ACCORD" --node "$N" token create carol --purpose sync
tid=$(sed -n 's/^token id \([0-9a-f]*\) .*/\1/p' "$TMP/err")
"$ACCORD" --node "$N" audit show --json --limit 1 | jq -e '.action == "token_create" and .purpose == "sync"' >/dev/null && ok || bad "token create entry"
expect_exit 0 "token revoke" -- "$ACCORD" --node "$N" token revoke "$tid"
"$ACCORD" --node "$N" audit show --json --limit 1 | jq -e --arg t "$tid" '.action == "token_revoke" and (.query | contains($t))' >/dev/null && ok || bad "token revoke entry"

# show filters
[ "$(count --action token_create)" -eq 1 ] && ok || bad "show --action"
[ "$(count --actor nobody)" -eq 0 ] && ok || bad "show --actor"
[ "$(count --since 2999-01-01T00:00:00Z)" -eq 0 ] && ok || bad "show --since"
expect_exit 2 "show bad action" -- "$ACCORD" --node "$N" audit show --action frobnicate
expect_exit 0 "show text" -- "$ACCORD" --node "$N" audit show --limit 3
[ "$(wc -l <"$TMP/out")" -eq 3 ] && ok || bad "show --limit 3"

# verify, export, offline verify
expect_exit 0 "verify" -- "$ACCORD" --node "$N" audit verify
expect_grep "$TMP/out" "intact" "verify says intact"
expect_exit 0 "key" -- "$ACCORD" --node "$N" audit key
KEY=$(cat "$TMP/out")
expect_exit 0 "export log" -- "$ACCORD" --node "$N" audit export --output "$TMP/log.jsonl"
expect_exit 0 "offline verify" -- env -u ACCORD_NODE "$ACCORD" audit verify --file "$TMP/log.jsonl" --key "$KEY"
expect_exit 2 "offline verify needs key" -- "$ACCORD" audit verify --file "$TMP/log.jsonl"
sed '3s/"ok"/"no"/' "$TMP/log.jsonl" >"$TMP/bad.jsonl"
expect_exit 5 "changed export fails" -- "$ACCORD" audit verify --file "$TMP/bad.jsonl" --key "$KEY"
expect_grep "$TMP/out" "line 3" "finding names the line"

# tampering in place → exit 5 naming the kind
cp "$N/audit.db" "$TMP/audit.bak"
sqlite3 "$N/audit.db" "update entries set purpose = 'none' where seq = 3"
expect_exit 5 "edited entry" -- "$ACCORD" --node "$N" audit verify
expect_grep "$TMP/out" "edited entry at seq 3" "edited finding"
cp "$TMP/audit.bak" "$N/audit.db"; rm -f "$N/audit.db-wal" "$N/audit.db-shm"
sqlite3 "$N/audit.db" "delete from entries where seq = 4"
expect_exit 5 "deleted entry" -- "$ACCORD" --node "$N" audit verify
expect_grep "$TMP/out" "deleted entry at seq 4" "deleted finding"
cp "$TMP/audit.bak" "$N/audit.db"; rm -f "$N/audit.db-wal" "$N/audit.db-shm"
expect_exit 0 "restored verifies" -- "$ACCORD" --node "$N" audit verify

# prune keeps a verifiable chain
expect_exit 0 "prune" -- "$ACCORD" --node "$N" audit prune --before 2999-01-01T00:00:00Z
expect_exit 0 "verify after prune" -- "$ACCORD" --node "$N" audit verify
[ "$(count --action prune)" -eq 1 ] && ok || bad "prune entry"

# kill -9 during a heavy import
"$ACCORD" gen --seed 6 --count 40000 --format jsonl >"$TMP/big.jsonl"
"$ACCORD" --node "$N" import "$TMP/big.jsonl" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 900); do
	n=$(sqlite3 "file:$N/store.db?mode=ro" "select count(*) from objects where source = 'local'" 2>/dev/null || echo 0)
	[ "${n:-0}" -gt 5000 ] && break
	sleep 0.05
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
expect_exit 0 "verify after kill -9" -- "$ACCORD" --node "$N" audit verify
sqlite3 "$N/store.db" "select id from objects" | sort -u >"$TMP/stored"
"$ACCORD" --node "$N" audit show --json --action ingest | jq -r '.object_ids[]' | sort -u >"$TMP/audited"
"$ACCORD" --node "$N" audit show --json --action ingest | jq -e -s 'all(.object_count == (.object_ids | length))' >/dev/null && ok || bad "no ingest entry dropped ids"
# objects imported before the prune lost their entries with it; check the rest
grep -Fxf <(jq -r .id "$TMP/big.jsonl" | sort -u) "$TMP/stored" >"$TMP/big_stored"
[ -s "$TMP/big_stored" ] && ok || bad "nothing committed before the kill"
missing=$(comm -23 "$TMP/big_stored" "$TMP/audited" | wc -l)
[ "$missing" -eq 0 ] && ok || bad "$missing committed objects have no ingest entry"
finish
