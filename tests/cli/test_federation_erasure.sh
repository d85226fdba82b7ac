#!/usr/bin/env bash
# Three real nodes on loopback over pinned HTTPS: alpha shares an object
# with bravo, bravo passes it on to charlie (onward sharing green, a
# TLP:GREEN object). alpha erases it: the signed notice reaches bravo,
# bravo erases every version, passes a notice on to charlie and confirms
# back; charlie erases and confirms to bravo. A partner that never
# received the object gets no notice; a notice from a partner that is not
# entitled, or unsigned, is refused and erases nothing; every node's audit
# trail has its erase entries.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null && command -v curl >/dev/null &&
	command -v sqlite3 >/dev/null || exit 77
A="$TMP/alpha"
B="$TMP/bravo"
C="$TMP/charlie"
MT="application/taxii+json;version=2.1"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done; [ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT
GREEN=marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb
HANDLING=extension-definition--05ea4847-bb88-4c1a-af65-7e077cbbdd26
MARKS='"object_marking_refs":["'$GREEN'"],"extensions":{"'$HANDLING'":{"extension_type":"property-extension","handling_code":"H0","areas":["drug-trafficking"]}}'
OBJ=intrusion-set--e1e1e1e1-0000-4000-8000-000000000001
OBJ2=intrusion-set--e1e1e1e1-0000-4000-8000-000000000002

# serve NODE NAME: starts NODE on a free port (its sync loop off: the test
# syncs and delivers by hand, so timing never decides); sets URL_<NAME>
serve() {
	local url=
	"$ACCORD" --node "$1" serve --no-sync --listen 127.0.0.1:0 2>"$TMP/$2.log" &
	PIDS+=($!)
	for _ in $(seq 1 300); do
		url=$(sed -n 's/^accord: serving TAXII 2.1 at \(.*\)$/\1/p' "$TMP/$2.log")
		[ -n "$url" ] && break
		sleep 0.1
	done
	[ -n "$url" ] || { cat "$TMP/$2.log" >&2; return 1; }
	printf -v "URL_$2" '%s' "$url"
}

# grant FROMDIR TODIR FROM TO [AGREEMENT OPTIONS]: TO gives FROM an
# agreement and a partner token, which FROM stores as its credentials for TO
grant() {
	local from=$1 to=$2 fname=$3 tname=$4
	shift 4
	"$ACCORD" --node "$to" agreement set "$fname" --areas drug-trafficking \
		--max-tlp amber --from 2024-01-01 --until 2099-12-31 "$@" >/dev/null 2>&1 || return 1
	"$ACCORD" --node "$to" token create --partner "$fname" >"$TMP/$fname-$tname.tok" 2>/dev/null || return 1
	chmod 600 "$TMP/$fname-$tname.tok"
	"$ACCORD" --node "$from" partner credentials "$tname" --token-file "$TMP/$fname-$tname.tok" >/dev/null 2>&1
}

versions() { sqlite3 "$1/store.db" "SELECT count(*) FROM objects WHERE id = '$2'"; }
named() { # rows anywhere in the store that still name object $2
	sqlite3 "$1/store.db" "SELECT (SELECT count(*) FROM identifiers WHERE object_id = '$2')
		+ (SELECT count(*) FROM collection_members WHERE object_id = '$2')
		+ (SELECT count(*) FROM person_names WHERE object_id = '$2')
		+ (SELECT count(*) FROM correlations WHERE object_a = '$2' OR object_b = '$2')"
}
# the partners a node's disclosure records name for an object (the keyed
# records and the log not yet merged into them)
disclosed_to() {
	sqlite3 "$1/store.db" "SELECT group_concat(DISTINCT partner) FROM (SELECT partner
		FROM disclosures WHERE object_id = '$2' UNION ALL SELECT partner
		FROM disclosure_log WHERE object_id = '$2')"
}
intrusion_set() { # ID MODIFIED NAME
	echo '{"type":"intrusion-set","spec_version":"2.1","id":"'$1'","created":"2026-01-01T00:00:00.000Z","modified":"'$2'","name":"'$3'",'"$MARKS"'}'
}

