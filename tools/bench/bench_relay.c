/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_relay: the SOCKS5 relay of the real dataplane (dataplane/proxy over
 * dataplane/tcp, socks inbound + direct outbound) on one core, with no
 * kernel in the path.
 *
 * One process, one thread, two dataplanes:
 *   - "gen", the load generator: ringbox's own TCP stack as clients
 *     (10.1.0.2) and as origin servers (10.2.0.2:80), driven by the small
 *     applications below;
 *   - "relay", the system under test: a full worker (rb_worker_iter: rx
 *     burst, Ethernet, IP, TCP, the proxy, TX) with a socks inbound on
 *     10.1.0.1:1080 and the direct outbound from 10.2.0.1, its route table
 *     compiled and published as ringbox-control does.
 * The two are joined by two pairs of rte_rings behind net_ring ports (the
 * gen's "c" port faces the relay's "cli" port, "s" faces "srv").  Both
 * worker iterations alternate on this thread; only the relay's iterations
 * are timed (rte_rdtsc around rb_worker_iter), so the figures are the
 * relay core's cost.  "Relay-core Gbps/CPS" are what that core sustains if
 * it had a core to itself: bytes or connections per relay-core second.
 *
 * Modes (each a fresh pair of dataplanes):
 *   bulk   N clients, each downloads from its origin through the relay;
 *          relay cycles per relayed byte, Gbps.
 *   cps    connect, SOCKS5 greeting + CONNECT, one 100-byte request and a
 *          100-byte response, client close; W at a time.
 *   idle   K relayed connections after one request/response, then idle:
 *          the relay's memory per connection; then one second of the
 *          relay's iterations with them open: cycles per iteration (median,
 *          p99, the 10th worst) and of the proxy's poll alone (its walk of
 *          the sessions, the `conns` TCP rows' refresh; at most 16384
 *          sessions per worker: -k 16000).
 *   tcp-*  the same applications against a server on the relay's own TCP
 *          stack (no proxy): the TCP-only figures of issue 4.
 *   ss-bulk, ss-up  the relay with a `shadowsocks` inbound instead of
 *          socks (issue 6), once per method of -M: the generator's clients
 *          speak the Shadowsocks client protocol on the project's codec
 *          (bench_relay_ss.c); ss-bulk downloads (the relay seals), ss-up
 *          uploads (the relay opens); cycles per relayed plaintext byte,
 *          then a breakdown: the codec alone in the relay's call shape and
 *          the memcpy of the same bytes, timed on this thread.
 *
 *   bench_relay [-m MB per bulk run] [-n CONNS for cps] [-k CONNS for idle]
 *               [-c bulk clients] [-w cps window] [-M ss methods, comma-separated]
 *               [-S relay TCP send buffer bytes (default the stack's, 512 KiB):
 *                   how much a relay pass reads and seals at once]
 *               [-B: the relay's tcp rx_burst param on: output, ACKs and
 *                   on_readable once per RX burst (tcp.h), so a pass reads
 *                   and seals what the burst brought]
 *               [-p: idle also times the proxy's poll alone, once a ms]
 *               [-t bulk,cps,idle,tcp-bulk,tcp-cps,tcp-idle,ss-bulk,ss-up
 *                   (default all)]
 *
 * This file: the two dataplanes' set-up and teardown, the load-generating
 * applications and main.  The loop (the timed relay iterations, the NIC
 * offload model) and the measurement modes (br_run_*) are in
 * bench_relay_run.c; what the two share is declared in bench_relay.h.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include "config/rb_cfg_route.h"
#include "control/rb_route_ctl.h"
#include "dataplane/net/cksum.h"
#include "dataplane/net/neigh.h"
#include "dataplane/proxy/proxy_priv.h"
#include "dataplane/proxy/rb_proxy.h"
#include "dataplane/rb_lcore.h"
#include "dataplane/rb_log.h"
#include "dataplane/route/rb_route_dp.h"
#include "dataplane/route/rt_shm.h"
#include "dataplane/shm/rb_shm.h"
#include "dataplane/tcp/tcp_priv.h"
#include "dataplane/worker.h"
#include "drivers/rb_port.h"
#include "bench_relay.h"
#include "bench_relay_ss.h"

#define SOCKS_PORT 1080
#define ORIGIN_PORT 80
#define TCPSRV_PORT 7
#define SS_PORT   8388
#define SS_METHODS "aes-128-gcm,aes-256-gcm,chacha20-ietf-poly1305,xchacha20-ietf-poly1305," \
		   "2022-blake3-aes-128-gcm"
#define MAX_APPS  (1u << 17)

static const uint8_t ip_gen_c[4] = {10, 1, 0, 2}, ip_relay_c[4] = {10, 1, 0, 1};
static const uint8_t ip_gen_s[4] = {10, 2, 0, 2}, ip_relay_s[4] = {10, 2, 0, 1};

/* ---- the two dataplanes (struct br_side: bench_relay.h) ---- */
struct br_side br_gen, br_relay;
struct rte_ring *br_wire[4];          /* gen c->relay cli, back, gen s->relay srv, back */
static unsigned run_no;
int br_with_proxy;
int br_with_ss;                       /* the inbound is shadowsocks (brs_set_method) */
static uint32_t relay_sndbuf;         /* -S: the relay's TCP send buffer (0: its default) */
unsigned br_pool_cache = RB_POOL_CACHE; /* -C: per-lcore mbuf cache of both pools */
int br_nic_offload;                   /* -O: the relay's ports model NICs with checksum offload */

/* -V: variants of the relay's settings (struct br_variant: bench_relay.h) */
struct br_variant br_vars[8];
unsigned br_n_vars, br_var_rounds = 3;
const struct br_variant *br_cur_var;
static int relay_rx_burst;            /* -B: the relay's tcp rx_burst param on */
static enum br_mode mode;

/* ---- load-generating applications (on gen's stack, or on relay's for tcp-*) ---- */
enum phase { P_CONN, P_GREET, P_REPLY, P_RESP, P_BULK, P_IDLE, P_SREQ, P_SBULK, P_SDONE };

struct app {
	struct tcp_conn *c;
	uint8_t phase, server;
	uint32_t got;
	uint8_t buf[16];
	struct brs_conn *ss;          /* a Shadowsocks client's codec state */
	struct app *next_free;
};

static struct app *apps, *app_free;
struct br_stats br_st;
static uint8_t chunk[1 << 16];

static struct app *app_get(void)
{
	struct app *a = app_free;

	if (a == NULL)
		return NULL;
	app_free = a->next_free;
	memset(a, 0, sizeof(*a));
	br_st.live++;
	return a;
}

static void app_put(struct app *a)
{
	brs_conn_free(a->ss);
	a->ss = NULL;
	a->c = NULL;
	a->next_free = app_free;
	app_free = a;
	br_st.live--;
}

static void on_closed(struct tcp_conn *c, int err)
{
	struct app *a = tcp_user(c);

	if (a == NULL)
		return;
	/* a client whose exchange had not finished failed; servers end on
	 * their own (the client's close, or the end of a bulk run) */
	if (!a->server && a->phase != P_RESP && a->phase != P_IDLE && a->phase != P_BULK)
		br_st.failed++;
	else if (!a->server && err != 0 && a->phase == P_RESP)
		br_st.failed++;
	app_put(a);
}

static void srv_fill(struct app *a)
{
	while (tcp_write(a->c, chunk, sizeof(chunk)) == sizeof(chunk))
		;
}

static void srv_readable(struct tcp_conn *c)
{
	struct app *a = tcp_user(c);
	uint8_t tmp[BR_REQ_LEN];
	struct rte_mbuf *m;
	size_t n;

	if (mode == BR_M_UP) {
		/* the origin of an upload counts what the relay delivers */
		while ((m = tcp_read(c, UINT32_MAX)) != NULL) {
			br_st.bytes += m->pkt_len;
			rte_pktmbuf_free(m);
		}
		goto eof;
	}
	while ((n = tcp_read_copy(c, tmp, sizeof(tmp))) > 0)
		a->got += (uint32_t)n;
	if (a->phase == P_SREQ && a->got >= BR_REQ_LEN) {
		if (mode == BR_M_BULK) {
			a->phase = P_SBULK;
			srv_fill(a);
		} else {
			a->phase = P_SDONE;
			tcp_write(c, chunk, BR_RESP_LEN);
		}
	}
eof:
	if (tcp_eof(c)) {
		tcp_set_callbacks(c, NULL, NULL);
		app_put(a);
		tcp_close(c);
	}
}

static void srv_writable(struct tcp_conn *c)
{
	struct app *a = tcp_user(c);

	if (a->phase == P_SBULK)
		srv_fill(a);
}

static const struct tcp_callbacks srv_cb = {
	.on_readable = srv_readable, .on_writable = srv_writable, .on_closed = on_closed};

static int srv_accept(struct tcp_conn *c, void *arg)
{
	struct app *a = app_get();

	(void)arg;
	if (a == NULL)
		return -1;
	a->c = c;
	a->server = 1;
	a->phase = P_SREQ;
	tcp_set_callbacks(c, &srv_cb, a);
	return 0;
}

static void cli_request(struct app *a)
{
	a->phase = P_RESP;
	a->got = 0;
	tcp_write(a->c, chunk, BR_REQ_LEN);
}

static void cli_fail(struct app *a)
{
	br_st.failed++;
	tcp_set_callbacks(a->c, NULL, NULL);
	tcp_abort(a->c);
	app_put(a);
}

/* Shadowsocks: the sealed target address (SOCKS5 form, SIP004 4.1) and the
 * request in the first write; then the download, or the upload stream. */
static void cli_ss_start(struct app *a)
{
	uint8_t plain[7 + BR_REQ_LEN] = {1, ip_gen_s[0], ip_gen_s[1], ip_gen_s[2], ip_gen_s[3],
				      ORIGIN_PORT >> 8, ORIGIN_PORT & 0xff};

	a->ss = brs_conn_new(br_gen.lc->aead, plain, sizeof(plain));
	a->phase = P_BULK;
	if (a->ss == NULL ||
	    brs_push(br_gen.lc->aead, a->ss, a->c, mode == BR_M_UP, &br_st.sent) != 0)
		cli_fail(a);
}

static void cli_writable(struct tcp_conn *c)
{
	struct app *a = tcp_user(c);

	if (a->ss != NULL && brs_push(br_gen.lc->aead, a->ss, c, mode == BR_M_UP, &br_st.sent) != 0)
		cli_fail(a);
}

static void cli_connected(struct tcp_conn *c, int err)
{
	struct app *a = tcp_user(c);

	if (err != 0)
		return;                 /* on_closed follows */
	if (br_with_ss) {
		cli_ss_start(a);
	} else if (br_with_proxy) {
		static const uint8_t greet[3] = {5, 1, 0};  /* RFC 1928 3: no auth */

		a->phase = P_GREET;
		tcp_write(c, greet, sizeof(greet));
	} else {
		cli_request(a);
	}
}

/* Bytes of the current SOCKS message, gathered in a->buf. */
static int cli_gather(struct app *a, uint32_t need)
{
	a->got += (uint32_t)tcp_read_copy(a->c, a->buf + a->got, need - a->got);
	return a->got == need;
}

static void cli_done(struct app *a)
{
	br_st.done++;
	tcp_set_callbacks(a->c, NULL, NULL);
	tcp_close(a->c);
	app_put(a);
}

static void cli_readable(struct tcp_conn *c)
{
	struct app *a = tcp_user(c);
	struct rte_mbuf *m;

	if (a->ss != NULL) {
		if (brs_read(br_gen.lc->aead, a->ss, c, &br_st.bytes) != 0) {
			cli_fail(a);    /* a chunk that did not authenticate */
			return;
		}
		if (tcp_eof(c)) {
			br_st.failed++;
			tcp_set_callbacks(c, NULL, NULL);
			tcp_close(c);
			app_put(a);
		}
		return;
	}
	switch (a->phase) {
	case P_GREET:
		if (!cli_gather(a, 2))
			break;
		if (a->buf[0] != 5 || a->buf[1] != 0) {
			br_st.failed++;
			tcp_set_callbacks(c, NULL, NULL);
			tcp_abort(c);
			app_put(a);
			return;
		} else {
			/* RFC 1928 4: CONNECT to the origin by IPv4 address */
			uint8_t req[10] = {5, 1, 0, 1, ip_gen_s[0], ip_gen_s[1], ip_gen_s[2],
					   ip_gen_s[3], ORIGIN_PORT >> 8, ORIGIN_PORT & 0xff};

			a->phase = P_REPLY;
			a->got = 0;
			tcp_write(c, req, sizeof(req));
		}
		/* the reply may be here already */
		__attribute__((fallthrough));
	case P_REPLY:
		if (!cli_gather(a, 10))
			break;
		if (a->buf[1] != 0) {
			br_st.failed++;
			tcp_set_callbacks(c, NULL, NULL);
			tcp_abort(c);
			app_put(a);
			return;
		}
		cli_request(a);
		break;
	case P_RESP:
		while ((m = tcp_read(c, UINT32_MAX)) != NULL) {
			a->got += m->pkt_len;
			rte_pktmbuf_free(m);
		}
		if (mode == BR_M_CPS && a->got >= BR_RESP_LEN) {
			cli_done(a);
			return;
		}
		if (mode == BR_M_IDLE && a->got >= BR_RESP_LEN) {
			a->phase = P_IDLE;
			br_st.opened_idle++;
		} else if (mode == BR_M_BULK) {
			a->phase = P_BULK;
			br_st.bytes += a->got;
		}
		break;
	case P_BULK:
		while ((m = tcp_read(c, UINT32_MAX)) != NULL) {
			br_st.bytes += m->pkt_len;
			rte_pktmbuf_free(m);
		}
		break;
	default:
		break;
	}
	if (a->c != NULL && tcp_eof(c) && a->phase != P_IDLE) {
		br_st.failed++;
		tcp_set_callbacks(c, NULL, NULL);
		tcp_close(c);
		app_put(a);
	}
}

static const struct tcp_callbacks cli_cb = {
	.on_connected = cli_connected, .on_readable = cli_readable, .on_writable = cli_writable,
	.on_closed = on_closed};

int br_cli_open(void)
{
	struct tcp_connect_params cp = {.family = AF_INET, .cb = &cli_cb};
	struct app *a = app_get();
	int err;

	if (a == NULL)
		return -1;
	memcpy(cp.raddr, ip_relay_c, 4);
	cp.rport = br_with_ss ? SS_PORT : br_with_proxy ? SOCKS_PORT : TCPSRV_PORT;
	cp.user = a;
	a->phase = P_CONN;
	a->c = tcp_connect(br_gen.lc, &cp, &err);
	if (a->c == NULL) {
		app_put(a);
		br_st.failed++;
		return -1;
	}
	br_st.started++;
	return 0;
}

/* ---- set-up ---- */
static void cfg_text(char *out, size_t len, int is_relay)
{
	int n = snprintf(out, len,
		"dataplane = { lcores = 1; shm_name = \"/rb_bench_%s_%d_%u\"; ports = ("
		" { name = \"cli\"; device = \"net_ring_%s_c%u\"; addresses = [\"%s/24\"]; },"
		" { name = \"srv\"; device = \"net_ring_%s_s%u\"; addresses = [\"%s/24\"]; } ); };",
		is_relay ? "relay" : "gen", (int)getpid(), run_no,
		is_relay ? "r" : "g", run_no, is_relay ? "10.1.0.1" : "10.1.0.2",
		is_relay ? "r" : "g", run_no, is_relay ? "10.2.0.1" : "10.2.0.2");

	if (is_relay && br_with_ss) {
		char in[256];

		brs_inbound_cfg(in, sizeof(in), "ss-in", "10.1.0.1", SS_PORT);
		snprintf(out + n, len - (size_t)n, " inbounds = ( %s );"
			 " outbounds = ( { type = \"direct\"; tag = \"direct\"; } );", in);
	} else if (is_relay && br_with_proxy)
		snprintf(out + n, len - (size_t)n,
			 " inbounds = ( { type = \"socks\"; tag = \"socks-in\"; listen = \"10.1.0.1\";"
			 " listen_port = %d; } );"
			 " outbounds = ( { type = \"direct\"; tag = \"direct\"; } );", SOCKS_PORT);
}

static int side_init(struct br_side *s, int is_relay, char *err, size_t elen)
{
	char text[1024], name[64];
	struct rb_dp *dp = &s->dp;

	cfg_text(text, sizeof(text), is_relay);
	if (rb_config_load_string(&s->cfg, text, "<bench_relay>", stderr) != 0)
		return -1;
	memset(dp, 0, sizeof(*dp));
	dp->cfg = &s->cfg;
	dp->tsc_hz = rte_get_tsc_hz();
	dp->n_workers = 1;
	dp->n_ports = 2;
	dp->flow_hash_seed = 1;
	snprintf(name, sizeof(name), "bench_%s_pool%u", is_relay ? "r" : "g", run_no);
	/* the dataplane's own pool, as ringbox-dataplane makes it (-C: its cache) */
	dp->pool = rb_pool_create(&s->cfg, name, 65535, br_pool_cache, RTE_MBUF_DEFAULT_BUF_SIZE,
				  (int)rte_socket_id());
	dp->qsbr = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1), 64);
	if (dp->pool == NULL || dp->qsbr == NULL) {
		snprintf(err, elen, "no mbuf pool or RCU memory");
		return -1;
	}
	rte_rcu_qsbr_init(dp->qsbr, 1);
	if (is_relay) {
		dp->shm = rb_shm_create(&s->cfg, 1, err, elen);
		if (dp->shm == NULL || rb_route_dp_init(dp, err, elen) != 0)
			return -1;
	}
	if (rb_workers_init(dp, err, elen) != 0)
		return -1;
	s->lc = dp->workers[0];
	if (!is_relay) {
		/* the rings rb_workers_init names per worker index: rename gen's,
		 * so that the relay's (also worker 0) can be created */
		rte_ring_free(s->lc->handoff);
		rte_ring_free(s->lc->txring);
		snprintf(name, sizeof(name), "bench_g_ho%u", run_no);
		s->lc->handoff = rte_ring_create(name, 4096, SOCKET_ID_ANY, RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "bench_g_tx%u", run_no);
		s->lc->txring = rte_ring_create(name, 4096, SOCKET_ID_ANY, RING_F_SC_DEQ);
		if (s->lc->handoff == NULL || s->lc->txring == NULL) {
			snprintf(err, elen, "gen rings: %s", rte_strerror(rte_errno));
			return -1;
		}
	}
	for (int i = 0; i < 2; i++) {
		/* gen port i transmits into wire[2i] and receives wire[2i+1] */
		struct rte_ring *rx = br_wire[2 * i + (is_relay ? 0 : 1)];
		struct rte_ring *tx = br_wire[2 * i + (is_relay ? 1 : 0)];
		char dev[64];

		/* rte_eth_from_rings(X) probes "net_ring_X", the config's device */
		rb_dev_name(s->cfg.dp.ports[i].device, dev, sizeof(dev));
		struct rte_ether_addr mac = {{0x02, 0, 0, 0, (uint8_t)is_relay, (uint8_t)i}};
		int pid = rte_eth_from_rings(dev + strlen("net_ring_"), &rx, 1, &tx, 1,
					     (unsigned)rte_socket_id());

		if (pid < 0) {
			snprintf(err, elen, "%s: %s", dev, rte_strerror(rte_errno));
			return -1;
		}
		/* net_ring ports come up with 00:00:00:00:00:00, a source the
		 * Ethernet input refuses: give each a unicast address */
		rte_eth_dev_default_mac_addr_set((uint16_t)pid, &mac);
		if (rb_port_start(dp, i, &s->cfg.dp.ports[i], err, elen) != 0)
			return -1;
		dp->ports[i].mac = mac;
		if (is_relay && br_nic_offload) /* nic_rx/nic_tx below do the NIC's part */
			dp->ports[i].tx_offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
						    RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	}
	rb_workers_bind_ports(dp);
	{
		struct rb_fib *fib = rb_fib_build(dp, NULL, 0, 1, err, elen);

		if (fib == NULL || rb_fib_publish(dp, fib) != 0)
			return -1;
	}
	rte_rcu_qsbr_thread_register(dp->qsbr, 0);
	rte_rcu_qsbr_thread_online(dp->qsbr, 0);
	if (tcp_lcore_init(s->lc) != 0 || udp_lcore_init(s->lc) != 0) {
		snprintf(err, elen, "TCP/UDP init");
		return -1;
	}
	return 0;
}

