/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WireGuard protocol core (dataplane/wireguard): the kernel selftest's
 * replay-counter table, allowed-IPs cases, base64 keys, a complete
 * handshake between two in-memory devices, data both ways, key rotation
 * with injected time, cookie mode, and the failure cases (wrong PSK,
 * unknown key, replays, tampering, spoofed inner source).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <CUnit/Basic.h>
#include "crypto/rb_x25519.h"
#include "dataplane/wireguard/wg.h"

/* ---- replay window: the kernel's selftest/counter.c sequence ---- */
#define T_LIM ((uint64_t)WG_REPLAY_WINDOW + 1)
#define REJ   WG_REJECT_AFTER_MESSAGES
static const struct {
	uint64_t n;
	int ok;
} replay_tbl[] = {
	{0, 1},  {1, 1}, {1, 0}, {9, 1}, {8, 1}, {7, 1}, {7, 0}, {T_LIM, 1}, {T_LIM - 1, 1},
	{T_LIM - 1, 0}, {T_LIM - 2, 1}, {2, 1}, {2, 0}, {T_LIM + 16, 1}, {3, 0},
	{T_LIM + 16, 0}, {T_LIM * 4, 1}, {T_LIM * 4 - (T_LIM - 1), 1}, {10, 0},
	{T_LIM * 4 - T_LIM, 0}, {T_LIM * 4 - (T_LIM + 1), 0}, {T_LIM * 4 - (T_LIM - 2), 1},
	{T_LIM * 4 + 1 - T_LIM, 0}, {0, 0}, {REJ, 0}, {REJ - 1, 1}, {REJ, 0}, {REJ - 1, 0},
	{REJ - 2, 1}, {REJ + 1, 0}, {REJ + 2, 0}, {REJ - 2, 0}, {REJ - 3, 1}, {0, 0},
};

static void test_replay_table(void)
{
	struct wg_replay r;
	unsigned i;

	CU_ASSERT_TRUE(WG_REPLAY_BITS >= 2048);
	wg_replay_init(&r);
	for (i = 0; i < sizeof(replay_tbl) / sizeof(replay_tbl[0]); i++) {
		int got = wg_replay_check(&r, replay_tbl[i].n);

		if (got != replay_tbl[i].ok)
			fprintf(stderr, "replay step %u: counter %llu gave %d\n", i + 1,
				(unsigned long long)replay_tbl[i].n, got);
		CU_ASSERT_EQUAL(got, replay_tbl[i].ok);
	}

	/* Whole-window sweeps, forwards and backwards. */
	wg_replay_init(&r);
	for (i = 1; i <= WG_REPLAY_WINDOW; i++)
		CU_ASSERT_TRUE(wg_replay_check(&r, i));
	CU_ASSERT_TRUE(wg_replay_check(&r, 0));
	CU_ASSERT_FALSE(wg_replay_check(&r, 0));

	wg_replay_init(&r);
	for (i = 2; i <= WG_REPLAY_WINDOW + 1; i++)
		CU_ASSERT_TRUE(wg_replay_check(&r, i));
	CU_ASSERT_TRUE(wg_replay_check(&r, 1));
	CU_ASSERT_FALSE(wg_replay_check(&r, 0));

	wg_replay_init(&r);
	for (i = WG_REPLAY_WINDOW + 1; i-- > 0;)
		CU_ASSERT_TRUE(wg_replay_check(&r, i));

	wg_replay_init(&r);
	for (i = WG_REPLAY_WINDOW + 2; i-- > 1;)
		CU_ASSERT_TRUE(wg_replay_check(&r, i));
	CU_ASSERT_FALSE(wg_replay_check(&r, 0));

	wg_replay_init(&r);
	for (i = WG_REPLAY_WINDOW + 1; i-- > 1;)
		CU_ASSERT_TRUE(wg_replay_check(&r, i));
	CU_ASSERT_TRUE(wg_replay_check(&r, WG_REPLAY_WINDOW + 1));
	CU_ASSERT_FALSE(wg_replay_check(&r, 0));

	wg_replay_init(&r);
	for (i = WG_REPLAY_WINDOW + 1; i-- > 1;)
		CU_ASSERT_TRUE(wg_replay_check(&r, i));
	CU_ASSERT_TRUE(wg_replay_check(&r, 0));
	CU_ASSERT_TRUE(wg_replay_check(&r, WG_REPLAY_WINDOW + 1));
}

/* ---- allowed IPs ---- */
static void *PA = (void *)0x1000, *PB = (void *)0x2000, *PC = (void *)0x3000;

static int aip_add(struct wg_allowedips *t, const char *pfx, void *peer)
{
	char buf[64], *slash;
	uint8_t a[16];
	int fam;

	snprintf(buf, sizeof(buf), "%s", pfx);
	slash = strchr(buf, '/');
	*slash = '\0';
	fam = strchr(buf, ':') ? AF_INET6 : AF_INET;
	inet_pton(fam, buf, a);
	return wg_aip_insert(t, fam, a, (uint8_t)atoi(slash + 1), peer);
}