expect_exit 0 "erase --help" -- "$ACCORD" erase --help
expect_grep "$TMP/out" "usage: accord erase ID --reason TEXT" "erase help"
for n in alpha bravo charlie; do
	expect_exit 0 "init $n" -- "$ACCORD" init "$TMP/$n" --org "${n^} Police"
	serve "$TMP/$n" "$n" || { bad "$n did not start"; finish; exit 1; }
done
"$ACCORD" --node "$A" node card --url "${URL_alpha}api1/" >"$TMP/alpha.card" 2>/dev/null
"$ACCORD" --node "$B" node card --url "${URL_bravo}api1/" >"$TMP/bravo.card" 2>/dev/null
"$ACCORD" --node "$C" node card --url "${URL_charlie}api1/" >"$TMP/charlie.card" 2>/dev/null
for pair in "$A bravo" "$A charlie" "$B alpha" "$B charlie" "$C bravo" "$C alpha"; do
	read -r dir name <<<"$pair"
	"$ACCORD" --node "$dir" partner add "$name" --card "$TMP/$name.card" >/dev/null 2>&1 &&
		ok || bad "partner add $name"
done
grant "$B" "$A" bravo alpha && ok || bad "alpha grants bravo"
grant "$A" "$B" alpha bravo --onward-sharing green && ok || bad "bravo grants alpha"
grant "$C" "$B" charlie bravo && ok || bad "bravo grants charlie"
grant "$B" "$C" bravo charlie && ok || bad "charlie grants bravo"
grant "$C" "$A" charlie alpha && ok || bad "alpha grants charlie"
grant "$A" "$C" alpha charlie && ok || bad "charlie grants alpha"

# local refusals
expect_exit 2 "erase without a reason" -- "$ACCORD" --node "$A" erase "$OBJ"
expect_grep "$TMP/err" "needs --reason" "missing reason explained"
expect_exit 2 "erase with a blank reason" -- "$ACCORD" --node "$A" erase "$OBJ" --reason "  "
expect_exit 2 "erase a malformed id" -- "$ACCORD" --node "$A" erase not-an-id --reason x
expect_exit 4 "erase an unknown object" -- "$ACCORD" --node "$A" erase "$OBJ" --reason "test"
expect_grep "$TMP/err" "no object '$OBJ'" "unknown object named"
expect_exit 1 "erase a marking definition" -- "$ACCORD" --node "$A" erase "$GREEN" --reason "test"
expect_grep "$TMP/err" "marking definitions" "marking refusal explained"
expect_exit 1 "erase the node identity" -- "$ACCORD" --node "$A" erase "$(jq -r .id "$A/identity.json")" --reason "test"
expect_exit 4 "status of nothing" -- "$ACCORD" --node "$A" erase status "$OBJ"

# alpha -> bravo -> charlie, two versions on each; bravo shares what it
# received in a collection of partner data
expect_exit 0 "bravo: partner data collection" -- "$ACCORD" --node "$B" collection add shared \
	--title "Partner data" --scope partners
