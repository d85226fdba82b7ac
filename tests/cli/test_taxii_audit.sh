#!/usr/bin/env bash
# The TAXII server's audit trail, end to end on a real loopback server: the
# entries of each API path (page, get, versions, manifest, POST, DELETE,
# logins), purpose and case recorded, a read without a required purpose
# refused (403 "Purpose required") with a denied entry, the token's default
# purpose, bad headers, no secret in the log, `audit verify` after all of
# it, and kill -9 during concurrent POSTs: the log verifies and every
# acknowledged (202) object has its ingest entry.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/taxii_lib.sh"
command -v jq >/dev/null && command -v curl >/dev/null || exit 77
N="$TMP/node"
PW="correct horse battery"
export ACCORD_NODE="$N"

"$ACCORD" init "$N" --org "Audit Agency" >/dev/null 2>&1 || { bad "init"; finish; exit 1; }
for u in alice:analyst sam:supervisor; do
	echo "$PW" | "$ACCORD" user add "${u%%:*}" --role "${u##*:}" --password-stdin 2>/dev/null || bad "user $u"
done
T_ALICE=$("$ACCORD" token create alice 2>/dev/null)
T_SYNC=$("$ACCORD" token create alice --purpose "sync under agreement A-1" 2>/dev/null)
T_SAM=$("$ACCORD" token create sam 2>/dev/null)
"$ACCORD" gen --seed 9 --count 200 >"$TMP/gen.json"
"$ACCORD" import "$TMP/gen.json" >/dev/null 2>&1 || bad "import"

# last [N]: the newest N audit entries (JSON Lines, oldest first)
last() { "$ACCORD" audit show --json --limit "${1:-1}"; }
# expect_last JQ DESCRIPTION: the newest entry satisfies JQ
expect_last() {
	if last | jq -e "$1" >/dev/null 2>&1; then ok; else
		bad "$2: $(last | head -c 400)"
	fi
}

expect_exit 0 "serve --help names --no-audit" -- "$ACCORD" serve --help
expect_grep "$TMP/out" "--no-audit" "help text"
start_server --insecure-http || { finish; exit 1; }
AUTH="Bearer $T_ALICE"
PURPOSE="case work"
req GET api1/collections/
expect_code 200 "collections"
NODE=$(jq -r '.collections[] | select(.alias == "node") | .id' "$TMP/body")
seq_before=$(last | jq .seq)
[ "$(last | jq .seq)" = "$seq_before" ] && ok || bad "collections list writes no entry"

# objects page: consult, taxii-page, the ids returned, purpose and case
req GET "api1/collections/$NODE/objects/?limit=10" -H "X-Accord-Case: K-17"
expect_code 200 "page"
jq -c '[.objects[].id]' "$TMP/body" >"$TMP/ids"
expect_last "(.action == \"consult\" and .channel == \"taxii-page\" and .outcome == \"ok\" and .purpose == \"case work\" and .case == \"K-17\" and .object_count == 10 and .actor.kind == \"user\" and .actor.name == \"alice\" and (.detail | contains(\"${T_ALICE:4:16}\")) and (.query | contains(\"limit=10\"))) and .object_ids == $(cat "$TMP/ids")" "page entry"
ID=$(jq -r '.[0]' "$TMP/ids")

# one object and its versions: taxii-get
req GET "api1/collections/$NODE/objects/$ID/"
expect_code 200 "get"
expect_last ".action == \"consult\" and .channel == \"taxii-get\" and .object_ids == [\"$ID\"] and .purpose == \"case work\"" "get entry"
req GET "api1/collections/$NODE/objects/$ID/versions/"
expect_code 200 "versions"
expect_last ".channel == \"taxii-get\" and .object_ids == [\"$ID\"] and .detail == \"versions\"" "versions entry"

# manifest: the ids listed
req GET "api1/collections/$NODE/manifest/?limit=5"
expect_code 200 "manifest"
jq -c '[.objects[].id]' "$TMP/body" >"$TMP/ids"
expect_last ".channel == \"taxii-manifest\" and .object_count == 5 and .object_ids == $(cat "$TMP/ids")" "manifest entry"

