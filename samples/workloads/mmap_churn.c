/* mmap_churn.c — threads map, touch and unmap small regions in a loop while others fault on a
 * long-lived region: mmap_lock write sections (munmap phases, VMA write marks, unlock-all)
 * against per-VMA readers, plus VMA alloc / detach / RCU-deferred free. */
#include "workload.h"

#define LIVE (16UL << 20)

struct worker {
	int id;
	char *live;
	long ops;
};

static void *churner(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load(&wl_stop)) {
		size_t len = (size_t)(1 + (w->ops % 16)) * WL_PAGE;
		char *p = wl_map(len);

		wl_touch(p, len);
		if (munmap(p, len) != 0)
			wl_die("munmap");
		w->ops++;
	}
	return NULL;
}

static void *faulter(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load(&wl_stop)) {
		wl_touch(w->live, LIVE);
		if (madvise(w->live, LIVE, MADV_DONTNEED) != 0)
			wl_die("madvise");
		w->ops++;
	}
	return NULL;
}

static void *either(void *arg)
{
	struct worker *w = arg;

	return w->id % 2 ? faulter(arg) : churner(arg);
}

int main(int argc, char **argv)
{
	double seconds;
	int threads;
	struct worker w[64];
	char *live;
	long ops = 0;

	wl_args(argc, argv, &seconds, &threads);
	live = wl_map(LIVE);
	for (int i = 0; i < threads; i++)
		w[i] = (struct worker){ .id = i, .live = live };
	wl_run(threads, seconds, either, w, sizeof(w[0]));
	for (int i = 0; i < threads; i++)
		ops += w[i].ops;
	printf("mmap_churn: %d threads, %ld operations\n", threads, ops);
	return 0;
}
