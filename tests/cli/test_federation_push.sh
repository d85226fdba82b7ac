#!/usr/bin/env bash
# Push between two real nodes on loopback HTTPS: exactly the partner's
# view crosses, new versions and revocations follow, a partner that is
# down catches up, kill -9 of either side mid-transfer converges, an
# expired agreement stops the flow both ways, the serve loop pulls by
# itself and stops promptly on SIGTERM.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_lib.sh"
command -v openssl >/dev/null || exit 77

expect_exit 0 "sync --help" -- "$ACCORD" sync --help
expect_grep "$TMP/out" "accord sync push PARTNER" "push in the help"
expect_exit 2 "push without partner" -- "$ACCORD" sync push
expect_exit 2 "push limit over 1000" -- "$ACCORD" sync push x --limit 1001
expect_exit 2 "--from-start is for push" -- "$ACCORD" sync pull x --from-start
expect_exit 2 "partner set without an interval" -- "$ACCORD" partner set x

init_node alpha
init_node bravo
start alpha --no-sync || { finish; exit 1; }
start bravo --no-sync || { finish; exit 1; }
card alpha
card bravo
link alpha bravo # alpha pushes to bravo
link bravo alpha # bravo pulls from alpha
agree alpha bravo amber
agree bravo alpha amber

# partner set: validation and storage
expect_exit 2 "interval 0" -- acc alpha partner set bravo --pull-interval 0
expect_exit 2 "interval too long" -- acc alpha partner set bravo --push-interval 86401
expect_exit 2 "interval not a number" -- acc alpha partner set bravo --push-interval 5s
expect_exit 1 "set on a partner without link" -- acc alpha partner set nobody --push-interval 5
expect_exit 0 "partner set" -- acc alpha partner set bravo --push-interval 30 --pull-interval off
expect_exit 0 "status" -- acc alpha sync status bravo
expect_grep "$TMP/out" "pull interval: off" "pull interval off shown"
expect_grep "$TMP/out" "push interval: 30 s" "push interval shown"
[ "$(sq alpha "SELECT pull_interval_s || ',' || push_interval_s FROM partner_links WHERE name = 'bravo'")" = "0,30" ] &&
	ok || bad "intervals stored"
[ "$(sq bravo "SELECT pull_interval_s || ',' || push_interval_s FROM partner_links WHERE name = 'alpha'")" = "60,10" ] &&
	ok || bad "default intervals of a new link"

# push delivers exactly alpha's view for bravo (TLP:RED and areas outside
# the agreement stay)
"$ACCORD" gen --seed 11 --count 300 >"$TMP/gen1.json"
acc alpha import "$TMP/gen1.json" >/dev/null 2>&1
expect_exit 0 "push" -- acc alpha sync push bravo --limit 97
expect_grep "$TMP/err" "pushed to 'bravo': [1-9][0-9]* batches, [1-9][0-9]* sent, [1-9][0-9]* accepted, 0 refused, [1-9][0-9]* withheld" "push summary"
view_ids alpha bravo >"$TMP/view1"
ids_from bravo partner:alpha >"$TMP/held1"
[ -s "$TMP/view1" ] && ok || bad "alpha's view for bravo is empty"
sq bravo "SELECT DISTINCT id FROM objects" | sort -u >"$TMP/all_b"
[ -z "$(comm -23 "$TMP/view1" "$TMP/all_b")" ] && ok || bad "a viewed id did not reach bravo"
[ -z "$(comm -13 "$TMP/view1" "$TMP/held1")" ] && ok || bad "bravo got ids outside its view"
sq alpha "SELECT DISTINCT id FROM objects WHERE source = 'local'" | sort -u >"$TMP/all_a"
[ -n "$(comm -23 "$TMP/all_a" "$TMP/view1")" ] && ok || bad "the test data has nothing outside the view"
stored_once bravo && ok || bad "bravo stores a version twice"
expect_exit 0 "audit" -- acc alpha audit show
expect_grep "$TMP/out" "disclose" "disclose entries recorded"
grep -qF "$(cat "$TMP/alpha-bravo.tok")" "$TMP/out" "$TMP/err" "$TMP/alpha.log" && bad "token leaked" || ok
N1=$(sq bravo "SELECT count(*) FROM objects WHERE source = 'partner:alpha'")
expect_exit 0 "push again" -- acc alpha sync push bravo
expect_grep "$TMP/err" "0 batches, 0 sent" "nothing new to push"
expect_exit 0 "push status" -- acc alpha sync status bravo
expect_grep "$TMP/out" "^push bravo" "push section"
expect_grep "$TMP/out" "watermark: 20" "push watermark shown"
expect_grep "$TMP/out" "accepted: [1-9]" "accepted count shown"

