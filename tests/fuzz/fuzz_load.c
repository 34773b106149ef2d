/* fuzz_load.c — libFuzzer harness for the trace → database path: the input becomes the one
 * stream file of a trace beside a fixed CTF metadata file (tests/fuzz/load-metadata, written by
 * lockstep-synth), and ls_load() decodes it into a database, in this process so that the fuzzer
 * sees a crash where it happens. Built with -fsanitize=fuzzer by bench/fuzz.sh, and with
 * replay.c into the default suite, where it runs the seeds and every regression input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load.h"

#ifndef LS_FUZZ_METADATA
#error "LS_FUZZ_METADATA: the metadata file the inputs are streams of"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base_dir[4096], trace_dir[4200], stream_path[4300], md_path[4300], db_path[4300];

static void remove_work_dir(void)
{
	unlink(stream_path);
	unlink(md_path);
	unlink(db_path);
	rmdir(trace_dir);
	rmdir(base_dir);
}

static int copy_file(const char *from, const char *to)
{
	char buf[8192];
	size_t n;
	FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
	int rc = in && out ? 0 : -1;

	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	if (in)
		fclose(in);
	if (out && fclose(out) != 0)
		rc = -1;
	return rc;
}

static int setup(void)
{
	static int done;

	if (done)
		return done > 0 ? 0 : -1;
	done = -1;
	snprintf(base_dir, sizeof(base_dir), "%s/lockstep-fuzz-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(base_dir))
		return -1;
	snprintf(trace_dir, sizeof(trace_dir), "%s/trace", base_dir);
	snprintf(md_path, sizeof(md_path), "%s/metadata", trace_dir);
	snprintf(stream_path, sizeof(stream_path), "%s/channel0_0", trace_dir);
	snprintf(db_path, sizeof(db_path), "%s/trace.db", base_dir);
	atexit(remove_work_dir);
	if (mkdir(trace_dir, 0700) != 0 || copy_file(LS_FUZZ_METADATA, md_path) != 0)
		return -1;
	done = 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ls_load_options opts = { .in_process = true };
	ls_load_summary sum;
	ls_error err;
	FILE *f;

	if (setup() != 0)
		abort(); /* the harness itself cannot run: not an input's fault, but must not pass */
	f = fopen(stream_path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	ls_error_clear(&err);
	if (ls_load(trace_dir, db_path, &opts, &sum, &err) == LS_OK) {
		/* a load that succeeds has the events it says */
		if (sum.events == 0)
			abort();
		unlink(db_path);
	} else if (!err.message[0] || err.status == LS_OK) {
		abort(); /* a failure must say why */
	}
	return 0;
}
