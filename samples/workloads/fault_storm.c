/* fault_storm.c — many threads fault on one shared anonymous region and drop it again
 * (MADV_DONTNEED), so page faults take the per-VMA read lock over and over, and fall back to
 * mmap_lock when a writer (the madvise thread) is in the way. Traces: vma_lookup results,
 * vma_lock read holds, pte locks, fault phases. */
#include "workload.h"

#define REGION (64UL << 20)

struct worker {
	char *base;
	size_t off, len;
	long faults;
};

static void *faulter(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load(&wl_stop)) {
		wl_touch(w->base + w->off, w->len);
		w->faults += (long)(w->len / WL_PAGE);
	}
	return NULL;
}

static void *dropper(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load(&wl_stop)) {
		if (madvise(w->base, REGION, MADV_DONTNEED) != 0)
			wl_die("madvise");
		usleep(2000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds;
	int threads;
	struct worker w[64];
	char *base;
	long total = 0;

	wl_args(argc, argv, &seconds, &threads);
	base = wl_map(REGION);
	for (int i = 0; i < threads; i++) {
		w[i].base = base;
		w[i].len = REGION / (size_t)threads & ~(WL_PAGE - 1);
		w[i].off = (size_t)i * w[i].len;
		w[i].faults = 0;
	}
	/* The last worker slot drops the pages instead of faulting. */
	if (threads > 1) {
		pthread_t drop;

		if (pthread_create(&drop, NULL, dropper, &w[0]) != 0)
			wl_die("pthread_create");
		wl_run(threads, seconds, faulter, w, sizeof(w[0]));
		pthread_join(drop, NULL);
	} else {
		wl_run(threads, seconds, faulter, w, sizeof(w[0]));
	}
	for (int i = 0; i < threads; i++)
		total += w[i].faults;
	printf("fault_storm: %d threads, %ld page touches\n", threads, total);
	return 0;
}
