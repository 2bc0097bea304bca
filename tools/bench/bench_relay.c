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
#include "bench_relay_ss.h"

#define REQ_LEN   100
#define RESP_LEN  100
#define SOCKS_PORT 1080
#define ORIGIN_PORT 80
#define TCPSRV_PORT 7
#define SS_PORT   8388
#define SS_METHODS "aes-128-gcm,aes-256-gcm,chacha20-ietf-poly1305,xchacha20-ietf-poly1305," \
		   "2022-blake3-aes-128-gcm"
#define MAX_APPS  (1u << 17)

static const uint8_t ip_gen_c[4] = {10, 1, 0, 2}, ip_relay_c[4] = {10, 1, 0, 1};
static const uint8_t ip_gen_s[4] = {10, 2, 0, 2}, ip_relay_s[4] = {10, 2, 0, 1};

enum mode { M_BULK, M_CPS, M_IDLE, M_UP };

/* ---- the two dataplanes ---- */
struct side {
	struct rb_dp dp;
	struct rb_config cfg;
	struct rb_lcore *lc;
};

static struct side gen, relay;
static struct rte_ring *wire[4];      /* gen c->relay cli, back, gen s->relay srv, back */
static unsigned run_no;
static int with_proxy;
static int with_ss;                   /* the inbound is shadowsocks (brs_set_method) */
static uint32_t relay_sndbuf;         /* -S: the relay's TCP send buffer (0: its default) */
static unsigned pool_cache = RB_POOL_CACHE; /* -C: per-lcore mbuf cache of both pools */
static int nic_offload;               /* -O: the relay's ports model NICs with checksum offload */

/* -V: variants of the relay's settings, run alternately in this process
 * (-R rounds of each) so that their figures share the machine's state */
struct variant {
	char label[16];
	uint8_t zc, burst;      /* tcp_params zc_tx, rd_burst of the relay */
	uint8_t rx;             /* tcp_params rx_burst of the relay (output once per burst) */
	unsigned cache;         /* mbuf pool cache of both dataplanes */
	uint8_t ofl;            /* checksum offload model (-O) */
};
static struct variant vars[8];
static unsigned n_vars, var_rounds = 3;
static const struct variant *cur_var;
static int relay_rx_burst;            /* -B: the relay's tcp rx_burst param on */
static enum mode mode;

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
static struct {
	uint64_t started, done, failed, opened_idle, bytes, sent;
	uint64_t live;
} st;
static uint8_t chunk[1 << 16];

static struct app *app_get(void)
{
	struct app *a = app_free;

	if (a == NULL)
		return NULL;
	app_free = a->next_free;
	memset(a, 0, sizeof(*a));
	st.live++;
	return a;
}

static void app_put(struct app *a)
{
	brs_conn_free(a->ss);
	a->ss = NULL;
	a->c = NULL;
	a->next_free = app_free;
	app_free = a;
	st.live--;
}

