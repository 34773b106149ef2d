/* mlock_reclaim.c — reclaim meets VM_LOCKED: one thread mlock()s and munlock()s a region of
 * its own anonymous memory over and over while the other threads fault in more memory than
 * their memory cgroup allows, so that reclaim keeps isolating the region's folios while it is
 * unlocked and reaches try_to_unmap() on them just after mlock() set VM_LOCKED on the VMA:
 * the VM_LOCKED branch of try_to_unmap_one(), under the anon_vma and PTE locks (race 1 of the
 * historical races; with lockstep_inject=mlock_trylock_under_rmap that branch takes
 * mmap_read_trylock() there, as the buggy code did). Needs cgroup v2 with the memory
 * controller and swap; without the cgroup it still runs, with less reclaim. */
#include "workload.h"

#include <sys/stat.h>

#define LOCKED_REGION (8UL << 20)
#define PRESSURE_REGION (16UL << 20)
#define CGROUP "/sys/fs/cgroup/lockstep-mlock"
#define CGROUP_LIMIT "24M"

struct worker {
	int index;
	char *base;
	unsigned long cycles;
};

static void *locker(struct worker *w)
{
	while (!atomic_load(&wl_stop)) {
		wl_touch(w->base, LOCKED_REGION);	/* fault back what reclaim took */
		if (mlock(w->base, LOCKED_REGION) != 0 && errno != ENOMEM && errno != EAGAIN)
			wl_die("mlock");
		usleep(500);
		if (munlock(w->base, LOCKED_REGION) != 0)
			wl_die("munlock");
		usleep(500);
		w->cycles++;
	}
	return NULL;
}

static void *worker(void *arg)
{
	struct worker *w = arg;

	if (w->index == 0)
		return locker(w);
	while (!atomic_load(&wl_stop))
		wl_touch(w->base, PRESSURE_REGION);
	return NULL;
}

/* Puts this process into a memory cgroup small enough that the workers' memory does not fit. */
static bool cgroup_setup(void)
{
	char pid[32];

	if (!wl_cgroup2()) {
		errno = ENOTSUP;
		return false;
	}
	wl_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	if (mkdir(CGROUP, 0755) != 0 && errno != EEXIST)
		return false;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	return wl_write_file(CGROUP "/memory.max", CGROUP_LIMIT) &&
	       wl_write_file(CGROUP "/cgroup.procs", pid);
}

int main(int argc, char **argv)
{
	struct worker w[64];
	double seconds;
	int threads;

	wl_args(argc, argv, &seconds, &threads);
	if (threads < 2)
		threads = 2;
	bool in_cgroup = cgroup_setup();

	if (!in_cgroup)
		fprintf(stderr, "mlock_reclaim: no memory cgroup (%s): less reclaim\n", strerror(errno));
	for (int i = 0; i < threads; i++) {
		w[i].index = i;
		w[i].base = wl_map(i == 0 ? LOCKED_REGION : PRESSURE_REGION);
		w[i].cycles = 0;
	}
	wl_run(threads, seconds, worker, w, sizeof(w[0]));
	/* leave no cgroup behind: back to the root, then remove ours (fails harmlessly if absent) */
	if (in_cgroup) {
		char pid[32];

		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		if (wl_write_file("/sys/fs/cgroup/cgroup.procs", pid))
			rmdir(CGROUP);
	}
	printf("mlock_reclaim: %lu mlock/munlock cycles, %s\n", w[0].cycles,
	       in_cgroup ? "in a " CGROUP_LIMIT " memory cgroup" : "no memory cgroup");
	return 0;
}