intrusion_set "$OBJ" 2026-01-01T00:00:00.000Z "Night Couriers" >"$TMP/v1.jsonl"
intrusion_set "$OBJ2" 2026-01-01T00:00:00.000Z "Harbour Crew" >>"$TMP/v1.jsonl"
intrusion_set "$OBJ" 2026-02-01T00:00:00.000Z "Night Couriers (renamed)" >"$TMP/v2.jsonl"
expect_exit 0 "alpha imports v1" -- "$ACCORD" --node "$A" import "$TMP/v1.jsonl"
expect_exit 0 "bravo pulls alpha" -- "$ACCORD" --node "$B" sync pull alpha
expect_exit 0 "charlie pulls bravo" -- "$ACCORD" --node "$C" sync pull bravo
expect_exit 0 "alpha imports v2" -- "$ACCORD" --node "$A" import "$TMP/v2.jsonl"
expect_exit 0 "bravo pulls alpha again" -- "$ACCORD" --node "$B" sync pull alpha
expect_exit 0 "charlie pulls bravo again" -- "$ACCORD" --node "$C" sync pull bravo
[ "$(versions "$B" "$OBJ")" = 2 ] && ok || bad "bravo holds both versions ($(versions "$B" "$OBJ"))"
[ "$(versions "$C" "$OBJ")" = 2 ] && ok || bad "charlie holds both versions ($(versions "$C" "$OBJ"))"
[ "$(versions "$C" "$OBJ2")" = 1 ] && ok || bad "charlie holds the second object"
[ "$(disclosed_to "$A" "$OBJ")" = bravo ] &&
	ok || bad "alpha's disclosure records name bravo only"
[ "$(disclosed_to "$B" "$OBJ")" = charlie ] &&
	ok || bad "bravo's disclosure records name charlie"

# alpha erases: the notice goes to bravo at once
expect_exit 0 "alpha erases" -- "$ACCORD" --node "$A" erase "$OBJ" --reason "court order 12/2026"
expect_grep "$TMP/out" "erased 2 version\(s\) of '$OBJ'; notice accord-erasure-notice--[0-9a-f-]{36} queued for 1 partner" "erase summary"
[ "$(versions "$A" "$OBJ")" = 0 ] && ok || bad "alpha still holds versions"
[ "$(named "$A" "$OBJ")" = 0 ] && ok || bad "alpha still has rows naming the object"
[ "$(versions "$A" "$OBJ2")" = 1 ] && ok || bad "alpha lost the other object"
# delivery rounds until every hop confirmed (bounded)
for round in 1 2 3 4 5; do
	for d in "$A" "$B" "$C"; do "$ACCORD" --node "$d" erase deliver >/dev/null 2>&1; done
	"$ACCORD" --node "$A" erase status "$OBJ" >"$TMP/sa" 2>/dev/null
	"$ACCORD" --node "$B" erase status "$OBJ" >"$TMP/sb" 2>/dev/null
	grep -q "^partner bravo: .*confirmed 20" "$TMP/sa" && grep -q "^partner charlie: .*confirmed 20" "$TMP/sb" && break
done
[ "$(versions "$B" "$OBJ")" = 0 ] && ok || bad "bravo still holds versions"
[ "$(named "$B" "$OBJ")" = 0 ] && ok || bad "bravo still has rows naming the object"
[ "$(versions "$C" "$OBJ")" = 0 ] && ok || bad "charlie still holds versions"
[ "$(named "$C" "$OBJ")" = 0 ] && ok || bad "charlie still has rows naming the object"
[ "$(versions "$B" "$OBJ2")" = 1 ] && [ "$(versions "$C" "$OBJ2")" = 1 ] && ok || bad "the other object was erased"
expect_exit 4 "bravo: get the erased object" -- "$ACCORD" --node "$B" get "$OBJ"
expect_exit 0 "alpha: erase status" -- "$ACCORD" --node "$A" erase status "$OBJ"
expect_grep "$TMP/out" "^partner bravo: sent 20[^,]*, attempts 1, last error none, confirmed 20" "alpha: bravo confirmed"
grep -q "^partner charlie" "$TMP/out" && bad "alpha notified charlie, which never received the object" || ok
expect_grep "$TMP/out" "reason: court order 12/2026" "status shows the reason"
expect_exit 0 "bravo: erase status" -- "$ACCORD" --node "$B" erase status "$OBJ"
expect_grep "$TMP/out" "notice from partner alpha" "bravo's erasure came from alpha"
expect_grep "$TMP/out" "^partner charlie: sent 20.*confirmed 20" "bravo: charlie confirmed"
expect_grep "$TMP/out" "^confirmation to alpha of accord-erasure-notice--.*: sent 20" "bravo confirmed to alpha"
grep -q "^partner alpha" "$TMP/out" && bad "bravo sent the notice back to alpha" || ok
expect_exit 0 "charlie: erase status" -- "$ACCORD" --node "$C" erase status "$OBJ"
expect_grep "$TMP/out" "notice from partner bravo" "charlie's erasure came from bravo"
expect_grep "$TMP/out" "^confirmation to bravo .*: sent 20" "charlie confirmed to bravo"
ORIGIN=$(jq -r .id "$A/identity.json")
expect_grep "$TMP/out" "origin $ORIGIN" "charlie knows alpha originated it"
expect_exit 0 "erase list" -- "$ACCORD" --node "$A" erase list
expect_grep "$TMP/out" "^erasure of $OBJ .*\(local\): 2 version" "alpha lists the erasure"
# the audit trail on every node
for n in alpha bravo charlie; do
	expect_exit 0 "$n: audit" -- "$ACCORD" --node "$TMP/$n" audit show --action erase --json
	cp "$TMP/out" "$TMP/audit-$n"
	jq -se --arg o "$OBJ" 'any(.[]; .outcome == "ok" and (.object_ids | index($o)) != null and
		(.channel == "cli" or .channel == "erasure-notice"))' "$TMP/audit-$n" >/dev/null &&
		ok || bad "$n: no erase entry for the object"