# a replay from the start only yields duplicates
expect_exit 0 "push from the start" -- acc alpha sync push bravo --from-start
expect_grep "$TMP/err" "[1-9][0-9]* accepted, 0 refused" "replay accepted as duplicates"
[ "$(sq bravo "SELECT count(*) FROM objects WHERE source = 'partner:alpha'")" = "$N1" ] && ok || bad "replay added rows"

# rectification: a new version and a revocation reach bravo by push, and
# a third node by pull
X=identity--7d1e0a52-5c3a-4b1e-9a61-000000000001
put alpha "$(obj $X 2025-01-01T00:00:00.000Z $GREEN)"
expect_exit 0 "push v1" -- acc alpha sync push bravo
put alpha "$(obj $X 2025-02-01T00:00:00.000Z $GREEN)"
expect_exit 0 "push v2" -- acc alpha sync push bravo
put alpha "$(obj $X 2025-03-01T00:00:00.000Z $GREEN true)"
expect_exit 0 "push revocation" -- acc alpha sync push bravo
[ "$(versions_of bravo $X)" = 3 ] && ok || bad "bravo holds 3 versions of X ($(versions_of bravo $X))"
[ "$(sq bravo "SELECT revoked FROM objects WHERE id = '$X' ORDER BY version DESC LIMIT 1")" = 1 ] &&
	ok || bad "bravo's newest version of X is the revocation"
expect_exit 0 "pull rectification" -- acc bravo sync pull alpha
expect_grep "$TMP/err" " 0 accepted" "pull after push: nothing new for bravo"

# bravo is down: push fails, nothing is lost; bravo comes back: catch up
stop bravo
"$ACCORD" gen --seed 12 --count 120 >"$TMP/gen2.json"
acc alpha import "$TMP/gen2.json" >/dev/null 2>&1
expect_exit 1 "push to a stopped partner" -- acc alpha sync push bravo --retries 1
expect_grep "$TMP/err" "retry 1 of 1" "push retried with backoff"
expect_exit 0 "status" -- acc alpha sync status bravo
expect_grep "$TMP/out" "last error: cannot reach" "push error in the status"
start bravo --no-sync || { finish; exit 1; }
expect_exit 0 "push after the partner is back" -- acc alpha sync push bravo
view_ids alpha bravo >"$TMP/view2"
sq bravo "SELECT DISTINCT id FROM objects" | sort -u >"$TMP/all_b"
[ -z "$(comm -23 "$TMP/view2" "$TMP/all_b")" ] && ok || bad "catch-up lost objects"
stored_once bravo && ok || bad "catch-up stored a version twice"
expect_exit 0 "status" -- acc alpha sync status bravo
expect_grep "$TMP/out" "last error: none" "push error cleared"