static void neigh_link(void)
{
	for (int i = 0; i < 2; i++) {
		const uint8_t *gip = i ? ip_gen_s : ip_gen_c, *rip = i ? ip_relay_s : ip_relay_c;

		rb_neigh_add_static(br_gen.lc, (uint16_t)i, AF_INET, rip,
				    br_relay.dp.ports[i].mac.addr_bytes);
		rb_neigh_add_static(br_relay.lc, (uint16_t)i, AF_INET, gip,
				    br_gen.dp.ports[i].mac.addr_bytes);
	}
}

/* Compile the relay's (default) route table and publish it through its
 * route segment, as ringbox-control does; the dataplane adopts it. */
static int publish_routes(char *err, size_t elen)
{
	struct rb_cfg_routing r;
	struct rb_rts *rts;
	char name[80];
	void *blob = NULL;
	size_t len = 0;
	int rc, stt = -1;

	if (rb_cfg_routing_from(&br_relay.cfg, &r, stderr) != 0)
		return -1;
	/* a new generation per run: the router remembers the last one it saw
	 * across rb_route_dp_fini/init */
	rc = rb_route_compile(&r, run_no, 0x5eed, &blob, &len, err, elen);
	rb_cfg_route_free(&r);
	if (rc != 0)
		return -1;
	rb_rts_name(br_relay.cfg.dp.shm_name, name, sizeof(name));
	rc = rb_rts_attach(name, &rts, err, elen);
	if (rc == 0)
		rc = rb_rts_publish(rts, blob, len, run_no);
	free(blob);
	if (rc != 0) {
		snprintf(err, elen, "route publish failed (%d)", rc);
		return -1;
	}
	for (int i = 0; i < 100000 && !rb_rts_acked(rts, run_no, &stt); i++) {
		rb_route_dp_service(&br_relay.dp);
		rb_worker_iter(br_relay.lc);
		rte_rcu_qsbr_quiescent(br_relay.dp.qsbr, 0);
	}
	rb_rts_close(rts);
	if (stt != 0) {
		snprintf(err, elen, "route table not adopted (%d)", stt);
		return -1;
	}
	return 0;
}

