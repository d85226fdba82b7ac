#!/usr/bin/env bash
# End to end: users (add, list, passwd, disable) and API tokens (create,
# list, revoke); passwords never on argv, token secrets never listed.
. "$(dirname "$0")/lib.sh"
N="$TMP/node"
PW="correct horse battery"

for c in user token; do
	expect_exit 0 "$c --help" -- "$ACCORD" "$c" --help
	expect_grep "$TMP/out" "usage: accord $c" "$c --help text"
done
expect_exit 0 "user add --help" -- "$ACCORD" user add --help
expect_grep "$TMP/out" "password-stdin" "user help names --password-stdin"
expect_exit 0 "token create --help" -- "$ACCORD" token create --help
expect_exit 2 "user without subcommand" -- "$ACCORD" user
expect_exit 2 "unknown user subcommand" -- "$ACCORD" user frob
expect_exit 2 "unknown token subcommand" -- "$ACCORD" token frob

expect_exit 0 "init" -- "$ACCORD" init "$N" --org "Test Agency"
export ACCORD_NODE="$N"

# users
expect_exit 0 "add alice" -- bash -c "echo '$PW' | '$ACCORD' user add alice --role analyst --password-stdin"
expect_grep "$TMP/err" "added user 'alice'" "add confirms"
printf '%s\n' "$PW" >"$TMP/pwfile"
expect_exit 0 "add bob from file" -- "$ACCORD" user add bob --role supervisor --password-file "$TMP/pwfile"
expect_exit 1 "duplicate user" -- bash -c "echo '$PW' | '$ACCORD' user add alice --role admin --password-stdin"
expect_grep "$TMP/err" "'alice'.*taken" "duplicate named"
expect_exit 2 "bad role" -- bash -c "echo '$PW' | '$ACCORD' user add carol --role boss --password-stdin"
expect_grep "$TMP/err" "unknown role 'boss'" "bad role named"
expect_exit 2 "missing role" -- bash -c "echo '$PW' | '$ACCORD' user add carol --password-stdin"
expect_exit 1 "bad user name" -- bash -c "echo '$PW' | '$ACCORD' user add 'Carol X' --role admin --password-stdin"
expect_grep "$TMP/err" "bad user name" "bad name explained"
expect_exit 1 "short password" -- bash -c "echo short | '$ACCORD' user add carol --role admin --password-stdin"
expect_grep "$TMP/err" "too short" "short password explained"
expect_exit 2 "password on argv refused" -- "$ACCORD" user add carol --role admin --password "$PW"
expect_grep "$TMP/err" "never taken on the command line" "argv password explained"
expect_exit 2 "password= on argv refused" -- "$ACCORD" user add carol --role admin "--password=$PW"
expect_exit 2 "no password source without a terminal" -- bash -c "'$ACCORD' user add carol --role admin </dev/null"
expect_exit 1 "missing password file" -- "$ACCORD" user add carol --role admin --password-file "$TMP/none"

expect_exit 0 "user list" -- "$ACCORD" user list
expect_grep "$TMP/out" "^alice +analyst +[0-9T:-]+Z +no$" "alice listed"
expect_grep "$TMP/out" "^bob +supervisor " "bob listed"
grep -q carol "$TMP/out" && bad "rejected user carol was added" || ok
grep -q argon2 "$TMP/out" && bad "user list shows a hash" || ok

expect_exit 0 "passwd" -- bash -c "echo 'another long password' | '$ACCORD' user passwd bob --password-stdin"
expect_exit 4 "passwd unknown user" -- bash -c "echo 'another long password' | '$ACCORD' user passwd nobody --password-stdin"

# tokens
expect_exit 0 "token create" -- "$ACCORD" token create alice --purpose triage
TOKEN=$(cat "$TMP/out")
[[ "$TOKEN" =~ ^acc_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$ ]] && ok || bad "token shape: '$TOKEN'"
ID=${TOKEN:4:16}
SECRET=${TOKEN:21}
expect_grep "$TMP/err" "token id $ID for 'alice', expires 20" "id and expiry on stderr"
grep -qF -- "$SECRET" "$TMP/err" && bad "secret on stderr" || ok
expect_exit 0 "token create never" -- "$ACCORD" token create bob --expires never
TOKEN2=$(cat "$TMP/out")
expect_grep "$TMP/err" "expires never" "never expires"
expect_exit 0 "token create 12h" -- "$ACCORD" token create bob --expires 12h
expect_exit 2 "bad expiry" -- "$ACCORD" token create bob --expires 5x
expect_exit 1 "expiry in the past" -- "$ACCORD" token create bob --expires 2020-01-01T00:00:00Z
expect_exit 4 "token for unknown user" -- "$ACCORD" token create nobody

expect_exit 0 "token list" -- "$ACCORD" token list
expect_grep "$TMP/out" "^$ID +alice .* triage$" "alice's token listed"
[ "$(grep -c ' bob ' "$TMP/out")" = 2 ] && ok || bad "two bob tokens expected"
grep -qF -- "$SECRET" "$TMP/out" && bad "token list prints the secret" || ok
grep -qF -- "${TOKEN2:21}" "$TMP/out" && bad "token list prints a secret" || ok
grep -rqF -- "$SECRET" "$N" && bad "secret found in the node directory" || ok
expect_exit 0 "token list for one user" -- "$ACCORD" token list alice
[ "$(wc -l <"$TMP/out")" = 2 ] && ok || bad "header plus one token expected"

expect_exit 0 "token revoke" -- "$ACCORD" token revoke "$ID"
expect_exit 0 "token list after revoke" -- "$ACCORD" token list alice
expect_grep "$TMP/out" "^$ID +alice +[0-9T:-]+Z +[0-9T:-]+Z +[0-9T:-]+Z " "revocation time shown"
expect_exit 4 "revoke unknown id" -- "$ACCORD" token revoke 0000000000000000
expect_exit 1 "revoke a pasted token" -- "$ACCORD" token revoke "$TOKEN2"
grep -qF -- "${TOKEN2:21}" "$TMP/err" && bad "revoke echoed a secret" || ok
expect_exit 2 "revoke needs an id" -- "$ACCORD" token revoke

# disable
expect_exit 0 "disable bob" -- "$ACCORD" user disable bob
expect_exit 0 "user list after disable" -- "$ACCORD" user list
expect_grep "$TMP/out" "^bob +supervisor +[0-9T:-]+Z +yes$" "bob disabled"
expect_exit 1 "no token for a disabled user" -- "$ACCORD" token create bob
expect_exit 4 "disable unknown user" -- "$ACCORD" user disable nobody

finish
