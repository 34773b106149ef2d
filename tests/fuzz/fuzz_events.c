/* fuzz_events.c — libFuzzer harness for the packed events of a database (load/evpack.c), the
 * bytes `events` reads from `event_data` of a file that may be damaged: the input goes through
 * ls_evpack_open as a stored chunk and, when that fails, straight to ls_evpack_unpack as packed
 * bytes, with every event count from the first byte. Seeds: chunks of a real load
 * (tests/fuzz/corpus/events). */
#include <stdint.h>
#include <stdlib.h>

#include "evpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ls_evrow rows[LS_EVPACK_CHUNK];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf = NULL;
	size_t cap = 0, len = 0;
	int n;

	if (ls_evpack_open(data, size, &buf, &cap, &len)) {
		for (n = 1; n <= LS_EVPACK_CHUNK; n *= 4)
			ls_evpack_unpack(buf, len, 0, n, rows);
		ls_evpack_unpack(buf, len, 0, LS_EVPACK_CHUNK, rows);
	} else if (size > 0) {
		n = 1 + data[0] * LS_EVPACK_CHUNK / 256;
		ls_evpack_unpack(data + 1, size - 1, (int64_t)data[0] << 40, n, rows);
	}
	free(buf);
	return 0;
}
