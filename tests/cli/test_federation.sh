#!/usr/bin/env bash
# Two real nodes on loopback over HTTPS with their self-signed certificates:
# cards, partner links, credentials, pull with watermarks, resume, a wrong
# TLS pin, a partner that is down, a bad provenance signature, status.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null && command -v curl >/dev/null &&
	command -v sqlite3 >/dev/null || exit 77
A="$TMP/alpha"
B="$TMP/bravo"
MT="application/taxii+json;version=2.1"
AREAS=drug-trafficking,border-security,organised-crime,human-trafficking,money-laundering,migrant-smuggling
APID=

# start_alpha [PORT]: serves alpha on 127.0.0.1:PORT (0 = any); sets AURL
start_alpha() {
	: >"$TMP/alpha.log" # the last server's address must not be read
	"$ACCORD" --node "$A" serve --no-sync --listen "127.0.0.1:${1:-0}" 2>"$TMP/alpha.log" &
	APID=$!
	AURL=
	for _ in $(seq 1 100); do
		AURL=$(sed -n 's/^accord: serving TAXII 2.1 at \(.*\)$/\1/p' "$TMP/alpha.log")
		[ -n "$AURL" ] && return 0
		kill -0 "$APID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$TMP/alpha.log" >&2
	return 1
}
stop_alpha() { kill -TERM "$APID" 2>/dev/null; wait "$APID"; }
trap 'kill -TERM $APID 2>/dev/null; rm -rf "$TMP"' EXIT

# served_ids TOKEN: every object id alpha serves to TOKEN, all collections
served_ids() {
	local cols c
	cols=$(curl -sk -H "Authorization: Bearer $1" -H "Accept: $MT" -H "X-Accord-Purpose: testing" \
		"${AURL}api1/collections/" | jq -r '.collections[]? | select(.can_read) | .id')
	for c in $cols; do
		curl -sk -H "Authorization: Bearer $1" -H "Accept: $MT" -H "X-Accord-Purpose: testing" \
			"${AURL}api1/collections/$c/objects/?limit=100000" | jq -r '.objects[]?.id'
	done | sort -u
}
b_ids() { sqlite3 "$B/store.db" "SELECT DISTINCT id FROM objects WHERE source = '$1'" | sort -u; }
all_b_ids() { sqlite3 "$B/store.db" "SELECT DISTINCT id FROM objects" | sort -u; }
# same_set SERVED: bravo holds every served id, and nothing from alpha that
# was not served (ids bravo already had, e.g. the TLP marking definitions
# every node ships, stay source 'local')
same_set() {
	[ -s "$1" ] && [ -z "$(comm -23 "$1" <(all_b_ids))" ] &&
		[ -z "$(comm -13 "$1" <(b_ids partner:alpha))" ]
}
b_count() { sqlite3 "$B/store.db" "SELECT count(*) FROM objects WHERE source = '$1'"; }

expect_exit 0 "node --help" -- "$ACCORD" node --help
expect_grep "$TMP/out" "usage: accord node card" "node help"
expect_exit 0 "sync --help" -- "$ACCORD" sync --help
expect_grep "$TMP/out" "usage: accord sync pull" "sync help"
expect_exit 2 "sync pull without partner" -- "$ACCORD" sync pull
expect_exit 2 "sync bad limit" -- "$ACCORD" sync pull x --limit 0
expect_exit 2 "node card bad url" -- "$ACCORD" node card --url http://x/
expect_exit 0 "init alpha" -- "$ACCORD" init "$A" --org "Alpha Police"
expect_exit 0 "init bravo" -- "$ACCORD" init "$B" --org "Bravo Police"
start_alpha || { bad "alpha did not start"; finish; exit 1; }

# cards
expect_exit 0 "alpha card" -- "$ACCORD" --node "$A" node card --url "${AURL}api1/"
cp "$TMP/out" "$TMP/alpha.card"
AID=$(jq -r .identity.id "$TMP/alpha.card")
[ "$AID" = "$(jq -r .id "$A/identity.json")" ] && ok || bad "card identity"
jq -e '.identity.name == "Alpha Police" and (.sign_pk | length) == 44 and
	(.tls_pin_sha256 | length) == 44' "$TMP/alpha.card" >/dev/null && ok || bad "card fields"
PIN=$(openssl x509 -in "$A/keys/tls.crt" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)
[ "$PIN" = "$(jq -r .tls_pin_sha256 "$TMP/alpha.card")" ] && ok || bad "card pin is the SPKI SHA-256"
expect_exit 0 "bravo card" -- "$ACCORD" --node "$B" node card
cp "$TMP/out" "$TMP/bravo.card"
expect_grep "$TMP/bravo.card" '"taxii_url": "https://127.0.0.1:8443/taxii2/api1/"' "default url from [server]"

