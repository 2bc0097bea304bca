/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ctl Unix socket (control/README.md, "ctl protocol"): many clients,
 * non-blocking, one request line in, one JSON line out, any number of
 * requests per connection.  A line over RB_CTL_MAX_REQ bytes gets an error
 * reply and the connection is closed; clients idle for RB_CTL_IDLE_S are
 * dropped; a client that vanishes midway just loses its reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "rb_ctl.h"

#define RB_CTL_MAX_CLIENTS 64
#define RB_CTL_IDLE_S      30
#define RB_CTL_MAX_OUT     (64u << 20)

struct client {
	int fd;
	int closing;                 /* close once the output is written */
	size_t inlen;
	char in[RB_CTL_MAX_REQ];
	char *out;
	size_t outlen, outoff;
	uint64_t deadline;
	uint32_t ev;                 /* events registered */
};

struct rb_ctl_server {
	struct rb_ctl *c;
	int fd, epfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct client *cl[RB_CTL_MAX_CLIENTS];
	uint64_t accepted, rejected, requests, bad_requests;
};

static int mkdir_p(const char *dir)
{
	char tmp[256];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

struct rb_ctl_server *rb_ctl_server_open(struct rb_ctl *c, const char *path, int epfd,
					 char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	struct rb_ctl_server *srv;
	char dir[sizeof(sa.sun_path)];
	int fd, probe;

	if (!path[0] || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "ctl socket path '%s' empty or too long", path);
		return NULL;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	if (mkdir_p(dirname(dir)) < 0) {
		snprintf(err, errlen, "mkdir for %s: %s", path, strerror(errno));
		return NULL;
	}
	/* A live control already there?  Otherwise the file is stale. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(probe);
		snprintf(err, errlen, "%s: another ringbox-control is listening", path);
		return NULL;
	}
	if (probe >= 0)
		close(probe);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return NULL;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
	    listen(fd, 64) < 0) {
		snprintf(err, errlen, "ctl socket %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->c = c;
	srv->fd = fd;
	srv->epfd = epfd;
	snprintf(srv->path, sizeof(srv->path), "%s", path);
	ev.data.ptr = srv;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
		close(fd);
		free(srv);
		return NULL;
	}
	return srv;
}

static void drop(struct rb_ctl_server *srv, int i)
{
	struct client *k = srv->cl[i];

	epoll_ctl(srv->epfd, EPOLL_CTL_DEL, k->fd, NULL);
	close(k->fd);
	free(k->out);
	free(k);
	srv->cl[i] = NULL;
}

static void set_events(struct rb_ctl_server *srv, struct client *k)
{
	uint32_t want = k->outlen > k->outoff ? EPOLLOUT : (k->closing ? 0u : EPOLLIN);
	struct epoll_event ev = { .events = want | EPOLLRDHUP };

	if (want == k->ev)
		return;
	ev.data.ptr = k;
	epoll_ctl(srv->epfd, EPOLL_CTL_MOD, k->fd, &ev);
	k->ev = want;
}

static int append(struct client *k, const char *s, size_t n)
{
	char *o;

	if (k->outoff && k->outoff == k->outlen)
		k->outoff = k->outlen = 0;
	if (k->outlen + n > RB_CTL_MAX_OUT)
		return -1;
	o = realloc(k->out, k->outlen + n);
	if (!o)
		return -1;
	memcpy(o + k->outlen, s, n);
	k->out = o;
	k->outlen += n;
	return 0;
}

static void reply(struct rb_ctl_server *srv, struct client *k, const char *line, size_t len)
{
	struct rb_ctl_req *req = malloc(sizeof(*req));
	struct rb_json j;
	char err[256];

	rb_json_init(&j);
	srv->requests++;
	if (!req) {
		rb_ctl_error_reply(&j, "", "out of memory");
	} else if (rb_ctl_parse(line, len, req, err, sizeof(err)) < 0) {
		srv->bad_requests++;
		rb_ctl_error_reply(&j, "", err);
	} else {
		rb_ctl_exec(srv->c, req, &j);
	}
	free(req);
	if (j.err) {
		rb_json_free(&j);
		rb_json_init(&j);
		rb_ctl_error_reply(&j, "", "reply too large or out of memory");
	}
	if (append(k, j.buf ? j.buf : "{}", j.len) < 0 || append(k, "\n", 1) < 0)
		k->closing = 2; /* cannot even queue: close now */
	rb_json_free(&j);
}

static void flush(struct client *k)
{
	while (k->outoff < k->outlen) {
		ssize_t n = send(k->fd, k->out + k->outoff, k->outlen - k->outoff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			k->closing = 2;
			return;
		}
		k->outoff += (size_t)n;
	}
}

static void client_read(struct rb_ctl_server *srv, struct client *k)
{
	for (;;) {
		ssize_t n;
		char *nl;

		if (k->closing)
			return;
		n = recv(k->fd, k->in + k->inlen, sizeof(k->in) - k->inlen, MSG_DONTWAIT);
		if (n == 0) {
			k->closing = 1; /* peer done sending: finish replies, then close */
			return;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				k->closing = 2;
			return;
		}
		k->inlen += (size_t)n;
		while ((nl = memchr(k->in, '\n', k->inlen))) {
			size_t l = (size_t)(nl - k->in) + 1;

			reply(srv, k, k->in, l);
			memmove(k->in, k->in + l, k->inlen - l);
			k->inlen -= l;
		}
		if (k->inlen == sizeof(k->in)) {
			/* No newline within the bound: refuse and close. */
			struct rb_json j;

			rb_json_init(&j);
			srv->bad_requests++;
			rb_ctl_error_reply(&j, "", "request too long");
			if (j.err || append(k, j.buf, j.len) < 0 || append(k, "\n", 1) < 0)
				k->closing = 2;
			rb_json_free(&j);
			k->inlen = 0;
			k->closing = 1;
		}
	}
}

static void accept_all(struct rb_ctl_server *srv)
{
	for (;;) {
		int fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), i;
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
		struct client *k;

		if (fd < 0)
			return;
		for (i = 0; i < RB_CTL_MAX_CLIENTS && srv->cl[i]; i++)
			;
		k = i < RB_CTL_MAX_CLIENTS ? calloc(1, sizeof(*k)) : NULL;
		if (!k) {
			static const char busy[] =
				"{\"command\":\"\",\"ok\":false,\"error\":\"too many clients\"}\n";

			srv->rejected++;
			if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				(void)0;
			close(fd);
			continue;
		}
		k->fd = fd;
		k->ev = EPOLLIN;
		k->deadline = rb_shm_mono_ns() + RB_CTL_IDLE_S * 1000000000ull;
		ev.data.ptr = k;
		if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(k);
			continue;
		}
		srv->cl[i] = k;
		srv->accepted++;
	}
}

