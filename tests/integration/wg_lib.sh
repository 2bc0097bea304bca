# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# What the WireGuard tests against a wireguard-go peer in cli share
# (test_wg_terminated*.sh, test_ss_uot_wg.sh): sourced instead of lib.sh,
# it brings lib.sh, proxy_lib.sh and dataplane/wireguard/wg_itest.sh.
#
#   wg_test_init [cmd...]   # rb_init, the commands needed, keys, two hosts
#   wg_endpoint_cfg ...; px_config ...; rb_dp_start; wg_peer_up 1
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/proxy_lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../../dataplane/wireguard/wg_itest.sh"

wg_test_init() { # cmd...
	local c
	rb_init
	for c in "$@"; do
		rb_require_cmd "$c"
	done
	wg_keys
	rb_topo_two_hosts
}

# Drop the peer kernel's resets from its tunnel address and port $1: a TCP
# connection that wg_ext.py drives from the tun is no socket of its own.
wg_peer_no_rst() { # port
	rb_require_cmd nft
	ip netns exec "$RB_NS_CLI" nft -f - <<NFT || rb_fail "nft in $RB_NS_CLI"
table inet wgext {
	chain out {
		type filter hook output priority 0;
		oifname "$RB_WG_IF" tcp sport $1 tcp flags rst drop
	}
}
NFT
}
