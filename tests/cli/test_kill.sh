#!/usr/bin/env bash
# An import killed with SIGKILL part-way leaves a consistent store: SQLite's
# integrity check passes, every stored row is whole, and re-running the import
# completes it (the rest accepted, the committed part counted as duplicates).
. "$(dirname "$0")/lib.sh"
N="$TMP/node"
"$ACCORD" init "$N" --org "Kill Test" >/dev/null || { bad "init"; finish; exit 1; }
# a bad time limit is refused with its line and range, before any write
sed -i 's/^batch_max_ms = .*/batch_max_ms = -5/' "$N/accord.conf"
expect_exit 1 "negative batch_max_ms" -- "$ACCORD" --node "$N" import /dev/null
expect_grep "$TMP/err" "accord.conf line [0-9]+: 'batch_max_ms' must be a whole number from 0 to 600000" "batch_max_ms error"
# small batches, so the kill lands after some commits; no time limit, so
# every commit is a whole number of them
sed -i 's/^batch_size = .*/batch_size = 1000/; s/^batch_max_ms = .*/batch_max_ms = 0/' "$N/accord.conf"
grep -q '^batch_max_ms = 0$' "$N/accord.conf" && ok || bad "accord.conf has batch_max_ms"
"$ACCORD" gen --seed 3 --count 60000 --format jsonl >"$TMP/big.jsonl"
seeded=$(sqlite3 "$N/store.db" "select count(*) from objects")

"$ACCORD" --node "$N" import "$TMP/big.jsonl" >/dev/null 2>&1 &
pid=$!
# wait until at least one batch is committed, then kill hard
for _ in $(seq 1 600); do
	n=$(sqlite3 "file:$N/store.db?mode=ro" "select count(*) from objects" 2>/dev/null || echo 0)
	[ "${n:-0}" -gt 1000 ] && break
	sleep 0.05
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
before=$(sqlite3 "$N/store.db" "select count(*) from objects")
[ "$(sqlite3 "$N/store.db" 'pragma integrity_check')" = ok ] && ok || bad "integrity check after kill"
[ "$before" -gt 0 ] && ok || bad "nothing was committed before the kill"
# counts are whole batches of the configured size (plus the seeded objects)
[ $(( (before - seeded) % 1000 )) -eq 0 ] && ok || bad "partial batch visible after kill ($before rows)"
expect_exit 0 "resume import" -- "$ACCORD" --node "$N" import "$TMP/big.jsonl" --json
jq -e --argjson b "$((before - seeded))" '.accepted + .duplicates == 60000 and .duplicates == $b and .rejected == 0' "$TMP/out" >/dev/null \
	&& ok || bad "resume counts: $(cat "$TMP/out")"
[ "$(sqlite3 "$N/store.db" 'select count(*) from objects')" -eq $((60000 + seeded)) ] && ok || bad "final row count"
finish
