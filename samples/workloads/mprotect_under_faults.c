/* mprotect_under_faults.c — one thread flips the protection of a region (mprotect, one VMA,
 * no split: PROT_READ|PROT_WRITE <-> PROT_READ) while the other threads keep read-faulting
 * every page of it. Each flip write-marks the VMA (vma_start_write) under mmap_lock held for
 * writing and must wait for the faults that hold the VMA's read lock. On the series' kernel the
 * writer queues and new faults are refused (they fall back to mmap_lock); with
 * lockstep_inject=vma_readers_starve_writer the writer polls instead of queueing, and the
 * faults keep passing it. */
#define _GNU_SOURCE
#include "workload.h"

#define REGION (2UL << 20)

static char *region;

static void *flipper(void *arg)
{
	long *flips = arg;

	while (!atomic_load(&wl_stop)) {
		if (mprotect(region, REGION, PROT_READ) != 0)
			wl_die("mprotect");
		if (mprotect(region, REGION, PROT_READ | PROT_WRITE) != 0)
			wl_die("mprotect");
		*flips += 2;
		usleep(500); /* leave the faults time to build up again */
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
	long sums[64] = { 0 }, flips = 0;
	pthread_t w;

	wl_args(argc, argv, &seconds, &threads);
	region = wl_map(REGION);
	wl_touch(region, REGION);
	if (pthread_create(&w, NULL, flipper, &flips) != 0)
		wl_die("pthread_create");
	wl_run(threads > 1 ? threads - 1 : 1, seconds, faulter, sums, sizeof(sums[0]));
	pthread_join(w, NULL);
	printf("mprotect_under_faults: %ld flips\n", flips);
	return 0;
}
