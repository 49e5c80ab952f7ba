/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: arbitrary bytes as cxsim's OAuth form body. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim_form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"grant_type", "client_id", "client_secret", "scope", ""};
	char *body = malloc(size + 1), out[64];

	if (body == NULL)
		return 0;
	memcpy(body, data, size);
	body[size] = 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = sim_form_get(body, keys[i], out, sizeof(out));

		if (v != NULL && strlen(v) >= sizeof(out))
			abort();        /* the value must fit the caller's buffer */
	}
	free(body);
	return 0;
}
