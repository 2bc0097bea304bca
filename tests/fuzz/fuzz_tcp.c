/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: arbitrary TCP segments (flags, sequence and ACK
 * numbers near the live values, windows, raw option bytes, payload, bad
 * data offsets) into a listener and into an established connection of the
 * in-process two-stack network (tests/unit/test_tcp_harness.c), with time
 * advancing between segments.  Every input starts from a fresh network and
 * must end with no mbuf leaked.
 *
 * Input: records of
 *   [0] target: bit0 listener(1)/connection(0), bit1 fake source address,
 *       bit2 advance time 50 ms afterwards, bit3 raw seq/ack (not relative)
 *   [1] flags  [2..5] seq  [6..9] ack  [10..11] window
 *   [12] option length (<= 40)  [13] data offset override (0 = none)
 *   [14] payload length, then options, then payload
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_ip.h>
#include "../unit/test_tcp_harness.h"
#include "dataplane/tcp/tcp_priv.h"

static bool ready;

static int accept_cb(struct tcp_conn *c, void *arg)
{
	(void)arg;
	tcp_set_callbacks(c, NULL, NULL);
	return 0;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	ready = th_eal_init() == 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t fake[4] = {10, 0, 0, 77};
	struct tcp_listen_params lp = {0};
	struct tcp_connect_params cp = {0};
	struct tcp_conn *a, *b = NULL;
	uint16_t lport = 0;
	size_t off = 0;
	int err;

	if (!ready)
		abort();
	th_setup(2, true);
	tcp_params(&th.h[1].lc)->backlog = 4;
	lp.port = 80;
	lp.on_accept = accept_cb;
	lp.cookies = size & 1 ? TCP_COOKIES_AUTO : TCP_COOKIES_ALWAYS;
	if (tcp_listen(&th.h[1].lc, &lp, &err) == NULL)
		abort();
	cp.family = AF_INET;
	memcpy(cp.raddr, th.h[1].addr4, 4);
	cp.rport = 7; /* the diag echo service: it answers what gets through */
	a = tcp_connect(&th.h[0].lc, &cp, &err);
	if (a == NULL)
		abort();
	tcp_get_addrs(a, NULL, NULL, &lport, NULL, NULL);
	th_run(5000000);
	{
		struct tcp_key k = {0};

		k.family = AF_INET;
		memcpy(k.laddr, th.h[1].addr4, 4);
		memcpy(k.raddr, th.h[0].addr4, 4);
		k.lport = rte_cpu_to_be_16(7);
		k.rport = rte_cpu_to_be_16(lport);
		b = tcp_conn_lookup(th.h[1].lc.tcp, &k);
	}
	tcp_write(a, "hello", 5);
	while (size - off >= 15) {
		const uint8_t *r = data + off;
		unsigned optlen = r[12] > 40 ? 40 : r[12], plen = r[14];
		bool lst = r[0] & 1;
		uint32_t seq = rd32(r + 2), ack = rd32(r + 6);
		struct rte_mbuf *m;

		if (size - off < 15 + optlen + plen)
			break;
		/* re-find the connection: earlier segments may have closed it */
		if (b != NULL) {
			struct tcp_key k = b->key;

			b = tcp_conn_lookup(th.h[1].lc.tcp, &k);
		}
		if (!(r[0] & 8) && !lst && b != NULL) {
			seq += b->rcv_nxt;
			ack += b->snd_una;
		}
		m = th_tcp_seg(1, r[0] & 2 ? fake : th.h[0].addr4, lst ? 40000 : lport,
			       lst ? 80 : 7, seq, ack, r[1], (uint16_t)(r[10] << 8 | r[11]),
			       r + 15, optlen, r + 15 + optlen, plen);
		if (r[13]) {
			struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
			uint8_t *t = (uint8_t *)(ih + 1);

			t[12] = (uint8_t)(r[13] << 4);
			t[16] = t[17] = 0;
			{
				uint16_t ck = rte_ipv4_udptcp_cksum(ih, t);

				memcpy(t + 16, &ck, 2);
			}
		}
		th.h[1].lc.now = th.now;
		th_deliver(1, m);
		if (r[0] & 4)
			th_run(50000000);
		off += 15 + optlen + plen;
	}
	th_run(100000000ull);
	if (th_teardown() != 0)
		abort(); /* an mbuf leaked */
	return 0;
}
