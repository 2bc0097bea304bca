/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timers (WireGuard whitepaper section 6; the Linux kernel's timers.c):
 *
 *  retransmit_handshake  REKEY_TIMEOUT + jitter after an initiation with no
 *                        response: retry, giving up after
 *                        REKEY_ATTEMPT_TIME (MAX_TIMER_HANDSHAKES tries)
 *  send_keepalive        KEEPALIVE_TIMEOUT after data was received with
 *                        nothing sent back: an empty (keepalive) message
 *  new_handshake         KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitter after
 *                        data was sent with nothing received: new handshake
 *  zero_key_material     REJECT_AFTER_TIME * 3 after a new session: wipe keys
 *  persistent_keepalive  the configured interval after any authenticated
 *                        packet went either way
 *
 * Deadlines are plain ns values checked by the owner's wg_timers_tick;
 * sends on other workers arrive as atomically stored timestamps
 * (ev_any_sent / ev_data_sent / ev_want_handshake) and are folded in there.
 * Every duration is divided by the device's time_div (a debug knob that
 * lets the rekey tests run in seconds).
 */
#include <time.h>
#include "wg.h"

/* Up to REKEY_TIMEOUT_JITTER_MAX (1/3 s, scaled). */
static uint64_t jitter(struct wg_peer *p)
{
	uint64_t x = p->jitter_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	p->jitter_state = x;
	return (x % 333334ull) * 1000ull / p->dev->time_div;
}

void wg_timers_data_sent(struct wg_peer *p, uint64_t now)
{
	if (!p->t_new_handshake)
		p->t_new_handshake =
			now + wg_time(p->dev, WG_KEEPALIVE_TIMEOUT + WG_REKEY_TIMEOUT) + jitter(p);
}

void wg_timers_data_received(struct wg_peer *p, uint64_t now)
{
	if (!p->t_keepalive)
		p->t_keepalive = now + wg_time(p->dev, WG_KEEPALIVE_TIMEOUT);
	else
		p->need_another_keepalive = 1;
}

void wg_timers_any_authenticated_sent(struct wg_peer *p, uint64_t now)
{
	(void)now;
	p->t_keepalive = 0;
}

void wg_timers_any_authenticated_received(struct wg_peer *p, uint64_t now)
{
	(void)now;
	p->t_new_handshake = 0;
}

void wg_timers_handshake_initiated(struct wg_peer *p, uint64_t now)
{
	p->t_retransmit = now + wg_time(p->dev, WG_REKEY_TIMEOUT) + jitter(p);
}

void wg_timers_handshake_complete(struct wg_peer *p, uint64_t now)
{
	struct timespec ts;

	p->t_retransmit = 0;
	p->handshake_attempts = 0;
	p->sent_lastminute_handshake = 0;
	p->last_handshake_ns = now;
	clock_gettime(CLOCK_REALTIME, &ts);
	__atomic_store_n(&p->last_handshake_wall, (uint64_t)ts.tv_sec, __ATOMIC_RELAXED);
}

void wg_timers_session_derived(struct wg_peer *p, uint64_t now)
{
	p->t_zero_keys = now + wg_time(p->dev, WG_REJECT_AFTER_TIME * 3);
}

void wg_timers_traversal(struct wg_peer *p, uint64_t now)
{
	if (p->keepalive_interval)
		p->t_persistent = now + (uint64_t)p->keepalive_interval * WG_NSEC / p->dev->time_div;
}

void wg_timers_check_rekey_on_receive(struct wg_peer *p, struct wg_ctx *x,
				      const struct wg_keypair *kp)
{
	const struct wg_keypair *cur = p->keys[WG_KP_CURRENT];

	(void)kp;
	/* keep_key_fresh (receive): the initiator renews shortly before the
	 * current keys would be rejected. */
	if (p->sent_lastminute_handshake || cur == NULL || !cur->initiator)
		return;
	if (x->now - cur->birth >=
	    wg_time(p->dev, WG_REJECT_AFTER_TIME - WG_KEEPALIVE_TIMEOUT - WG_REKEY_TIMEOUT)) {
		p->sent_lastminute_handshake = 1;
		wg_send_initiation(p, x, false);
	}
}

static void expired_retransmit(struct wg_peer *p, struct wg_ctx *x)
{
	if (p->handshake_attempts > WG_MAX_TIMER_HANDSHAKES) {
		/* Give up: drop what waits, and the keys after a while. */
		p->t_keepalive = 0;
		if (p->dev->env.clear_staged)
			p->dev->env.clear_staged(p->dev->env.ctx, p);
		if (!p->t_zero_keys)
			p->t_zero_keys = x->now + wg_time(p->dev, WG_REJECT_AFTER_TIME * 3);
		return;
	}
	p->handshake_attempts++;
	wg_send_initiation(p, x, true);
}

void wg_timers_fold(struct wg_peer *p)
{
	uint64_t t;

	t = __atomic_load_n(&p->ev_any_sent, __ATOMIC_ACQUIRE);
	if (t != p->seen_any_sent) {
		p->seen_any_sent = t;
		wg_timers_any_authenticated_sent(p, t);
		wg_timers_traversal(p, t);
	}
	t = __atomic_load_n(&p->ev_data_sent, __ATOMIC_ACQUIRE);
	if (t != p->seen_data_sent) {
		p->seen_data_sent = t;
		wg_timers_data_sent(p, t);
	}
}

void wg_timers_tick(struct wg_peer *p, struct wg_ctx *x)
{
	uint64_t now = x->now;

	/* Fold in what other workers did. */
	wg_timers_fold(p);
	if (__atomic_exchange_n(&p->ev_want_handshake, 0, __ATOMIC_ACQ_REL))
		wg_send_initiation(p, x, false);

	if (p->t_retransmit && now >= p->t_retransmit) {
		p->t_retransmit = 0;
		expired_retransmit(p, x);
	}
	if (p->t_keepalive && now >= p->t_keepalive) {
		p->t_keepalive = 0;
		wg_send_keepalive(p, x);
		if (p->need_another_keepalive) {
			p->need_another_keepalive = 0;
			p->t_keepalive = now + wg_time(p->dev, WG_KEEPALIVE_TIMEOUT);
		}
	}
	if (p->t_new_handshake && now >= p->t_new_handshake) {
		p->t_new_handshake = 0;
		wg_send_initiation(p, x, false);
	}
	if (p->t_zero_keys && now >= p->t_zero_keys) {
		p->t_zero_keys = 0;
		wg_peer_clear_keys(p);
	}
	if (p->t_persistent && now >= p->t_persistent) {
		p->t_persistent = 0;
		if (p->keepalive_interval)
			wg_send_keepalive(p, x);
	}
}