done
jq -se 'any(.[]; .actor == {kind: "partner", name: "alpha"})' "$TMP/audit-bravo" >/dev/null && ok || bad "bravo: erase by partner alpha"
jq -se 'any(.[]; .actor == {kind: "partner", name: "bravo"})' "$TMP/audit-charlie" >/dev/null && ok || bad "charlie: erase by partner bravo"
jq -se 'any(.[]; .actor.name == "alpha")' "$TMP/audit-charlie" >/dev/null && bad "charlie got a notice from alpha" || ok
expect_exit 0 "audit still verifies" -- "$ACCORD" --node "$B" audit verify

# a partner that is not entitled: charlie (which got OBJ2 from bravo, and
# bravo from alpha) erases its copy and notifies bravo, which refuses
sqlite3 "$C/store.db" "INSERT INTO disclosures VALUES ('$OBJ2', 'bravo', 1, 1)"
expect_exit 0 "charlie erases its copy" -- "$ACCORD" --node "$C" erase "$OBJ2" --reason "not entitled"
expect_grep "$TMP/err" "not every notice could be delivered" "refusal reported"
[ "$(versions "$B" "$OBJ2")" = 1 ] && ok || bad "bravo obeyed a notice from charlie"
expect_exit 0 "charlie: status of the refused notice" -- "$ACCORD" --node "$C" erase status "$OBJ2"
expect_grep "$TMP/out" "^partner bravo: sent never, attempts 1, last error refused by the partner: partner 'charlie' may not erase" "refusal recorded"
expect_exit 1 "deliver retries and fails again" -- "$ACCORD" --node "$C" erase deliver bravo
expect_grep "$TMP/err" "1 not delivered" "deliver summary"
expect_grep "$TMP/bravo.log" "refused" "bravo logged the refusal"
"$ACCORD" --node "$B" audit show --action erase --json >"$TMP/out" 2>/dev/null
jq -se 'any(.[]; .outcome == "denied" and .actor.name == "charlie")' "$TMP/out" >/dev/null && ok || bad "bravo audited the refusal"

# hostile messages over HTTP: unsigned, and from a user instead of a partner
INBOX=$(curl -sk -H "Authorization: Bearer $(cat "$TMP/charlie-bravo.tok")" -H "Accept: $MT" "${URL_bravo}api1/collections/" |
	jq -r '.collections[] | select(.can_write and (.title | test("(?i)inbox"))) | .id' | head -1)
