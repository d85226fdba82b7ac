#!/usr/bin/env bash
# End to end against a real `accord serve` on loopback: every TAXII 2.1
# endpoint, filters, paging, auth, roles, error codes, media types, limits,
# TLS and the plain-HTTP guard.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/taxii_lib.sh"
command -v jq >/dev/null && command -v curl >/dev/null || exit 77
N="$TMP/node"
PW="correct horse battery"
export ACCORD_NODE="$N"

uuid() { cat /proc/sys/kernel/random/uuid; }
# ident ID MODIFIED NAME: one STIX identity
ident() {
	printf '{"type":"identity","spec_version":"2.1","id":"%s","created":"2025-01-01T00:00:00.000Z","modified":"%s","name":"%s","identity_class":"individual"}' "$1" "$2" "$3"
}

expect_exit 0 "serve --help" -- "$ACCORD" serve --help
expect_grep "$TMP/out" "usage: accord serve" "serve help"
expect_exit 0 "collection --help" -- "$ACCORD" collection --help
expect_exit 0 "init" -- "$ACCORD" init "$N" --org "Test Agency"
[ "$(stat -c %a "$N/keys/tls.key")" = 600 ] && ok || bad "tls.key mode"
expect_grep "$N/accord.conf" "^\[server\]" "config has a [server] section"
expect_exit 0 "collection list" -- "$ACCORD" collection list
expect_grep "$TMP/out" " node +own +analyst,supervisor,admin " "default node collection"
expect_grep "$TMP/out" " inbox +inbox +analyst,supervisor,admin " "default inbox collection"
expect_exit 0 "collection add" -- "$ACCORD" collection add restricted --title "Restricted" --read supervisor,admin --write analyst
RESTRICTED=$(cat "$TMP/out")
expect_exit 0 "collection add partners" -- "$ACCORD" collection add shared --title "From partners" --scope partners
expect_exit 2 "collection bad scope" -- "$ACCORD" collection add x --title X --scope nowhere
expect_exit 2 "collection bad role" -- "$ACCORD" collection add x --title X --read boss
expect_exit 2 "collection without title" -- "$ACCORD" collection add x
expect_exit 1 "collection duplicate" -- "$ACCORD" collection add restricted --title again

for u in alice:analyst sam:supervisor root:admin aud:auditor; do
	echo "$PW" | "$ACCORD" user add "${u%%:*}" --role "${u##*:}" --password-stdin 2>/dev/null || bad "user $u"
done
T_ALICE=$("$ACCORD" token create alice 2>/dev/null)
T_SAM=$("$ACCORD" token create sam 2>/dev/null)
T_AUD=$("$ACCORD" token create aud 2>/dev/null)
T_REVOKED=$("$ACCORD" token create alice 2>/dev/null)
"$ACCORD" token revoke "${T_REVOKED:4:16}" 2>/dev/null
T_EXPIRED=$("$ACCORD" token create alice --expires 1h 2>/dev/null)
sqlite3 "$N/store.db" "UPDATE tokens SET expires_us = 1000000 WHERE id = '${T_EXPIRED:4:16}'"

# TLP:RED is for named recipients only (docs/policy.md): this test is
# about paging, so every object is made one the reader may see
"$ACCORD" gen --seed 5 --count 300 | sed 's/e828b379-4e03-4974-9ac4-e53a884c97c1/55d920b0-5e8b-4f79-9ee9-91f868d9b421/g' >"$TMP/gen.json"
"$ACCORD" import "$TMP/gen.json" >/dev/null 2>&1
TOTAL=$(sqlite3 "$N/store.db" "SELECT count(DISTINCT id) FROM objects WHERE source = 'local'")

# [server] settings are checked
set_conf max_page_size 0
expect_exit 1 "bad max_page_size" -- "$ACCORD" serve --insecure-http
expect_grep "$TMP/err" "max_page_size" "bad setting named"
set_conf max_page_size 1000
echo "frobnicate = 1" >>"$N/accord.conf"
expect_exit 1 "unknown [server] key" -- "$ACCORD" serve --insecure-http
expect_grep "$TMP/err" "unknown setting '\[server\] frobnicate'" "unknown key named"
sed -i '/^frobnicate/d' "$N/accord.conf"
expect_exit 0 "read-only collection" -- "$ACCORD" collection add readonly --title "Read only" --write ""
expect_exit 0 "collection list" -- "$ACCORD" collection list
expect_grep "$TMP/out" " readonly +own +analyst,supervisor,admin +- " "empty write roles"

