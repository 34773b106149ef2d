/* fork_under_faults.c — one thread forks again and again (each child exits at once) while the
 * other threads keep read-faulting every page of a region. Each fork runs dup_mmap() on this
 * mm with its mmap_lock held for writing, write-marking each VMA before it copies it: on the
 * series' kernel the faults are refused while a fork copies their VMA and fall back to
 * mmap_lock; with lockstep_inject=fork_vma_unmarked the VMAs stay unmarked and faults run
 * while they are copied. */
#define _GNU_SOURCE
#include "workload.h"

#include <sys/wait.h>

#define REGION (2UL << 20)

static char *region;

static void *forker(void *arg)
{
	long *forks = arg;

	while (!atomic_load(&wl_stop)) {
		pid_t pid = fork();
		int status;

		if (pid < 0)
			wl_die("fork");
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, &status, 0) != pid)
			wl_die("waitpid");
		(*forks)++;
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
	long sums[64] = { 0 }, forks = 0;
	pthread_t f;

	wl_args(argc, argv, &seconds, &threads);
	region = wl_map(REGION);
	wl_touch(region, REGION);
	if (pthread_create(&f, NULL, forker, &forks) != 0)
		wl_die("pthread_create");
	wl_run(threads > 1 ? threads - 1 : 1, seconds, faulter, sums, sizeof(sums[0]));
	pthread_join(f, NULL);
	printf("fork_under_faults: %ld forks\n", forks);
	return 0;
}
