/* remap_under_faults.c — one thread maps fresh anonymous memory over one page-aligned slice of
 * a region after another (mmap MAP_FIXED: the old VMA is detached and freed, the range is never
 * left unmapped), while the other threads keep read-faulting the whole region. The munmap part
 * of MAP_FIXED write-marks each VMA it detaches, waiting for the faults that hold its read lock;
 * with lockstep_inject=vma_freed_while_read_locked it does not, and a VMA is freed while a
 * fault still holds its lock. */
#define _GNU_SOURCE
#include "workload.h"

#define REGION (2UL << 20)
#define SLICE (64 * WL_PAGE)

static char *region;

static void *remapper(void *arg)
{
	long *remaps = arg;
	size_t off = 0;

	while (!atomic_load(&wl_stop)) {
		/* PROT_READ alternates with PROT_READ|PROT_WRITE so that neighbours do not merge and
		 * each remap detaches a VMA of its own */
		int prot = (*remaps & 1) ? PROT_READ : PROT_READ | PROT_WRITE;

		if (mmap(region + off, SLICE, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		    MAP_FAILED)
			wl_die("mmap");
		(*remaps)++;
		off = (off + SLICE) % REGION;
		usleep(100);
	}
	return NULL;
}

static void *faulter(void *arg)
{
	long *sum = arg;

	while (!atomic_load(&wl_stop))
		*sum += wl_read_faults(region, REGION);
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds;
	int threads;
	long sums[64] = { 0 }, remaps = 0;
	pthread_t r;

	wl_args(argc, argv, &seconds, &threads);
	region = wl_map(REGION);
	wl_touch(region, REGION);
	if (pthread_create(&r, NULL, remapper, &remaps) != 0)
		wl_die("pthread_create");
	wl_run(threads > 1 ? threads - 1 : 1, seconds, faulter, sums, sizeof(sums[0]));
	pthread_join(r, NULL);
	printf("remap_under_faults: %ld remaps\n", remaps);
	return 0;
}
