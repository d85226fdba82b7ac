#!/usr/bin/env bash
# accord retention run: objects past their review date are erased with every
# version and index row; the rest stay; the erasure is audited first.
. "$(dirname "$0")/lib.sh"
N="$TMP/node"
"$ACCORD" init "$N" --org "Retention Test" >/dev/null || { bad init; finish; exit 1; }
printf '\n[markings]\nretention_days = 30\n' >>"$N/accord.conf"
ID1=identity--0e7f1c9a-3a55-4c1e-9d59-2a4b1f0c0001
ID2=identity--0e7f1c9a-3a55-4c1e-9d59-2a4b1f0c0002
for id in $ID1 $ID2; do
	for m in 2026-01-01 2026-02-01; do
		printf '{"type":"identity","spec_version":"2.1","id":"%s","created":"2026-01-01T00:00:00.000Z","modified":"%sT00:00:00.000Z","name":"Old Org %s","identity_class":"organization"}\n' "$id" "$m" "$m"
	done
done >"$TMP/objs.jsonl"
expect_exit 0 "import" -- "$ACCORD" --node "$N" import "$TMP/objs.jsonl"
# age ID1 by 40 days (received long ago); ID2 stays fresh
sqlite3 "$N/store.db" "UPDATE objects SET date_added = date_added - 40*86400*1000000 - rowid WHERE id = '$ID1'"
expect_exit 0 "dry run" -- "$ACCORD" --node "$N" retention run --dry-run --json
jq -e '.expired == 1 and .purged == 0' "$TMP/out" >/dev/null && ok || bad "dry run counts: $(cat "$TMP/out")"
# past its review date nobody may read it any more, even before the purge
expect_exit 4 "expired object is not readable" -- "$ACCORD" --node "$N" get "$ID1"
[ "$(sqlite3 "$N/store.db" "select count(*) from objects where id = '$ID1'")" = 2 ] && ok || bad "dry run erased"
expect_exit 0 "retention run" -- "$ACCORD" --node "$N" retention run --json
jq -e '.purged == 1 and .versions == 2' "$TMP/out" >/dev/null && ok || bad "run counts: $(cat "$TMP/out")"
expect_exit 4 "purged object is gone" -- "$ACCORD" --node "$N" get "$ID1" --all-versions
expect_exit 0 "fresh object stays" -- "$ACCORD" --node "$N" get "$ID2" --all-versions
[ "$(jq length "$TMP/out")" = 2 ] && ok || bad "fresh object lost versions"
expect_exit 0 "search after purge" -- "$ACCORD" --node "$N" search "Old Org" --json
jq -e --arg id "$ID1" 'all(.[]; .id != $id)' "$TMP/out" >/dev/null && ok || bad "purged object still searchable"
[ "$(sqlite3 "$N/store.db" "select count(*) from objects where id = '$ID1'")" = 0 ] && ok || bad "rows left"
expect_exit 0 "audit shows the purge" -- "$ACCORD" --node "$N" audit show --action purge --json
grep -q "$ID1" "$TMP/out" && ok || bad "purge not audited"
expect_exit 0 "audit verifies" -- "$ACCORD" --node "$N" audit verify
expect_exit 0 "second run purges nothing" -- "$ACCORD" --node "$N" retention run --json
jq -e '.purged == 0' "$TMP/out" >/dev/null && ok || bad "second run"
expect_exit 2 "usage" -- "$ACCORD" --node "$N" retention

# the server runs the same pass when it starts (and every hour)
sqlite3 "$N/store.db" "UPDATE objects SET date_added = date_added - 40*86400*1000000 - rowid WHERE id = '$ID2'"
"$ACCORD" --node "$N" serve --insecure-http --listen 127.0.0.1:0 >"$TMP/serve.log" 2>&1 &
spid=$!
for _ in $(seq 1 300); do
	[ "$(sqlite3 "file:$N/store.db?mode=ro" "select count(*) from objects where id = '$ID2'" 2>/dev/null)" = 0 ] && break
	sleep 0.1
done
kill -TERM "$spid"; wait "$spid"
[ "$(sqlite3 "$N/store.db" "select count(*) from objects where id = '$ID2'")" = 0 ] && ok || bad "serve did not purge"
expect_exit 0 "purge by the server audited" -- "$ACCORD" --node "$N" audit show --action purge --json
grep -q "$ID2" "$TMP/out" && ok || bad "server purge not audited"
expect_exit 0 "audit verifies after serve" -- "$ACCORD" --node "$N" audit verify
# the server start is recorded with the hash of the configuration it read
expect_exit 0 "serve start audited" -- "$ACCORD" --node "$N" audit show --action admin_change --json
grep -q "accord.conf blake2b-256 $(b2sum -l 256 "$N/accord.conf" | cut -d' ' -f1)" "$TMP/out" && ok ||
	bad "serve start without the configuration hash"
# collection changes are administrative changes on the record
expect_exit 0 "collection add" -- "$ACCORD" --node "$N" collection add extra --title "Extra"
expect_exit 0 "collection audited" -- "$ACCORD" --node "$N" audit show --action admin_change --json
grep -q "collection add extra" "$TMP/out" && ok || bad "collection add not audited"
finish