# partners from cards
jq '.sign_pk = "short"' "$TMP/alpha.card" >"$TMP/bad.card"
expect_exit 1 "card with a bad key" -- "$ACCORD" --node "$B" partner add alpha --card "$TMP/bad.card"
expect_grep "$TMP/err" "sign_pk" "bad key named"
jq '.taxii_url = "http://127.0.0.1:1/taxii2/api1/"' "$TMP/alpha.card" >"$TMP/bad.card"
expect_exit 1 "card with plain http" -- "$ACCORD" --node "$B" partner add alpha --card "$TMP/bad.card"
expect_exit 0 "bravo adds alpha" -- "$ACCORD" --node "$B" partner add alpha --card "$TMP/alpha.card"
expect_exit 0 "alpha adds bravo" -- "$ACCORD" --node "$A" partner add bravo --card "$TMP/bravo.card"
expect_exit 0 "partner list" -- "$ACCORD" --node "$B" partner list
expect_grep "$TMP/out" "^alpha +$AID .*Alpha Police" "title from the card"
expect_exit 0 "agreement" -- "$ACCORD" --node "$A" agreement set bravo --areas "$AREAS" \
	--max-tlp amber --from 2024-01-01 --until 2099-12-31

# credentials
"$ACCORD" --node "$A" token create --partner bravo >"$TMP/tok" 2>/dev/null
TOKEN=$(cat "$TMP/tok")
chmod 644 "$TMP/tok"
expect_exit 1 "token file readable by others" -- "$ACCORD" --node "$B" partner credentials alpha --token-file "$TMP/tok"
expect_grep "$TMP/err" "chmod 600" "mode refusal says what to do"
chmod 600 "$TMP/tok"
expect_exit 1 "credentials for unknown partner" -- "$ACCORD" --node "$B" partner credentials nobody --token-file "$TMP/tok"
expect_exit 2 "credentials without file" -- "$ACCORD" --node "$B" partner credentials alpha
expect_exit 1 "pull without credentials" -- "$ACCORD" --node "$B" sync pull alpha
expect_grep "$TMP/err" "partner credentials alpha" "missing credentials explained"
expect_exit 0 "credentials" -- "$ACCORD" --node "$B" partner credentials alpha --token-file "$TMP/tok"
[ "$(stat -c %a "$B/keys/partners/alpha.token")" = 600 ] && ok || bad "token file mode"
[ "$(cat "$B/keys/partners/alpha.token")" = "$TOKEN" ] && ok || bad "token stored"
grep -qF "$TOKEN" "$TMP/out" "$TMP/err" && bad "token printed" || ok

# first pull: exactly what alpha serves to bravo
"$ACCORD" gen --seed 5 --count 200 >"$TMP/gen1.json"
"$ACCORD" --node "$A" import "$TMP/gen1.json" >/dev/null 2>&1
expect_exit 0 "pull" -- "$ACCORD" --node "$B" sync pull alpha --limit 50
expect_grep "$TMP/err" "pulled from 'alpha': 2 collections, [0-9]+ pages, [1-9][0-9]* accepted" "pull summary"
served_ids "$TOKEN" >"$TMP/served1"
b_ids partner:alpha >"$TMP/held1"
same_set "$TMP/served1" && ok ||
	bad "bravo holds what alpha serves it ($(wc -l <"$TMP/served1") served, $(wc -l <"$TMP/held1") held)"
# what alpha serves bravo is exactly the policy's view for bravo
"$ACCORD" --node "$A" export --as-partner bravo 2>/dev/null | jq -r '.objects[]?.id' | sort -u >"$TMP/view"
[ -s "$TMP/view" ] && ok || bad "alpha's view for bravo is empty"
same_set "$TMP/view" && ok || bad "bravo holds alpha's view for bravo ($(wc -l <"$TMP/view") in the view)"
[ "$(sqlite3 "$B/store.db" "SELECT count(*) FROM objects WHERE source NOT IN ('local', 'partner:alpha')")" = 0 ] && ok || bad "sources"
N1=$(b_count partner:alpha)
expect_exit 0 "audit show" -- "$ACCORD" --node "$B" audit show
expect_grep "$TMP/out" "receive" "receive entries in the audit trail"
grep -qF "$TOKEN" "$TMP/out" && bad "token in the audit trail" || ok

