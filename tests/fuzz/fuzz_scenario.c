/* fuzz_scenario.c — libFuzzer harness for the scenario reader (analyzer/synth/scenario.c): the
 * input is a scenario file; it is parsed and all its records are walked, as lockstep-synth does
 * before writing a trace. Seeds: tests/scenarios/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[4096], path[4200];

static void remove_work_dir(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ls_scenario *scn = NULL;
	ls_error err;
	FILE *f;

	if (!path[0]) {
		snprintf(dir, sizeof(dir), "%s/lockstep-fuzz-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/input.scn", dir);
		atexit(remove_work_dir);
	}
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	ls_error_clear(&err);
	if (ls_scenario_load(path, &scn, &err) == LS_OK) {
		ls_record rec;
		bool done = false;
		size_t n = 0, count = ls_scenario_count(scn);
		while (!done && ls_scenario_next(scn, &rec, &done, &err) == LS_OK)
			if (!done)
				n++;
		if (n != count)
			abort(); /* the count it promised is the count it gives */
		ls_scenario_free(scn);
	} else if (scn || !err.message[0]) {
		abort();
	}
	return 0;
}
