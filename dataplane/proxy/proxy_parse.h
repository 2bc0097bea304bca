/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Request parsers of the proxy protocols, free of DPDK and of the TCP stack
 * so the unit tests and the fuzzers drive them directly.  Each is an
 * incremental state machine over the bytes a client (server side) or an
 * upstream proxy (client side) sent: feed it what arrived, it says how much
 * it used, what to answer, and whether the request is complete.
 */
#ifndef PROXY_PARSE_H
#define PROXY_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include "rb_route_api.h"

enum rb_parse_rc {
	RB_PARSE_ERR = -1,      /* malformed / refused: see ->err, send out[] then close */
	RB_PARSE_MORE = 0,      /* consumed what it could, needs more bytes */
	RB_PARSE_DONE = 1,      /* request (or handshake) complete */
};

/* Why a request failed (counted per inbound; names in proxy_err_names). */
enum rb_proxy_err {
	RB_PERR_NONE = 0,
	RB_PERR_MALFORMED,      /* bytes that are not the protocol */
	RB_PERR_VERSION,        /* unsupported protocol version */
	RB_PERR_AUTH,           /* wrong or missing credentials */
	RB_PERR_NO_METHOD,      /* SOCKS5: no acceptable auth method */
	RB_PERR_COMMAND,        /* unsupported command (BIND, ...) */
	RB_PERR_ADDRESS,        /* bad address type / domain */
	RB_PERR_TOO_LARGE,      /* request head over the limit */
	RB_PERR_TIMEOUT,        /* handshake did not finish in time */
	RB_PERR_REPLAY,         /* Shadowsocks: a salt seen before (replayed stream) */
	RB_PERR_MAX,
};
extern const char *const rb_proxy_err_names[RB_PERR_MAX];

enum rb_req_cmd {
	RB_CMD_CONNECT = 1,     /* a TCP stream to dst */
	RB_CMD_UDP_ASSOCIATE,   /* SOCKS5 UDP relay */
	RB_CMD_HTTP_FORWARD,    /* HTTP absolute-URI request: out[] holds the rewritten head */
	RB_CMD_ICMP_ECHO,       /* ICMP echo session (WireGuard terminated mode) */
	RB_CMD_UOT,             /* sing-box UDP over TCP (a magic domain; ss/ss_uot_in.c) */
};

/* The result of an inbound handshake. */
struct rb_proxy_request {
	uint8_t cmd;                        /* enum rb_req_cmd */
	uint8_t socks_version;              /* 4 or 5 (SOCKS inbounds) */
	struct rb_dest dst;
	char user[RB_USER_MAX + 1];         /* authenticated user, "" = none */
};

/* Checks credentials: 1 = accepted (and copies the user name), 0 = refused.
 * pass is NULL for SOCKS4 (user id only). */
typedef int (*rb_auth_fn)(void *arg, const char *user, size_t ulen, const char *pass,
			  size_t plen);

/* ---- SOCKS server (inbound): 4, 4a, 5 ---- */
struct rb_socks_srv {
	uint8_t phase;          /* internal */
	uint8_t need_auth;      /* users configured */
	uint8_t err;            /* enum rb_proxy_err after RB_PARSE_ERR */
	uint8_t allow_udp;
	rb_auth_fn auth;
	void *auth_arg;
};
void rb_socks_srv_init(struct rb_socks_srv *s, int need_auth, int allow_udp, rb_auth_fn auth,
		       void *arg);
/*
 * Feed buf[0..len).  *used: bytes consumed.  Bytes to send back are written
 * to out (room: RB_SOCKS_OUT_MAX), their count to *outlen.  On DONE, req
 * holds the request; the SOCKS reply is sent later with rb_socks_reply().
 */
#define RB_SOCKS_OUT_MAX 32
int rb_socks_srv_feed(struct rb_socks_srv *s, const uint8_t *buf, size_t len, size_t *used,
		      uint8_t *out, size_t *outlen, struct rb_proxy_request *req);
/* The final reply (RFC 1928 6 / SOCKS4 reply); rep is a SOCKS5 REP code,
 * mapped for SOCKS4.  bnd: the bound address (family 0: 0.0.0.0:0).
 * Returns its length (<= 22). */
size_t rb_socks_reply(int version, uint8_t rep, int family, const uint8_t *addr, uint16_t port,
		      uint8_t *out);
/* Map an errno of a failed dial to a SOCKS5 REP code. */
uint8_t rb_socks_rep_from_errno(int err);

