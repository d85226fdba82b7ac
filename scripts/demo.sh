#!/usr/bin/env bash
# make demo: a fresh node under ./demo with bundled synthetic sample data.
set -euo pipefail
accord=${1:-build/accord}
dir=${2:-demo}
count=${3:-5000}

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
echo "try:"
echo "  $accord --node $dir search \"heroin\""
echo "  $accord --node $dir export --type threat-actor | head"