static void *aip_get(const struct wg_allowedips *t, const char *addr)
{
	uint8_t a[16];
	int fam = strchr(addr, ':') ? AF_INET6 : AF_INET;

	inet_pton(fam, addr, a);
	return wg_aip_lookup(t, fam, a);
}

static void test_allowedips(void)
{
	/* After the kernel selftest's allowedips "insert/lookup" cases. */
	static const struct {
		const char *pfx;
		void **peer;
	} ins[] = {
		{"192.168.4.0/24", &PA}, {"192.168.4.4/32", &PB}, {"192.168.0.0/16", &PC},
		{"192.95.5.64/27", &PC}, {"192.95.5.65/32", &PA}, /* same prefix replaced below */
		{"2607:5300:60:6b0::c05f:543/128", &PC}, {"2607:5300:60:6b0::/64", &PB},
		{"::/0", &PA}, {"10.0.0.0/8", &PB}, {"10.1.0.0/16", &PA}, {"0.0.0.0/0", &PC},
		{"192.95.5.64/27", &PB},
	};
	static const struct {
		const char *addr;
		void **want;
	} look[] = {
		{"192.168.4.20", &PA},  {"192.168.4.0", &PA},  {"192.168.4.4", &PB},
		{"192.168.200.182", &PC}, {"192.95.5.68", &PB}, {"192.95.5.65", &PA},
		{"192.95.5.96", &PC},   {"2607:5300:60:6b0::c05f:543", &PC},
		{"2607:5300:60:6b0::c02e:1ee", &PB}, {"2001:db8::1", &PA}, {"10.2.3.4", &PB},
		{"10.1.200.1", &PA},    {"8.8.8.8", &PC},
	};
	struct wg_allowedips t, c;
	unsigned i;

	wg_aip_init(&t);
	for (i = 0; i < sizeof(ins) / sizeof(ins[0]); i++)
		CU_ASSERT_EQUAL(aip_add(&t, ins[i].pfx, *ins[i].peer), 0);
	CU_ASSERT_EQUAL(t.n_entries, sizeof(ins) / sizeof(ins[0]) - 1);
	for (i = 0; i < sizeof(look) / sizeof(look[0]); i++) {
		void *got = aip_get(&t, look[i].addr);

		if (got != *look[i].want)
			fprintf(stderr, "allowedips %s: got %p\n", look[i].addr, got);
		CU_ASSERT_PTR_EQUAL(got, *look[i].want);
	}
	/* A copy answers alike; removing a peer from it leaves the original. */
	CU_ASSERT_EQUAL(wg_aip_clone(&c, &t), 0);
	wg_aip_remove_peer(&c, PA);
	CU_ASSERT_PTR_EQUAL(aip_get(&c, "192.168.4.20"), PC);
	CU_ASSERT_PTR_EQUAL(aip_get(&c, "2001:db8::1"), NULL);
	CU_ASSERT_PTR_EQUAL(aip_get(&c, "10.1.200.1"), PB);
	CU_ASSERT_PTR_EQUAL(aip_get(&t, "10.1.200.1"), PA);
	wg_aip_remove_peer(&c, PB);
	wg_aip_remove_peer(&c, PC);
	CU_ASSERT_EQUAL(c.n_entries, 0);
	CU_ASSERT_PTR_NULL(c.root4);
	CU_ASSERT_PTR_NULL(c.root6);
	CU_ASSERT_EQUAL(aip_add(&c, "10.0.0.0/33", PA), -1);
	wg_aip_free(&c);
	wg_aip_free(&t);
}

/* Longest match by brute force over the inserted prefixes (the reference
 * for the path-compressed trie): the last insertion of a prefix owns it. */
struct aip_ref {
	int fam;
	uint8_t a[16], plen;
	void *peer;
};

static bool aip_ref_in(const struct aip_ref *r, int fam, const uint8_t *a)
{
	unsigned full = r->plen / 8, rest = r->plen % 8;

	if (r->fam != fam || memcmp(r->a, a, full) != 0)
		return false;
	return rest == 0 || ((r->a[full] ^ a[full]) & (0xff00 >> rest)) == 0;
}

static void *aip_ref_lookup(const struct aip_ref *r, unsigned n, int fam, const uint8_t *a)
{
	void *best = NULL;
	int best_len = -1;

	for (unsigned i = 0; i < n; i++)
		if (r[i].peer != NULL && aip_ref_in(&r[i], fam, a) && r[i].plen >= best_len) {
			best = r[i].peer;
			best_len = r[i].plen;
		}
	return best;
}

static uint64_t aip_rng = 0x9e3779b97f4a7c15ULL;

static uint32_t aip_rand(void)
{
	aip_rng = aip_rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(aip_rng >> 33);
}