set_conf max_page_size 100
set_conf max_body_bytes 65536
start_server --insecure-http || { finish; exit 1; }
AUTH="Bearer $T_ALICE"

# discovery and API root
req GET ""
expect_code 200 "discovery"
expect_jq '.title == "Test Agency" and (.api_roots | length == 1) and (.api_roots[0] | endswith("/taxii2/api1/"))' "discovery body"
grep -qi "^content-type: application/taxii+json;version=2.1" "$TMP/hdr" && ok || bad "discovery content type"
req GET api1/
expect_code 200 "api root"
expect_jq '.versions == ["application/taxii+json;version=2.1"] and .max_content_length == 65536' "api root body"
req GET api2/
expect_code 404 "unknown api root"

# collections and roles
req GET api1/collections/
expect_code 200 "collections"
expect_jq '[.collections[].alias] == ["node","inbox","restricted","shared","readonly"]' "alice sees five collections"
expect_jq '.collections[] | select(.alias == "readonly") | .can_read == true and .can_write == false' "read-only collection"
expect_jq '.collections[] | select(.alias == "restricted") | .can_read == false and .can_write == true' "can_read/can_write by role"
expect_jq '.collections[0].media_types == ["application/stix+json;version=2.1"]' "media types"
NODE=$(jq -r '.collections[] | select(.alias == "node") | .id' "$TMP/body")
INBOX=$(jq -r '.collections[] | select(.alias == "inbox") | .id' "$TMP/body")
SHARED=$(jq -r '.collections[] | select(.alias == "shared") | .id' "$TMP/body")
req GET "api1/collections/$NODE/"
expect_code 200 "one collection"
expect_jq ".id == \"$NODE\" and .title and .can_read" "collection body"
req GET "api1/collections/node/"
expect_code 404 "collections are addressed by id, not name"
req GET "api1/collections/$(uuid)/"
expect_code 404 "unknown collection"
AUTH="Bearer $T_AUD"
req GET api1/collections/
expect_code 200 "auditor collections"
expect_jq '.collections == null' "auditor sees no collection"
req GET "api1/collections/$NODE/objects/"
expect_code 404 "invisible collection is 404"
AUTH="Bearer $T_ALICE"
req GET "api1/collections/$RESTRICTED/objects/"
expect_code 403 "objects without read"

# paging through everything
seen="$TMP/seen"
: >"$seen"
next=
pages=0
while :; do
	req GET "api1/collections/$NODE/objects/?limit=37${next:+&next=$next}"
	[ "$CODE" = 200 ] || { bad "page $pages: HTTP $CODE"; break; }
	jq -r '.objects[] | .id' "$TMP/body" >>"$seen"
	n=$(jq '.objects | length' "$TMP/body")
	[ "$n" -le 37 ] || bad "page over the limit"
	grep -qi "^X-TAXII-Date-Added-First: 20" "$TMP/hdr" && grep -qi "^X-TAXII-Date-Added-Last: 20" "$TMP/hdr" || bad "date headers missing"
	pages=$((pages + 1))
	[ "$(jq -r .more "$TMP/body")" = true ] || break
	next=$(jq -r .next "$TMP/body")
	[ "$pages" -lt 100 ] || { bad "paging does not end"; break; }
done
[ "$(wc -l <"$seen")" = "$TOTAL" ] && ok || bad "paged $(wc -l <"$seen") objects, stored $TOTAL"
[ "$(sort "$seen" | uniq -d | wc -l)" = 0 ] && ok || bad "an object repeated across pages"
req GET "api1/collections/$NODE/objects/?limit=5000"
expect_code 200 "limit over the cap"
expect_jq '(.objects | length) == 100 and .more == true' "limit clamped to max_page_size"
req GET "api1/collections/$NODE/objects/?limit=0"
expect_code 400 "limit 0"
req GET "api1/collections/$NODE/objects/?limit=abc"
expect_code 400 "limit not a number"
req GET "api1/collections/$NODE/objects/?next=xyz"
expect_code 400 "bad next"

