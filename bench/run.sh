#!/usr/bin/env bash
# make bench: the ingest and TAXII benchmarks at 100k and 1M objects.
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