CID=$(jq -r .id "$C/identity.json")
NOTICE='{"type":"accord-erasure-notice","spec_version":"2.1","id":"accord-erasure-notice--0b0b0b0b-1111-4222-8333-444455556666","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","created_by_ref":"'$CID'","object_ref":"'$OBJ2'","reason":"forged","originator_ref":"'$CID'","extensions":{"extension-definition--1d91c39e-d24c-4ef2-ad31-005b3bfe8cff":{"extension_type":"new-sdo"}}}'
post() { # TOKEN BODY
	curl -sk -X POST -H "Authorization: Bearer $1" -H "Accept: $MT" -H "Content-Type: $MT" \
		--data "$2" "${URL_bravo}api1/collections/$INBOX/objects/"
}
post "$(cat "$TMP/charlie-bravo.tok")" "{\"objects\":[$NOTICE]}" >"$TMP/st"
jq -e '.failure_count == 1 and (.failures[0].message | test("not signed"))' "$TMP/st" >/dev/null &&
	ok || bad "unsigned notice refused ($(head -c 300 "$TMP/st"))"
post "$(cat "$TMP/charlie-bravo.tok")" '{"objects":[{"type":"accord-erasure-notice","id":"x"}]}' >"$TMP/st"
jq -e '.failure_count == 1' "$TMP/st" >/dev/null && ok || bad "malformed notice refused"
"$ACCORD" --node "$B" user add ana --role admin --password-stdin <<<"correct horse battery" >/dev/null 2>&1
UT=$("$ACCORD" --node "$B" token create ana 2>/dev/null)
post "$UT" "{\"objects\":[$NOTICE]}" >"$TMP/st"
jq -e '.failure_count == 1 and (.failures[0].message | test("only from partner"))' "$TMP/st" >/dev/null &&
	ok || bad "notice from a user refused"
[ "$(versions "$B" "$OBJ2")" = 1 ] && ok || bad "a refused notice erased something"
[ "$(sqlite3 "$B/store.db" "SELECT count(*) FROM objects WHERE type LIKE 'accord-erasure%'")" = 0 ] &&
	ok || bad "an erasure message was stored as an object"

# a TAXII DELETE of every version is an erasure too: bravo is told
OBJ3=intrusion-set--e1e1e1e1-0000-4000-8000-000000000003
intrusion_set "$OBJ3" 2026-01-01T00:00:00.000Z "Dock Runners" >"$TMP/v3.jsonl"
expect_exit 0 "alpha imports a third object" -- "$ACCORD" --node "$A" import "$TMP/v3.jsonl"
expect_exit 0 "bravo pulls it" -- "$ACCORD" --node "$B" sync pull alpha
[ "$(versions "$B" "$OBJ3")" = 1 ] && ok || bad "bravo holds the third object"
"$ACCORD" --node "$A" user add sup --role supervisor --password-stdin <<<"correct horse battery" >/dev/null 2>&1
ST=$("$ACCORD" --node "$A" token create sup 2>/dev/null)
NODECOL=$(curl -sk -H "Authorization: Bearer $ST" -H "Accept: $MT" "${URL_alpha}api1/collections/" |
	jq -r '.collections[] | select(.can_write and (.title | test("(?i)inbox") | not)) | .id' | head -1)
code=$(curl -sk -o "$TMP/del" -w '%{http_code}' -X DELETE -H "Authorization: Bearer $ST" -H "Accept: $MT" \
	-H "X-Accord-Purpose: case 7" "${URL_alpha}api1/collections/$NODECOL/objects/$OBJ3/")
[ "$code" = 200 ] && ok || bad "DELETE answered $code ($(head -c 200 "$TMP/del"))"
code=$(curl -sk -o "$TMP/del" -w '%{http_code}' -X DELETE -H "Authorization: Bearer $ST" -H "Accept: $MT" \
	"${URL_alpha}api1/collections/$NODECOL/objects/$(jq -r .id "$A/identity.json")/")
