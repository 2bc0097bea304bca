#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# ringboxctl's local generate commands (tools/ringboxctl_gen.c), no ctl
# socket needed: `generate ss-key [METHOD]` prints a base64 PSK whose
# decoded length is the method's key length (SIP022 3.1); two runs differ;
# a method that is not a 2022 one, or extra words, exit 2 with a message
# naming the problem and print nothing on stdout.  (`generate wg-keypair`
# goes through ringbox-control: tests/integration/test_wg_runtime.sh.)
# usage: test_ringboxctl_generate.sh BUILD_DIR
set -u
RBCTL=${1:?build dir}/tools/ringboxctl
fails=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }

# method (empty: the default) | decoded key length
GOOD=(
	"|16"
	"2022-blake3-aes-128-gcm|16"
	"2022-blake3-aes-256-gcm|32"
	"2022-blake3-chacha20-poly1305|32"
)
for row in "${GOOD[@]}"; do
	m=${row%|*} want=${row#*|}
	# shellcheck disable=SC2086 # an empty method is no argument
	out=$("$RBCTL" -s /nonexistent/ctl.sock generate ss-key $m 2>/tmp/rbgen.$$)
	rc=$?
	err=$(cat /tmp/rbgen.$$)
	n=$(printf '%s' "$out" | base64 -d 2>/dev/null | wc -c)
	if [ "$rc" = 0 ] && [ -z "$err" ] && [ "$n" = "$want" ] &&
	   [ "$(printf '%s' "$out" | base64 -d | base64 -w0)" = "$out" ]; then
		ok "ss-key ${m:-(default)}: $want bytes ($out)"
	else
		bad "ss-key ${m:-(default)}: rc $rc, $n bytes (want $want), out '$out', err '$err'"
	fi
	out2=$("$RBCTL" generate ss-key $m 2>/dev/null)
	if [ -n "$out" ] && [ "$out" != "$out2" ]; then ok "ss-key ${m:-(default)}: fresh each run"
	else bad "ss-key ${m:-(default)}: two runs gave '$out' and '$out2'"; fi
done

# arguments | what the error must mention
BAD=(
	"aes-128-gcm|unknown method 'aes-128-gcm'"
	"2022-blake3-aes-512-gcm|unknown method '2022-blake3-aes-512-gcm'"
	"2022-BLAKE3-AES-128-GCM|unknown method"
	"none|unknown method 'none'"
	"2022-blake3-aes-128-gcm extra|usage: generate ss-key"
)
for row in "${BAD[@]}"; do
	args=${row%%|*} want=${row#*|}
	# shellcheck disable=SC2086 # split the argument words
	out=$("$RBCTL" generate ss-key $args 2>/tmp/rbgen.$$)
	rc=$?
	err=$(cat /tmp/rbgen.$$)
	if [ "$rc" = 2 ] && [ -z "$out" ] && [[ $err == *"$want"* ]]; then
		ok "ss-key $args: refused ($err)"
	else
		bad "ss-key $args: rc $rc, out '$out', err '$err' (want rc 2, '$want')"
	fi
done
rm -f /tmp/rbgen.$$

if "$RBCTL" --help | grep -q 'generate ss-key \[METHOD\]' &&
   "$RBCTL" help generate ss-key | grep -q '2022-blake3-aes-128-gcm'; then
	ok "help lists generate ss-key"
else
	bad "help lists generate ss-key"
fi

echo "$fails failure(s)"
[ "$fails" = 0 ]