int br_setup(int proxy, enum br_mode md)
{
	char err[256] = "", name[64];
	struct tcp_listen_params lp = {.family = AF_INET, .on_accept = srv_accept};
	struct tcp_params *gp;

	run_no++;
	br_with_proxy = proxy;
	mode = md;
	memset(&br_st, 0, sizeof(br_st));
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "bench_w%u_%d", run_no, i);
		br_wire[i] = rte_ring_create(name, 8192, SOCKET_ID_ANY,
					      RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (br_wire[i] == NULL)
			return -1;
	}
	if (side_init(&br_gen, 0, err, sizeof(err)) != 0 ||
	    side_init(&br_relay, 1, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_relay: set-up: %s\n", err);
		return -1;
	}
	neigh_link();
	/* the generator must not be the limit: no TIME_WAIT, room for all */
	gp = tcp_params(br_gen.lc);
	gp->max_time_wait = 0;
	gp->max_conns = 1u << 20;
	gp->mem_limit = 4ull << 30;
	if (relay_sndbuf)
		tcp_params(br_relay.lc)->sndbuf = relay_sndbuf;
	tcp_params(br_relay.lc)->rx_burst = (uint8_t)relay_rx_burst;
	if (br_cur_var != NULL) {
		tcp_params(br_relay.lc)->zc_tx = br_cur_var->zc;
		tcp_params(br_relay.lc)->rd_burst = br_cur_var->burst;
		tcp_params(br_relay.lc)->rx_burst = br_cur_var->rx;
	}
	if (proxy) {
		if (proxy_lcore_init(br_relay.lc) != 0 || publish_routes(err, sizeof(err)) != 0) {
			fprintf(stderr, "bench_relay: proxy set-up: %s\n", err);
			return -1;
		}
		memcpy(lp.addr, ip_gen_s, 4);
		lp.port = ORIGIN_PORT;
		return tcp_listen(br_gen.lc, &lp, (int[1]){0}) ? 0 : -1;
	}
	memcpy(lp.addr, ip_relay_c, 4);
	lp.port = TCPSRV_PORT;
	return tcp_listen(br_relay.lc, &lp, (int[1]){0}) ? 0 : -1;
}

