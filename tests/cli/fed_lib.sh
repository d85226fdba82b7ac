# Helpers for multi-node federation tests: source after lib.sh. Nodes live
# in $TMP/NAME and serve on 127.0.0.1 (HTTPS, self-signed); each start
# logs to $TMP/NAME.log, which stop/kill9 append to $TMP/NAME.all.
command -v jq >/dev/null && command -v sqlite3 >/dev/null || exit 77
AREAS=drug-trafficking,border-security,organised-crime,human-trafficking,money-laundering,migrant-smuggling
GREEN=marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb
AMBER=marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421
declare -A PID=() PORT=()
trap 'for p in "${PID[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

acc() { local n=$1; shift; "$ACCORD" --node "$TMP/$n" "$@"; }
init_node() { acc "$1" init "$TMP/$1" --org "$1 police" >/dev/null 2>&1 || bad "init $1"; }

# start NAME [ARGS...]: serves NAME (on its earlier port, if any)
start() {
	local n=$1 url=
	shift
	: >"$TMP/$n.log"
	"$ACCORD" --node "$TMP/$n" serve --listen "127.0.0.1:${PORT[$n]:-0}" "$@" 2>"$TMP/$n.log" &
	PID[$n]=$!
	for _ in $(seq 1 150); do
		url=$(sed -n 's/^accord: serving TAXII 2.1 at \(.*\)$/\1/p' "$TMP/$n.log")
		if [ -n "$url" ]; then
			PORT[$n]=$(echo "$url" | sed 's/.*:\([0-9]*\)\/taxii2\/$/\1/')
			return 0
		fi
		kill -0 "${PID[$n]}" 2>/dev/null || break
		sleep 0.1
	done
	cat "$TMP/$n.log" >&2
	bad "$n did not start"
	return 1
}
stop() {
	kill -TERM "${PID[$1]}" 2>/dev/null
	wait "${PID[$1]}" 2>/dev/null
	cat "$TMP/$1.log" >>"$TMP/$1.all"
	unset "PID[$1]"
}
kill9() {
	kill -9 "${PID[$1]}" 2>/dev/null
	wait "${PID[$1]}" 2>/dev/null
	cat "$TMP/$1.log" >>"$TMP/$1.all"
	unset "PID[$1]"
}

card() { acc "$1" node card --url "https://127.0.0.1:${PORT[$1]}/taxii2/api1/" >"$TMP/$1.card" 2>/dev/null || bad "card $1"; }

# link FROM TO: FROM knows TO's card and holds a token TO issued for it
link() {
	local f=$1 t=$2
	acc "$f" partner list 2>/dev/null | grep -q "^$t " ||
		acc "$f" partner add "$t" --card "$TMP/$t.card" 2>/dev/null || bad "$f adds $t"
	acc "$t" partner list 2>/dev/null | grep -q "^$f " ||
		acc "$t" partner add "$f" --card "$TMP/$f.card" 2>/dev/null || bad "$t adds $f"
	(umask 077 && acc "$t" token create --partner "$f" >"$TMP/$f-$t.tok" 2>/dev/null) || bad "token $t for $f"
	acc "$f" partner credentials "$t" --token-file "$TMP/$f-$t.tok" 2>/dev/null || bad "credentials $f for $t"
}

# agree NODE PARTNER [MAX_TLP [ONWARD [FROM UNTIL]]]
agree() {
	acc "$1" agreement set "$2" --areas "$AREAS" --max-tlp "${3:-amber}" \
		--onward-sharing "${4:-none}" --from "${5:-2024-01-01}" --until "${6:-2099-12-31}" \
		>/dev/null 2>&1 || bad "agreement $1 with $2"
}

# obj ID MODIFIED MARKING [REVOKED]: one identity object with areas
obj() {
	printf '{"type":"identity","spec_version":"2.1","id":"%s","created":"2025-01-01T00:00:00.000Z","modified":"%s","name":"Test %s","identity_class":"organization","revoked":%s,"object_marking_refs":["%s"],"extensions":{"extension-definition--05ea4847-bb88-4c1a-af65-7e077cbbdd26":{"extension_type":"property-extension","handling_code":"H0","areas":["drug-trafficking"]}}}' \
		"$1" "$2" "$2" "${4:-false}" "$3"
}
# put NODE JSON...: imports objects as a bundle
put() {
	local n=$1
	shift
	local IFS=,
	echo "{\"type\":\"bundle\",\"id\":\"bundle--0e6a7c1e-2b1d-4c55-9d0e-5a1f6a7b8c9d\",\"objects\":[$*]}" >"$TMP/put.json"
	acc "$n" import "$TMP/put.json" >/dev/null 2>&1 || bad "import into $n"
}

sq() { sqlite3 "$TMP/$1/store.db" "$2"; }
ids_from() { sq "$1" "SELECT DISTINCT id FROM objects WHERE source = '$2'" | sort -u; }
versions_of() { sq "$1" "SELECT count(*) FROM objects WHERE id = '$2'"; }
# no (id, version) twice and the row count equals the distinct pair count
stored_once() {
	[ "$(sq "$1" "SELECT count(*) FROM objects")" = "$(sq "$1" "SELECT count(*) FROM (SELECT DISTINCT id, version FROM objects)")" ]
}
# view_ids NODE PARTNER: ids of NODE's view for PARTNER
# (an export that fails says why on stderr and fails, never a short list)
view_ids() {
	local out
	out=$(acc "$1" export --as-partner "$2" 2>"$TMP/view_ids.err") || {
		echo "view_ids $1 $2: export failed: $(cat "$TMP/view_ids.err")" >&2
		return 1
	}
	jq -r '.objects[]?.id' <<<"$out" | sort -u
}
# wait_for SECONDS CMD...: polls CMD every 0.2 s, bounded
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.2
	done
	"$@"
}
# count_from NODE SOURCE: rows of that source; more_than NODE SOURCE N
count_from() { sq "$1" "SELECT count(*) FROM objects WHERE source = '$2'"; }
more_than() { [ "$(count_from "$1" "$2")" -gt "$3" ]; }
has_versions() { [ "$(versions_of "$1" "$2")" = "$3" ]; }
