#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Foundation: a config whose port names a missing interface makes the
# dataplane exit non-zero, promptly, with an error naming the device, and
# leaves no XDP program on the ports it did open.  Both drivers.
. "$(dirname "$0")/lib.sh"
rb_init
[ "$RB_DP_KERNEL" = 1 ] && rb_skip "needs the dataplane"
rb_topo_two_hosts
missing=${RB_ID}zz

for drv in af_xdp af_packet; do
	RB_DRIVER=$drv
	for which in cli srv; do
		cfg=$RB_TMP/missing-$drv-$which.cfg
		if [ $which = cli ]; then
			RB_CLI_IFACE_CFG=$missing rb_dp_config "$cfg"
		else
			RB_SRV_IFACE_CFG=$missing rb_dp_config "$cfg"
		fi
		# --check validates syntax and schema only: this config is valid.
		rb_expect_ok "--check of $(basename "$cfg")" \
			ip netns exec "$RB_NS_DP" timeout 20 "$RB_DP_BIN" --check -c "$cfg"
		start=$SECONDS
		ip netns exec "$RB_NS_DP" timeout 60 "$RB_DP_BIN" -c "$cfg" \
			>"$RB_TMP/m.out" 2>"$RB_TMP/m.err" </dev/null
		rc=$?
		took=$((SECONDS - start))
		[ $rc = 124 ] && rb_fail "$drv/$which: dataplane still running 60 s after start with missing $missing"
		[ $rc = 0 ] && rb_fail "$drv/$which: dataplane exited 0 with missing interface $missing"
		grep -q "^ringbox-dataplane: ready" "$RB_TMP/m.out" &&
			rb_fail "$drv/$which: dataplane said ready with missing interface $missing"
		grep -q -- "$missing" "$RB_TMP/m.err" ||
			rb_fail "$drv/$which: error output does not name $missing: $(head -c 400 "$RB_TMP/m.err" | tr '\n' '|')"
		[ $took -le 20 ] || rb_fail "$drv/$which: took $took s to give up"
		if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$RB_TMP/m.err"; then
			rb_fail "$drv/$which: sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error' "$RB_TMP/m.err")"
		fi
		for ifc in "$RB_IF_DP_CLI" "$RB_IF_DP_SRV"; do
			ip -d -n "$RB_NS_DP" link show dev "$ifc" | grep -q 'xdp' &&
				rb_fail "$drv/$which: XDP program left on $ifc: $(ip -d -n "$RB_NS_DP" link show dev "$ifc" | grep xdp)"
		done
		rb_note "$drv/$which: exit $rc in ${took}s: $(grep -m1 -- "$missing" "$RB_TMP/m.err")"
	done
done
rb_pass
