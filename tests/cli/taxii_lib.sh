# Helpers for the TAXII end-to-end tests (sourced after lib.sh): start and
# stop a real `accord serve` on a loopback port it picks itself.
MT="application/taxii+json;version=2.1"
# sent as X-Accord-Purpose by req (set PURPOSE= to send none)
PURPOSE=${PURPOSE-testing}
SERVER_PID=
URL=

# start_server [ARGS...]: serves $ACCORD_NODE with --listen 127.0.0.1:0 and
# ARGS; sets URL (".../taxii2/") from the line serve prints. Bounded wait.
start_server() {
	# emptied first: the new server's shell truncates it only once it
	# runs, and the loop below must not read the last server's address
	: >"$TMP/serve.log"
	"$ACCORD" serve --listen 127.0.0.1:0 "$@" 2>"$TMP/serve.log" &
	SERVER_PID=$!
	URL=
	for _ in $(seq 1 300); do
		URL=$(sed -n 's/^accord: serving TAXII 2.1 at \(.*\)$/\1/p' "$TMP/serve.log")
		[ -n "$URL" ] && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "server did not start:" >&2
	cat "$TMP/serve.log" >&2
	return 1
}

# stop_server: SIGTERM and wait; the exit status is returned.
stop_server() {
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID"
}

# req METHOD PATH [CURL ARGS...]: a request to $URL$PATH with $AUTH and the
# TAXII Accept header (and $PURPOSE); body in $TMP/body, headers in $TMP/hdr, status in
# $CODE.
req() {
	local method=$1 path=$2
	shift 2
	CODE=$(curl -s -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' \
		${CACERT:+--cacert "$CACERT"} -X "$method" \
		-H "Authorization: $AUTH" -H "Accept: $MT" \
		${PURPOSE:+-H "X-Accord-Purpose: $PURPOSE"} "$@" "$URL$path")
}

# expect_code WANT DESCRIPTION: checks $CODE (and that errors are TAXII
# error messages).
expect_code() {
	if [ "$CODE" = "$1" ]; then ok; else
		bad "$2: HTTP $CODE, wanted $1"
		head -c 300 "$TMP/body" | sed 's/^/  body: /' >&2
		echo >&2
	fi
	if [ "$1" -ge 400 ]; then
		if jq -e --arg c "$1" '.title and .http_status == $c' "$TMP/body" >/dev/null 2>&1; then ok; else
			bad "$2: not a TAXII error message"
		fi
	fi
}

# expect_jq FILTER DESCRIPTION: the body satisfies the jq filter.
expect_jq() {
	if jq -e "$1" "$TMP/body" >/dev/null 2>&1; then ok; else
		bad "$2: jq '$1' failed"
		head -c 300 "$TMP/body" | sed 's/^/  body: /' >&2
		echo >&2
	fi
}

set_conf() { # KEY VALUE: rewrite one [server] setting
	sed -i "s|^$1 = .*|$1 = $2|" "$ACCORD_NODE/accord.conf"
}