# a second pull fetches nothing
expect_exit 0 "pull again" -- "$ACCORD" --node "$B" sync pull alpha
expect_grep "$TMP/err" " 0 pages, 0 accepted, 0 duplicates" "nothing new"
[ "$(b_count partner:alpha)" = "$N1" ] && ok || bad "second pull changed the store"

# resume: a watermark set back (as after a crash before it was saved) only
# yields duplicates
sqlite3 "$B/store.db" "UPDATE sync_state SET watermark = '' WHERE partner = 'alpha'"
expect_exit 0 "pull from the start" -- "$ACCORD" --node "$B" sync pull alpha --limit 40
expect_grep "$TMP/err" " 0 accepted, [1-9][0-9]* duplicates" "replay is duplicates"
[ "$(b_count partner:alpha)" = "$N1" ] && ok || bad "replay added rows"

# only the new objects
"$ACCORD" gen --seed 6 --count 60 >"$TMP/gen2.json"
"$ACCORD" --node "$A" import "$TMP/gen2.json" >/dev/null 2>&1
served_ids "$TOKEN" >"$TMP/served2"
NEW=$(comm -13 "$TMP/served1" "$TMP/served2" | wc -l)
expect_exit 0 "pull new" -- "$ACCORD" --node "$B" sync pull alpha --limit 7
expect_grep "$TMP/err" " $NEW accepted" "only the new ones accepted"
same_set "$TMP/served2" && ok || bad "bravo holds everything served after the second import"

# provenance: alpha signs what it creates; an object changed after signing
# (here in alpha's store, as if in transit) never enters bravo's store, is
# logged with the partner's name, and everything else still arrives
"$ACCORD" --node "$A" user add ana --role analyst --password-stdin <<<"correct horse battery" 2>/dev/null
UT=$("$ACCORD" --node "$A" token create ana 2>/dev/null)
INBOX=$(curl -sk -H "Authorization: Bearer $UT" -H "Accept: $MT" -H "X-Accord-Purpose: testing" "${AURL}api1/collections/" |
	jq -r '.collections[] | select(.title | test("(?i)inbox")) | .id' | head -1)
FID=identity--5e1f0c3a-1111-4222-8333-444455556666
GID=identity--5e1f0c3a-1111-4222-8333-444455557777
person() {
	echo '{"type":"identity","spec_version":"2.1","id":"'$1'","created":"2025-01-01T00:00:00.000Z","modified":"2025-01-01T00:00:00.000Z","name":"'$2'","identity_class":"individual","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],"extensions":{"extension-definition--05ea4847-bb88-4c1a-af65-7e077cbbdd26":{"extension_type":"property-extension","handling_code":"H0","areas":["drug-trafficking"]}'"${3:-}"'}}'
}
FORGED_SIG=',"extension-definition--6f1c4a9e-3b57-4d0a-9a3e-acc0fed00001":{"extension_type":"property-extension","signer":"'$AID'","alg":"ed25519","sig":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="}'
curl -sk -o "$TMP/post" -X POST -H "Authorization: Bearer $UT" -H "Accept: $MT" -H "Content-Type: $MT" \
	-H "X-Accord-Purpose: testing" --data "{\"objects\":[$(person $FID Forged "$FORGED_SIG")]}" "${AURL}api1/collections/$INBOX/objects/"
jq -e '.failure_count == 1 and (.failures[0].message | test("provenance"))' "$TMP/post" >/dev/null && ok || bad "alpha took a forged signature: $(head -c 300 "$TMP/post")"
{ person $FID Original; person $GID Genuine; } >"$TMP/prov.jsonl"
expect_exit 0 "alpha signs its own objects" -- "$ACCORD" --node "$A" import --format jsonl "$TMP/prov.jsonl"
a_json() { sqlite3 "$A/store.db" "SELECT json FROM objects WHERE id = '$1'"; }
a_json $FID | jq -e --arg a "$AID" '.extensions["extension-definition--6f1c4a9e-3b57-4d0a-9a3e-acc0fed00001"].signer == $a' >/dev/null &&
	ok || bad "alpha's object not signed by alpha"