# purpose required: refused with a TAXII error and a denied entry
PURPOSE=
req GET "api1/collections/$NODE/objects/"
expect_code 403 "no purpose"
expect_jq '.title == "Purpose required" and (.description | contains("X-Accord-Purpose"))' "purpose error message"
expect_last '.action == "consult" and .outcome == "denied" and .object_count == 0 and .detail == "purpose required"' "denied entry"
req GET "api1/collections/$NODE/objects/$ID/"
expect_code 403 "no purpose, one object"
req GET "api1/collections/$NODE/objects/?match%5Btype%5D=identity,indicator"
expect_code 403 "identity may hold person data"
req GET "api1/collections/$NODE/objects/?match%5Btype%5D=indicator,malware&limit=3"
expect_code 200 "technical types need no purpose"
expect_last '.outcome == "ok" and .purpose == ""' "entry without purpose"
req GET "api1/collections/$NODE/manifest/?limit=2"
expect_code 200 "manifest needs no purpose"
AUTH="Bearer $T_SYNC"
req GET "api1/collections/$NODE/objects/?limit=2"
expect_code 200 "token default purpose"
expect_last '.outcome == "ok" and .purpose == "sync under agreement A-1"' "default purpose recorded"
req GET "api1/collections/$NODE/objects/?limit=2" -H "X-Accord-Purpose: override"
expect_last '.purpose == "override"' "header beats the default"
req GET "api1/collections/$NODE/objects/?limit=2" -H $'X-Accord-Purpose: a\x01b'
expect_code 400 "control character in the purpose"
req GET "api1/collections/$NODE/objects/?limit=2" -H "X-Accord-Purpose: $(head -c 300 /dev/zero | tr '\0' p)"
expect_code 400 "purpose too long"
req GET "api1/collections/$NODE/objects/?limit=2" -H "X-Accord-Case: $(printf 'K\xff')"
expect_code 400 "case not UTF-8"
PURPOSE="case work"

# POST: ingest entries for what was stored, naming the status
AUTH="Bearer $T_ALICE"
"$ACCORD" gen --seed 77 --count 5 --format jsonl | jq -s '{objects: .}' >"$TMP/env.json"
req POST "api1/collections/$NODE/objects/" -H "Content-Type: $MT" --data-binary @"$TMP/env.json"
expect_code 202 "post"
SID=$(jq -r .id "$TMP/body")
jq -c '[.objects[].id] | sort' "$TMP/env.json" >"$TMP/ids"
expect_last "(.action == \"ingest\" and .channel == \"taxii-post\" and .object_count == 5 and (.detail | contains(\"status $SID\"))) and (.object_ids | sort) == $(cat "$TMP/ids")" "post entry"
req POST "api1/collections/$NODE/objects/" -H "Content-Type: $MT" --data-binary @"$TMP/env.json"
expect_code 202 "post again (duplicates)"
expect_last '.action == "ingest" and .object_count == 0' "nothing new is still recorded"

# DELETE: erase, id and versions
AUTH="Bearer $T_SAM"
DEL=$(jq -r '.objects[0].id' "$TMP/env.json")
req DELETE "api1/collections/$NODE/objects/$DEL/"
expect_code 200 "delete"
expect_last ".action == \"erase\" and .object_ids == [\"$DEL\"] and .actor.name == \"sam\" and (.detail | test(\"versions .*deleted 1 version\"))" "erase entry"

