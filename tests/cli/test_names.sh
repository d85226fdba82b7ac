#!/usr/bin/env bash
# End to end: `accord names search` across scripts, through the access
# decision, with JSON output and an audit entry.
. "$(dirname "$0")/lib.sh"
N="$TMP/node"
PERSON=extension-definition--f6847bb6-02c2-41de-957f-cda80662ccdb
HANDLING=extension-definition--05ea4847-bb88-4c1a-af65-7e077cbbdd26
RED=marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1
LATN=identity--4a1b2c3d-0000-4000-8000-000000000001
ARAB=identity--4a1b2c3d-0000-4000-8000-000000000002
SECRET=identity--4a1b2c3d-0000-4000-8000-000000000003

expect_exit 0 "names --help" -- "$ACCORD" names --help
expect_grep "$TMP/out" "usage: accord names search" "help text"
expect_exit 0 "names search --help" -- "$ACCORD" names search --help
expect_grep "$TMP/out" "usage: accord names search" "search help text"
expect_exit 2 "no subcommand" -- "$ACCORD" names
expect_exit 2 "unknown subcommand" -- "$ACCORD" names find x

expect_exit 0 "init" -- "$ACCORD" init "$N" --org "Test node" >/dev/null
export ACCORD_NODE="$N"
echo "correct horse battery staple" >"$TMP/pw"
expect_exit 0 "user alice" -- "$ACCORD" user add alice --role analyst --password-file "$TMP/pw"
expect_exit 0 "user bob" -- "$ACCORD" user add bob --role analyst --password-file "$TMP/pw"

# generated persons as background, then the cross-script pair and a RED
# person that names only bob as recipient
"$ACCORD" gen --seed 7 --count 300 --format jsonl >"$TMP/gen.jsonl"
expect_exit 0 "import generated" -- "$ACCORD" import "$TMP/gen.jsonl"
person() { # id name ext-name script [extra]
	printf '{"type":"identity","spec_version":"2.1","id":"%s","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"%s","identity_class":"individual"%s,"extensions":{"%s":{"extension_type":"property-extension","names":[{"value":"%s","script":"%s","kind":"full"}]}%s}}\n' \
		"$1" "$2" "${6:-}" "$PERSON" "$3" "$4" "${5:-}"
}
{
	person "$LATN" "Aybek Junusov" "Aibek Dzhunusov" latn
	person "$ARAB" "آیبک ژونوسوف" "آیبک ژونوسوف" arab
	person "$SECRET" "Айбек Жунусов" "Айбек Жунусов" cyrl \
		",\"$HANDLING\":{\"extension_type\":\"property-extension\",\"recipients\":{\"users\":[\"bob\"]}}" \
		",\"object_marking_refs\":[\"$RED\"]"
} >"$TMP/persons.jsonl"
expect_exit 0 "import persons" -- "$ACCORD" import "$TMP/persons.jsonl"

# a Cyrillic query finds the Latin and the Persian spellings
expect_exit 0 "search in Cyrillic" -- "$ACCORD" names search "Айбек Жунусов" --as alice --purpose test
expect_grep "$TMP/out" "^0\.[89][0-9]*	$LATN	|^1\.000	$LATN	" "Latin spelling found with a score"
expect_grep "$TMP/out" "	$ARAB	آیبک ژونوسوف$" "Persian spelling found"
# alice may not see the RED person, bob may
if grep -q "$SECRET" "$TMP/out"; then bad "RED person shown to alice"; else ok; fi
expect_exit 0 "search as bob" -- "$ACCORD" names search "Aybek Junusov" --as bob
expect_grep "$TMP/out" "$SECRET" "RED person shown to its recipient"
# --top bounds the list; hidden matches do not use up the places
expect_exit 0 "top 2 as alice" -- "$ACCORD" names search "Aybek Junusov" --top 2 --as alice
expect_grep "$TMP/out" "$LATN" "top 2: Latin"
expect_grep "$TMP/out" "$ARAB" "top 2: Persian"
[ "$(wc -l <"$TMP/out")" -eq 2 ] && ok || bad "top 2 prints 2 lines"

# JSON output
expect_exit 0 "json" -- "$ACCORD" names search "Aibek Dzhunusov" --json --top 3 --as alice
python3 - "$TMP/out" "$LATN" <<'PY' && ok || bad "json shape"
import json, sys
d = json.load(open(sys.argv[1]))
m = d["matches"]
assert 1 <= len(m) <= 3
assert m[0]["id"] == sys.argv[2] and m[0]["score"] >= 0.85, m
assert all(set(x) == {"id", "name", "score"} for x in m)
assert all(m[i]["score"] >= m[i + 1]["score"] for i in range(len(m) - 1))
PY

