#!/usr/bin/env bash
# TAXII paging while writers are active: no row that existed before paging
# began is skipped, none is repeated, and date_added ascends across pages.
# Then graceful shutdown: SIGTERM during a large POST; the POST completes
# with its status and its objects are stored.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/taxii_lib.sh"
command -v jq >/dev/null && command -v curl >/dev/null || exit 77
N="$TMP/node"
export ACCORD_NODE="$N"

"$ACCORD" init "$N" --org "Paging Agency" >/dev/null || { bad init; finish; exit 1; }
echo "correct horse battery" | "$ACCORD" user add alice --role analyst --password-stdin 2>/dev/null
AUTH="Bearer $("$ACCORD" token create alice 2>/dev/null)"
# TLP:RED is for named recipients only (docs/policy.md): this test is
# about paging, so every object is made one the reader may see
"$ACCORD" gen --seed 7 --count 1500 | sed 's/e828b379-4e03-4974-9ac4-e53a884c97c1/55d920b0-5e8b-4f79-9ee9-91f868d9b421/g' >"$TMP/gen.json"
"$ACCORD" import "$TMP/gen.json" >/dev/null 2>&1
for s in $(seq 101 120); do
	"$ACCORD" gen --seed "$s" --count 40 | sed 's/e828b379-4e03-4974-9ac4-e53a884c97c1/55d920b0-5e8b-4f79-9ee9-91f868d9b421/g' >"$TMP/w$s.json"
done
"$ACCORD" gen --seed 999 --count 4000 >"$TMP/large.json"

start_server --insecure-http || { finish; exit 1; }
NODE=$(curl -s -H "Authorization: $AUTH" "${URL}api1/collections/" | jq -r '.collections[] | select(.alias == "node") | .id')
INBOX=$(curl -s -H "Authorization: $AUTH" "${URL}api1/collections/" | jq -r '.collections[] | select(.alias == "inbox") | .id')
# SCOs have no version; the manifest shows their date_added instead
sqlite3 "$N/store.db" "SELECT id || ' ' || version FROM objects WHERE source = 'local' AND version != ''" | sort >"$TMP/before"
[ "$(wc -l <"$TMP/before")" -gt 500 ] && ok || bad "too few rows to page"

# writers: POSTs into the inbox (also visible in "node") while we page
(
	for s in $(seq 101 120); do
		curl -s -o /dev/null -H "Authorization: $AUTH" -H "Content-Type: $MT" \
			--data-binary @"$TMP/w$s.json" "${URL}api1/collections/$INBOX/objects/"
	done
) &
WRITER=$!

: >"$TMP/paged"
next=
pages=0
prev_last=
while :; do
	req GET "api1/collections/$NODE/manifest/?match%5Bversion%5D=all&limit=53${next:+&next=$next}"
	[ "$CODE" = 200 ] || { bad "page $pages: HTTP $CODE"; break; }
	jq -r '.objects[] | .date_added' "$TMP/body" >"$TMP/dates"
	sort -c "$TMP/dates" 2>/dev/null && [ "$(sort -u "$TMP/dates" | wc -l)" = "$(wc -l <"$TMP/dates")" ] || bad "page $pages not ordered by date_added"
	first=$(head -1 "$TMP/dates")
	[ -z "$prev_last" ] || [[ "$first" > "$prev_last" ]] || bad "page $pages starts before the previous one ended"
	prev_last=$(tail -1 "$TMP/dates")
	jq -r '.objects[] | .id + " " + .version' "$TMP/body" >>"$TMP/paged"
	pages=$((pages + 1))
	[ "$(jq -r .more "$TMP/body")" = true ] || break
	next=$(jq -r .next "$TMP/body")
	[ "$pages" -lt 500 ] || { bad "paging does not end"; break; }
done
wait "$WRITER"
[ "$pages" -gt 20 ] && ok || bad "only $pages pages"
[ "$(sort "$TMP/paged" | uniq -d | wc -l)" = 0 ] && ok || bad "rows repeated across pages"
sort -u "$TMP/paged" >"$TMP/paged.sorted"
missing=$(comm -23 "$TMP/before" "$TMP/paged.sorted" | wc -l)
[ "$missing" = 0 ] && ok || bad "$missing rows that existed before paging were skipped"
# paging again now that writers are done sees exactly the store
: >"$TMP/again"
next=
for _ in $(seq 1 100); do
	req GET "api1/collections/$NODE/manifest/?match%5Bversion%5D=all&limit=1000${next:+&next=$next}"
	jq -r '.objects[] | .id' "$TMP/body" >>"$TMP/again"
	[ "$(jq -r .more "$TMP/body")" = true ] || break
	next=$(jq -r .next "$TMP/body")
done
sqlite3 "$N/store.db" "SELECT id FROM objects WHERE source = 'local'" | sort >"$TMP/after"
sort "$TMP/again" | cmp -s - "$TMP/after" && ok || bad "a quiet full paging differs from the store"

# graceful stop during a large POST
curl -s -o "$TMP/post.json" -w '%{http_code}' -H "Authorization: $AUTH" -H "Content-Type: $MT" \
	--data-binary @"$TMP/large.json" "${URL}api1/collections/$INBOX/objects/" >"$TMP/post.code" &
POST=$!
PORT=${URL#http://127.0.0.1:}
PORT=${PORT%%/*}
for _ in $(seq 1 100); do
	[ -n "$(ss -Htn state established "( sport = :$PORT )")" ] && break
	sleep 0.02
done
sleep 0.2 # let the request line and headers arrive
stop_server && ok || bad "serve did not exit 0 after SIGTERM"
wait "$POST"
[ "$(cat "$TMP/post.code")" = 202 ] && ok || bad "POST during shutdown: HTTP $(cat "$TMP/post.code")"
expect_grep "$TMP/serve.log" "finishing requests in flight" "graceful stop logged"
ok_count=$(jq .success_count "$TMP/post.json")
[ "$ok_count" = 4000 ] && ok || bad "POST during shutdown: $ok_count successes"
stored=$(sqlite3 "$N/store.db" "SELECT count(*) FROM collection_members m JOIN objects o ON o.id = m.object_id WHERE m.collection_id = '$INBOX'")
[ "$stored" -ge 4000 ] && ok || bad "only $stored inbox rows after shutdown"
finish