# logins: failures with the claimed user or token id, never the secret
SECRET="Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx"
AUTH="Bearer acc_0123456789abcdef_$SECRET"
req GET api1/collections/
expect_code 401 "bad token"
expect_last '.action == "login_fail" and .outcome == "denied" and (.detail | test("client 127.0.0.1; token 0123456789abcdef; "))' "login_fail for a token"
AUTH="Basic $(printf 'alice:wrong password 12345' | base64)"
req GET api1/
expect_code 401 "bad password"
expect_last '.action == "login_fail" and .actor.name == "alice" and (.detail | contains("bad_password"))' "login_fail for a password"
AUTH="Basic $(printf 'alice:%s' "$PW" | base64)"
req GET "api1/collections/$NODE/objects/?limit=1"
expect_code 200 "basic login"
last 2 | jq -s -e '.[0].action == "login_ok" and .[1].action == "consult" and .[1].detail == "password" and (.[0].seq + 1 == .[1].seq)' >/dev/null && ok || bad "login_ok and consult in one batch"
grep -c -a -e "$SECRET" -e "wrong password" -e "$PW" "$N/audit.db" "$N/audit.db-wal" 2>/dev/null | grep -q ":[1-9]" && bad "a secret reached the audit log" || ok

expect_exit 0 "verify while serving" -- "$ACCORD" audit verify
stop_server || bad "server exit status"
expect_exit 0 "verify after stop" -- "$ACCORD" audit verify
expect_grep "$TMP/out" "intact" "intact"
if grep -q "not yet signed" "$TMP/out"; then bad "shutdown left the tail unsigned"; else ok; fi

# --no-audit is recorded
start_server --insecure-http --no-audit || { finish; exit 1; }
expect_grep "$TMP/serve.log" "warning: --no-audit" "no-audit warning"
expect_last '.action == "admin_change" and .query == "serve --no-audit"' "no-audit start recorded"
AUTH="Bearer $T_ALICE"
seq_before=$(last | jq .seq)
req GET "api1/collections/$NODE/objects/?limit=1"
[ "$(last | jq .seq)" = "$seq_before" ] && ok || bad "no entries with --no-audit"
stop_server

# kill -9 during concurrent POSTs: every 202 has its ingest entries
start_server --insecure-http || { finish; exit 1; }
for s in $(seq 100 111); do
	"$ACCORD" gen --seed "$s" --count 300 --format jsonl | jq -s '{objects: .}' >"$TMP/e$s.json"
done
poster() { # envelopes $1..$2; writes the acknowledged seeds to $TMP/acked.$1
	for s in $(seq "$1" "$2"); do
		code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $T_ALICE" \
			-H "Accept: $MT" -H "Content-Type: $MT" --data-binary @"$TMP/e$s.json" \
			"${URL}api1/collections/$NODE/objects/")
		[ "$code" = 202 ] && echo "$s" >>"$TMP/acked.$1"
	done
}
poster 100 103 & p1=$!
poster 104 107 & p2=$!
poster 108 111 & p3=$!
for _ in $(seq 1 1200); do # up to a minute: ASan builds under load are slow
	[ -s "$TMP/acked.100" ] && break
	sleep 0.05
done
kill -9 "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
wait "$p1" "$p2" "$p3"
expect_exit 0 "verify after kill -9" -- "$ACCORD" audit verify
cat "$TMP"/acked.* 2>/dev/null | sort -n >"$TMP/acked"
[ -s "$TMP/acked" ] && ok || bad "no POST was acknowledged before the kill"
"$ACCORD" audit show --json --action ingest | jq -r '.object_ids[]' | sort -u >"$TMP/audited"
missing=0
while read -r s; do
	missing=$((missing + $(jq -r '.objects[].id' "$TMP/e$s.json" | sort -u | comm -23 - "$TMP/audited" | wc -l)))
done <"$TMP/acked"
[ "$missing" -eq 0 ] && ok || bad "$missing acknowledged objects have no ingest entry"
sqlite3 "$N/store.db" "select distinct id from objects" | sort -u | comm -23 - "$TMP/audited" >"$TMP/unaudited"
grep -Fxf <(cat "$TMP"/e1??.json | jq -r '.objects[].id' | sort -u) "$TMP/unaudited" >"$TMP/bad" || true
[ ! -s "$TMP/bad" ] && ok || bad "$(wc -l <"$TMP/bad") stored objects have no ingest entry"
finish