# nothing found, bad input, bad options
expect_exit 0 "no match" -- "$ACCORD" names search "Zzyzx Qwrtp" --top 1 --as alice
expect_exit 2 "top 0" -- "$ACCORD" names search "Aybek" --top 0
expect_exit 2 "top 101" -- "$ACCORD" names search "Aybek" --top 101
expect_exit 2 "two names" -- "$ACCORD" names search "Aybek" "Junusov"
expect_exit 1 "invalid UTF-8" -- "$ACCORD" names search $'\xff\xfe'
expect_exit 1 "too long" -- "$ACCORD" names search "$(head -c 600 /dev/zero | tr '\0' a)"
expect_exit 2 "unknown user" -- "$ACCORD" names search "Aybek" --as nobody

# the same over HTTP: GET /accord/v1/names
if command -v jq >/dev/null && command -v curl >/dev/null; then
	. "$(dirname "$0")/taxii_lib.sh"
	T_ALICE=$("$ACCORD" token create alice 2>/dev/null)
	T_BOB=$("$ACCORD" token create bob 2>/dev/null)
	echo "correct horse battery staple" >"$TMP/pw2"
	"$ACCORD" user add audrey --role auditor --password-file "$TMP/pw2" 2>/dev/null
	T_AUDREY=$("$ACCORD" token create audrey 2>/dev/null)
	start_server --insecure-http || { finish; exit 1; }
	URL=${URL%taxii2/}accord/v1/
	Q=$(jq -rn --arg q "Айбек Жунусов" '$q|@uri')
	AUTH="Bearer $T_ALICE"
	req GET "names?q=$Q&top=5"
	expect_code 200 "names over HTTP"
	expect_jq ".matches | length >= 2 and length <= 5" "up to top matches"
	expect_jq "[.matches[].id] | index(\"$LATN\") != null" "Latin spelling over HTTP"
	expect_jq "[.matches[].id] | index(\"$ARAB\") != null" "Persian spelling over HTTP"
	expect_jq "[.matches[].id] | index(\"$SECRET\") == null" "RED person hidden over HTTP"
	expect_jq '.matches[0] | (keys == ["id","name","score"]) and .score >= 0.85' "match shape"
	AUTH="Bearer $T_BOB"
	req GET "names?q=$Q&top=5"
	expect_jq "[.matches[].id] | index(\"$SECRET\") != null" "RED person shown to bob"
	AUTH="Bearer $T_ALICE"
	req GET "names?top=5"
	expect_code 400 "q missing"
	req GET "names?q="
	expect_code 400 "q empty"
	req GET "names?q=$(head -c 600 /dev/zero | tr '\0' a)"
	expect_code 400 "q too long"
	req GET "names?q=$Q&top=0"
	expect_code 400 "top 0"
	req GET "names?q=$Q&top=101"
	expect_code 400 "top 101"
	req GET "names?q=$Q&top=x"
	expect_code 400 "top not a number"
	req GET "names?q=%FF%FE"
	expect_code 400 "invalid UTF-8"
	PURPOSE= req GET "names?q=$Q"
	expect_code 403 "no purpose"
	AUTH="Bearer $T_AUDREY"
	req GET "names?q=$Q"
	expect_code 403 "auditor refused"
	AUTH="Bearer nope"
	req GET "names?q=$Q"
	expect_code 401 "unauthenticated"
	stop_server
	expect_exit 0 "audit show json" -- "$ACCORD" audit show --json --limit 50
	expect_grep "$TMP/out" "\"name\":\"alice\"\}.*\"channel\":\"names-search\".*\"object_ids\":\\[[^]]*$LATN.*\"outcome\":\"ok\"" "HTTP consult names the ids"
	expect_grep "$TMP/out" "\"name\":\"audrey\"\}.*\"channel\":\"names-search\".*\"outcome\":\"denied\"" "auditor refusal recorded"
fi

# the consult is in the audit trail
expect_exit 0 "audit show" -- "$ACCORD" audit show
expect_grep "$TMP/out" "names-search" "consult audited"
expect_grep "$TMP/out" "Айбек Жунусов" "query audited"
finish