void rb_ctl_server_event(struct rb_ctl_server *srv, void *tag, uint32_t events)
{
	int i;

	if (tag == srv) {
		accept_all(srv);
		return;
	}
	for (i = 0; i < RB_CTL_MAX_CLIENTS; i++)
		if (srv->cl[i] == tag)
			break;
	if (i == RB_CTL_MAX_CLIENTS)
		return;
	struct client *k = srv->cl[i];

	k->deadline = rb_shm_mono_ns() + RB_CTL_IDLE_S * 1000000000ull;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))
		client_read(srv, k);
	if (events & EPOLLERR)
		k->closing = 2;
	flush(k);
	if (k->closing == 2 || (k->closing && k->outoff >= k->outlen) ||
	    ((events & EPOLLHUP) && k->outoff >= k->outlen)) {
		drop(srv, i);
		return;
	}
	set_events(srv, k);
}

void rb_ctl_server_tick(struct rb_ctl_server *srv)
{
	uint64_t now = rb_shm_mono_ns();
	int i;

	for (i = 0; i < RB_CTL_MAX_CLIENTS; i++)
		if (srv->cl[i] && now > srv->cl[i]->deadline)
			drop(srv, i);
}

void rb_ctl_server_close(struct rb_ctl_server *srv)
{
	int i;

	if (!srv)
		return;
	for (i = 0; i < RB_CTL_MAX_CLIENTS; i++)
		if (srv->cl[i])
			drop(srv, i);
	close(srv->fd);
	unlink(srv->path);
	free(srv);
}
