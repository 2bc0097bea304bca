/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringbox-control: the control-plane process (control/README.md).  Loads
 * the same config as the dataplane, attaches to its shared-memory segment
 * (without EAL), publishes the route table, serves the ctl socket and the
 * Prometheus endpoint, and reloads on SIGHUP.  One thread, one epoll loop.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "rb_ctl.h"
#include "rb_route_ctl.h"

#define TICK_MS 100

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ringbox-control [-c CONFIG] [-s CTL_SOCKET] [-m ADDR:PORT] [-n SHM_NAME]\n"
		"  -c  config file (default /etc/ringbox/ringbox.cfg)\n"
		"  -s  ctl socket, overrides control.ctl_socket\n"
		"  -m  metrics listen address, overrides control.metrics_listen\n"
		"  -n  shm segment name, overrides dataplane.shm_name\n"
		"  -V  print the version\n");
}

static void do_reload(struct rb_ctl *c)
{
	char *errs = NULL;
	int st;

	if (rb_ctl_reload(c, &errs, &st) < 0) {
		fprintf(stderr, "ringbox-control: reload failed, running config kept:\n%s", errs);
		free(errs);
		return;
	}
	fprintf(stderr, "ringbox-control: reloaded %s: routes generation %u %s\n", c->cfg_path,
		c->published_gen, st == 0 ? "applied" : st > 0 ? "pending" : "rejected");
}

int main(int argc, char **argv)
{
	static struct rb_ctl ctl;
	struct rb_ctl *c = &ctl;
	const char *sock = NULL, *listen_addr = NULL, *shm = NULL;
	struct itimerspec its = { { 0, TICK_MS * 1000000L }, { 0, TICK_MS * 1000000L } };
	struct epoll_event ev = { .events = EPOLLIN };
	struct rb_ctl_server *srv;
	struct rb_metrics *met;
	char *errs = NULL, err[512];
	int opt, epfd, sfd, tfd;
	sigset_t mask;

	snprintf(c->cfg_path, sizeof(c->cfg_path), "/etc/ringbox/ringbox.cfg");
	while ((opt = getopt(argc, argv, "c:s:m:n:Vh")) != -1) {
		switch (opt) {
		case 'c': snprintf(c->cfg_path, sizeof(c->cfg_path), "%s", optarg); break;
		case 's': sock = optarg; break;
		case 'm': listen_addr = optarg; break;
		case 'n': shm = optarg; break;
		case 'V': printf("ringbox-control %s\n", RB_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (rb_ctl_load_config(c->cfg_path, &c->cfg, &errs) < 0) {
		fprintf(stderr, "%s", errs ? errs : "config invalid\n");
		free(errs);
		return 2;
	}
	c->cfg_loaded = 1;
	rb_ctl_sha256_file(c->cfg_path, c->cfg_sha256);
	if (!shm)
		shm = c->cfg.dp.shm_name[0] ? c->cfg.dp.shm_name : "/ringbox";
	if (strlen(shm) >= sizeof(c->shm_name)) {
		fprintf(stderr, "ringbox-control: shm name '%s' too long\n", shm);
		return 2;
	}
	memcpy(c->shm_name, shm, strlen(shm) + 1);
	if (!sock)
		sock = c->cfg.control.ctl_socket[0] ? c->cfg.control.ctl_socket
						    : "/run/ringbox/ctl.sock";
	if (!listen_addr)
		listen_addr = c->cfg.control.metrics_listen[0] ? c->cfg.control.metrics_listen
							       : "127.0.0.1:9273";
	c->start_real_ns = rb_shm_real_ns();
	c->start_mono_ns = rb_shm_mono_ns();

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (epfd < 0 || sfd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0) {
		perror("ringbox-control: epoll/signalfd/timerfd");
		return 1;
	}
	ev.data.ptr = &sfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.ptr = &tfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev);
	srv = rb_ctl_server_open(c, sock, epfd, err, sizeof(err));
	if (!srv) {
		fprintf(stderr, "ringbox-control: %s\n", err);
		return 1;
	}
	met = rb_metrics_start(c, listen_addr, epfd, err, sizeof(err));
	if (!met) {
		fprintf(stderr, "ringbox-control: %s\n", err);
		rb_ctl_server_close(srv);
		return 1;
	}
	fprintf(stderr, "ringbox-control %s: config %s, ctl %s, metrics http://%s/metrics, shm %s\n",
		RB_VERSION, c->cfg_path, sock, listen_addr, c->shm_name);
	rb_ctl_link_tick(c);

	while (!c->quit) {
		struct epoll_event evs[32];
		int n, i, to = rb_metrics_timeout_ms(met);

		if (to < 0 || to > TICK_MS)
			to = TICK_MS;
		n = epoll_wait(epfd, evs, 32, to);
		if (n < 0 && errno != EINTR) {
			perror("ringbox-control: epoll_wait");
			break;
		}
		for (i = 0; i < n; i++) {
			void *tag = evs[i].data.ptr;

			if (tag == &sfd) {
				struct signalfd_siginfo si;

				while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						do_reload(c);
					} else {
						fprintf(stderr, "ringbox-control: signal %u from pid %u\n",
							si.ssi_signo, si.ssi_pid);
						c->quit = 1;
					}
				}
			} else if (tag == &tfd) {
				uint64_t x;

				if (read(tfd, &x, sizeof(x)) < 0)
					(void)0;
				rb_ctl_link_tick(c);
				rb_route_ctl_tick(c); /* router: compile, publish, resolver */
				rb_ctl_server_tick(srv);
			} else if (tag == met) {
				rb_metrics_run(met);
			} else {
				rb_ctl_server_event(srv, tag, evs[i].events);
			}
		}
		rb_metrics_run(met);
	}
	fprintf(stderr, "ringbox-control: exiting\n");
	rb_metrics_stop(met);
	rb_ctl_server_close(srv);
	rb_ctl_link_close(c);
	rb_route_ctl_close();
	rb_config_free(&c->cfg);
	close(tfd);
	close(sfd);
	close(epfd);
	return 0;
}