# filters
req GET "api1/collections/$NODE/objects/?match%5Btype%5D=identity&limit=100"
expect_code 200 "match[type]"
expect_jq '(.objects | length) > 0 and all(.objects[]; .type == "identity")' "only identities"
req GET "api1/collections/$NODE/objects/?match%5Btype%5D=identity,vehicle-x&limit=100"
expect_jq 'all(.objects[]; .type == "identity")' "type list"
ONE=$(jq -r '.objects[0].id' "$TMP/body")
TWO=$(jq -r '.objects[1].id' "$TMP/body")
req GET "api1/collections/$NODE/objects/?match%5Bid%5D=$ONE,$TWO"
expect_jq '(.objects | length) == 2' "match[id] list"
jq -e --arg a "$ONE" --arg b "$TWO" '([.objects[].id] | sort) == ([$a,$b] | sort)' "$TMP/body" >/dev/null && ok || bad "match[id] ids"
req GET "api1/collections/$NODE/objects/?match%5Bspec_version%5D=2.0"
expect_jq '.objects == null and .more == false' "match[spec_version]=2.0 finds nothing"
req GET "api1/collections/$NODE/objects/?match%5Bspec_version%5D=2.1&limit=1"
expect_jq '(.objects | length) == 1' "match[spec_version]=2.1"
req GET "api1/collections/$NODE/objects/?match%5Bversion%5D=sometime"
expect_code 400 "bad match[version]"
req GET "api1/collections/$NODE/objects/?added_after=yesterday"
expect_code 400 "bad added_after"
req GET "api1/collections/$NODE/objects/?match%5Bid%5D=$ONE,,$TWO"
expect_code 400 "empty list item"

# POST: two versions of one object, a new one, and a bad one
OBJ=identity--$(uuid)
NEW=identity--$(uuid)
printf '{"objects":[%s,%s,%s,{"type":"identity","id":"identity--bad"}]}' \
	"$(ident "$OBJ" 2025-01-01T00:00:00.000Z "Old Name")" \
	"$(ident "$OBJ" 2025-06-01T00:00:00.000Z "New Name")" \
	"$(ident "$NEW" 2025-01-01T00:00:00.000Z "Other")" >"$TMP/env.json"
req POST "api1/collections/$INBOX/objects/" -H "Content-Type: $MT" --data-binary @"$TMP/env.json"
expect_code 202 "POST objects"
expect_jq '.status == "complete" and .total_count == 4 and .success_count == 3 and .failure_count == 1 and .pending_count == 0' "status counts"
expect_jq '.failures[0].id == "identity--bad" and (.failures[0].message | length > 0)' "failure says why"
expect_jq "[.successes[].id] == [\"$OBJ\", \"$OBJ\", \"$NEW\"]" "successes listed"
STATUS=$(jq -r .id "$TMP/body")
req GET "api1/status/$STATUS/"
expect_code 200 "GET status"
expect_jq ".id == \"$STATUS\" and .success_count == 3" "stored status"
AUTH="Bearer $T_SAM"
req GET "api1/status/$STATUS/"
expect_code 404 "someone else's status"
AUTH="Basic $(printf 'root:%s' "$PW" | base64)"
req GET "api1/status/$STATUS/"
expect_code 200 "admin sees any status (and Basic works)"
AUTH="Bearer $T_ALICE"
req GET "api1/status/$(uuid)/"
expect_code 404 "unknown status"
req POST "api1/collections/$INBOX/objects/" -H "Content-Type: $MT" --data-binary @"$TMP/env.json"
expect_jq '.success_count == 3' "re-POST: duplicates are successes"