static void side_fini(struct br_side *s, int is_relay)
{
	struct rb_dp *dp = &s->dp;

	if (is_relay && br_with_proxy)
		proxy_lcore_fini(s->lc);
	rte_rcu_qsbr_thread_offline(dp->qsbr, 0);
	rte_rcu_qsbr_thread_unregister(dp->qsbr, 0);
	rb_workers_fini(dp);
	for (int i = 0; i < dp->n_ports; i++) {
		rte_eth_dev_stop(dp->ports[i].port_id);
		rte_eth_dev_close(dp->ports[i].port_id);
	}
	if (is_relay)
		rb_route_dp_fini();
	rb_fib_reclaim(dp, 1);
	rb_fib_free(dp->fib);
	if (dp->shm != NULL)
		rb_shm_destroy(dp->shm);
	rte_mempool_free(dp->pool);
	rte_free(dp->qsbr);
	rb_config_free(&s->cfg);
}

void br_teardown(void)
{
	void *m = NULL;

	/* frames in flight first: they belong to either side's pool */
	for (int i = 0; i < 4; i++)
		while (rte_ring_dequeue(br_wire[i], &m) == 0)
			rte_pktmbuf_free(m);
	side_fini(&br_relay, 1);
	side_fini(&br_gen, 0);
	for (int i = 0; i < 4; i++)
		rte_ring_free(br_wire[i]);
	app_free = NULL;
	for (unsigned i = 0; i < MAX_APPS; i++)
		app_put(&apps[i]);
	br_st.live = 0;
}

