#!/usr/bin/env bash
# A hostile partner: a fake TAXII server (python3, with a real node's TLS
# key so the pin matches) that answers every page with "more": true and a
# date-added header that never moves, or one that is not a timestamp. A
# pull must stop with an error instead of paging for ever.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null && command -v jq >/dev/null || exit 77
SPID=
trap 'kill -TERM $SPID 2>/dev/null; rm -rf "$TMP"' EXIT

"$ACCORD" --node "$TMP/alpha" init "$TMP/alpha" --org "alpha police" >/dev/null 2>&1 || bad "init alpha"
"$ACCORD" --node "$TMP/evil" init "$TMP/evil" --org "evil police" >/dev/null 2>&1 || bad "init evil"

# serve: the fake partner. $TMP/mode says how it pages: stuck (the same
# date-added on every page) or junk (a date-added that is not a
# timestamp). Each run (pages.txt emptied) gets at most PAGES_MAX pages
# with "more": true, then an empty last page, so the test ends even when
# the pull does not stop; pages.txt counts the pages.
serve() {
	: >"$TMP/pages.txt"
	python3 - "$TMP/evil/keys/tls.crt" "$TMP/evil/keys/tls.key" "$TMP/port" "$TMP/pages.txt" "$TMP/mode" <<'PY' 2>"$TMP/server.log" &
import http.server, json, ssl, sys
cert, key, portfile, pages, modefile = sys.argv[1:6]
PAGES_MAX = 40
MT = "application/taxii+json;version=2.1"
OBJ = {"type": "identity", "spec_version": "2.1",
       "id": "identity--0d7a5d41-0000-4000-8000-000000000001",
       "created": "2025-01-01T00:00:00.000Z",
       "modified": "2025-01-01T00:00:00.000Z",
       "name": "unsigned", "identity_class": "organization"}

class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def reply(self, body, last=None):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", MT)
        self.send_header("Content-Length", str(len(data)))
        if last:
            self.send_header("X-TAXII-Date-Added-Last", last)
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        if self.path.endswith("/collections/"):
            return self.reply({"collections": [{"id": "c1", "title": "c1",
                               "can_read": True, "can_write": False,
                               "media_types": [MT]}]})
        with open(pages, "a") as f:
            f.write(self.path + "\n")
        n = sum(1 for _ in open(pages))
        if n > PAGES_MAX:
            return self.reply({"more": False, "objects": []})
        mode = open(modefile).read().strip()
        last = "2025-01-01T00:00:00.000Z" if mode == "stuck" else "x&y=1"
        self.reply({"more": True, "objects": [OBJ]}, last)

srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
PY
	SPID=$!
	for _ in $(seq 1 100); do
		[ -s "$TMP/port" ] && return 0
		sleep 0.1
	done
	cat "$TMP/server.log" >&2
	bad "fake partner did not start"
}

[ -f "$TMP/evil/keys/tls.crt" ] || { ls -R "$TMP/evil" >&2; bad "evil's TLS files"; }
echo stuck >"$TMP/mode"
serve
"$ACCORD" --node "$TMP/evil" node card --url "https://127.0.0.1:$(cat "$TMP/port")/taxii2/api1/" \
	>"$TMP/evil.card" 2>/dev/null || bad "evil's card"
"$ACCORD" --node "$TMP/alpha" partner add evil --card "$TMP/evil.card" >/dev/null 2>&1 || bad "alpha adds evil"
(umask 077 && echo "token-of-no-consequence" >"$TMP/evil.tok")
"$ACCORD" --node "$TMP/alpha" partner credentials evil --token-file "$TMP/evil.tok" >/dev/null ||
	bad "alpha's credentials for evil"

# (test_federation.sh has the good case: watermarks that move are followed)
expect_exit 1 "pull from a partner whose watermark never moves" -- \
	timeout 60 "$ACCORD" --node "$TMP/alpha" sync pull evil --retries 0
expect_grep "$TMP/err" "X-TAXII-Date-Added-Last" "the stuck watermark is named"
[ "$(wc -l <"$TMP/pages.txt")" -le 2 ] && ok ||
	bad "pull kept paging: $(wc -l <"$TMP/pages.txt") pages"

# a date-added that is not a timestamp never reaches a request URL
echo junk >"$TMP/mode"
: >"$TMP/pages.txt"
expect_exit 1 "pull from a partner with a junk date-added" -- \
	timeout 60 "$ACCORD" --node "$TMP/alpha" sync pull evil --retries 0
expect_grep "$TMP/err" "X-TAXII-Date-Added-Last" "the junk watermark is named"
grep -q 'y=1' "$TMP/pages.txt" && bad "junk watermark sent back in a URL" || ok

finish