# kill -9 of the sender mid-push, then of the receiver mid-push, then of
# the puller mid-pull: every run after a restart converges
"$ACCORD" gen --seed 13 --count 6000 >"$TMP/gen3.json"
acc alpha import "$TMP/gen3.json" >/dev/null 2>&1
got=$(count_from bravo partner:alpha)
acc alpha sync push bravo --limit 10 >/dev/null 2>"$TMP/push.err" &
P=$!
wait_for 60 more_than bravo partner:alpha "$((got + 100))" || bad "push made no progress"
kill -9 $P 2>/dev/null
wait $P
[ $? = 137 ] && ok || bad "the sender was not killed mid-push"
got=$(count_from bravo partner:alpha)
acc alpha sync push bravo --limit 10 >/dev/null 2>"$TMP/push.err" &
P=$!
wait_for 60 more_than bravo partner:alpha "$((got + 100))" || bad "second push made no progress"
kill9 bravo
wait $P
[ $? = 1 ] && ok || bad "push to a killed receiver fails"
start bravo --no-sync || { finish; exit 1; }
expect_exit 0 "push after both crashes" -- acc alpha sync push bravo
view_ids alpha bravo >"$TMP/view3"
sq bravo "SELECT DISTINCT id FROM objects" | sort -u >"$TMP/all_b"
[ -z "$(comm -23 "$TMP/view3" "$TMP/all_b")" ] && ok || bad "crashes lost objects"
[ -z "$(comm -13 "$TMP/view3" <(ids_from bravo partner:alpha))" ] && ok || bad "crashes leaked ids outside the view"
stored_once bravo && ok || bad "crashes stored a version twice"
# the puller killed mid-pull: a fresh node pulls, is killed, pulls again
init_node charlie
acc alpha partner add charlie --identity "$(jq -r .id "$TMP/charlie/identity.json")" >/dev/null 2>&1
acc charlie partner add alpha --card "$TMP/alpha.card" >/dev/null 2>&1
(umask 077 && acc alpha token create --partner charlie >"$TMP/c.tok" 2>/dev/null)
acc charlie partner credentials alpha --token-file "$TMP/c.tok" 2>/dev/null || bad "charlie credentials"
agree alpha charlie amber
acc charlie sync pull alpha --limit 10 >/dev/null 2>&1 &
P=$!
wait_for 60 more_than charlie partner:alpha 200 || bad "pull made no progress"
kill -9 $P 2>/dev/null
wait $P
[ $? = 137 ] && ok || bad "the puller was not killed mid-pull"
expect_exit 0 "pull after a crash" -- acc charlie sync pull alpha
view_ids alpha charlie >"$TMP/viewc"
sq charlie "SELECT DISTINCT id FROM objects" | sort -u >"$TMP/all_c"
[ -z "$(comm -23 "$TMP/viewc" "$TMP/all_c")" ] && ok || bad "pull crash lost objects"
stored_once charlie && ok || bad "pull crash stored a version twice"

# an expired agreement stops the flow both ways; renewing resumes it
agree alpha bravo amber none 2020-01-01 2020-12-31
E1=identity--7d1e0a52-5c3a-4b1e-9a61-0000000000e1
put alpha "$(obj $E1 2025-01-01T00:00:00.000Z $GREEN)"
acc bravo sync pull alpha >/dev/null 2>&1
[ "$(versions_of bravo $E1)" = 0 ] && ok || bad "pull crossed an expired agreement"
expect_exit 1 "push under an expired agreement" -- acc alpha sync push bravo
expect_grep "$TMP/err" "not in force" "expiry explained"
[ "$(versions_of bravo $E1)" = 0 ] && ok || bad "push crossed an expired agreement"
agree alpha bravo amber
expect_exit 0 "pull after renewal" -- acc bravo sync pull alpha
[ "$(versions_of bravo $E1)" = 1 ] && ok || bad "pull resumed after renewal"
E2=identity--7d1e0a52-5c3a-4b1e-9a61-0000000000e2
put alpha "$(obj $E2 2025-01-01T00:00:00.000Z $GREEN)"
expect_exit 0 "push after renewal" -- acc alpha sync push bravo
[ "$(versions_of bravo $E2)" = 1 ] && ok || bad "push resumed after renewal"
stored_once bravo && ok || bad "renewal stored a version twice"

# the serve loop: bravo's server pulls alpha's new objects by itself
stop bravo
acc bravo partner set alpha --pull-interval 1 --push-interval off >/dev/null 2>&1
start bravo || { finish; exit 1; }
L1=identity--7d1e0a52-5c3a-4b1e-9a61-0000000000f1
put alpha "$(obj $L1 2025-01-01T00:00:00.000Z $GREEN)"
wait_for 30 has_versions bravo $L1 1 && ok || bad "the serve loop did not pull"
wait_for 10 grep -q "sync: pulled from 'alpha': 1 pages, 1 accepted" "$TMP/bravo.log" && ok ||
	bad "one log line per run, with counts"
grep -qF "$(cat "$TMP/bravo-alpha.tok")" "$TMP/bravo.log" && bad "token in the serve log" || ok
kill -TERM "${PID[bravo]}"
wait_for 30 eval '! kill -0 "${PID[bravo]}" 2>/dev/null' && ok || bad "serve did not stop on SIGTERM"
stop bravo
expect_grep "$TMP/bravo.all" "accord: stopped" "serve stopped gracefully"
stop alpha
finish
