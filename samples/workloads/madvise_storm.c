/* madvise_storm.c — threads fault on their own slices of a shared region while one thread
 * cycles MADV_DONTNEED, MADV_COLD, MADV_PAGEOUT and MADV_FREE over all of it: madvise phases
 * under mmap_lock for reading, rmap walks (anon_vma read lock, try_to_unmap, pte locks) from
 * the page-out path racing with the faults. */
#include "workload.h"

#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define REGION (32UL << 20)

struct worker {
	char *base;
	size_t off, len;
};

static void *faulter(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load(&wl_stop))
		wl_touch(w->base + w->off, w->len);
	return NULL;
}

static void *advisor(void *arg)
{
	static const int advice[] = { MADV_DONTNEED, MADV_COLD, MADV_PAGEOUT, MADV_FREE };
	struct worker *w = arg;
	unsigned n = 0;

	while (!atomic_load(&wl_stop)) {
		/* PAGEOUT without swap still walks the rmap; EINVAL on old kernels is fine. */
		madvise(w->base, REGION, advice[n++ % 4]);
		usleep(1000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds;
	int threads;
	struct worker w[64];
	char *base;
	pthread_t adv;

	wl_args(argc, argv, &seconds, &threads);
	base = wl_map(REGION);
	for (int i = 0; i < threads; i++) {
		w[i].base = base;
		w[i].len = REGION / (size_t)threads & ~(WL_PAGE - 1);
		w[i].off = (size_t)i * w[i].len;
	}
	if (pthread_create(&adv, NULL, advisor, &w[0]) != 0)
		wl_die("pthread_create");
	wl_run(threads, seconds, faulter, w, sizeof(w[0]));
	pthread_join(adv, NULL);
	printf("madvise_storm: done\n");
	return 0;
}