/* SOCKS5 UDP request header (RFC 1928 7): parse; returns header length or -1. */
int rb_socks5_udp_parse(const uint8_t *buf, size_t len, struct rb_dest *dst);
/* Write the header for dst into out (>= 262 bytes); returns its length. */
size_t rb_socks5_udp_header(const struct rb_dest *dst, uint8_t *out);

/* ---- SOCKS client (outbound) ---- */
struct rb_socks_cli {
	uint8_t phase, version, err;        /* version: 5, 4 or 0x4a */
	uint8_t cmd;                        /* SOCKS5_CMD_CONNECT / _UDP */
	const char *user, *pass;
	struct rb_dest dst;
	struct rb_dest bound;               /* BND.ADDR/PORT from the final reply */
};
/* Prepare and write the first message (greeting / SOCKS4 request) to out
 * (>= 600 bytes); returns its length, or 0 when dst cannot be expressed
 * (SOCKS4 without an IPv4 address). */
size_t rb_socks_cli_start(struct rb_socks_cli *c, int version, int cmd, const char *user,
			  const char *pass, const struct rb_dest *dst, uint8_t *out);
/* Feed the server's bytes; like rb_socks_srv_feed (out >= 600 bytes). */
int rb_socks_cli_feed(struct rb_socks_cli *c, const uint8_t *buf, size_t len, size_t *used,
		      uint8_t *out, size_t *outlen);
/* After a UDP ASSOCIATE reply (RFC 1928 6, 7): where the datagrams go.
 * BND.ADDR all zeros (0.0.0.0 or ::, "the address you reached") means the
 * server's own address; a domain BND.ADDR, port 0 or a zero address
 * without a server address of that family is refused (-1). */
int rb_socks5_udp_relay_addr(const struct rb_dest *bound, const struct rb_dest *server,
			     struct rb_dest *relay);

/* ---- HTTP proxy server (inbound) ---- */
struct rb_http_srv {
	uint8_t need_auth, err;
	uint16_t status;        /* HTTP status to answer on error */
	uint32_t max_head;
	rb_auth_fn auth;
	void *auth_arg;
	/* of the request parsed last (absolute-form forwarding): */
	uint8_t keep_alive;     /* the client keeps its connection (RFC 9112 9.3) */
	uint8_t head_method;    /* HEAD: the response has no body */
	uint8_t body_chunked;   /* Transfer-Encoding: chunked: the body's end is found by
				 * rb_http_body_scan (RFC 9112 7.1) */
	uint8_t idempotent;     /* GET HEAD OPTIONS TRACE PUT DELETE (RFC 9110 9.2.2):
				 * may be sent again when a kept upstream closes before
				 * answering (RFC 9112 9.3.1) */
	uint8_t framing_err;    /* refused for its framing (RFC 9112 6.3): TE with CL,
				 * repeated or invalid CL, TE not ending in chunked,
				 * TE in HTTP/1.0 (400) */
	uint64_t body_len;      /* Content-Length of the request body (0 = none) */
};
void rb_http_srv_init(struct rb_http_srv *h, int need_auth, uint32_t max_head, rb_auth_fn auth,
		      void *arg);
/*
 * Parse one request head from buf[0..len) (it is re-parsed from the start
 * on each call until complete; len is all buffered bytes).  DONE: *used is
 * the head length; req filled; for RB_CMD_HTTP_FORWARD the rewritten head
 * (origin-form target, Proxy-* and Connection fields removed, then
 * "Connection: keep-alive" when the client keeps its connection (its body
 * framed by Content-Length or chunked), else "Connection: close", RB_HTTP_KA_LINE /
 * RB_HTTP_CLOSE_LINE, as its last field) is put in fwd (room fwd_max) with
 * its length in *fwd_len.  ERR: h->status and h->err say why (framing_err:
 * an ambiguous message length, RFC 9112 6.3); rb_http_error() writes the
 * answer.
 */
#define RB_HTTP_KA_LINE    "Connection: keep-alive\r\n\r\n"
#define RB_HTTP_CLOSE_LINE "Connection: close\r\n\r\n"
int rb_http_srv_parse(struct rb_http_srv *h, const uint8_t *buf, size_t len, size_t *used,
		      struct rb_proxy_request *req, uint8_t *fwd, size_t fwd_max, size_t *fwd_len);