# the inbox holds exactly what was written into it; node (own) sees it too
req GET "api1/collections/$INBOX/objects/"
expect_jq '(.objects | length) == 2' "inbox: newest versions of two objects"
req GET "api1/collections/$INBOX/objects/?match%5Bversion%5D=all"
expect_jq '(.objects | length) == 3' "inbox: all versions"
req GET "api1/collections/$INBOX/objects/?match%5Bversion%5D=first&match%5Bid%5D=$OBJ"
expect_jq '.objects[0].name == "Old Name" and (.objects | length) == 1' "match[version]=first"
req GET "api1/collections/$INBOX/objects/?match%5Bversion%5D=2025-06-01T00:00:00.000Z"
expect_jq '.objects[0].name == "New Name" and (.objects | length) == 1' "match[version]=timestamp"
req GET "api1/collections/$INBOX/objects/?match%5Bversion%5D=first,last&match%5Bid%5D=$OBJ"
expect_jq '(.objects | length) == 2' "match[version]=first,last"
req GET "api1/collections/$NODE/objects/$OBJ/"
expect_code 200 "GET one object"
expect_jq '(.objects | length) == 1 and .objects[0].name == "New Name"' "newest version by default"
req GET "api1/collections/$NODE/objects/$OBJ/?match%5Bversion%5D=all"
expect_jq '(.objects | length) == 2' "one object, all versions"
req GET "api1/collections/$SHARED/objects/$OBJ/"
expect_code 404 "not in the partners collection"
req GET "api1/collections/$NODE/objects/identity--$(uuid)/"
expect_code 404 "unknown object"
req GET "api1/collections/$INBOX/objects/$OBJ/versions/"
expect_code 200 "versions"
expect_jq '.versions == ["2025-01-01T00:00:00.000Z","2025-06-01T00:00:00.000Z"] and .more == false' "versions body"
req GET "api1/collections/$INBOX/objects/$OBJ/versions/?limit=1"
expect_jq '(.versions | length) == 1 and .more == true' "versions paging"
req GET "api1/collections/$INBOX/manifest/?match%5Bversion%5D=all"
expect_code 200 "manifest"
expect_jq '(.objects | length) == 3 and all(.objects[]; .date_added and .version and .media_type == "application/stix+json;version=2.1")' "manifest records"
FIRST_ADDED=$(jq -r '.objects[0].date_added' "$TMP/body")
req GET "api1/collections/$INBOX/objects/?match%5Bversion%5D=all&added_after=$FIRST_ADDED"
expect_jq '(.objects | length) == 2' "added_after is strict"

# POST errors
req POST "api1/collections/$INBOX/objects/" -H "Content-Type: application/json" --data-binary @"$TMP/env.json"
expect_code 415 "wrong content type"
req POST "api1/collections/$INBOX/objects/" -H "Content-Type: $MT" --data-binary '{"objects": ['
expect_code 400 "malformed JSON"
req POST "api1/collections/$INBOX/objects/" -H "Content-Type: $MT" --data-binary '{"things": []}'
expect_code 422 "not an envelope"
req POST "api1/collections/$INBOX/objects/" -H "Content-Type: $MT" --data-binary '[1,2]'
expect_code 422 "array is not an envelope"
head -c 100000 /dev/zero | tr '\0' 'a' | sed 's/^/{"objects":["/; s/$/"]}/' >"$TMP/big.json"
req POST "api1/collections/$INBOX/objects/" -H "Content-Type: $MT" --data-binary @"$TMP/big.json"
expect_code 413 "oversized body"
grep -qi '^content-type: application/taxii+json' "$TMP/hdr" && ok || bad "413 has the TAXII media type"
req GET "api1/collections/$NODE/nonsense/"
expect_code 404 "unknown path is a TAXII 404"
req PUT "api1/collections/$NODE/objects/" -H "Content-Type: $MT" --data-binary '{}'
expect_code 405 "wrong method is a TAXII 405"
grep -qi '^allow:' "$TMP/hdr" && ok || bad "405 carries Allow"
AUTH="Bearer $T_SAM"
req POST "api1/collections/$RESTRICTED/objects/" -H "Content-Type: $MT" --data-binary @"$TMP/env.json"
expect_code 403 "POST without write"
AUTH="Bearer $T_ALICE"
req POST "api1/collections/$RESTRICTED/objects/" -H "Content-Type: $MT" --data-binary @"$TMP/env.json"
expect_code 202 "write-only POST"