[ "$code" = 422 ] && jq -e '.title == "Cannot be erased"' "$TMP/del" >/dev/null && ok ||
	bad "DELETE of the node identity answered $code ($(head -c 200 "$TMP/del"))"
expect_exit 0 "alpha: erase status after DELETE" -- "$ACCORD" --node "$A" erase status "$OBJ3"
expect_grep "$TMP/out" "partner bravo" "the DELETE queued a notice for bravo"
expect_exit 0 "alpha: erase list" -- "$ACCORD" --node "$A" erase list
expect_grep "$TMP/out" "TAXII DELETE; purpose: case 7" "the DELETE's reason"
for _ in $(seq 1 50); do
	"$ACCORD" --node "$A" erase deliver >/dev/null 2>&1
	[ "$(versions "$B" "$OBJ3")" = 0 ] && break
	sleep 0.2
done
[ "$(versions "$B" "$OBJ3")" = 0 ] && ok || bad "bravo still holds the object alpha deleted over TAXII"

# a DELETE of one version: bravo and, through bravo, charlie drop that
# version only and keep the other
OBJ4=intrusion-set--e1e1e1e1-0000-4000-8000-000000000004
# (a read returns the newest version: each is pulled in its turn)
for v in "2026-01-01T00:00:00.000Z Quay Boys" "2026-03-01T00:00:00.000Z Quay Boys (wrong)"; do
	intrusion_set "$OBJ4" "${v%% *}" "${v#* }" >"$TMP/v4.jsonl"
	expect_exit 0 "alpha imports ${v%% *} of a fourth object" -- "$ACCORD" --node "$A" import "$TMP/v4.jsonl"
	expect_exit 0 "bravo pulls it" -- "$ACCORD" --node "$B" sync pull alpha
	expect_exit 0 "charlie pulls it from bravo" -- "$ACCORD" --node "$C" sync pull bravo
done
[ "$(versions "$B" "$OBJ4")" = 2 ] && [ "$(versions "$C" "$OBJ4")" = 2 ] && ok ||
	bad "bravo and charlie hold both versions ($(versions "$B" "$OBJ4"), $(versions "$C" "$OBJ4"))"
code=$(curl -sk -o "$TMP/del" -w '%{http_code}' -X DELETE -H "Authorization: Bearer $ST" -H "Accept: $MT" \
	-H "X-Accord-Purpose: correction" \
	"${URL_alpha}api1/collections/$NODECOL/objects/$OBJ4/?match%5Bversion%5D=2026-03-01T00:00:00.000Z")
[ "$code" = 200 ] && ok || bad "DELETE of one version answered $code ($(head -c 200 "$TMP/del"))"
[ "$(versions "$A" "$OBJ4")" = 1 ] && ok || bad "alpha did not delete exactly one version"
expect_exit 0 "alpha: erase status after the version DELETE" -- "$ACCORD" --node "$A" erase status "$OBJ4"
expect_grep "$TMP/out" "partner bravo" "the version DELETE queued a notice for bravo"
expect_grep "$TMP/out" "^  versions: 2026-03-01T00:00:00.000Z$" "the notice names the version"
for _ in $(seq 1 50); do
	for d in "$A" "$B" "$C"; do "$ACCORD" --node "$d" erase deliver >/dev/null 2>&1; done
	[ "$(versions "$C" "$OBJ4")" = 1 ] && break
	sleep 0.2
done
left() { sqlite3 "$1/store.db" "SELECT version FROM objects WHERE id = '$OBJ4'"; }
[ "$(left "$B")" = 2026-01-01T00:00:00.000Z ] && ok || bad "bravo kept: $(left "$B")"
[ "$(left "$C")" = 2026-01-01T00:00:00.000Z ] && ok || bad "charlie kept: $(left "$C")"
expect_exit 0 "bravo: erase status of the version" -- "$ACCORD" --node "$B" erase status "$OBJ4"
expect_grep "$TMP/out" "^partner charlie: sent 20.*confirmed 20" "bravo passed the version notice on, confirmed"
finish
