#!/usr/bin/env bash
# End to end: the access decision on every read path of a real server
# (TAXII page, one object, versions, manifest; /accord/v1 correlations,
# alerts, ack) for users and partner nodes. Zero leaks, denials look like
# absence (404), pages hold only visible objects and page exactly,
# granular-marked properties are redacted, partners are audited as
# `disclose`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/taxii_lib.sh"
N="$TMP/node"
export ACCORD_NODE="$N"
PW="correct horse battery"
IDENT=identity--7c0e5e6a-3f4b-4c1d-9a2e-5b6c7d8e9f01
HANDLING=extension-definition--05ea4847-bb88-4c1a-af65-7e077cbbdd26
declare -A TLP=([clear]=94868c89-83c2-464b-929b-a1a8aa3c8487
	[green]=bab4a63c-aed9-4cf5-a766-dfca5abac2bb
	[amber]=55d920b0-5e8b-4f79-9ee9-91f868d9b421
	[strict]=939a9414-2ddd-4d32-a0cd-375ea402b003
	[red]=e828b379-4e03-4974-9ac4-e53a884c97c1)

"$ACCORD" init "$N" --org "Policy Agency" >/dev/null || { bad init; finish; exit 1; }
for u in alice:analyst bob:analyst aud:auditor; do
	echo "$PW" | "$ACCORD" user add "${u%%:*}" --role "${u##*:}" --password-stdin 2>/dev/null
done
# p1 is a real node: what partners write must carry a known node's signature
P1N="$TMP/p1node"
"$ACCORD" init "$P1N" --org "Partner One" >/dev/null || bad "init p1 node"
"$ACCORD" --node "$P1N" node card >"$TMP/p1.card" 2>/dev/null
"$ACCORD" partner add p1 --card "$TMP/p1.card" >/dev/null 2>&1 || bad "partner add p1"
for p in p2 p3; do "$ACCORD" partner add $p --identity "$IDENT" 2>/dev/null; done
"$ACCORD" agreement set p1 --areas drug-trafficking --max-tlp amber --from 2024-01-01 --until 2099-12-31 2>/dev/null
"$ACCORD" agreement set p2 --areas drug-trafficking --max-tlp amber --from 2020-01-01 --until 2021-01-01 2>/dev/null
"$ACCORD" agreement set p3 --areas weapons --max-tlp amber --from 2024-01-01 --until 2099-12-31 2>/dev/null
declare -A TOK
for s in alice bob aud; do TOK[$s]=$("$ACCORD" token create $s 2>/dev/null); done
for s in p1 p2 p3; do TOK[$s]=$("$ACCORD" token create --partner $s 2>/dev/null); done