sqlite3 "$A/store.db" "UPDATE objects SET json = replace(json, '\"name\":\"Original\"', '\"name\":\"Forged\"') WHERE id = '$FID'"
a_json $FID | grep -q '"name":"Forged"' && ok || bad "tampering did not take"
expect_exit 0 "pull with an object changed after signing" -- "$ACCORD" --node "$B" sync pull alpha
expect_grep "$TMP/err" "sync from 'alpha': rejected '$FID': .*provenance: the signature of '$AID' does not verify" "changed object logged with the partner"
expect_grep "$TMP/err" " 1 bad signatures" "changed object counted as a bad signature"
[ "$(sqlite3 "$B/store.db" "SELECT count(*) FROM objects WHERE id = '$FID'")" = 0 ] && ok || bad "changed object stored"
[ "$(sqlite3 "$B/store.db" "SELECT count(*) FROM objects WHERE id = '$GID' AND source = 'partner:alpha'")" = 1 ] && ok || bad "the genuine object did not arrive"
sqlite3 "$B/store.db" "SELECT json FROM objects WHERE id = '$GID'" | jq -e --arg a "$AID" \
	'.extensions["extension-definition--6f1c4a9e-3b57-4d0a-9a3e-acc0fed00001"].signer == $a' >/dev/null &&
	ok || bad "bravo's copy lost alpha's signature"
# every object bravo received from alpha carries a provenance signature,
# apart from the shipped definitions
[ "$(sqlite3 "$B/store.db" "SELECT count(*) FROM objects WHERE source = 'partner:alpha' AND json NOT LIKE '%6f1c4a9e-3b57-4d0a-9a3e-acc0fed00001\":{%' AND type NOT IN ('extension-definition', 'marking-definition') AND id <> 'identity--02e8dd03-26af-44da-a295-1e6972199433'")" = 0 ] &&
	ok || bad "unsigned objects from alpha stored"

# a wrong pin is a hard failure; nothing is stored
jq --arg p "$(jq -r .tls_pin_sha256 "$TMP/bravo.card")" '.tls_pin_sha256 = $p' "$TMP/alpha.card" >"$TMP/pin.card"
"$ACCORD" --node "$B" partner add alphapin --card "$TMP/pin.card" 2>/dev/null || bad "add alphapin"
"$ACCORD" --node "$B" partner credentials alphapin --token-file "$TMP/tok" 2>/dev/null || bad "alphapin credentials"
expect_exit 1 "pull with a wrong pin" -- "$ACCORD" --node "$B" sync pull alphapin --retries 3
expect_grep "$TMP/err" "does not match its pinned key" "pin mismatch explained"
expect_grep "$TMP/err" "refusing the connection" "pin mismatch logged"
grep -q "retry" "$TMP/err" && bad "pin mismatch retried" || ok
[ "$(b_count partner:alphapin)" = 0 ] && ok || bad "objects stored despite the wrong pin"
expect_exit 0 "status" -- "$ACCORD" --node "$B" sync status alphapin
expect_grep "$TMP/out" "last error: .*pinned key" "status shows the pin error"
# a new card for a known partner (key rotation): same identity only
expect_exit 1 "card of another identity" -- "$ACCORD" --node "$B" partner card alphapin --card "$TMP/bravo.card"
expect_grep "$TMP/err" "the card is identity" "identity mismatch explained"
expect_exit 1 "card for an unknown partner" -- "$ACCORD" --node "$B" partner card nobody --card "$TMP/alpha.card"
expect_exit 2 "card without --card" -- "$ACCORD" --node "$B" partner card alphapin
expect_exit 0 "card replaced" -- "$ACCORD" --node "$B" partner card alphapin --card "$TMP/alpha.card"
[ "$(sqlite3 "$B/store.db" "SELECT pin FROM partner_links WHERE name = 'alphapin'")" = "$(jq -r .tls_pin_sha256 "$TMP/alpha.card")" ] &&
	ok || bad "the new card's pin is not in use"

# a partner that is down, then comes back on the same port
PORT=${AURL##*:}
PORT=${PORT%%/*}
stop_alpha
expect_exit 1 "pull from a stopped partner" -- "$ACCORD" --node "$B" sync pull alpha --retries 1
expect_grep "$TMP/err" "retry 1 of 1" "retried with backoff"
expect_exit 0 "status" -- "$ACCORD" --node "$B" sync status alpha
expect_grep "$TMP/out" "last error: cannot reach" "status shows the network error"
expect_grep "$TMP/out" "watermark 20" "status shows the watermark"
expect_grep "$TMP/out" "lag: [0-9]+ s" "status shows the lag"
start_alpha "$PORT" || bad "alpha did not restart"
expect_exit 0 "pull after the partner is back" -- "$ACCORD" --node "$B" sync pull alpha
expect_grep "$TMP/err" " 0 accepted" "nothing lost or repeated"
expect_exit 0 "status" -- "$ACCORD" --node "$B" sync status
expect_grep "$TMP/out" "^partner alpha" "status lists alpha"
expect_grep "$TMP/out" "last error: none" "error cleared"
stop_alpha
finish
