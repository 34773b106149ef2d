/* fuzz_metadata.c — libFuzzer harness for packets.c, the part of the loader that reads untrusted
 * input before libbabeltrace2 does: the input is a metadata file; when a packet layout can be
 * read from it, a fixed stream (a lockstep-synth seed) is walked with that layout, so damaged
 * offsets and sizes meet a real stream. Seeds: the fuzz metadata, samples' metadata. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "packets.h"

#ifndef LS_FUZZ_STREAM
#error "LS_FUZZ_STREAM: the stream walked with the layout read from each input"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[4096], path[4200];

static void remove_work_dir(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ls_packet_layout layout;
	FILE *f;

	if (!path[0]) {
		snprintf(dir, sizeof(dir), "%s/lockstep-fuzz-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/metadata", dir);
		atexit(remove_work_dir);
	}
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	if (ls_packets_read_layout(path, &layout)) {
		ls_packet_check check;
		if (layout.header_bytes == 0 || layout.header_bytes > 4096)
			abort(); /* the layout promises a header it can read */
		if (ls_packets_check(LS_FUZZ_STREAM, &layout, &check, NULL) == LS_OK) {
			if (check.packets_kept > check.packets_seen || check.bytes_dropped > check.file_size)
				abort();
			ls_packets_check_free(&check);
		}
	}
	return 0;
}