# obj NAME N TLP AREAS HANDLING IP [EXTRA-JSON]: one indicator whose
# pattern holds IP (so objects sharing an IP correlate)
declare -A ID
obj() {
	local id
	id=$(printf 'indicator--00000000-0000-4000-8000-%012d' "$2")
	ID[$1]=$id
	jq -nc --arg id "$id" --arg n "$1" --arg m "marking-definition--${TLP[$3]}" \
		--arg a "$4" --arg h "$5" --arg ip "$6" --arg ext "$HANDLING" \
		--argjson extra "${7:-{\}}" '{type: "indicator", spec_version: "2.1",
		id: $id, created: "2025-01-01T00:00:00.000Z", modified: "2025-01-01T00:00:00.000Z",
		name: $n, description: ("about " + $n), pattern_type: "stix",
		pattern: ("[ipv4-addr:value = '"'"'" + $ip + "'"'"']"),
		valid_from: "2025-01-01T00:00:00Z", object_marking_refs: [$m],
		extensions: {($ext): {extension_type: "property-extension",
		handling_code: $h, areas: ($a | split(","))}}} * $extra'
}
RCPT='{"extensions":{"'$HANDLING'":{"recipients":{"users":["alice"],"partners":["p1"]}}}}'
GRAN='{"granular_markings":[{"marking_ref":"marking-definition--'${TLP[strict]}'","selectors":["description"]}]}'
{
	obj clear 1 clear drug-trafficking H0 10.0.0.1
	obj green 2 green drug-trafficking H0 10.0.0.2
	obj amber 3 amber drug-trafficking H0 10.0.0.3
	obj strict 4 strict drug-trafficking H0 10.0.0.4
	obj red 5 red drug-trafficking H0 10.0.0.3 "$RCPT"
	obj green_h2 6 green drug-trafficking H2 10.0.0.6
	obj weapons 7 amber weapons H0 10.0.0.7
	obj gran 8 green drug-trafficking H0 10.0.0.8 "$GRAN"
	for i in $(seq 20 31); do # hidden (RED naming nobody) and visible, interleaved
		if ((i % 3)); then obj "r$i" $i red drug-trafficking H0 10.9.0.$i
		else obj "g$i" $i green drug-trafficking H0 10.9.0.$i; fi
	done
	for i in $(seq 40 89); do # a long hidden run: the scan budget ends
		obj "x$i" $i red drug-trafficking H0 10.8.0.$i
	done
} >"$TMP/own.jsonl"
for n in "${!ID[@]}"; do echo "$n ${ID[$n]}"; done >"$TMP/own.ids"
"$ACCORD" import --format jsonl "$TMP/own.jsonl" >/dev/null 2>&1 || bad "import own objects"
{
	obj p1_green 101 green drug-trafficking H0 10.0.0.1
	obj p1_red 102 red drug-trafficking H0 10.0.0.2 '{"extensions":{"'$HANDLING'":{"recipients":{"users":["alice"]}}}}'
} | jq -s '{objects: .}' >"$TMP/p1.json"
obj p1_weapons 103 green weapons H0 10.0.0.9 | jq -s '{objects: .}' >"$TMP/p1bad.json"
# signed by the p1 node: imported there, taken back as stored (signed)
cp "$TMP/p1.json" "$TMP/p1unsigned.json"
jq -c '.objects[]' "$TMP/p1.json" "$TMP/p1bad.json" >"$TMP/p1.jsonl"
"$ACCORD" --node "$P1N" import --format jsonl "$TMP/p1.jsonl" >/dev/null 2>&1 || bad "p1 node signs its objects"
signed() {
	sqlite3 "$P1N/store.db" "SELECT json FROM objects WHERE id IN ($1) ORDER BY id" | jq -s '{objects: .}'
}
signed "'indicator--00000000-0000-4000-8000-000000000101','indicator--00000000-0000-4000-8000-000000000102'" >"$TMP/p1.json"
signed "'indicator--00000000-0000-4000-8000-000000000103'" >"$TMP/p1bad.json"

start_server --insecure-http || { finish; exit 1; }
AUTH="Bearer ${TOK[alice]}"
colls=$(curl -s -H "Authorization: $AUTH" "${URL}api1/collections/")
NODE=$(jq -r '.collections[] | select(.alias == "node") | .id' <<<"$colls")
INBOX=$(jq -r '.collections[] | select(.alias == "inbox") | .id' <<<"$colls")

