#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Foundation: traceroute and traceroute6 (UDP and ICMP probes) cli -> srv
# show the appliance as hop 1 and srv as hop 2.
. "$(dirname "$0")/lib.sh"
rb_init
rb_require_cmd traceroute
rb_topo_two_hosts
rb_dp_start
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP4" 2
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP6" 2

# hop N's first address in traceroute -n output
hop() { awk -v n="$1" '$1 == n { for (i = 2; i <= NF; i++) if ($i != "*") { print $i; exit } }'; }

for fam in 4 6; do
	for mode in udp icmp; do
		if [ $fam = 4 ]; then dst=$RB_SRV_IP4 me=$RB_DP_CLI_IP4; else dst=$RB_SRV_IP6 me=$RB_DP_CLI_IP6; fi
		args=(-"$fam" -n -q 1 -w 2 -m 5)
		[ $mode = icmp ] && args+=(-I)
		ok=0
		for try in 1 2; do
			out=$(rb_ns "$RB_NS_CLI" traceroute "${args[@]}" "$dst" 2>&1)
			h1=$(echo "$out" | hop 1)
			h2=$(echo "$out" | hop 2)
			if [ "$h1" = "$me" ] && [ "$h2" = "$dst" ]; then
				ok=1
				break
			fi
			rb_note "traceroute -$fam ($mode) try $try: hop1 '$h1' hop2 '$h2'"
		done
		[ $ok = 1 ] || rb_fail "traceroute -$fam ($mode): hop 1 '$h1' (want $me), hop 2 '$h2' (want $dst): $(echo "$out" | tr '\n' '|')"
	done
done
rb_dp_stats
rb_assert_stat_ge drop.ttl_expired 4
rb_assert_stat_ge event.icmp_error_tx 4
rb_dp_stop
rb_pass