/* How a message body ends (RFC 9112 6.3; http_body.c). */
enum rb_http_body_mode {
	RB_BODY_NONE = 0,       /* no body */
	RB_BODY_LENGTH,         /* Content-Length */
	RB_BODY_CHUNKED,        /* Transfer-Encoding ending in chunked */
	RB_BODY_CLOSE,          /* until the connection closes */
};
/* An origin's response head (http_resp.c). */
struct rb_http_resp {
	uint16_t status;
	uint8_t minor;          /* HTTP/1.minor */
	uint8_t framed;         /* the client can find the end (no body, chunked, Content-Length) */
	uint8_t interim;        /* 1xx other than 101: the final response follows */
	uint8_t keep_alive;     /* passed on with "Connection: keep-alive" */
	uint8_t body;           /* enum rb_http_body_mode */
	uint8_t origin_close;   /* the origin ends its connection after it ("close", an
				 * HTTP/1.0 response without "keep-alive", 101) */
	uint8_t suspect;        /* Transfer-Encoding with Content-Length: framed by TE,
				 * but the upstream is not reused (RFC 9112 6.3 3) */
	uint8_t bad_length;     /* invalid or conflicting Content-Length without TE:
				 * unrecoverable (RFC 9112 6.3 5: 502) */
	uint64_t length;        /* RB_BODY_LENGTH: Content-Length */
};
/*
 * Parse a response head from buf[0..len) (re-parsed from the start until
 * complete).  DONE: *used = head length, r filled, out[0..*out_len) = the
 * head without Connection / Keep-Alive / Proxy-Connection fields, plus
 * "Connection: keep-alive" when keep_alive (the client asked for it) and
 * the response is framed, else "Connection: close" (interim heads get
 * neither).  MORE: incomplete.  ERR: not HTTP/1.x, malformed, over max_head
 * or over out_max.
 */
/* Header value helpers shared by the request and response parsers. */
int rb_http_te_chunked_last(const char *v, size_t n);
void rb_http_conn_opts(const char *v, size_t n, int *close, int *ka);

int rb_http_resp_parse(const uint8_t *buf, size_t len, size_t max_head, int head_request,
		       int keep_alive, struct rb_http_resp *r, uint8_t *out, size_t out_max,
		       size_t *out_len, size_t *used);
/*
 * The body of a message: feed the bytes after its head, in order; scan
 * returns how many belong to the body (fewer than len once the end was seen
 * or the framing broke).  room: how many bytes may still belong to it
 * (Content-Length left; UINT64_MAX when unknown; 0 when ended).
 */
struct rb_http_body {
	uint8_t mode, st, digits;
	uint64_t left;          /* Content-Length or chunk-data bytes left */
	uint32_t line, trailer; /* bytes of the current size line / of the trailers */
	uint32_t chunks;        /* chunks seen */
};
void rb_http_body_init(struct rb_http_body *b, int mode, uint64_t length);
size_t rb_http_body_scan(struct rb_http_body *b, const uint8_t *buf, size_t len);
int rb_http_body_done(const struct rb_http_body *b);
int rb_http_body_failed(const struct rb_http_body *b);
uint64_t rb_http_body_room(const struct rb_http_body *b);
/* Bytes that belong to the body whatever they are (the shortest way it can
 * still end; 0 once ended): a request body is read in such steps, so no
 * read takes the next pipelined request. */
uint64_t rb_http_body_sure(const struct rb_http_body *b);
/* An error answer (407 with Proxy-Authenticate, 400, 431, 502, ...); returns length. */
size_t rb_http_error(int status, uint8_t *out, size_t max);
/* "HTTP/1.1 200 Connection established\r\n\r\n" */
size_t rb_http_connect_ok(uint8_t *out, size_t max);

/* ---- HTTP CONNECT client (outbound) ---- */
struct rb_http_cli {
	uint8_t err;
	uint16_t status;
};
/* Write "CONNECT host:port HTTP/1.1" with Host and optional Basic auth. */
size_t rb_http_cli_start(struct rb_http_cli *c, const struct rb_dest *dst, const char *user,
			 const char *pass, uint8_t *out, size_t max);
/* Parse the response head (re-parsed from the start); DONE when 2xx. */
int rb_http_cli_parse(struct rb_http_cli *c, const uint8_t *buf, size_t len, size_t *used);

/* ---- helpers ---- */
/* A domain that is an IP literal ("10.0.0.1", "fd00::1") becomes the address. */
void rb_dest_literal(struct rb_dest *d);
/* Format dst as "host:port" / "[v6]:port" into out; returns length. */
size_t rb_dest_format(const struct rb_dest *d, char *out, size_t max);
/* Parse "host:port" / "[v6]:port" (port required when def_port is 0). */
int rb_dest_parse(const char *s, size_t len, uint16_t def_port, struct rb_dest *d);
size_t rb_base64_encode(const uint8_t *in, size_t len, char *out, size_t max);
/* Decode (padding optional); returns length or -1. */
long rb_base64_decode(const char *in, size_t len, uint8_t *out, size_t max);

#endif