# ---- partner writes ----
AUTH="Bearer ${TOK[p1]}"
req POST "api1/collections/$NODE/objects/" -H "Content-Type: $MT" --data-binary @"$TMP/p1.json"
expect_code 403 "partner may not write to an own-scope collection"
req POST "api1/collections/$INBOX/objects/" -H "Content-Type: $MT" --data-binary @"$TMP/p1.json"
expect_code 202 "partner POST to the inbox"
expect_jq '.success_count == 2' "p1 objects stored"
jq '.objects[0].name = "changed"' "$TMP/p1.json" >"$TMP/p1tampered.json"
req POST "api1/collections/$INBOX/objects/" -H "Content-Type: $MT" --data-binary @"$TMP/p1tampered.json"
expect_jq '.failure_count == 1 and (.failures[0].message | test("provenance: the signature"))' "p1 object changed in transit rejected"
req POST "api1/collections/$INBOX/objects/" -H "Content-Type: $MT" --data-binary @"$TMP/p1unsigned.json"
expect_jq '.failure_count == 2 and (.failures[0].message | test("provenance: unsigned"))' "unsigned partner objects rejected"
req POST "api1/collections/$INBOX/objects/" -H "Content-Type: $MT" --data-binary @"$TMP/p1bad.json"
expect_jq '.failure_count == 1 and (.failures[0].message | test("deny_area"))' "area not covered: a failure"
AUTH="Bearer ${TOK[p3]}"
req POST "api1/collections/$INBOX/objects/" -H "Content-Type: $MT" --data-binary @"$TMP/p1bad.json"
expect_code 202 "p3 posts into its area"
obj red 5 amber weapons H0 10.0.0.5 '{"modified":"2025-02-01T00:00:00.000Z"}' | jq -s '{objects: .}' >"$TMP/over.json"
req POST "api1/collections/$INBOX/objects/" -H "Content-Type: $MT" --data-binary @"$TMP/over.json"
expect_jq '.failure_count == 1 and .failures[0].message == "not accepted"' "new version of a hidden object refused without detail"
AUTH="Bearer ${TOK[p2]}"
req POST "api1/collections/$INBOX/objects/" -H "Content-Type: $MT" --data-binary @"$TMP/p1.json"
expect_jq '.failure_count == 2 and (.failures[0].message | test("deny_agreement_expired"))' "expired agreement writes nothing"
[ "$(sqlite3 "$N/store.db" "SELECT count(*) FROM objects WHERE source = 'partner:p1'")" = 2 ] && ok || bad "p1 objects not stored as partner:p1"
# the p3 object (weapons) counts as p3's own data below
ID[p1_green]=$(printf 'indicator--00000000-0000-4000-8000-%012d' 101)
ID[p1_red]=$(printf 'indicator--00000000-0000-4000-8000-%012d' 102)
ID[p3_weapons]=$(printf 'indicator--00000000-0000-4000-8000-%012d' 103)

# ---- what each subject may see (from docs/policy.md) ----
G_ALL="g21 g24 g27 g30"
R_ALL="r20 r22 r23 r25 r26 r28 r29 r31"
declare -A SEES
SEES[alice]="clear green amber strict red green_h2 weapons gran $G_ALL p1_green p1_red p3_weapons"
SEES[bob]="clear green amber strict green_h2 weapons gran $G_ALL p1_green p3_weapons"
SEES[aud]=""
SEES[p1]="clear green amber green_h2 gran $G_ALL p1_green p1_red"
SEES[p2]=""
SEES[p3]="weapons p3_weapons"
EVERY="clear green amber strict red green_h2 weapons gran $G_ALL $R_ALL p1_green p1_red p3_weapons"

# what node init stored (extension definitions, the node identity): AMBER and area "other" by
# default, so users see them and these partners do not
META=$(sqlite3 "$N/store.db" "SELECT DISTINCT id FROM objects WHERE type <> 'indicator'")
ids_of() { for n in $1; do echo "${ID[$n]}"; done | sort; }
users_want() { { ids_of "$1"; echo "$META"; } | sort; }

# page_all COLLECTION ENDPOINT: every id over pages of 2 (dups kept)
page_all() {
	local next= pages=0
	: >"$TMP/paged"
	while :; do
		req GET "api1/collections/$1/$2/?limit=2${next:+&next=$next}"
		[ "$CODE" = 200 ] || { echo "HTTP $CODE" >>"$TMP/paged"; return; }
		jq -r '(.objects // [])[] | .id' "$TMP/body" >>"$TMP/paged"
		[ "$(jq '(.objects // []) | length' "$TMP/body")" -le 2 ] || echo "OVERSIZED" >>"$TMP/paged"
		pages=$((pages + 1))
		[ "$(jq -r .more "$TMP/body")" = true ] || break
		next=$(jq -r .next "$TMP/body")
		[ "$pages" -lt 60 ] || { echo "ENDLESS" >>"$TMP/paged"; return; }
	done
}

