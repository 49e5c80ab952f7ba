/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: arbitrary bytes as a cxsim scenario file, parsed and expanded. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sim_scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sim_scenario *sc = NULL;
	sim_conv_spec *convs = NULL;
	size_t n = 0;
	lc_err err = LC_ERR_INIT;

	if (sim_scenario_parse((const char *)data, size, "fuzz", &sc, &err) == LC_OK) {
		/* Expansion must stay bounded whatever the counts in the file say. */
		if (sim_scenario_materialize(sc, 42, 0, &convs, &n, &err) == LC_OK)
			sim_conv_specs_free(convs, n);
		sim_scenario_free(sc);
	}
	return 0;
}
