/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control's router link (rb_route_ctl.h): compile route/dns whenever the
 * loaded config changes (its sha256), keep the compiled table and a view
 * of it for `route test`, attach to the dataplane's route segment
 * (reattaching after a dataplane restart), publish the table and follow
 * its ack, and pass resolver requests to resolver.c.  Driven by
 * rb_route_ctl_tick() from the main loop (100 ms) and on reload; control
 * is one thread, so the state is this module's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "rb_ctl.h"
#include "rb_route_ctl.h"
#include "../dataplane/route/rb_route.h"
#include "../dataplane/route/rt_shm.h"

static struct rb_route_state rs;

const struct rb_route_state *rb_route_ctl_state(void)
{
	return &rs;
}

struct rb_rt_view *rb_route_ctl_view(void)
{
	return rs.have_view ? &rs.view : NULL;
}

struct rb_rts *rb_route_ctl_rts(void)
{
	return rs.rts;
}

static void compile_cfg(struct rb_ctl *c)
{
	struct rb_cfg_routing r;
	struct rb_rt_view v;
	char *ebuf = NULL;
	size_t elen = 0;
	FILE *ef = open_memstream(&ebuf, &elen);
	void *blob = NULL;
	size_t len = 0;
	uint64_t seed = 0, t0 = rb_shm_mono_ns();
	int rc;

	memcpy(rs.sha, c->cfg_sha256, sizeof(rs.sha));
	rc = rb_cfg_routing_from(&c->cfg, &r, ef);
	if (ef)
		fclose(ef);
	if (rc) {
		snprintf(rs.compile_err, sizeof(rs.compile_err), "%s", ebuf ? ebuf : "invalid");
		free(ebuf);
		rb_cfg_route_free(&r);
		return;
	}
	free(ebuf);
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = t0;
	rc = rb_route_compile(&r, rs.gen + 1, seed, &blob, &len, rs.compile_err,
			      sizeof(rs.compile_err));
	if (rc == 0)
		rc = rb_rt_view_init(&v, blob, len, rs.compile_err, sizeof(rs.compile_err));
	if (rc) {
		free(blob);
		fprintf(stderr, "ringbox-control: route: %s\n", rs.compile_err);
		rb_cfg_route_free(&r);
		return;
	}
	rb_resolver_configure(&r);
	rb_cfg_route_free(&r);
	if (rs.have_view)
		rb_rt_view_fini(&rs.view);
	free(rs.blob);
	rs.blob = blob;
	rs.len = len;
	rs.view = v;
	rs.have_view = 1;
	rs.gen++;
	rs.compile_err[0] = 0;
	rs.compile_ms = (double)(rb_shm_mono_ns() - t0) / 1e6;
	rs.publish_wanted = 1;
	fprintf(stderr, "ringbox-control: route: %u rules compiled in %.1f ms (%zu KiB table)\n",
		v.h->n_rules, rs.compile_ms, len / 1024);
}

static void detach(void)
{
	rb_rts_close(rs.rts);
	rs.rts = NULL;
	rs.boot = 0;
}

static void attach(struct rb_ctl *c)
{
	char name[80], err[200];
	struct rb_rts *s;
	uint32_t last;

	rb_rts_name(c->shm_name, name, sizeof(name));
	if (rb_rts_attach(name, &s, err, sizeof(err)) < 0)
		return;
	rs.rts = s;
	rs.boot = s->hdr->boot_id;
	/* continue after the last generation the segment has seen, so a
	 * restarted control never republishes a pub value already handled */
	last = (uint32_t)(s->hdr->pub >> 8);
	if (rs.gen <= last && rs.have_view) {
		uint32_t want = last + 1;

		/* re-stamp the compiled table (generation is in the header) */
		((struct rb_rt_hdr *)rs.blob)->generation = want;
		rs.view.generation = want;
		rs.gen = want;
	}
	rs.publish_wanted = 1;
	rs.attaches++;
}

void rb_route_ctl_tick(struct rb_ctl *c)
{
	int st;

	if (c->cfg_loaded && strcmp(rs.sha, c->cfg_sha256) != 0)
		compile_cfg(c);
	if (rs.rts) {
		char name[80];
		struct rb_rts *probe;
		char err[200];

		/* a restarted dataplane recreates the segment: new boot id */
		rb_rts_name(c->shm_name, name, sizeof(name));
		if (!c->dp_up || rb_rts_attach(name, &probe, err, sizeof(err)) < 0) {
			if (!c->dp_up)
				detach();
		} else {
			if (probe->hdr->boot_id != rs.boot)
				detach();
			rb_rts_close(probe);
		}
	}
	if (!rs.rts && c->dp_up)
		attach(c);
	if (!rs.rts)
		return;
	if (rs.publish_wanted && rs.have_view) {
		int rc = rb_rts_publish(rs.rts, rs.blob, rs.len, rs.gen);

		if (rc == 0) {
			rs.publish_wanted = 0;
			rs.published_gen = rs.gen;
		} else if (rc != -EBUSY) {
			rs.publish_wanted = 0;
			rs.apply_status = rc;
			snprintf(rs.apply_err, sizeof(rs.apply_err), "publish: %s", strerror(-rc));
		}
	}
	if (rs.published_gen && rb_rts_acked(rs.rts, rs.published_gen, &st)) {
		rs.apply_status = st;
		snprintf(rs.apply_err, sizeof(rs.apply_err), "%s", st ? rs.rts->hdr->ack_err : "");
	}
	rb_resolver_tick(rs.rts);
}

void rb_route_ctl_close(void)
{
	detach();
	if (rs.have_view)
		rb_rt_view_fini(&rs.view);
	free(rs.blob);
	memset(&rs, 0, sizeof(rs));
}
