#!/usr/bin/env bash
# End to end: partners, agreements and partner tokens.
. "$(dirname "$0")/lib.sh"
N="$TMP/node"
ID=identity--7c0e5e6a-3f4b-4c1d-9a2e-5b6c7d8e9f01

for c in partner agreement; do
	expect_exit 0 "$c --help" -- "$ACCORD" "$c" --help
	expect_grep "$TMP/out" "usage: accord $c" "$c --help text"
	expect_exit 2 "$c without subcommand" -- "$ACCORD" "$c"
	expect_exit 2 "unknown $c subcommand" -- "$ACCORD" "$c" frob
done

expect_exit 0 "init" -- "$ACCORD" init "$N" --org "Test Agency"
export ACCORD_NODE="$N"

# partners
expect_exit 0 "partner add" -- "$ACCORD" partner add bka --identity "$ID" --title "Federal police"
expect_grep "$TMP/err" "added partner 'bka'.*partner.bka" "add confirms"
expect_exit 1 "duplicate partner" -- "$ACCORD" partner add bka --identity "$ID"
expect_grep "$TMP/err" "'bka'.*taken" "duplicate named"
expect_exit 1 "bad partner name" -- "$ACCORD" partner add BKA --identity "$ID"
expect_grep "$TMP/err" "bad partner name 'BKA'" "bad name named"
expect_exit 1 "bad identity" -- "$ACCORD" partner add europol --identity indicator--7c0e5e6a-3f4b-4c1d-9a2e-5b6c7d8e9f01
expect_grep "$TMP/err" "bad identity" "bad identity named"
expect_exit 2 "partner add without identity" -- "$ACCORD" partner add europol
expect_exit 0 "partner add second" -- "$ACCORD" partner add europol --identity "$ID"
expect_exit 0 "partner list" -- "$ACCORD" partner list
expect_grep "$TMP/out" "^bka +$ID .*Federal police" "list shows bka"
expect_grep "$TMP/out" "^europol " "list shows europol"
expect_exit 0 "user list" -- "$ACCORD" user list
expect_grep "$TMP/out" "partner.bka" "token user exists"

# agreements
expect_exit 0 "agreement set" -- "$ACCORD" agreement set bka --areas drug-trafficking,weapons \
	--max-tlp amber --from 2024-01-01 --until 2099-12-31 --retention-days 365 --onward-sharing green
expect_grep "$TMP/err" "agreement with 'bka' recorded" "set confirms"
expect_exit 0 "agreement set ended" -- "$ACCORD" agreement set europol --areas other \
	--max-tlp AMBER+STRICT --from 2020-01-01 --until 2021-01-01
expect_exit 0 "agreement show" -- "$ACCORD" agreement show
expect_grep "$TMP/out" "^bka +in-force +amber +2024-01-01T00:00:00Z +2100-01-01T00:00:00Z +365 +green +drug-trafficking,weapons" "bka shown in force"
expect_grep "$TMP/out" "^europol +ended +amber\+strict .* none +other" "europol shown ended"
expect_exit 0 "agreement show one" -- "$ACCORD" agreement show bka
expect_exit 4 "agreement show unknown" -- "$ACCORD" agreement show nobody
expect_exit 2 "bad area" -- "$ACCORD" agreement set bka --areas drugs --max-tlp amber --from 2024-01-01 --until 2025-01-01
expect_grep "$TMP/err" "unknown area 'drugs'" "bad area named"
expect_exit 2 "bad tlp" -- "$ACCORD" agreement set bka --areas other --max-tlp purple --from 2024-01-01 --until 2025-01-01
expect_grep "$TMP/err" "bad --max-tlp 'purple'" "bad tlp named"
expect_exit 2 "bad date" -- "$ACCORD" agreement set bka --areas other --max-tlp red --from 2024-02-30 --until 2025-01-01
expect_grep "$TMP/err" "bad date '2024-02-30'" "bad date named"
expect_exit 1 "until before from" -- "$ACCORD" agreement set bka --areas other --max-tlp red --from 2025-01-01 --until 2024-01-01
expect_grep "$TMP/err" "must start before it ends" "order explained"
expect_exit 2 "bad onward" -- "$ACCORD" agreement set bka --areas other --max-tlp red --from 2024-01-01 --until 2025-01-01 --onward-sharing all
expect_exit 2 "bad retention" -- "$ACCORD" agreement set bka --areas other --max-tlp red --from 2024-01-01 --until 2025-01-01 --retention-days -1
expect_exit 2 "missing terms" -- "$ACCORD" agreement set bka --areas other
expect_exit 4 "agreement for unknown partner" -- "$ACCORD" agreement set nobody --areas other --max-tlp red --from 2024-01-01 --until 2025-01-01
expect_grep "$TMP/err" "no such partner" "unknown partner named"
expect_exit 0 "bka unchanged by failures" -- "$ACCORD" agreement show bka
expect_grep "$TMP/out" "^bka +in-force +amber " "bka kept"

# partner tokens
expect_exit 0 "token for partner" -- "$ACCORD" token create --partner bka --expires 30d
expect_grep "$TMP/out" "^acc_[0-9a-f]{16}_" "partner token printed"
expect_grep "$TMP/err" "for 'partner.bka'" "bound to the system user"
expect_exit 4 "token for unknown partner" -- "$ACCORD" token create --partner nobody
expect_grep "$TMP/err" "no partner 'nobody'" "unknown partner named"
expect_exit 2 "--partner with a user" -- "$ACCORD" token create alice --partner bka
expect_exit 2 "--partner on list" -- "$ACCORD" token list --partner bka
expect_exit 0 "token list" -- "$ACCORD" token list partner.bka
expect_grep "$TMP/out" "partner.bka" "partner token listed"

# every change is in the audit trail
expect_exit 0 "audit show" -- "$ACCORD" audit show
expect_grep "$TMP/out" "partner add bka" "partner add audited"
expect_grep "$TMP/out" "agreement set bka" "agreement audited"
finish
