#!/usr/bin/env bash
# make demo: a fresh node under ./demo with bundled synthetic sample data,
# a demo analyst with a read token, and the TAXII 2.1 server in the
# foreground (Ctrl-C stops it).
set -euo pipefail
accord=${1:-build/accord}
dir=${2:-demo}
count=${3:-5000}
port=${DEMO_PORT:-8443}

rm -rf "$dir"
"$accord" init "$dir" --org "Demo Border Police"
mkdir -p "$dir/samples"
identity=$(sed -n 's/^identity *= *//p' "$dir/accord.conf")
"$accord" gen --seed 42 --count "$count" --created-by "$identity" \
	>"$dir/samples/sample-bundle.json"
echo "generated $count synthetic objects (seed 42) in $dir/samples/sample-bundle.json"
"$accord" --node "$dir" import "$dir/samples/sample-bundle.json"
echo
"$accord" --node "$dir" stats
echo

# a demo analyst: the password is random and never shown; the token is
head -c 32 /dev/urandom | base64 | tr -d '\n' |
	"$accord" --node "$dir" user add demo-analyst --role analyst --password-stdin
token=$("$accord" --node "$dir" token create demo-analyst --expires 30d \
	--purpose "demo read token" 2>/dev/null)
url="https://127.0.0.1:$port/taxii2/"
echo
echo "TAXII 2.1 server: $url"
echo "token for demo-analyst (valid 30 days): $token"
echo "list the collections:"
echo "  curl --cacert $dir/keys/tls.crt -H \"Authorization: Bearer $token\" -H \"Accept: application/taxii+json;version=2.1\" https://127.0.0.1:$port/taxii2/api1/collections/"
echo "other commands:"
echo "  $accord --node $dir search \"heroin\""
echo "  $accord --node $dir export --type threat-actor | head"
echo
echo "serving in the foreground; Ctrl-C stops the server"
exec "$accord" --node "$dir" serve --listen "127.0.0.1:$port"
