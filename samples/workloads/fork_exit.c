/* fork_exit.c — fork children that touch (copy-on-write) and exit at once, in a loop, from
 * several threads: dup_mmap (fork phase, the parent's mmap_lock for writing, anon_vma_clone
 * under the anon_vma root lock), exit_mmap / free_pgtables, and mm, VMA, anon_vma and
 * page-table lifetimes. */
#include <sys/wait.h>

#include "workload.h"

#define REGION (4UL << 20)

static char *shared;

static void *forker(void *arg)
{
	long *forks = arg;

	while (!atomic_load(&wl_stop)) {
		pid_t pid = fork();

		if (pid < 0)
			wl_die("fork");
		if (pid == 0) {
			/* Break copy-on-write on a few pages, then leave without cleanup. */
			for (size_t off = 0; off < REGION; off += 16 * WL_PAGE)
				shared[off]++;
			_exit(0);
		}
		if (waitpid(pid, NULL, 0) < 0)
			wl_die("waitpid");
		(*forks)++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds;
	int threads;
	long forks[64] = { 0 }, total = 0;

	wl_args(argc, argv, &seconds, &threads);
	shared = wl_map(REGION);
	wl_touch(shared, REGION);
	wl_run(threads, seconds, forker, forks, sizeof(forks[0]));
	for (int i = 0; i < threads; i++)
		total += forks[i];
	printf("fork_exit: %ld forks\n", total);
	return 0;
}