# media types
CODE=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: $AUTH" -H "Accept: application/xml" "${URL}api1/")
expect_code 406 "Accept xml"
CODE=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: $AUTH" -H "Accept: application/taxii+json;version=2.0" "${URL}api1/")
expect_code 406 "Accept version 2.0"
CODE=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: $AUTH" -H "Accept: application/taxii+json" "${URL}api1/")
expect_code 200 "Accept without version"
CODE=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: $AUTH" "${URL}api1/")
expect_code 200 "curl's default */*"

# authentication
for t in "Bearer $T_REVOKED:revoked token" "Bearer $T_EXPIRED:expired token" \
	"Bearer acc_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA:unknown token" \
	"Basic $(printf 'alice:wrong password!' | base64):wrong password" \
	"Digest x:unknown scheme"; do
	AUTH=${t%:*}
	req GET api1/
	expect_code 401 "${t##*:}"
done
grep -qi '^WWW-Authenticate: Basic' "$TMP/hdr" && ok || bad "401 without WWW-Authenticate"
CODE=$(curl -s -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' "${URL}api1/")
expect_code 401 "no credentials"
# credentials are checked before the body is read: an anonymous POST
# is refused with 401, not buffered first
head -c 20000 /dev/zero | tr '\0' ' ' >"$TMP/blank.json"
CODE=$(curl -s -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' -X POST \
	-H "Content-Type: $MT" -H "Accept: $MT" --data-binary @"$TMP/blank.json" \
	"${URL}api1/collections/$INBOX/objects/")
expect_code 401 "anonymous POST refused before its body"
grep -qF -- "${T_ALICE:21}" "$TMP/serve.log" && bad "a token secret in the log" || ok
grep -qF -- "$PW" "$TMP/serve.log" && bad "a password in the log" || ok

# DELETE
AUTH="Bearer $T_ALICE"
req DELETE "api1/collections/$NODE/objects/$OBJ/"
expect_code 403 "analyst may not delete"
AUTH="Bearer $T_SAM"
req DELETE "api1/collections/$NODE/objects/$OBJ/?match%5Bversion%5D=2025-01-01T00:00:00.000Z"
[ "$CODE" = 200 ] && ok || bad "delete one version: HTTP $CODE"
req GET "api1/collections/$NODE/objects/$OBJ/versions/"
expect_jq '.versions == ["2025-06-01T00:00:00.000Z"]' "one version left"
req DELETE "api1/collections/$NODE/objects/$OBJ/"
[ "$CODE" = 200 ] && ok || bad "delete: HTTP $CODE"
req GET "api1/collections/$NODE/objects/$OBJ/"
expect_code 404 "deleted object is gone"
req DELETE "api1/collections/$NODE/objects/$OBJ/"
expect_code 404 "delete twice"
"$ACCORD" search "Old Name" >"$TMP/out" 2>&1
grep -q "$OBJ" "$TMP/out" && bad "deleted object still found by search" || ok

# health and metrics
CODE=$(curl -s -o "$TMP/body" -w '%{http_code}' "${URL%taxii2/}healthz")
[ "$CODE" = 200 ] && ok || bad "healthz: HTTP $CODE"
curl -s "${URL%taxii2/}metrics" >"$TMP/metrics"
expect_grep "$TMP/metrics" "^accord_objects_stored [0-9]+" "objects gauge"
expect_grep "$TMP/metrics" 'accord_http_requests_total\{route="objects",code="200"\}' "per-route metrics"
stop_server && ok || bad "serve did not exit 0 on SIGTERM"

# TLS by default, and the plain-HTTP guard
start_server || { finish; exit 1; }
[[ "$URL" == https://* ]] && ok || bad "default is https: $URL"
CACERT="$N/keys/tls.crt"
AUTH="Bearer $T_ALICE"
req GET api1/
expect_code 200 "https with the node certificate"
CODE=$(curl -s -o /dev/null -w '%{http_code}' "${URL}api1/")
[ "$CODE" = 000 ] && ok || bad "https without trusting the certificate: $CODE"
stop_server
unset CACERT
expect_exit 1 "plain http on a public address" -- "$ACCORD" serve --insecure-http --listen 0.0.0.0:0
expect_grep "$TMP/err" "allow_insecure_public" "guard explained"
expect_exit 2 "bad --listen" -- "$ACCORD" serve --listen 127.0.0.1:99999

finish
