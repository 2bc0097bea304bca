/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the ctl socket's input path: the request parser
 * (rb_ctl_parse) and, since replies are parsed by ringboxctl, the JSON
 * reader.  Any input must be either accepted or rejected with a message;
 * an accepted request must name a known command with an argument count in
 * its range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/rb_ctl_proto.h"
#include "control/rb_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_ctl_req req;
	char err[256];
	struct rb_jv *v;
	char *copy;

	/* Exact-size heap copy so ASan catches any read past the end. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	err[0] = 0;
	if (rb_ctl_parse(copy, size, &req, err, sizeof(err)) == 0) {
		int i;

		if ((unsigned)req.cmd >= RB_CTL_CMD_MAX ||
		    req.argc < rb_ctl_cmds[req.cmd].min_args ||
		    req.argc > rb_ctl_cmds[req.cmd].max_args)
			abort();
		for (i = 0; i < req.argc; i++)
			if (!req.argv[i] || !req.argv[i][0] || strlen(req.argv[i]) >= RB_CTL_MAX_REQ)
				abort();
	} else if (!err[0]) {
		abort();
	}
	v = rb_json_parse(copy, size, err, sizeof(err));
	rb_jv_free(v);
	free(copy);
	return 0;
}