static void on_closed(struct tcp_conn *c, int err)
{
	struct app *a = tcp_user(c);

	if (a == NULL)
		return;
	/* a client whose exchange had not finished failed; servers end on
	 * their own (the client's close, or the end of a bulk run) */
	if (!a->server && a->phase != P_RESP && a->phase != P_IDLE && a->phase != P_BULK)
		st.failed++;
	else if (!a->server && err != 0 && a->phase == P_RESP)
		st.failed++;
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
	uint8_t tmp[REQ_LEN];
	struct rte_mbuf *m;
	size_t n;

	if (mode == M_UP) {
		/* the origin of an upload counts what the relay delivers */
		while ((m = tcp_read(c, UINT32_MAX)) != NULL) {
			st.bytes += m->pkt_len;
			rte_pktmbuf_free(m);
		}
		goto eof;
	}
	while ((n = tcp_read_copy(c, tmp, sizeof(tmp))) > 0)
		a->got += (uint32_t)n;
	if (a->phase == P_SREQ && a->got >= REQ_LEN) {
		if (mode == M_BULK) {
			a->phase = P_SBULK;
			srv_fill(a);
		} else {
			a->phase = P_SDONE;
			tcp_write(c, chunk, RESP_LEN);
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
	tcp_write(a->c, chunk, REQ_LEN);
}

static void cli_fail(struct app *a)
{
	st.failed++;
	tcp_set_callbacks(a->c, NULL, NULL);
	tcp_abort(a->c);
	app_put(a);
}

/* Shadowsocks: the sealed target address (SOCKS5 form, SIP004 4.1) and the
 * request in the first write; then the download, or the upload stream. */
static void cli_ss_start(struct app *a)
{
	uint8_t plain[7 + REQ_LEN] = {1, ip_gen_s[0], ip_gen_s[1], ip_gen_s[2], ip_gen_s[3],
				      ORIGIN_PORT >> 8, ORIGIN_PORT & 0xff};

	a->ss = brs_conn_new(gen.lc->aead, plain, sizeof(plain));
	a->phase = P_BULK;
	if (a->ss == NULL || brs_push(gen.lc->aead, a->ss, a->c, mode == M_UP, &st.sent) != 0)
		cli_fail(a);
}

static void cli_writable(struct tcp_conn *c)
{
	struct app *a = tcp_user(c);

	if (a->ss != NULL && brs_push(gen.lc->aead, a->ss, c, mode == M_UP, &st.sent) != 0)
		cli_fail(a);
}

static void cli_connected(struct tcp_conn *c, int err)
{
	struct app *a = tcp_user(c);

	if (err != 0)
		return;                 /* on_closed follows */
	if (with_ss) {
		cli_ss_start(a);
	} else if (with_proxy) {
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
	st.done++;
	tcp_set_callbacks(a->c, NULL, NULL);
	tcp_close(a->c);
	app_put(a);
}

static void cli_readable(struct tcp_conn *c)
{
	struct app *a = tcp_user(c);
	struct rte_mbuf *m;

	if (a->ss != NULL) {
		if (brs_read(gen.lc->aead, a->ss, c, &st.bytes) != 0) {
			cli_fail(a);    /* a chunk that did not authenticate */
			return;
		}
		if (tcp_eof(c)) {
			st.failed++;
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
			st.failed++;
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
			st.failed++;
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
		if (mode == M_CPS && a->got >= RESP_LEN) {
			cli_done(a);
			return;
		}
		if (mode == M_IDLE && a->got >= RESP_LEN) {
			a->phase = P_IDLE;
			st.opened_idle++;
		} else if (mode == M_BULK) {
			a->phase = P_BULK;
			st.bytes += a->got;
		}
		break;
	case P_BULK:
		while ((m = tcp_read(c, UINT32_MAX)) != NULL) {
			st.bytes += m->pkt_len;
			rte_pktmbuf_free(m);
		}
		break;
	default:
		break;
	}
	if (a->c != NULL && tcp_eof(c) && a->phase != P_IDLE) {
		st.failed++;
		tcp_set_callbacks(c, NULL, NULL);
		tcp_close(c);
		app_put(a);
	}
}

static const struct tcp_callbacks cli_cb = {
	.on_connected = cli_connected, .on_readable = cli_readable, .on_writable = cli_writable,
	.on_closed = on_closed};

static int cli_open(void)
{
	struct tcp_connect_params cp = {.family = AF_INET, .cb = &cli_cb};
	struct app *a = app_get();
	int err;

	if (a == NULL)
		return -1;
	memcpy(cp.raddr, ip_relay_c, 4);
	cp.rport = with_ss ? SS_PORT : with_proxy ? SOCKS_PORT : TCPSRV_PORT;
	cp.user = a;
	a->phase = P_CONN;
	a->c = tcp_connect(gen.lc, &cp, &err);
	if (a->c == NULL) {
		app_put(a);
		st.failed++;
		return -1;
	}
	st.started++;
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

	if (is_relay && with_ss) {
		char in[256];

		brs_inbound_cfg(in, sizeof(in), "ss-in", "10.1.0.1", SS_PORT);
		snprintf(out + n, len - (size_t)n, " inbounds = ( %s );"
			 " outbounds = ( { type = \"direct\"; tag = \"direct\"; } );", in);
	} else if (is_relay && with_proxy)
		snprintf(out + n, len - (size_t)n,
			 " inbounds = ( { type = \"socks\"; tag = \"socks-in\"; listen = \"10.1.0.1\";"
			 " listen_port = %d; } );"
			 " outbounds = ( { type = \"direct\"; tag = \"direct\"; } );", SOCKS_PORT);
}

static int side_init(struct side *s, int is_relay, char *err, size_t elen)
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
	dp->pool = rb_pool_create(&s->cfg, name, 65535, pool_cache, RTE_MBUF_DEFAULT_BUF_SIZE,
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
		struct rte_ring *rx = wire[2 * i + (is_relay ? 0 : 1)];
		struct rte_ring *tx = wire[2 * i + (is_relay ? 1 : 0)];
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
		if (is_relay && nic_offload) /* nic_rx/nic_tx below do the NIC's part */
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

		rb_neigh_add_static(gen.lc, (uint16_t)i, AF_INET, rip,
				    relay.dp.ports[i].mac.addr_bytes);
		rb_neigh_add_static(relay.lc, (uint16_t)i, AF_INET, gip,
				    gen.dp.ports[i].mac.addr_bytes);
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

	if (rb_cfg_routing_from(&relay.cfg, &r, stderr) != 0)
		return -1;
	/* a new generation per run: the router remembers the last one it saw
	 * across rb_route_dp_fini/init */
	rc = rb_route_compile(&r, run_no, 0x5eed, &blob, &len, err, elen);
	rb_cfg_route_free(&r);
	if (rc != 0)
		return -1;
	rb_rts_name(relay.cfg.dp.shm_name, name, sizeof(name));
	rc = rb_rts_attach(name, &rts, err, elen);
	if (rc == 0)
		rc = rb_rts_publish(rts, blob, len, run_no);
	free(blob);
	if (rc != 0) {
		snprintf(err, elen, "route publish failed (%d)", rc);
		return -1;
	}
	for (int i = 0; i < 100000 && !rb_rts_acked(rts, run_no, &stt); i++) {
		rb_route_dp_service(&relay.dp);
		rb_worker_iter(relay.lc);
		rte_rcu_qsbr_quiescent(relay.dp.qsbr, 0);
	}
	rb_rts_close(rts);
	if (stt != 0) {
		snprintf(err, elen, "route table not adopted (%d)", stt);
		return -1;
	}
	return 0;
}

static int setup(int proxy, enum mode md)
{
	char err[256] = "", name[64];
	struct tcp_listen_params lp = {.family = AF_INET, .on_accept = srv_accept};
	struct tcp_params *gp;

	run_no++;
	with_proxy = proxy;
	mode = md;
	memset(&st, 0, sizeof(st));
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "bench_w%u_%d", run_no, i);
		wire[i] = rte_ring_create(name, 8192, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (wire[i] == NULL)
			return -1;
	}
	if (side_init(&gen, 0, err, sizeof(err)) != 0 ||
	    side_init(&relay, 1, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_relay: set-up: %s\n", err);
		return -1;
	}
	neigh_link();
	/* the generator must not be the limit: no TIME_WAIT, room for all */
	gp = tcp_params(gen.lc);
	gp->max_time_wait = 0;
	gp->max_conns = 1u << 20;
	gp->mem_limit = 4ull << 30;
	if (relay_sndbuf)
		tcp_params(relay.lc)->sndbuf = relay_sndbuf;
	tcp_params(relay.lc)->rx_burst = (uint8_t)relay_rx_burst;
	if (cur_var != NULL) {
		tcp_params(relay.lc)->zc_tx = cur_var->zc;
		tcp_params(relay.lc)->rd_burst = cur_var->burst;
		tcp_params(relay.lc)->rx_burst = cur_var->rx;
	}
	if (proxy) {
		if (proxy_lcore_init(relay.lc) != 0 || publish_routes(err, sizeof(err)) != 0) {
			fprintf(stderr, "bench_relay: proxy set-up: %s\n", err);
			return -1;
		}
		memcpy(lp.addr, ip_gen_s, 4);
		lp.port = ORIGIN_PORT;
		return tcp_listen(gen.lc, &lp, (int[1]){0}) ? 0 : -1;
	}
	memcpy(lp.addr, ip_relay_c, 4);
	lp.port = TCPSRV_PORT;
	return tcp_listen(relay.lc, &lp, (int[1]){0}) ? 0 : -1;
}

static void side_fini(struct side *s, int is_relay)
{
	struct rb_dp *dp = &s->dp;

	if (is_relay && with_proxy)
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

static void teardown(void)
{
	void *m = NULL;

	/* frames in flight first: they belong to either side's pool */
	for (int i = 0; i < 4; i++)
		while (rte_ring_dequeue(wire[i], &m) == 0)
			rte_pktmbuf_free(m);
	side_fini(&relay, 1);
	side_fini(&gen, 0);
	for (int i = 0; i < 4; i++)
		rte_ring_free(wire[i]);
	app_free = NULL;
	for (unsigned i = 0; i < MAX_APPS; i++)
		app_put(&apps[i]);
	st.live = 0;
}

/* What went wrong: the applications' state and the relay's non-zero drops. */
static void diag(const char *what)
{
	fprintf(stderr, "bench_relay: %s: started %lu done %lu failed %lu live %lu bytes %lu\n",
		what, (unsigned long)st.started, (unsigned long)st.done,
		(unsigned long)st.failed, (unsigned long)st.live, (unsigned long)st.bytes);
	for (int d = 0; d < RB_DROP_MAX; d++) {
		if (relay.lc->stats->drops[d] || gen.lc->stats->drops[d])
			fprintf(stderr, "  drop %s: relay %lu gen %lu\n", rb_drop_names[d],
				(unsigned long)relay.lc->stats->drops[d],
				(unsigned long)gen.lc->stats->drops[d]);
	}
}

/* ---- the loop ---- */
static uint64_t relay_cyc, relay_iters, relay_iters_all;
static uint64_t *iter_samp;           /* idle: each relay iteration's cycles */
static int direct_poll;               /* -p: idle also times proxy_lcore_poll once a ms */
static size_t n_samp, cap_samp;

/* Not inlined: profiles tell the relay's iterations from the generator's. */
static __attribute__((noinline)) void relay_iter(void)
{
	rb_worker_iter(relay.lc);
	__asm__ volatile("" ::: "memory");  /* no tail call: stays in the stack */
}

/*
 * -O: the relay's two ports as NICs with TCP checksum offload, done here,
 * outside the timed relay iterations, as hardware would: frames toward the
 * relay are verified and flagged RX_L4_CKSUM_GOOD (or _BAD); frames the
 * relay sent with RTE_MBUF_F_TX_TCP_CKSUM get their sum finished before the
 * generator sees them.  (net_ring itself offers no offloads.)
 */
static void nic_rx(struct rte_ring *r, unsigned max)
{
	struct rte_mbuf *m[256];
	unsigned n = rte_ring_dequeue_burst(r, (void **)m, RTE_MIN(max, (unsigned)RTE_DIM(m)), NULL);

	for (unsigned i = 0; i < n; i++) {
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m[i], const struct rte_ether_hdr *);
		uint64_t f = RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN;

		if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
		    rte_pktmbuf_is_contiguous(m[i])) {
			const struct rte_ipv4_hdr *ih = (const struct rte_ipv4_hdr *)(eh + 1);

			if (ih->next_proto_id == IPPROTO_TCP)
				f = rte_ipv4_udptcp_cksum_verify(ih, (const uint8_t *)ih +
									 rte_ipv4_hdr_len(ih)) == 0
					    ? RTE_MBUF_F_RX_L4_CKSUM_GOOD
					    : RTE_MBUF_F_RX_L4_CKSUM_BAD;
		}
		m[i]->ol_flags = (m[i]->ol_flags & ~RTE_MBUF_F_RX_L4_CKSUM_MASK) | f;
	}
	if (n && rte_ring_enqueue_bulk(r, (void **)m, n, NULL) != n)
		rte_pktmbuf_free_bulk(m, n);
}

static void nic_tx(struct rte_ring *r, unsigned max)
{
	struct rte_mbuf *m[256];
	unsigned n = rte_ring_dequeue_burst(r, (void **)m, RTE_MIN(max, (unsigned)RTE_DIM(m)), NULL);

	for (unsigned i = 0; i < n; i++)
		rb_cksum_tx_finish(m[i], m[i]->l2_len);
	if (n && rte_ring_enqueue_bulk(r, (void **)m, n, NULL) != n)
		rte_pktmbuf_free_bulk(m, n);
}

static void nic_model(int to_relay)
{
	if (!nic_offload)
		return;
	for (int i = 0; i < 2; i++) {
		struct rte_ring *r = wire[2 * i + (to_relay ? 0 : 1)];

		/* each frame once: taken from the head, put back at the tail */
		for (unsigned k = rte_ring_count(r); k > 0; k = k > 256 ? k - 256 : 0) {
			if (to_relay)
				nic_rx(r, k);
			else
				nic_tx(r, k);
		}
	}
}

static void step(void)
{
	uint64_t t0, t1;

	rb_worker_iter(gen.lc);
	nic_model(1);
	t0 = rte_rdtsc();
	relay_iter();
	t1 = rte_rdtsc();
	nic_model(0);
	relay_cyc += t1 - t0;
	if (n_samp < cap_samp)
		iter_samp[n_samp++] = t1 - t0;
	relay_iters++;
	relay_iters_all++;
	rte_rcu_qsbr_quiescent(relay.dp.qsbr, 0);
}

static void counters_zero(void)
{
	relay_cyc = relay_iters = 0;
}

static double hz(void)
{
	return (double)rte_get_tsc_hz();
}

/* This thread's CPU time (seconds): what it ran, not what it waited. */
static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *x, const void *y)
{
	double u = *(const double *)x, v = *(const double *)y;

	return (u > v) - (u < v);
}

#define ROUNDS 7

/* The machine may be shared: each figure is taken over ROUNDS slices of
 * the run and reported as the minimum and the median. */
static double last_socks_cpb = -1; /* the socks bulk figure of this invocation */

/* bulk download (up = 0) or upload (up = 1, Shadowsocks only); *med: the
 * median cycles per byte */
/* The relay's frames so far: rx on the client port, on the server port,
 * tx on each. */
static void frames_snap(uint64_t f[4])
{
	const struct rb_lcore_stats *s = relay.lc->stats;

	f[0] = s->port[0].rx_packets;
	f[1] = s->port[1].rx_packets;
	f[2] = s->port[0].tx_packets;
	f[3] = s->port[1].tx_packets;
}

static int run_bulk(int proxy, unsigned clients, uint64_t bytes, int up, double *med)
{
	uint64_t warm = 8u << 20, t0, b0, total = 0, deadline, fr0[4], fr1[4];
	double secs = 0, cpb[ROUNDS], oncpu[ROUNDS];
	int r;

	if (setup(proxy, up ? M_UP : M_BULK) != 0)
		return -2;
	for (unsigned i = 0; i < clients; i++)
		cli_open();
	deadline = rte_rdtsc() + (uint64_t)(30 * hz());
	while (st.bytes < warm && rte_rdtsc() < deadline && st.failed == 0)
		step();
	frames_snap(fr0);
	relay_iters_all = 0;
	for (r = 0; r < ROUNDS; r++) {
		double cpu0 = thread_cpu_s(), wall;

		counters_zero();
		b0 = st.bytes;
		t0 = rte_rdtsc();
		while (st.bytes - b0 < bytes / ROUNDS && rte_rdtsc() < deadline && st.failed == 0)
			step();
		wall = (double)(rte_rdtsc() - t0) / hz();
		secs += wall;
		b0 = st.bytes - b0;
		total += b0;
		if (b0 < bytes / ROUNDS)
			break;
		cpb[r] = (double)relay_cyc / (double)b0;
		/* on a shared machine the thread is off the CPU part of the time,
		 * and rdtsc counts that too: scale by the round's on-CPU share */
		oncpu[r] = cpb[r] * RTE_MIN(1.0, (thread_cpu_s() - cpu0) / wall);
	}
	if (r < ROUNDS) {
		diag("bulk");
		teardown();
		return -1;
	}
	frames_snap(fr1);
	qsort(cpb, ROUNDS, sizeof(cpb[0]), cmp_double);
	qsort(oncpu, ROUNDS, sizeof(oncpu[0]), cmp_double);
	printf("%s %s, %u connection%s, %.0f MiB%s: cycles/byte on the relay core min %.3f "
	       "median %.3f (on-CPU share only: min %.3f median %.3f), relay-core %.1f Gbps "
	       "(median); wall %.2f Gbps (gen + relay on one thread)\n",
	       with_ss ? "ss   " : proxy ? "relay" : "tcp  ", up ? "up" : "bulk", clients,
	       clients > 1 ? "s" : "", (double)total / 1048576,
	       with_ss ? (up ? " of plaintext up through the ss inbound (the relay opens)"
			     : " of plaintext down through the ss inbound (the relay seals)")
	       : proxy ? " down through socks" : " down from the relay's stack",
	       cpb[0], cpb[ROUNDS / 2], oncpu[0], oncpu[ROUNDS / 2],
	       8.0 * hz() / cpb[ROUNDS / 2] / 1e9, 8.0 * (double)total / secs / 1e9);
	{
		/* what the relay core handled per full-sized segment's worth of
		 * payload (1448 bytes: MSS 1460 less the timestamps) */
		double segs = (double)total / 1448, rx_c = (double)(fr1[0] - fr0[0]) / segs,
		       rx_s = (double)(fr1[1] - fr0[1]) / segs, tx_c = (double)(fr1[2] - fr0[2]) / segs,
		       tx_s = (double)(fr1[3] - fr0[3]) / segs, it = (double)relay_iters_all / segs;

		printf("  per 1448 bytes relayed: frames in %.2f (client side %.2f, server side %.2f), "
		       "out %.2f (client side %.2f, server side %.2f); relay iterations %.3f\n",
		       rx_c + rx_s, rx_c, rx_s, tx_c + tx_s, tx_c, tx_s, it);
	}
	if (!with_ss)
		printf("RESULT %s_bulk_cpb %.3f\n", proxy ? "relay" : "tcp", cpb[ROUNDS / 2]);
	if (proxy && !with_ss)
		last_socks_cpb = oncpu[ROUNDS / 2];
	if (med != NULL) {
		med[0] = cpb[ROUNDS / 2];
		med[1] = oncpu[ROUNDS / 2];
	}
	teardown();
	return 0;
}

static int run_cps(int proxy, uint64_t total, unsigned window)
{
	uint64_t t0, deadline, warm = RTE_MIN(total / 10, 5000u), done = 0;
	double secs = 0, cpc[ROUNDS];
	int r;

	if (setup(proxy, M_CPS) != 0)
		return -2;
	deadline = rte_rdtsc() + (uint64_t)(60 * hz());
	for (r = -1; r < ROUNDS; r++) {
		uint64_t goal = r < 0 ? warm : total / ROUNDS;

		st.done = st.started = 0;
		counters_zero();
		t0 = rte_rdtsc();
		while (st.done < goal && rte_rdtsc() < deadline && st.failed < 100) {
			while (st.started < goal && st.started - st.done - st.failed < window &&
			       cli_open() == 0)
				;
			step();
		}
		if (st.done < goal)
			break;
		if (r < 0)
			continue;
		/* the last connections of a round close in the next one */
		secs += (double)(rte_rdtsc() - t0) / hz();
		done += st.done;
		cpc[r] = (double)relay_cyc / (double)st.done;
	}
	if (r < ROUNDS || st.failed) {
		diag("cps");
		teardown();
		return -1;
	}
	qsort(cpc, ROUNDS, sizeof(cpc[0]), cmp_double);
	printf("%s cps: %lu connections (%u in flight, %s, %d-byte request and response, "
	       "client close): cycles/connection on the relay core min %.0f median %.0f, "
	       "relay-core %.0f k CPS (median); wall %.0f k CPS\n",
	       proxy ? "relay" : "tcp  ", (unsigned long)done, window,
	       proxy ? "SOCKS5 greeting + CONNECT" : "plain TCP", REQ_LEN,
	       cpc[0], cpc[ROUNDS / 2], hz() / cpc[ROUNDS / 2] / 1e3,
	       (double)done / secs / 1e3);
	printf("RESULT %s_cps %.0f\n", proxy ? "relay" : "tcp", hz() / cpc[ROUNDS / 2]);
	teardown();
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void samp_report(const char *what, uint64_t *v, size_t n, double per_s)
{
	double us = hz() / 1e6, sum = 0;
	size_t over = 0;

	if (n < 10)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < n; i++) {
		sum += (double)v[i];
		over += v[i] > 100 * us;
	}
	printf("    %s: %zu, cycles mean %.0f median %lu p99 %lu p99.9 %lu, 10th worst %lu "
	       "(%.1f us), worst %lu (%.1f us); %zu over 100 us; %.2f %% of a core\n",
	       what, n, sum / (double)n, (unsigned long)v[n / 2], (unsigned long)v[n * 99 / 100],
	       (unsigned long)v[n * 999 / 1000], (unsigned long)v[n - 10], (double)v[n - 10] / us,
	       (unsigned long)v[n - 1], (double)v[n - 1] / us, over,
	       100.0 * sum / (double)n * per_s / hz());
}

/* One second with k idle relayed connections open: the relay's
 * iterations (everything the worker does: RX polls, timers, and every
 * 10 ms its housekeeping with the proxy's poll over its sessions and the
 * `conns` TCP rows' refresh), and with -p the proxy's poll alone
 * (proxy_lcore_poll, also called once a millisecond between iterations:
 * its walk of the sessions and a slice of the TCP rows; the worker's own
 * polls then find less to do).  Preempted
 * iterations (2 shared vCPUs) show as outliers: compare the 10th worst
 * and the share of a core. */
static void idle_iters(unsigned k)
{
	uint64_t end, next = 0, *poll = NULL;
	size_t n_poll = 0;
	uint64_t ms = (uint64_t)(hz() / 1e3);

	cap_samp = 1u << 23;
	iter_samp = malloc(cap_samp * sizeof(*iter_samp));
	poll = malloc(2000 * sizeof(*poll));
	if (iter_samp == NULL || poll == NULL) {
		free(iter_samp);
		free(poll);
		iter_samp = NULL;
		cap_samp = 0;
		return;
	}
	n_samp = 0;
	for (end = rte_rdtsc() + (uint64_t)hz(); rte_rdtsc() < end;) {
		step();
		if (direct_poll && with_proxy && rte_rdtsc() >= next && n_poll < 2000) {
			uint64_t t0 = rte_rdtsc();

			proxy_lcore_poll(relay.lc);
			poll[n_poll++] = rte_rdtsc() - t0;
			next = t0 + ms;
		}
	}
	cap_samp = 0;
	printf("  %u idle, one second:\n", k);
	samp_report("relay iterations", iter_samp, n_samp, (double)n_samp);
	samp_report("proxy polls (1 a ms)", poll, n_poll, 1000.0);
	if (n_samp >= 10)
		printf("RESULT relay_idle_iter_10th_worst_cyc %lu\n",
		       (unsigned long)iter_samp[n_samp - 10]);
	if (n_poll >= 10)
		printf("RESULT relay_idle_poll_worst_cyc %lu\n", (unsigned long)poll[n_poll - 10]);
	free(iter_samp);
	free(poll);
	iter_samp = NULL;
}

/* Idle for 200 ms: delayed ACKs and the last window updates go out, the
 * acknowledged send buffers are freed. */
static void idle_wait(void)
{
	for (uint64_t end = rte_rdtsc() + (uint64_t)(hz() / 5); rte_rdtsc() < end;)
		step();
}

static int run_idle(int proxy, unsigned k)
{
	uint64_t deadline, mem0, conns0, heap0, rv0;
	struct tcp_stack *ts;
	struct rte_malloc_socket_stats hs;
	double per_conn, per_heap, bufs;
	size_t sess;

	if (setup(proxy, M_IDLE) != 0)
		return -2;
	ts = relay.lc->tcp;
	/* let the relay's lazily grown state settle with one connection */
	cli_open();
	deadline = rte_rdtsc() + (uint64_t)(20 * hz());
	while (st.opened_idle < 1 && rte_rdtsc() < deadline && st.failed == 0)
		step();
	idle_wait();
	mem0 = ts->mem;
	conns0 = ts->n_conns;
	rv0 = ts->n_recov;
	rte_malloc_get_socket_stats((int)rte_socket_id(), &hs);
	heap0 = hs.heap_allocsz_bytes;
	for (unsigned i = 0; i < k; i++)
		cli_open();
	while (st.opened_idle < k + 1 && rte_rdtsc() < deadline && st.failed == 0)
		step();
	idle_wait();
	rte_malloc_get_socket_stats((int)rte_socket_id(), &hs);
	sess = proxy ? sizeof(struct psess) + sizeof(struct rb_conn_info) : 0;
	bufs = ((double)ts->mem - (double)mem0) / k;
	/* loss-recovery blocks still held (tcp_priv.h struct tcp_recov) */
	per_conn = (double)((ts->n_conns - conns0) * sizeof(struct tcp_conn) +
			    ((double)ts->n_recov - (double)rv0) * sizeof(struct tcp_recov)) / k +
		   bufs + (double)sess;
	/* the heap also holds the generator's slabs (two ends per connection
	 * when proxied, one for tcp-only), grown on demand */
	per_heap = (double)(hs.heap_allocsz_bytes - heap0) / k;
	printf("%s idle: %u connections after one request each: %.0f tcp_conns on the relay "
	       "(%zu B each; %.0f loss-recovery blocks held, %zu B each), %.0f B of queued buffers, %zu B of session (psess %zu + conn "
	       "info %zu): %.0f B per idle %s connection; rte heap grew %.0f B/conn (both "
	       "dataplanes)%s\n",
	       proxy ? "relay" : "tcp  ", k, (double)(ts->n_conns - conns0), sizeof(struct tcp_conn),
	       (double)ts->n_recov - (double)rv0, sizeof(struct tcp_recov), bufs, sess, proxy ? sizeof(struct psess) : 0,
	       proxy ? sizeof(struct rb_conn_info) : 0, per_conn,
	       proxy ? "relayed" : "established", per_heap,
	       st.opened_idle < k + 1 ? " [NOT ALL OPENED]" : "");
	printf("RESULT %s_idle_bytes %.0f\n", proxy ? "relay" : "tcp", per_conn);
	idle_iters(k);
	teardown();
	return st.opened_idle < k + 1 ? -1 : 0;
}

/* The Shadowsocks relay, per method of the comma-separated list: cycles
 * per relayed plaintext byte down (ss-bulk) and/or up (ss-up), then where
 * they go: the codec alone in the relay's call shape, the two copies
 * around each call (ss_mbuf_seal/open gather into a linear buffer and
 * scatter the result into new mbufs), the rest (TCP both sides, the
 * relay, mbufs), against the socks relay of the same run when it ran. */
static int run_ss(const char *methods, int down, int up, unsigned clients, uint64_t bytes)
{
	char name[64];
	double copy = brs_copy_cpb(64);
	int rc = 0;

	for (const char *p = methods; p != NULL && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		size_t n = strcspn(p, ",");

		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		if (brs_set_method(name) != 0) {
			fprintf(stderr, "bench_relay: unknown shadowsocks method %s\n", name);
			rc = -1;
			continue;
		}
		for (int dir = 0; dir < 2; dir++) {
			double cpb[2] = {-1, -1};
			int r;

			if (!(dir ? up : down))
				continue;
			with_ss = 1;
			printf("%s: ", name);
			fflush(stdout);
			r = run_bulk(1, clients, bytes, dir, cpb);
			with_ss = 0;
			if (r == -2)
				return -2;
			if (r != 0) {
				printf("failed\n");
				rc = -1;
				continue;
			}
			brs_report(name, dir, cpb[0], cpb[1], copy, last_socks_cpb);
		}
	}
	return rc;
}

/* "label:zc=N:burst=N:rx=N:cache=N:ofl=N" (defaults: the dataplane's) */
static int variant_parse(const char *spec)
{
	char buf[128], *save = NULL, *tok;

	for (const char *p = spec; p != NULL && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		struct variant *v;
		size_t n = strcspn(p, ",");

		if (n_vars == RTE_DIM(vars) || n >= sizeof(buf))
			return -1;
		v = &vars[n_vars++];
		*v = (struct variant){.zc = 2, .burst = 1, .cache = RB_POOL_CACHE};
		memcpy(buf, p, n);
		buf[n] = '\0';
		tok = strtok_r(buf, ":", &save);
		snprintf(v->label, sizeof(v->label), "%s", tok ? tok : "?");
		while ((tok = strtok_r(NULL, ":", &save)) != NULL) {
			if (strncmp(tok, "zc=", 3) == 0)
				v->zc = (uint8_t)atoi(tok + 3);
			else if (strncmp(tok, "burst=", 6) == 0)
				v->burst = (uint8_t)atoi(tok + 6);
			else if (strncmp(tok, "cache=", 6) == 0)
				v->cache = (unsigned)atoi(tok + 6);
			else if (strncmp(tok, "ofl=", 4) == 0)
				v->ofl = (uint8_t)atoi(tok + 4);
			else if (strncmp(tok, "rx=", 3) == 0)
				v->rx = (uint8_t)atoi(tok + 3);
			else
				return -1;
		}
	}
	return n_vars ? 0 : -1;
}

/* Bulk relay runs of each variant in turn, var_rounds times; each run's
 * median cycles per byte, then per variant the best and the median run. */
static int run_variants(unsigned clients, uint64_t bytes)
{
	double med[RTE_DIM(vars)][16], cpb[2];
	unsigned rounds = RTE_MIN(var_rounds, 16u);

	for (unsigned r = 0; r < rounds; r++) {
		for (unsigned v = 0; v < n_vars; v++) {
			int rc;

			cur_var = &vars[v];
			pool_cache = vars[v].cache;
			nic_offload = vars[v].ofl;

			printf("[%s zc=%u burst=%u rx=%u cache=%u ofl=%u] ", vars[v].label, vars[v].zc,
			       vars[v].burst, vars[v].rx, vars[v].cache, vars[v].ofl);
			rc = run_bulk(1, clients, bytes, 0, cpb);
			cur_var = NULL;
			if (rc != 0)
				return rc;
			med[v][r] = cpb[0];
		}
	}
	printf("variants, %u alternated runs each (median c/B of each run):\n", rounds);
	for (unsigned v = 0; v < n_vars; v++) {
		qsort(med[v], rounds, sizeof(double), cmp_double);
		printf("  %-12s runs best %.3f median %.3f worst %.3f\n", vars[v].label, med[v][0],
		       med[v][rounds / 2], med[v][rounds - 1]);
		printf("RESULT variant_%s_cpb %.3f\n", vars[v].label, med[v][rounds / 2]);
	}
	return 0;
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
			pool_cache = (unsigned)atoi(optarg);
		else if (opt == 'O')
			nic_offload = 1;
		else if (opt == 'V') {
			if (variant_parse(optarg) != 0)
				return 2;
		} else if (opt == 'R')
			var_rounds = (unsigned)atoi(optarg);
		else if (opt == 'B')
			relay_rx_burst = 1;
		else if (opt == 'p')
			direct_poll = 1;
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
	       "checksums: net_ring offers no offloads)\n", hz() / 1e9);
	if (n_vars) {
		rc = run_variants(clients, mb << 20);
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
		r = i % 3 == 0 ? run_bulk(proxy, clients, mb << 20, 0, NULL)
		  : i % 3 == 1 ? run_cps(proxy, cps_n, window) : run_idle(proxy, idle_k);
		rc = r == -2 ? -2 : (r != 0 ? -1 : rc);
		fflush(stdout);
	}
	if (rc != -2 && (only == NULL || listed(only, "ss-bulk") || listed(only, "ss-up"))) {
		int r = run_ss(methods, only == NULL || listed(only, "ss-bulk"),
			       only == NULL || listed(only, "ss-up"), clients, mb << 20);

		rc = r == -2 ? -2 : (r != 0 ? -1 : rc);
	}
	rte_eal_cleanup();
	return rc ? 1 : 0;
}