/* What went wrong: the applications' state and the relay's non-zero drops. */
void br_diag(const char *what)
{
	fprintf(stderr, "bench_relay: %s: started %lu done %lu failed %lu live %lu bytes %lu\n",
		what, (unsigned long)br_st.started, (unsigned long)br_st.done,
		(unsigned long)br_st.failed, (unsigned long)br_st.live, (unsigned long)br_st.bytes);
	for (int d = 0; d < RB_DROP_MAX; d++) {
		if (br_relay.lc->stats->drops[d] || br_gen.lc->stats->drops[d])
			fprintf(stderr, "  drop %s: relay %lu gen %lu\n", rb_drop_names[d],
				(unsigned long)br_relay.lc->stats->drops[d],
				(unsigned long)br_gen.lc->stats->drops[d]);
	}
}

/* name is one of the comma-separated items of list */
static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p != NULL; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	/* With RB_BENCH_HUGE=1 (tools/bench/run reserves pages) mbufs live in
	 * 2 MB pages as in production; otherwise 4 KB pages (TLB misses on
	 * every mbuf, and a level that moves from run to run). */
	int huge = getenv("RB_BENCH_HUGE") && atoi(getenv("RB_BENCH_HUGE"));
	char *eal[] = {"bench_relay", "--no-pci", "--no-telemetry", "--lcores=0@0,1@0",
		       huge ? "--in-memory" : "--no-huge", "-m", huge ? "1024" : "2048",
		       "--log-level=error", huge ? NULL : "--no-shconf", NULL};
	uint64_t mb = 256, cps_n = 100000;
	unsigned idle_k = 2000, clients = 1, window = 64;
	int opt, rc = 0;
	const char *only = NULL, *methods = SS_METHODS;

	while ((opt = getopt(argc, argv, "m:n:k:c:w:t:M:S:C:V:R:OBp")) != -1) {
		if (opt == 'm')
			mb = strtoull(optarg, NULL, 0);
		else if (opt == 'n')
			cps_n = strtoull(optarg, NULL, 0);
		else if (opt == 'k')
			idle_k = (unsigned)atoi(optarg);
		else if (opt == 'c')
			clients = (unsigned)atoi(optarg);
		else if (opt == 'w')
			window = (unsigned)atoi(optarg);
		else if (opt == 't')
			only = optarg;
		else if (opt == 'M')
			methods = optarg;
		else if (opt == 'S')
			relay_sndbuf = (uint32_t)strtoul(optarg, NULL, 0);
		else if (opt == 'C')
			br_pool_cache = (unsigned)atoi(optarg);
		else if (opt == 'O')
			br_nic_offload = 1;
		else if (opt == 'V') {
			if (br_variant_parse(optarg) != 0)
				return 2;
		} else if (opt == 'R')
			br_var_rounds = (unsigned)atoi(optarg);
		else if (opt == 'B')
			relay_rx_burst = 1;
		else if (opt == 'p')
			br_direct_poll = 1;
		else
			return 2;
	}
	if (idle_k == 0 || idle_k > MAX_APPS / 4 || clients == 0 || window == 0)
		return 2;
	rb_log_level = RB_LOG_WARN;
	if (rte_eal_init(huge ? 8 : 9, eal) < 0)
		return 1;
	rb_meta_register();
	apps = calloc(MAX_APPS, sizeof(*apps));
	if (apps == NULL)
		return 1;
	for (unsigned i = 0; i < MAX_APPS; i++)
		app_put(&apps[i]);
	printf("bench_relay: TSC %.2f GHz, one thread; relay = rb_worker_iter of a dataplane "
	       "with a socks (ss-*: shadowsocks) inbound and the direct outbound over net_ring ports (software "
	       "checksums: net_ring offers no offloads)\n", br_hz() / 1e9);
	if (br_n_vars) {
		rc = br_run_variants(clients, mb << 20);
		rte_eal_cleanup();
		return rc ? 1 : 0;
	}
	/* a failed set-up (-2) leaves half-built state behind: stop there */
	for (int i = 0; i < 6 && rc != -2; i++) {
		static const char *const names[6] = {"bulk", "cps", "idle", "tcp-bulk", "tcp-cps",
						     "tcp-idle"};
		int proxy = i < 3, r;

		if (only != NULL && !listed(only, names[i]))
			continue;
		r = i % 3 == 0 ? br_run_bulk(proxy, clients, mb << 20, 0, NULL)
		  : i % 3 == 1 ? br_run_cps(proxy, cps_n, window) : br_run_idle(proxy, idle_k);
		rc = r == -2 ? -2 : (r != 0 ? -1 : rc);
		fflush(stdout);
	}
	if (rc != -2 && (only == NULL || listed(only, "ss-bulk") || listed(only, "ss-up"))) {
		int r = br_run_ss(methods, only == NULL || listed(only, "ss-bulk"),
			       only == NULL || listed(only, "ss-up"), clients, mb << 20);

		rc = r == -2 ? -2 : (r != 0 ? -1 : rc);
	}
	rte_eal_cleanup();
	return rc ? 1 : 0;
}