/* An address near a few fixed bases (so that prefixes nest and part at
 * every depth): a base with some of its bits flipped. */
static void aip_rand_addr(int fam, uint8_t *a)
{
	static const uint8_t base[3][16] = {
		{10, 1, 2, 3, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 1},
		{192, 168, 200, 7, 0x26, 0x07, 0x53, 0, 0, 0x60, 0x6, 0xb0, 0xc0, 0x5f, 5, 0x43},
		{0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0},
	};
	unsigned len = fam == AF_INET ? 4 : 16, flips = aip_rand() % 4;

	memcpy(a, base[aip_rand() % 3], len);
	while (flips--) {
		unsigned bit = aip_rand() % (len * 8);

		a[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
	}
}

static void aip_check_all(const struct wg_allowedips *t, const struct aip_ref *r, unsigned n,
			  unsigned rounds)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < rounds; i++) {
		int fam = aip_rand() % 2 ? AF_INET : AF_INET6;
		uint8_t a[16] = {0};
		void *want, *got;

		aip_rand_addr(fam, a);
		want = aip_ref_lookup(r, n, fam, a);
		got = wg_aip_lookup(t, fam, a);
		if (got != want && bad++ < 5)
			fprintf(stderr, "allowedips random: got %p want %p\n", got, want);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static unsigned aip_ref_count(const struct aip_ref *r, unsigned n)
{
	unsigned c = 0;

	for (unsigned i = 0; i < n; i++)
		c += r[i].peer != NULL;
	return c;
}

static void test_allowedips_random(void)
{
	enum { N = 400 };
	static struct aip_ref r[N];
	void *peers[4] = {PA, PB, PC, (void *)0x4000};
	struct wg_allowedips t, c;
	unsigned n = 0;

	wg_aip_init(&t);
	for (unsigned i = 0; i < N; i++) {
		struct aip_ref x = {.fam = aip_rand() % 2 ? AF_INET : AF_INET6};
		unsigned max = x.fam == AF_INET ? 32 : 128, k;

		aip_rand_addr(x.fam, x.a);
		x.plen = (uint8_t)(aip_rand() % (max + 1));
		for (unsigned b = x.plen; b < max; b++) /* masked, as the config does */
			x.a[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
		x.peer = peers[aip_rand() % 4];
		CU_ASSERT_EQUAL(wg_aip_insert(&t, x.fam, x.a, x.plen, x.peer), 0);
		for (k = 0; k < n; k++) /* the same prefix again: a new owner */
			if (r[k].fam == x.fam && r[k].plen == x.plen && !memcmp(r[k].a, x.a, 16))
				break;
		if (k < n)
			r[k].peer = x.peer;
		else
			r[n++] = x;
		if (i % 50 == 0)
			aip_check_all(&t, r, n, 200);
	}
	CU_ASSERT_EQUAL(t.n_entries, aip_ref_count(r, n));
	aip_check_all(&t, r, n, 5000);
	/* a copy, then peers removed one by one from it */
	CU_ASSERT_EQUAL(wg_aip_clone(&c, &t), 0);
	aip_check_all(&c, r, n, 1000);
	for (unsigned p = 0; p < 4; p++) {
		wg_aip_remove_peer(&c, peers[p]);
		for (unsigned k = 0; k < n; k++)
			if (r[k].peer == peers[p])
				r[k].peer = NULL;
		CU_ASSERT_EQUAL(c.n_entries, aip_ref_count(r, n));
		aip_check_all(&c, r, n, 2000);
	}
	CU_ASSERT_PTR_NULL(c.root4);
	CU_ASSERT_PTR_NULL(c.root6);
	wg_aip_free(&c);
	wg_aip_free(&t);
}

/* ---- base64 keys: RFC 7748 section 6.1 ---- */
static void test_keys(void)
{
	static const char alice_priv[] = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";
	static const char alice_pub[] = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";
	uint8_t priv[32], pub[32];
	char out[45];

	CU_ASSERT_EQUAL(wg_key_from_base64(priv, alice_priv), 0);
	CU_ASSERT_EQUAL(rb_x25519_public(pub, priv), 0);
	wg_key_to_base64(out, pub);
	CU_ASSERT_STRING_EQUAL(out, alice_pub);
	wg_key_to_base64(out, priv);
	CU_ASSERT_STRING_EQUAL(out, alice_priv);
	CU_ASSERT_EQUAL(wg_key_from_base64(priv, "short"), -1);
	CU_ASSERT_EQUAL(wg_key_from_base64(priv, "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LC*="), -1);
	CU_ASSERT_EQUAL(wg_key_from_base64(priv, "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCp="), -1);
}

/* ---- two in-memory devices ---- */
#define QMAX 64
struct node;
struct msg {
	struct node *to;
	struct wg_endpoint from;
	size_t len;
	uint8_t buf[1600];
};
static struct msg q[QMAX];
static int nq;
static uint64_t now_ns = 1000 * WG_NSEC;

struct node {
	struct wg_device d;
	struct wg_device_stats st;
	struct wg_cookie_checker cc;
	struct wg_ratelimit rl;
	struct rb_rand rand;
	struct wg_ctx x;
	struct wg_endpoint self;
	struct wg_peer *peer;
	bool under_load;
	int delivered, ready_calls;
	uint8_t last_inner[2048];
	int last_inner_len;
};
static struct node A, B;
static struct rb_aead_ctx *aead;

static struct node *node_at(const struct wg_endpoint *ep)
{
	if (ep->port == A.self.port)
		return &A;
	if (ep->port == B.self.port)
		return &B;
	return NULL;
}

static void env_send(void *ctx, struct wg_peer *peer, const struct wg_endpoint *to, const void *buf,
		     size_t len)
{
	struct node *n = ctx;

	(void)peer;
	CU_ASSERT_FATAL(nq < QMAX && len <= sizeof(q[0].buf));
	q[nq].to = node_at(to);
	q[nq].from = n->self;
	q[nq].len = len;
	memcpy(q[nq].buf, buf, len);
	nq++;
}

static int env_ready(void *ctx, struct wg_peer *peer)
{
	struct node *n = ctx;

	(void)peer;
	n->ready_calls++;
	return 0;
}

static void node_init(struct node *n, uint16_t port, uint8_t last)
{
	struct wg_env env = {.send = env_send, .keys_ready = env_ready, .ctx = n};
	uint8_t priv[32], pub[32];

	memset(n, 0, sizeof(*n));
	CU_ASSERT_EQUAL_FATAL(rb_x25519_keypair(priv, pub), 0);
	CU_ASSERT_EQUAL_FATAL(wg_device_init(&n->d, priv, &env, 1), 0);
	rb_rand_init(&n->rand);
	n->x = (struct wg_ctx){.rand = &n->rand, .aead = aead, .now = now_ns, .st = &n->st,
			       .wall_ns = 1700000000 * WG_NSEC + now_ns};
	n->cc = n->d.cookie;
	wg_rl_init(&n->rl, 7);
	n->self.family = AF_INET;
	n->self.addr[0] = 10;
	n->self.addr[3] = last;
	n->self.port = port;
}

static struct wg_peer *node_add_peer(struct node *n, const struct node *other, const uint8_t *psk,
				     const char *aip)
{
	struct wg_peer_cfg pc;
	struct wg_peer *p;
	int err;

	memset(&pc, 0, sizeof(pc));
	memcpy(pc.pub, other->d.pub, 32);
	if (psk)
		memcpy(pc.psk, psk, 32);
	pc.ep = other->self;
	pc.n_aips = 1;
	pc.aips[0].family = AF_INET;
	pc.aips[0].plen = 32;
	inet_pton(AF_INET, aip, pc.aips[0].addr);
	p = wg_peer_add(&n->d, &pc, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	n->peer = p;
	return p;
}

static void set_now(uint64_t t)
{
	now_ns = t;
	A.x.now = B.x.now = t;
	A.x.wall_ns = B.x.wall_ns = 1700000000 * WG_NSEC + t;
}

/* Deliver everything queued (and what the answers queue). */
static int pump(void)
{
	int handled = 0;

	for (int i = 0; i < nq && handled < 1000; i++, handled++) {
		struct msg *m = &q[i];
		struct node *n = m->to;
		struct wg_peer *p = NULL;

		if (n == NULL)
			continue;
		n->x.now = now_ns;
		n->x.wall_ns = 1700000000 * WG_NSEC + now_ns;
		if (m->buf[0] == WG_MSG_DATA) {
			int r = wg_decrypt_buf(&n->d, &n->x, m->buf, m->len, &m->from, &p);

			if (r > 0) {
				n->delivered++;
				memcpy(n->last_inner, m->buf + WG_DATA_HDR_LEN, (size_t)r);
				n->last_inner_len = r;
			}
			continue;
		}
		if (wg_rx_classify(&n->d, &n->x, &n->cc, &n->rl, m->buf, m->len, &m->from,
				   n->under_load, &p) == WG_RX_PEER)
			wg_rx_handshake(p, &n->x, m->buf, m->len, &m->from);
	}
	nq = 0;
	return handled;
}

static void pair_setup(const uint8_t *psk_a, const uint8_t *psk_b)
{
	node_init(&A, 51001, 1);
	node_init(&B, 51002, 2);
	node_add_peer(&A, &B, psk_a, "10.99.0.2");
	node_add_peer(&B, &A, psk_b, "10.99.0.1");
	nq = 0;
}

static void pair_teardown(void)
{
	wg_device_fini(&A.d);
	wg_device_fini(&B.d);
	rb_rand_wipe(&A.rand);
	rb_rand_wipe(&B.rand);
}

/* A minimal IPv4 packet from src to dst with `extra` payload bytes. */
static size_t make_ip4(uint8_t *buf, const char *src, const char *dst, size_t extra)
{
	size_t len = 20 + extra;

	memset(buf, 0, len);
	buf[0] = 0x45;
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	buf[8] = 64;
	buf[9] = 17;
	inet_pton(AF_INET, src, buf + 12);
	inet_pton(AF_INET, dst, buf + 16);
	for (size_t i = 20; i < len; i++)
		buf[i] = (uint8_t)i;
	return len;
}

static int send_ip(struct node *from, const char *src, const char *dst, size_t extra)
{
	uint8_t pkt[1500], out[1600];
	size_t len = make_ip4(pkt, src, dst, extra);
	int n;

	from->x.now = now_ns;
	n = wg_encrypt_buf(from->peer, &from->x, pkt, len, out, sizeof(out));
	if (n < 0)
		return n;
	env_send(from, from->peer, &from->peer->ep, out, (size_t)n);
	return n;
}

static void handshake(void)
{
	CU_ASSERT_EQUAL(wg_send_initiation(A.peer, &A.x, false), 0);
	CU_ASSERT_EQUAL(nq, 1);
	pump();
}

static void test_handshake_and_data(void)
{
	uint8_t psk[32];
	int n;

	memset(psk, 0x42, sizeof(psk));
	pair_setup(psk, psk);
	/* Initiation -> response -> keepalive confirming the session. */
	CU_ASSERT_EQUAL(wg_send_initiation(A.peer, &A.x, false), 0);
	CU_ASSERT_EQUAL(A.peer->hs.state, WG_HS_CREATED_INITIATION);
	CU_ASSERT_EQUAL(q[0].len, WG_MSG_INIT_LEN);
	pump();
	CU_ASSERT_EQUAL(B.st.hs_resp_sent, 1);
	CU_ASSERT_EQUAL(A.st.hs_completed, 1);
	CU_ASSERT_EQUAL(B.st.hs_completed, 1);   /* the keepalive confirmed it */
	CU_ASSERT_PTR_NOT_NULL(A.peer->keys[WG_KP_CURRENT]);
	CU_ASSERT_PTR_NOT_NULL(B.peer->keys[WG_KP_CURRENT]);
	CU_ASSERT_PTR_NULL(B.peer->keys[WG_KP_NEXT]);
	CU_ASSERT_EQUAL(B.delivered, 0);        /* keepalives carry nothing */
	CU_ASSERT_EQUAL(A.peer->keys[WG_KP_CURRENT]->local_index,
			B.peer->keys[WG_KP_CURRENT]->remote_index);

	/* Data both ways, padded to 16, inner source checked. */
	n = send_ip(&A, "10.99.0.1", "10.99.0.2", 13);
	CU_ASSERT_EQUAL(n, WG_DATA_MIN_LEN + 48);
	pump();
	CU_ASSERT_EQUAL(B.delivered, 1);
	CU_ASSERT_EQUAL(B.last_inner_len, 48);
	CU_ASSERT_EQUAL(wg_inner_check(&B.d, B.peer, B.last_inner, 48), 33);
	CU_ASSERT_EQUAL(wg_inner_check(&B.d, A.peer, B.last_inner, 48), -2);
	CU_ASSERT(send_ip(&B, "10.99.0.2", "10.99.0.1", 1000) > 0);
	pump();
	CU_ASSERT_EQUAL(A.delivered, 1);
	CU_ASSERT_EQUAL(wg_inner_check(&A.d, A.peer, A.last_inner, (size_t)A.last_inner_len),
			1020);
	/* A spoofed inner source is refused. */
	send_ip(&A, "10.99.0.77", "10.99.0.2", 0);
	pump();
	CU_ASSERT_EQUAL(wg_inner_check(&B.d, B.peer, B.last_inner, (size_t)B.last_inner_len), -2);

	/* Replayed and tampered data messages are refused. */
	{
		struct wg_peer *p;
		uint8_t saved[256];
		size_t len;

		send_ip(&A, "10.99.0.1", "10.99.0.2", 20);
		len = q[0].len;
		memcpy(saved, q[0].buf, len);
		pump();
		CU_ASSERT_EQUAL(B.delivered, 3);
		CU_ASSERT_EQUAL(wg_decrypt_buf(&B.d, &B.x, saved, len, &A.self, &p), -EALREADY);
		memcpy(saved, q[0].buf, len);
		send_ip(&A, "10.99.0.1", "10.99.0.2", 20);
		q[0].buf[40] ^= 1;
		CU_ASSERT_EQUAL(wg_decrypt_buf(&B.d, &B.x, q[0].buf, q[0].len, &A.self, &p),
				-EBADMSG);
		nq = 0;
		saved[4] ^= 0x55;    /* unknown receiver index */
		CU_ASSERT_EQUAL(wg_decrypt_buf(&B.d, &B.x, saved, len, &A.self, &p), -ENOENT);
	}

	/* A replayed initiation is refused (timestamp not newer). */
	{
		struct msg saved;

		CU_ASSERT_EQUAL(wg_send_initiation(A.peer, &A.x, false), -1); /* REKEY_TIMEOUT */
		set_now(now_ns + 6 * WG_NSEC);
		CU_ASSERT_EQUAL(wg_send_initiation(A.peer, &A.x, false), 0);
		saved = q[0];
		pump();
		CU_ASSERT_EQUAL(A.st.hs_completed, 2);
		q[0] = saved;
		nq = 1;
		set_now(now_ns + WG_NSEC);
		pump();
		CU_ASSERT_EQUAL(B.st.hs_fail_replay, 1);
	}
	pair_teardown();
}

/* Roaming: data from a new source address moves the peer's endpoint. */
static void test_roaming(void)
{
	struct wg_endpoint ep;

	pair_setup(NULL, NULL);
	handshake();
	A.self.port = 52001;      /* A moves */
	B.peer->ep.port = 51001;  /* B still believes the old one */
	send_ip(&A, "10.99.0.1", "10.99.0.2", 10);
	pump();
	wg_peer_get_endpoint(B.peer, &ep);
	CU_ASSERT_EQUAL(ep.port, 52001);
	CU_ASSERT(send_ip(&B, "10.99.0.2", "10.99.0.1", 10) > 0);
	CU_ASSERT_EQUAL(q[0].to, &A);
	pump();
	CU_ASSERT_EQUAL(A.delivered, 1);
	pair_teardown();
}

static void test_wrong_psk_and_key(void)
{
	uint8_t psk1[32], psk2[32];

	memset(psk1, 1, 32);
	memset(psk2, 2, 32);
	pair_setup(psk1, psk2);
	handshake();
	/* B answered (the PSK enters only at the response), A cannot open it. */
	CU_ASSERT_EQUAL(B.st.hs_resp_sent, 1);
	CU_ASSERT_EQUAL(A.st.hs_completed, 0);
	CU_ASSERT_EQUAL(A.st.hs_fail_decrypt, 1);
	CU_ASSERT_PTR_NULL(A.peer->keys[WG_KP_CURRENT]);
	CU_ASSERT(send_ip(&A, "10.99.0.1", "10.99.0.2", 0) < 0);
	pair_teardown();

	/* B does not know A's key: unknown peer, nothing answered. */
	pair_setup(NULL, NULL);
	{
		uint8_t priv[32], pub[32];
		int err;

		rb_x25519_keypair(priv, pub);
		CU_ASSERT_EQUAL(wg_peer_unpublish(&B.d, B.peer), 0);
		wg_peer_release(B.peer);
		B.peer = NULL;
		CU_ASSERT_PTR_NULL(wg_peer_find(&B.d, A.d.pub));
		/* B knows someone else instead */
		{
			struct wg_peer_cfg pc = {0};

			memcpy(pc.pub, pub, 32);
			CU_ASSERT_PTR_NOT_NULL(wg_peer_add(&B.d, &pc, 0, &err));
		}
	}
	handshake();
	CU_ASSERT_EQUAL(B.st.hs_fail_unknown_peer, 1);
	CU_ASSERT_EQUAL(B.st.hs_resp_sent, 0);
	pair_teardown();

	/* A wrong mac1 (sent to the wrong public key) is dropped before any DH. */
	pair_setup(NULL, NULL);
	CU_ASSERT_EQUAL(wg_send_initiation(A.peer, &A.x, false), 0);
	q[0].buf[120] ^= 1;
	pump();
	CU_ASSERT_EQUAL(B.st.hs_fail_mac, 1);
	pair_teardown();
}

/* Rotation with injected time: rekey after REKEY_AFTER_TIME, previous
 * keypair kept, reject after REJECT_AFTER_TIME, zeroed after 3x. */
static void test_rotation(void)
{
	struct wg_keypair *k1;
	uint64_t t0;

	pair_setup(NULL, NULL);
	handshake();
	t0 = now_ns;
	k1 = A.peer->keys[WG_KP_CURRENT];
	CU_ASSERT(send_ip(&A, "10.99.0.1", "10.99.0.2", 10) > 0);
	pump();
	CU_ASSERT_EQUAL(A.peer->ev_want_handshake, 0);

	set_now(t0 + (WG_REKEY_AFTER_TIME + 1) * WG_NSEC);
	CU_ASSERT(send_ip(&A, "10.99.0.1", "10.99.0.2", 10) > 0); /* old key still sends */
	CU_ASSERT_EQUAL(A.peer->ev_want_handshake, 1);
	pump();
	wg_timers_tick(A.peer, &A.x);            /* owner folds the request in */
	CU_ASSERT_EQUAL(A.st.hs_initiated, 2);
	pump();                                  /* response, keepalive */
	CU_ASSERT_EQUAL(A.st.hs_completed, 2);
	CU_ASSERT_PTR_EQUAL(A.peer->keys[WG_KP_PREVIOUS], k1);
	CU_ASSERT_PTR_NOT_EQUAL(A.peer->keys[WG_KP_CURRENT], k1);
	CU_ASSERT_EQUAL(B.st.hs_completed, 2);   /* confirmed by the keepalive */
	CU_ASSERT(send_ip(&B, "10.99.0.2", "10.99.0.1", 10) > 0);
	pump();
	CU_ASSERT_EQUAL(A.delivered, 1);

	/* Nothing happens for REJECT_AFTER_TIME: the keys are refused. */
	set_now(now_ns + (WG_REJECT_AFTER_TIME + 1) * WG_NSEC);
	CU_ASSERT(send_ip(&B, "10.99.0.2", "10.99.0.1", 10) < 0);
	CU_ASSERT_EQUAL(B.peer->ev_want_handshake, 1);
	/* ... and wiped after three times that. */
	set_now(now_ns + 3 * WG_REJECT_AFTER_TIME * WG_NSEC);
	wg_timers_tick(A.peer, &A.x);
	CU_ASSERT_PTR_NULL(A.peer->keys[WG_KP_CURRENT]);
	CU_ASSERT_PTR_NULL(A.peer->keys[WG_KP_PREVIOUS]);
	nq = 0;
	pair_teardown();
}

/* Timers: retransmission with no answer, then giving up; keepalive after
 * receiving data; persistent keepalive. */
static void test_timers(void)
{
	uint64_t t0;
	int sent = 0;

	pair_setup(NULL, NULL);
	B.self.port = 9;                         /* B unreachable */
	A.peer->ep.port = 9;
	t0 = now_ns;
	CU_ASSERT_EQUAL(wg_send_initiation(A.peer, &A.x, false), 0);
	for (int s = 1; s <= 200; s++) {
		set_now(t0 + (uint64_t)s * WG_NSEC);
		wg_timers_tick(A.peer, &A.x);
	}
	sent = (int)A.st.hs_initiated;
	/* The first and MAX_TIMER_HANDSHAKES + 1 retries, then it gives up
	 * (the kernel's "did not complete after 20 attempts"). */
	CU_ASSERT_EQUAL(sent, WG_MAX_TIMER_HANDSHAKES + 2);
	CU_ASSERT_NOT_EQUAL(A.peer->t_zero_keys, 0);
	nq = 0;
	pair_teardown();

	pair_setup(NULL, NULL);
	A.peer->keepalive_interval = 25;
	handshake();
	t0 = now_ns;
	send_ip(&A, "10.99.0.1", "10.99.0.2", 10);
	pump();
	/* B got data and sent nothing: a keepalive after KEEPALIVE_TIMEOUT. */
	set_now(t0 + (WG_KEEPALIVE_TIMEOUT + 1) * WG_NSEC);
	wg_timers_tick(B.peer, &B.x);
	CU_ASSERT_EQUAL(nq, 1);
	CU_ASSERT_EQUAL(q[0].len, WG_DATA_MIN_LEN);
	pump();
	/* A: persistent keepalive 25 s after the last packet either way. */
	wg_timers_tick(A.peer, &A.x);
	CU_ASSERT_EQUAL(nq, 0);
	set_now(t0 + (WG_KEEPALIVE_TIMEOUT + 1 + 24) * WG_NSEC);
	wg_timers_tick(A.peer, &A.x);
	CU_ASSERT_EQUAL(nq, 0);
	set_now(t0 + (WG_KEEPALIVE_TIMEOUT + 1 + 26) * WG_NSEC);
	wg_timers_tick(A.peer, &A.x);
	CU_ASSERT_EQUAL(nq, 1);
	CU_ASSERT_EQUAL(q[0].len, WG_DATA_MIN_LEN);
	nq = 0;
	pair_teardown();
}

/* Cookie mode: under load B answers with a cookie reply and keeps no
 * state; A's retry carries mac2 and goes through. */
static void test_cookie(void)
{
	pair_setup(NULL, NULL);
	B.under_load = true;
	CU_ASSERT_EQUAL(wg_send_initiation(A.peer, &A.x, false), 0);
	pump();
	CU_ASSERT_EQUAL(B.st.cookies_sent, 1);
	CU_ASSERT_EQUAL(B.st.hs_resp_sent, 0);
	CU_ASSERT_EQUAL(B.peer->hs.state, WG_HS_ZEROED);
	CU_ASSERT_EQUAL(A.st.cookies_received, 1);
	CU_ASSERT_TRUE(A.peer->cookie.have_cookie);
	/* A cookie reply does not open twice (its mac1 was used up). */
	set_now(now_ns + (WG_REKEY_TIMEOUT + 1) * WG_NSEC);
	CU_ASSERT_EQUAL(wg_send_initiation(A.peer, &A.x, false), 0);
	pump();
	CU_ASSERT_EQUAL(B.st.cookies_sent, 1);
	CU_ASSERT_EQUAL(B.st.hs_resp_sent, 1);
	CU_ASSERT_EQUAL(A.st.hs_completed, 1);

	/* Same message from another source: its mac2 does not match there. */
	set_now(now_ns + (WG_REKEY_TIMEOUT + 1) * WG_NSEC);
	CU_ASSERT_EQUAL(wg_send_initiation(A.peer, &A.x, false), 0);
	q[0].from.addr[3] = 99;
	q[0].from.port = 4444;
	pump();
	CU_ASSERT_EQUAL(B.st.cookies_sent, 2);

	/* A forged cookie reply does not open. */
	{
		struct wg_msg_cookie c;

		memset(&c, 0, sizeof(c));
		c.h.type = WG_MSG_COOKIE;
		A.peer->cookie.have_sent_mac1 = 1;
		CU_ASSERT_EQUAL(wg_handle_cookie(A.peer, &A.x, &c), -EBADMSG);
		CU_ASSERT_EQUAL(A.st.cookie_bad, 1);
	}
	/* Per-source rate limit: 5 at once, then about 20/s. */
	{
		struct wg_ratelimit rl;
		uint8_t ip[4] = {192, 0, 2, 1}, ip2[4] = {192, 0, 2, 2};
		int ok = 0;

		wg_rl_init(&rl, 1);
		for (int i = 0; i < 10; i++)
			ok += wg_rl_allow(&rl, AF_INET, ip, WG_NSEC);
		CU_ASSERT_EQUAL(ok, WG_RL_BURST);
		CU_ASSERT_TRUE(wg_rl_allow(&rl, AF_INET, ip2, WG_NSEC));
		CU_ASSERT_TRUE(wg_rl_allow(&rl, AF_INET, ip, WG_NSEC + WG_NSEC / 20));
		CU_ASSERT_FALSE(wg_rl_allow(&rl, AF_INET, ip, WG_NSEC + WG_NSEC / 20));
	}
	nq = 0;
	pair_teardown();
}

/* Peers come and go without disturbing the others. */
static void test_peer_add_remove(void)
{
	struct node C;
	struct wg_peer *pc;

	pair_setup(NULL, NULL);
	handshake();
	node_init(&C, 51003, 3);
	pc = node_add_peer(&B, &C, NULL, "10.99.0.3");
	B.peer = B.d.set->p[0];
	CU_ASSERT_EQUAL(B.d.set->n, 2);
	CU_ASSERT(send_ip(&A, "10.99.0.1", "10.99.0.2", 10) > 0);
	pump();
	CU_ASSERT_EQUAL(B.delivered, 1);
	CU_ASSERT_EQUAL(wg_peer_unpublish(&B.d, pc), 0);
	wg_peer_release(pc);
	CU_ASSERT_EQUAL(B.d.set->n, 1);
	CU_ASSERT(send_ip(&A, "10.99.0.1", "10.99.0.2", 10) > 0);
	pump();
	CU_ASSERT_EQUAL(B.delivered, 2);
	{
		int err;
		struct wg_peer_cfg cfg = {0};

		memcpy(cfg.pub, B.d.pub, 32);
		CU_ASSERT_PTR_NULL(wg_peer_add(&B.d, &cfg, 0, &err));
		CU_ASSERT_EQUAL(err, -EINVAL);
		memcpy(cfg.pub, A.d.pub, 32);
		CU_ASSERT_PTR_NULL(wg_peer_add(&B.d, &cfg, 0, &err));
		CU_ASSERT_EQUAL(err, -EEXIST);
	}
	wg_device_fini(&C.d);
	rb_rand_wipe(&C.rand);
	pair_teardown();
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	aead = rb_aead_ctx_create(RB_AEAD_BACKEND_AUTO);
	if (aead == NULL || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("wireguard", NULL, NULL);
	CU_add_test(s, "replay window (kernel counter table)", test_replay_table);
	CU_add_test(s, "allowed IPs", test_allowedips);
	CU_add_test(s, "allowed IPs against brute force (random)", test_allowedips_random);
	CU_add_test(s, "base64 keys (RFC 7748 6.1)", test_keys);
	CU_add_test(s, "handshake and data", test_handshake_and_data);
	CU_add_test(s, "roaming", test_roaming);
	CU_add_test(s, "wrong PSK / key / mac1", test_wrong_psk_and_key);
	CU_add_test(s, "rotation with injected time", test_rotation);
	CU_add_test(s, "timers", test_timers);
	CU_add_test(s, "cookie mode and rate limit", test_cookie);
	CU_add_test(s, "peer add/remove", test_peer_add_remove);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	rb_aead_ctx_free(aead);
	return fails ? 1 : 0;
}
