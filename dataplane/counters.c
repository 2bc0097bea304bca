/* SPDX-License-Identifier: BSD-3-Clause */
#include "rb_counters.h"

const char *const rb_drop_names[RB_DROP_MAX] = {
#define X(e, n, h) #n,
	RB_DROP_LIST(X)
#undef X
};
const char *const rb_drop_help[RB_DROP_MAX] = {
#define X(e, n, h) h,
	RB_DROP_LIST(X)
#undef X
};
const char *const rb_event_names[RB_EV_MAX] = {
#define X(e, n, h) #n,
	RB_EVENT_LIST(X)
#undef X
};
const char *const rb_event_help[RB_EV_MAX] = {
#define X(e, n, h) h,
	RB_EVENT_LIST(X)
#undef X
};
