/* pf_bench.c — the page-fault microbenchmark behind `lockstep-vm bench`: each thread maps its
 * own anonymous region (its own VMA, so faults take the per-VMA lock), writes one byte per page
 * so that every page faults in, and unmaps it again. Only the touching is timed, so the figure
 * is the cost of the fault path: per-VMA read lock, page allocation, PTE lock, and with lockstep
 * tracing on, its events. Huge pages are refused so that every 4 KiB page is one fault.
 *
 *   pf_bench [SECONDS [THREADS [ROUNDS]]]
 *
 * prints one line per round: `round N faults F ns_per_fault X`. */
#include "workload.h"

#define REGION (16UL << 20)

struct faulter {
	long faults;
	double seconds; /* time spent touching, summed over the round */
};

static void *fault_loop(void *arg)
{
	struct faulter *f = arg;

	while (!atomic_load(&wl_stop)) {
		char *p = wl_map(REGION);
		double t0;

		if (madvise(p, REGION, MADV_NOHUGEPAGE) != 0)
			wl_die("madvise(MADV_NOHUGEPAGE)");
		t0 = wl_now();
		wl_touch(p, REGION);
		f->seconds += wl_now() - t0;
		f->faults += (long)(REGION / WL_PAGE);
		if (munmap(p, REGION) != 0)
			wl_die("munmap");
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds;
	int threads;
	int rounds = argc > 3 ? atoi(argv[3]) : 5;
	struct faulter f[64];

	wl_args(argc, argv, &seconds, &threads);
	if (rounds < 1 || rounds > 1000)
		rounds = 5;
	for (int r = 1; r <= rounds; r++) {
		long faults = 0;
		double busy = 0;

		memset(f, 0, sizeof(f));
		atomic_store(&wl_stop, false);
		wl_run(threads, seconds, fault_loop, f, sizeof(f[0]));
		for (int i = 0; i < threads; i++) {
			faults += f[i].faults;
			busy += f[i].seconds;
		}
		printf("round %d faults %ld ns_per_fault %.1f\n", r, faults,
		       faults ? busy * 1e9 / (double)faults : 0.0);
		fflush(stdout);
	}
	return 0;
}
