/* mmu_notifier_churn.c — one thread registers and unregisters an MMU notifier on its own mm,
 * again and again, through the test VM's module (a write to /proc/lockstep_mmu_notifier, see
 * tracer/notifier/), while the other threads keep read-faulting a region. Registration runs
 * mm_take_all_locks(): mmap_lock for writing, every VMA write-marked, then every anon_vma and
 * i_mmap lock. On the series' kernel the faults are refused while it runs; with
 * lockstep_inject=take_all_locks_unmarked the VMAs stay unmarked and faults run inside it. */
#define _GNU_SOURCE
#include "workload.h"

#include <fcntl.h>

#define REGION (2UL << 20)
#define NOTIFIER "/proc/lockstep_mmu_notifier"

static char *region;
static int notifier_fd;

static void *registrar(void *arg)
{
	long *registrations = arg;

	while (!atomic_load(&wl_stop)) {
		if (write(notifier_fd, "1", 1) != 1)
			wl_die("write " NOTIFIER);
		(*registrations)++;
		usleep(200);
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
	long sums[64] = { 0 }, registrations = 0;
	pthread_t r;

	wl_args(argc, argv, &seconds, &threads);
	notifier_fd = open(NOTIFIER, O_WRONLY);
	if (notifier_fd < 0)
		wl_die("open " NOTIFIER " (is lockstep-mmu-notifier.ko loaded?)");
	region = wl_map(REGION);
	wl_touch(region, REGION);
	if (pthread_create(&r, NULL, registrar, &registrations) != 0)
		wl_die("pthread_create");
	wl_run(threads > 1 ? threads - 1 : 1, seconds, faulter, sums, sizeof(sums[0]));
	pthread_join(r, NULL);
	close(notifier_fd);
	printf("mmu_notifier_churn: %ld registrations\n", registrations);
	return 0;
}