for s in alice bob aud p1 p2 p3; do
	AUTH="Bearer ${TOK[$s]}"
	case $s in
	alice | bob) users_want "${SEES[$s]}" >"$TMP/want" ;;
	*) ids_of "${SEES[$s]}" >"$TMP/want" ;;
	esac
	if [ "$s" = aud ]; then # auditors read no collection at all
		req GET "api1/collections/$NODE/objects/"
		expect_code 404 "aud: collection invisible"
		continue
	fi
	for ep in objects manifest; do
		: >"$TMP/got"
		for k in "$NODE" "$INBOX"; do page_all "$k" "$ep"; cat "$TMP/paged" >>"$TMP/got"; done
		if sort "$TMP/got" | cmp -s - "$TMP/want"; then ok; else
			bad "$s: $ep pages differ from the visible set"
			diff <(sort "$TMP/got") "$TMP/want" | head -5 >&2
		fi
	done
	for n in $EVERY; do
		id=${ID[$n]}
		want=404
		grep -qx "$id" "$TMP/want" && want=200
		k=$NODE
		case $n in p1_* | p3_*) k=$INBOX ;; esac
		req GET "api1/collections/$k/objects/$id/"
		expect_code $want "$s: get $n"
		if [ $want = 404 ]; then
			sed "s/$id/MISSING/" "$TMP/body" >"$TMP/denied"
			req GET "api1/collections/$k/objects/indicator--00000000-0000-4000-8000-999999999999/"
			sed "s/indicator--00000000-0000-4000-8000-999999999999/MISSING/" "$TMP/body" | cmp -s - "$TMP/denied" &&
				ok || bad "$s: denied $n differs from a missing object"
		fi
		req GET "api1/collections/$k/objects/$id/versions/"
		expect_code $want "$s: versions of $n"
	done
done

# ---- a page whose scan budget runs out: short, more, next past it ----
AUTH="Bearer ${TOK[p2]}"
req GET "api1/collections/$NODE/objects/?limit=1"
expect_jq '.more == true and (.objects == null) and (.next | test("^[0-9]+$"))' "budget spent: empty page, more, next"
grep -qi "^X-TAXII-Date-Added" "$TMP/hdr" && bad "date headers on an empty page" || ok
page_all "$NODE" objects
[ ! -s "$TMP/paged" ] && ok || bad "p2 pages to the end: $(head -3 "$TMP/paged")"

# ---- granular redaction ----
for s in alice p1; do
	AUTH="Bearer ${TOK[$s]}"
	req GET "api1/collections/$NODE/objects/${ID[gran]}/"
	if [ $s = alice ]; then
		expect_jq '.objects[0].description == "about gran"' "alice sees the AMBER+STRICT description"
	else
		expect_jq '(.objects[0] | has("description") | not) and (.objects[0] | has("granular_markings") | not) and .objects[0].name == "gran"' "p1 gets gran without the description"
	fi
done

# ---- audit: partners' reads are disclosures of what was returned ----
"$ACCORD" audit show --json --actor p1 --action disclose | jq -r '.object_ids[]' | sort -u >"$TMP/disclosed"
ids_of "${SEES[p1]}" >"$TMP/want"
cmp -s "$TMP/disclosed" "$TMP/want" && ok || bad "p1 disclosures are not exactly what p1 may see"
[ "$("$ACCORD" audit show --json --actor p1 --action consult | grep -c taxii-page)" = 0 ] && ok || bad "p1 reads recorded as consult"

