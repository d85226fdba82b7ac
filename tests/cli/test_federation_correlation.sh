#!/usr/bin/env bash
# Two real nodes, each pulling the other over pinned HTTPS: a phone number
# both hold (written differently) and a person both hold (in different
# scripts) raise a cross-source correlation and an alert on each node; the
# alert follows the access decision (a user who may not see one side gets
# nothing).
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null && command -v curl >/dev/null || exit 77
A="$TMP/alpha"
B="$TMP/bravo"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT
GREEN=marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb
HANDLING=extension-definition--05ea4847-bb88-4c1a-af65-7e077cbbdd26
PERSON=extension-definition--f6847bb6-02c2-41de-957f-cda80662ccdb
MARKS='"object_marking_refs":["'$GREEN'"],"extensions":{"'$HANDLING'":{"extension_type":"property-extension","handling_code":"H0","areas":["drug-trafficking"]}}'

# serve NODE NAME: starts NODE on a free port; sets URL_<NAME>
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

# grant FROMDIR TODIR FROM TO: TO gives FROM an agreement and a partner
# token, which FROM stores as its credentials for TO
grant() {
	"$ACCORD" --node "$2" agreement set "$3" --areas drug-trafficking \
		--max-tlp amber --from 2024-01-01 --until 2099-12-31 >/dev/null 2>&1 || return 1
	"$ACCORD" --node "$2" token create --partner "$3" >"$TMP/$3-$4.tok" 2>/dev/null || return 1
	chmod 600 "$TMP/$3-$4.tok"
	"$ACCORD" --node "$1" partner credentials "$4" --token-file "$TMP/$3-$4.tok" >/dev/null 2>&1
}

expect_exit 0 "init alpha" -- "$ACCORD" init "$A" --org "Alpha Police"
expect_exit 0 "init bravo" -- "$ACCORD" init "$B" --org "Bravo Police"
serve "$A" alpha || { bad "alpha did not start"; finish; exit 1; }
serve "$B" bravo || { bad "bravo did not start"; finish; exit 1; }
"$ACCORD" --node "$A" node card --url "${URL_alpha}api1/" >"$TMP/alpha.card" 2>/dev/null
"$ACCORD" --node "$B" node card --url "${URL_bravo}api1/" >"$TMP/bravo.card" 2>/dev/null
expect_exit 0 "alpha adds bravo" -- "$ACCORD" --node "$A" partner add bravo --card "$TMP/bravo.card"
expect_exit 0 "bravo adds alpha" -- "$ACCORD" --node "$B" partner add alpha --card "$TMP/alpha.card"
grant "$B" "$A" bravo alpha && ok || bad "alpha grants bravo"
grant "$A" "$B" alpha bravo && ok || bad "bravo grants alpha"

# the same phone written two ways, the same person in two scripts
cat >"$TMP/alpha.jsonl" <<JSON
{"type":"indicator","spec_version":"2.1","id":"indicator--a1a1a1a1-0000-4000-8000-000000000001","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"Courier phone","pattern":"[accord-phone-number:value = '+996 555 12-34-56']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00.000Z",$MARKS}
{"type":"identity","spec_version":"2.1","id":"identity--a1a1a1a1-0000-4000-8000-000000000002","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"Aybek Junusov","identity_class":"individual",$MARKS}
JSON
cat >"$TMP/bravo.jsonl" <<JSON
{"type":"indicator","spec_version":"2.1","id":"indicator--b2b2b2b2-0000-4000-8000-000000000001","created":"2026-01-02T00:00:00.000Z","modified":"2026-01-02T00:00:00.000Z","name":"Seized handset","pattern":"[accord-phone-number:value = '0555123456']","pattern_type":"stix","valid_from":"2026-01-02T00:00:00.000Z",$MARKS}
{"type":"identity","spec_version":"2.1","id":"identity--b2b2b2b2-0000-4000-8000-000000000002","created":"2026-01-02T00:00:00.000Z","modified":"2026-01-02T00:00:00.000Z","name":"Айбек Жунусов","identity_class":"individual",$MARKS}
JSON
expect_exit 0 "alpha imports" -- "$ACCORD" --node "$A" import "$TMP/alpha.jsonl"
expect_exit 0 "bravo imports" -- "$ACCORD" --node "$B" import "$TMP/bravo.jsonl"
expect_exit 0 "bravo pulls alpha" -- "$ACCORD" --node "$B" sync pull alpha
expect_exit 0 "alpha pulls bravo" -- "$ACCORD" --node "$A" sync pull bravo

for side in "$A:alpha:bravo:a1a1a1a1:b2b2b2b2" "$B:bravo:alpha:b2b2b2b2:a1a1a1a1"; do
	IFS=: read -r dir name other own theirs <<<"$side"
	expect_exit 0 "$name alerts" -- "$ACCORD" --node "$dir" alerts --json
	jq -e --arg o "indicator--$own-0000-4000-8000-000000000001" --arg t "indicator--$theirs-0000-4000-8000-000000000001" \
		'any(.[]; .kind == "phone" and ([.object_a, .object_b] | sort) == ([$o, $t] | sort))' "$TMP/out" >/dev/null &&
		ok || bad "$name: no phone alert ($(head -c 400 "$TMP/out"))"
	jq -e --arg o "identity--$own-0000-4000-8000-000000000002" --arg t "identity--$theirs-0000-4000-8000-000000000002" \
		'any(.[]; .kind == "person-name" and .score >= 0.85 and ([.object_a, .object_b] | sort) == ([$o, $t] | sort))' "$TMP/out" >/dev/null &&
		ok || bad "$name: no person-name alert ($(head -c 400 "$TMP/out"))"
	expect_exit 0 "$name correlations" -- "$ACCORD" --node "$dir" correlations "indicator--$own-0000-4000-8000-000000000001" --json
	jq -e --arg t "indicator--$theirs-0000-4000-8000-000000000001" \
		'any(.[]; .other_id == $t and .other_source == "partner:'"$other"'")' "$TMP/out" >/dev/null &&
		ok || bad "$name: correlation with the partner's indicator"
done

# alerts follow the access decision: a user who may not see the partner's
# side (an auditor sees no intelligence at all) learns of nothing
"$ACCORD" --node "$B" user add carol --role auditor --password-stdin <<<"correct horse battery" >/dev/null 2>&1
expect_exit 4 "auditor: correlations look like absence" -- "$ACCORD" --node "$B" correlations \
	indicator--b2b2b2b2-0000-4000-8000-000000000001 --as carol
finish
