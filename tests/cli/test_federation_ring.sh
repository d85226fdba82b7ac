#!/usr/bin/env bash
# Three-node ring A -> B -> C -> A on loopback HTTPS: A pushes to B, C pulls
# from B, C pushes to A. A TLP:GREEN object of A reaches B and C, comes back
# to A as a duplicate, is stored once per node with identical markings; a
# second round moves nothing; a new version and a revocation follow the
# same path; a TLP:AMBER object of A stops at B.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_lib.sh"

for n in alpha bravo charlie; do init_node $n; done
for n in alpha bravo charlie; do start $n --no-sync || { finish; exit 1; }; done
for n in alpha bravo charlie; do card $n; done
link alpha bravo   # alpha pushes to bravo
link charlie bravo # charlie pulls from bravo
link charlie alpha # charlie pushes to alpha
# onward sharing of GREEN is allowed along the ring, up to AMBER per hop
agree alpha bravo amber green
agree alpha charlie amber green
agree bravo alpha amber green
agree bravo charlie amber green
agree charlie bravo amber green
agree charlie alpha amber green

G=identity--2b7c9e10-4f1a-4c3d-8e5f-00000000a001
AM=identity--2b7c9e10-4f1a-4c3d-8e5f-00000000a002
put alpha "$(obj $G 2025-01-01T00:00:00.000Z $GREEN)" "$(obj $AM 2025-01-01T00:00:00.000Z $AMBER)"

# round: one hop each, in ring order; prints the three summaries
round() {
	acc alpha sync push bravo 2>&1 || bad "alpha push to bravo"
	acc charlie sync pull bravo 2>&1 || bad "charlie pull from bravo"
	acc charlie sync push alpha 2>&1 || bad "charlie push to alpha"
}
round >"$TMP/round1"
for n in alpha bravo charlie; do
	has_versions $n $G 1 && ok || bad "GREEN object stored once on $n ($(versions_of $n $G))"
	stored_once $n && ok || bad "$n stores a version twice"
done
[ "$(sq bravo "SELECT source FROM objects WHERE id = '$G'")" = partner:alpha ] && ok || bad "bravo got G from alpha"
[ "$(sq charlie "SELECT source FROM objects WHERE id = '$G'")" = partner:bravo ] && ok || bad "charlie got G from bravo"
[ "$(sq alpha "SELECT source FROM objects WHERE id = '$G'")" = local ] && ok || bad "alpha keeps G as its own"
# G came back to alpha from charlie, as a duplicate
grep -qE "pushed to 'alpha': 1 batches, [1-9][0-9]* sent, [1-9][0-9]* accepted, 0 refused" "$TMP/round1" &&
	ok || bad "charlie pushed G back to alpha ($(grep "pushed to 'alpha'" "$TMP/round1"))"
# markings never widened: the same canonical JSON on every node
J=$(sq alpha "SELECT hex(hash) FROM objects WHERE id = '$G'")
for n in bravo charlie; do
	[ "$(sq $n "SELECT hex(hash) FROM objects WHERE id = '$G'")" = "$J" ] && ok || bad "G differs on $n"
	[ "$(sq $n "SELECT json FROM objects WHERE id = '$G'" | jq -c .object_marking_refs)" = "[\"$GREEN\"]" ] &&
		ok || bad "G's markings changed on $n"
done
# AMBER goes to bravo and no further
has_versions bravo $AM 1 && ok || bad "AMBER object reached bravo"
has_versions charlie $AM 0 && ok || bad "AMBER object went beyond bravo"

# a second round moves nothing: the sharing terminates
round >"$TMP/round2"
expect_grep "$TMP/round2" "pushed to 'bravo': 0 batches, 0 sent" "round 2: alpha sends nothing"
expect_grep "$TMP/round2" "pulled from 'bravo': .* 0 accepted, 0 duplicates" "round 2: charlie pulls nothing"
expect_grep "$TMP/round2" "pushed to 'alpha': 0 batches, 0 sent" "round 2: charlie sends nothing"
for n in alpha bravo charlie; do
	has_versions $n $G 1 && ok || bad "round 2 changed $n"
done

# rectification: a new version, then a revocation, go round the ring
put alpha "$(obj $G 2025-02-01T00:00:00.000Z $GREEN)"
round >"$TMP/round3"
put alpha "$(obj $G 2025-03-01T00:00:00.000Z $GREEN true)"
round >"$TMP/round4"
for n in alpha bravo charlie; do
	has_versions $n $G 3 && ok || bad "$n holds 3 versions of G ($(versions_of $n $G))"
	[ "$(sq $n "SELECT revoked FROM objects WHERE id = '$G' ORDER BY version DESC LIMIT 1")" = 1 ] &&
		ok || bad "$n: the newest version of G is the revocation"
	stored_once $n && ok || bad "$n stores a version twice after rectification"
done
round >"$TMP/round5"
expect_grep "$TMP/round5" "pushed to 'alpha': 0 batches, 0 sent" "after rectification the ring is quiet"
for n in alpha bravo charlie; do stop $n; done
finish
