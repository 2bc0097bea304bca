/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: arbitrary bytes as a ringbox config text.  The loader
 * must not crash, hang or leak, whatever it is fed; a config it accepts
 * must satisfy the struct contract (counts within bounds, port indices
 * valid).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/rb_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_config cfg;
	char *text;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* @include would read files of the fuzzing host (even /dev/zero). */
	if (strstr(text, "@include") != NULL) {
		free(text);
		return 0;
	}
	if (rb_config_load_string(&cfg, text, "fuzz.cfg", NULL) == 0) {
		const struct rb_cfg_dataplane *d = &cfg.dp;

		if (d->n_ports < 1 || d->n_ports > RB_MAX_PORTS || d->n_lcores < 1 ||
		    d->n_lcores > RB_MAX_LCORES || d->n_routes < 0 || d->n_routes > RB_MAX_ROUTES ||
		    d->n_neighbors > RB_MAX_NEIGHBORS || cfg.n_services > RB_MAX_SERVICES ||
		    cfg.tree == NULL)
			abort();
		for (int i = 0; i < d->n_routes; i++)
			if (d->routes[i].port < 0 || d->routes[i].port >= d->n_ports)
				abort();
		for (int i = 0; i < d->n_neighbors; i++)
			if (d->neighbors[i].port < 0 || d->neighbors[i].port >= d->n_ports)
				abort();
		for (int i = 0; i < d->n_ports; i++)
			if (d->ports[i].mtu < 68 || d->ports[i].mtu > 9216 ||
			    d->ports[i].n_addrs > RB_MAX_ADDRS)
				abort();
		rb_config_free(&cfg);
	}
	free(text);
	return 0;
}
