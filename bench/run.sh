#!/usr/bin/env bash
# make bench: ingest, TAXII, audit, names, correlation, signing and sync
# benchmarks (each prints its figures and same-run ratios).
set -euo pipefail
build=${1:-build}
for n in 100000 1000000; do
	echo "== ingest, N=$n"
	"$build/bench/bench_ingest" "$n" "${BENCH_DIR:-/tmp}"
done
echo "== audit on/off, N=50000"
"$build/bench/bench_audit" 50000
for n in 100000 1000000; do
	echo "== taxii, N=$n"
	"$build/bench/bench_taxii" "$n" "${BENCH_DIR:-/tmp}"
done
for n in 100000 1000000; do
	echo "== names, N=$n"
	"$build/bench/bench_names" "$n" "${ACCORD_SHARED:-../shared}"
done
echo "== correlation, 1M stored identifiers"
"$build/bench/bench_correlate" 1000000 50000 "${BENCH_DIR:-/tmp}"
echo "== Ed25519 sign/verify cost (provenance)"
"$build/bench/bench_ed25519"
echo "== federation sync, 100k objects alpha -> bravo"
bash bench/bench_sync.sh "$build" 100000 "${BENCH_DIR:-/tmp}"