# ---- correlations ----
api() { # METHOD PATH: accord's JSON API
	CODE=$(curl -s -o "$TMP/body" -w '%{http_code}' -X "$1" -H "Authorization: $AUTH" \
		-H "Accept: application/json" "${URL%taxii2/}accord/v1/$2")
}
AUTH="Bearer ${TOK[bob]}"
api GET "objects/${ID[amber]}/correlations"
[ "$CODE" = 200 ] && ok || bad "bob: correlations of amber: HTTP $CODE"
expect_jq '.correlations == []' "bob: amber's match with red is not shown"
api GET "objects/${ID[red]}/correlations"
[ "$CODE" = 404 ] && ok || bad "bob: correlations of hidden red: HTTP $CODE"
api GET "objects/${ID[clear]}/correlations"
expect_jq '[.correlations[] | select(.other_id == "'"${ID[p1_green]}"'" and .kind == "ipv4" and .value == "10.0.0.1" and .score == 1 and .alert)] | length == 1' "bob: clear matches p1_green"
AUTH="Bearer ${TOK[alice]}"
api GET "objects/${ID[amber]}/correlations"
expect_jq '[.correlations[].other_id] == ["'"${ID[red]}"'"]' "alice: amber matches red"
AUTH="Bearer ${TOK[aud]}"
api GET "objects/${ID[clear]}/correlations"
[ "$CODE" = 404 ] && ok || bad "auditor: correlations: HTTP $CODE"
for s in p1 p3; do
	AUTH="Bearer ${TOK[$s]}"
	api GET "objects/${ID[clear]}/correlations"
	[ "$CODE" = 403 ] && ok || bad "$s: correlations: HTTP $CODE"
	api GET "alerts"
	[ "$CODE" = 403 ] && ok || bad "$s: alerts: HTTP $CODE"
done

# ---- alerts (clear~p1_green visible to bob; green~p1_red not) ----
alerts_all() { # pages of one
	local next= pages=0
	: >"$TMP/alerts"
	while :; do
		api GET "alerts?limit=1${next:+&next=$next}"
		[ "$CODE" = 200 ] || { echo "HTTP $CODE" >>"$TMP/alerts"; return; }
		jq -r '.alerts[] | "\(.id) \(.object_a) \(.object_b)"' "$TMP/body" >>"$TMP/alerts"
		pages=$((pages + 1))
		[ "$(jq -r .more "$TMP/body")" = true ] || break
		next=$(jq -r .next "$TMP/body")
		[ "$pages" -lt 20 ] || return
	done
}
AUTH="Bearer ${TOK[bob]}"
alerts_all
[ "$(wc -l <"$TMP/alerts")" = 1 ] && grep -q "${ID[p1_green]}" "$TMP/alerts" && ok || bad "bob: alerts $(cat "$TMP/alerts")"
grep -q "${ID[p1_red]}" "$TMP/alerts" && bad "bob learns of p1_red's alert" || ok
AUTH="Bearer ${TOK[alice]}"
alerts_all
[ "$(wc -l <"$TMP/alerts")" = 2 ] && ok || bad "alice: alerts $(cat "$TMP/alerts")"
RED_ALERT=$(awk -v r="${ID[p1_red]}" '$2 == r || $3 == r {print $1}' "$TMP/alerts")
AUTH="Bearer ${TOK[bob]}"
api POST "alerts/$RED_ALERT/ack"
[ "$CODE" = 404 ] && ok || bad "bob acks a hidden alert: HTTP $CODE"
api POST "alerts/999999/ack"
[ "$CODE" = 404 ] && ok || bad "ack of a missing alert: HTTP $CODE"
AUTH="Bearer ${TOK[aud]}"
api POST "alerts/$RED_ALERT/ack"
[ "$CODE" = 403 ] && ok || bad "auditor acks: HTTP $CODE"
AUTH="Bearer ${TOK[alice]}"
api POST "alerts/$RED_ALERT/ack"
[ "$CODE" = 200 ] && ok || bad "alice acks: HTTP $CODE"
alerts_all
[ "$(wc -l <"$TMP/alerts")" = 1 ] && ok || bad "acked alert still open"
api GET "alerts?limit=zero"
[ "$CODE" = 400 ] && ok || bad "bad limit: HTTP $CODE"
"$ACCORD" audit show --json --actor bob --action consult | grep -q '"api-correlations"' && ok || bad "correlation reads not audited"

stop_server
finish
