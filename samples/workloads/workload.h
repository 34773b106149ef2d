/* workload.h — what the lockstep sample workloads share: a deadline, worker threads and checked
 * system calls. Each workload is one small static program that drives one mm locking pattern
 * in a loop for a few seconds so that lockstep-record can trace it; none of them verifies
 * anything itself. Header-only so each workload builds from its own .c file alone. */
#ifndef LOCKSTEP_WORKLOAD_H
#define LOCKSTEP_WORKLOAD_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define WL_PAGE 4096UL

static atomic_bool wl_stop;

static inline double wl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* `prog [SECONDS [THREADS]]`: defaults 3 s and 4 threads (the test VM has 4 CPUs). */
static inline void wl_args(int argc, char **argv, double *seconds, int *threads)
{
	*seconds = argc > 1 ? atof(argv[1]) : 3.0;
	*threads = argc > 2 ? atoi(argv[2]) : 4;
	if (*seconds <= 0)
		*seconds = 3.0;
	if (*threads < 1 || *threads > 64)
		*threads = 4;
}

/* Writes text into a (sysfs, cgroupfs, procfs) file; false with errno set when it cannot. */
static inline bool wl_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	bool ok = f && fputs(text, f) >= 0;

	if (f && fclose(f) != 0)
		ok = false;
	return ok;
}

/* Whether /sys/fs/cgroup is cgroup v2: elsewhere (a v1 or hybrid host) a mkdir there makes a
 * plain directory, and the workloads must not litter it. */
static inline bool wl_cgroup2(void)
{
	struct statfs fs;

	return statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == 0x63677270; /* CGROUP2_SUPER_MAGIC */
}

static inline void wl_die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static inline void *wl_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		wl_die("mmap");
	return p;
}

/* Touch one byte per page so every page faults in. */
static inline void wl_touch(volatile char *p, size_t len)
{
	for (size_t off = 0; off < len; off += WL_PAGE)
		p[off] = (char)off;
}

/* One round of page faults on the whole of [p, p + len): drop the pages (MADV_DONTNEED takes
 * mmap_lock only for reading and marks no VMA), then read one byte per page, so that every page
 * faults again, each fault under the per-VMA read lock. Returns the bytes read, so that the
 * reads are not optimised away. */
static inline long wl_read_faults(char *p, size_t len)
{
	long sum = 0;

	if (madvise(p, len, MADV_DONTNEED) != 0)
		wl_die("madvise");
	for (size_t off = 0; off < len; off += WL_PAGE)
		sum += ((volatile char *)p)[off];
	return sum;
}

/* Runs fn(arg_i) on `threads` threads until `seconds` pass, then joins them. */
static inline void wl_run(int threads, double seconds, void *(*fn)(void *), void *args,
			  size_t arg_size)
{
	pthread_t tid[64];
	double end = wl_now() + seconds;

	for (int i = 0; i < threads; i++)
		if (pthread_create(&tid[i], NULL, fn, (char *)args + (size_t)i * arg_size) != 0)
			wl_die("pthread_create");
	while (wl_now() < end)
		usleep(10000);
	atomic_store(&wl_stop, true);
	for (int i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
}

#endif
