/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: ICMP errors (dataplane/tcp/tcp_icmp.h, already parsed)
 * into live connections of the in-process network
 * (tests/unit/test_tcp_harness.c): a 64 KiB echo from host 0 to host 1's
 * diag echo service with data in flight, and a connect stuck in SYN_SENT
 * (host 2 drops everything).  Reaches what fuzz_tcp_icmp (the parser
 * alone) and fuzz_tcp (segments only) do not: tcp_icmp_input's sequence
 * check, the MSS lowered and the flight sent again (tcp_go_back,
 * tcp_recov_trim; TSO super-segments cut at the new MSS), the destination
 * cache, hard errors on connects and soft ones elsewhere.
 *
 * Input: byte 0 the network: bit0 IPv6, bit1 TSO ports, bit2 no SACK,
 * bit3 1 % loss; then records of 10 bytes:
 *   [0] bits0-1 the connection: 0 the echo's client (host 0), 1 its server
 *       side (host 1), 2 the connect in SYN_SENT, 3 the client's 4-tuple
 *       with another local port (no connection); bits2-3 the kind (0: none,
 *       only time passes; 1 soft, 2 hard, 3 path MTU); bit4 seq raw from
 *       snd_una (else within [snd_una, snd_max]); bits5-6 the errno
 *   [1..4] seq  [5..6] MTU  [7..8] quoted IPv4 length  [9] ms to run after
 * Checked: the echo comes back as a prefix of what was sent; an error
 * never raises the MSS, and a lowered one stays at or above the floor
 * (576 / 1280 minus headers); a hard error closes only a connect; no mbuf
 * is leaked once everything is closed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_ethdev.h>
#include "../unit/test_tcp_harness.h"
#include "../unit/test_tcp_app.h"
#include "dataplane/tcp/tcp_priv.h"
#include "dataplane/tcp/tcp_icmp.h"

#define ECHO_LEN (64u * 1024)
#define REC_LEN  10
#define MS       1000000ull
#define OFFL_TSO (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM | \
		  RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_TCP_TSO)

static bool ready;
static uint8_t *echo_data;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	ready = th_eal_init() == 0;
	echo_data = pattern(ECHO_LEN, 5);
	return 0;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* host 1's side of the echo, found again each time (it may have closed) */
static struct tcp_conn *server_side(const struct app *a)
{
	struct tcp_key k;

	if (a->c == NULL)
		return NULL;
	k = a->c->key;
	memcpy(k.laddr, a->c->key.raddr, sizeof(k.laddr));
	memcpy(k.raddr, a->c->key.laddr, sizeof(k.raddr));
	k.lport = a->c->key.rport;
	k.rport = a->c->key.lport;
	return tcp_conn_lookup(th.h[1].lc.tcp, &k);
}

static void one_error(const uint8_t *r, struct app *a, struct app *syn)
{
	static const int errs[4] = {-ECONNREFUSED, -EHOSTUNREACH, -ENETUNREACH, -EHOSTUNREACH};
	unsigned target = r[0] & 3, kind = r[0] >> 2 & 3;
	struct tcp_conn *c;
	struct tcp_icmp_err e;
	struct tcp_key k;
	int host = target == 1 ? 1 : 0;
	uint32_t inflight;
	uint16_t mss0;
	int state0;

	c = target == 1 ? server_side(a) : target == 2 ? syn->c : a->c;
	if (kind == 0 || c == NULL)
		return;
	k = c->key;
	memset(&e, 0, sizeof(e));
	e.family = k.family;
	e.kind = (uint8_t)kind;
	memcpy(e.laddr, k.laddr, sizeof(e.laddr));
	memcpy(e.raddr, k.raddr, sizeof(e.raddr));
	e.lport = k.lport;
	e.rport = k.rport;
	if (target == 3)
		e.lport = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(k.lport) + 1));
	inflight = c->snd_max - c->snd_una;
	e.seq = c->snd_una + (r[0] & 0x10 ? rd32(r + 1) : rd32(r + 1) % (inflight + 1));
	e.err = errs[r[0] >> 5 & 3];
	e.mtu = (uint32_t)r[5] << 8 | r[6];
	e.quoted_len = (uint16_t)(r[7] << 8 | r[8]);
	mss0 = c->mss;
	state0 = c->state;
	th.h[host].lc.now = th.now;
	tcp_icmp_input(&th.h[host].lc, &e);
	/* c may be gone now: look it up again by its key */
	c = tcp_conn_lookup(th.h[host].lc.tcp, &k);
	if (kind == TCP_ICMP_HARD && state0 != TCPS_SYN_SENT && c == NULL)
		abort(); /* a hard error closes only a connect */
	if (c != NULL && c->state != TCPS_TIME_WAIT) {
		uint32_t floor = k.family == AF_INET ? 576 - 40 : 1280 - 60;

		if (c->mss > mss0)
			abort(); /* raised by an error */
		if (c->mss < mss0 && c->mss < floor)
			abort(); /* lowered below the minimum MTU's */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct app a, syn;
	int family;
	size_t off;

	if (!ready || echo_data == NULL)
		abort();
	if (size < 1 || size > 64 * REC_LEN + 1)
		return 0;
	family = data[0] & 1 ? AF_INET6 : AF_INET;
	th_setup(3, true);
	if (data[0] & 2)
		th_port_model(OFFL_TSO, true);
	if (data[0] & 4)
		for (int h = 0; h < 2; h++)
			tcp_params(&th.h[h].lc)->sack = false;
	if (data[0] & 8)
		th.loss_ppm = 10000;
	th.h[2].blackhole_rx = true;
	app_init(&a);
	app_init(&syn);
	a.tx = echo_data;
	a.tx_len = ECHO_LEN;
	a.shut_after_tx = true;
	if (app_connect(&a, 0, 1, family, 7, 0, NULL) == NULL ||
	    app_connect(&syn, 0, 2, family, 7, 0, NULL) == NULL)
		abort();
	th_run(3 * MS); /* established, the first flight out */
	for (off = 1; size - off >= REC_LEN; off += REC_LEN) {
		one_error(data + off, &a, &syn);
		th_run((data[off + 9] + 1ull) * MS / 4);
		if (a.rx_len > ECHO_LEN || (a.rx_len && memcmp(a.rx, echo_data, a.rx_len)))
			abort(); /* the echo is not what was sent */
	}
	th_run(1000 * MS);
	if (a.rx_len > ECHO_LEN || (a.rx_len && memcmp(a.rx, echo_data, a.rx_len)))
		abort();
	if (a.c != NULL)
		tcp_close(a.c);
	if (syn.c != NULL)
		tcp_abort(syn.c);
	th_run(200 * MS); /* th_teardown frees what is left (TIME_WAIT) */
	app_free(&a);
	app_free(&syn);
	if (th_teardown() != 0)
		abort(); /* an mbuf leaked */
	return 0;
}
