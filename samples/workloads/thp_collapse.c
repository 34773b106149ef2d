/* thp_collapse.c — khugepaged's collapse and page migration against faults. One thread fills
 * a 2 MiB-aligned region with 4 KiB pages and collapses it into a huge page with MADV_COLLAPSE
 * (the khugepaged collapse path run synchronously: mmap_lock for writing, the VMA write mark,
 * anon_vma for writing, the PMD and PTE locks); one thread asks for compaction through
 * /proc/sys/vm/compact_memory, which migrates the other threads' pages (rmap walks under the
 * anon_vma lock, migration entries under the PTE locks); the remaining threads fault on their
 * own regions in the same mm. Traces: khugepaged_collapse and migrate phases, PMD locks,
 * page-table lifetimes (the collapsed PTE table is freed). */
#include <fcntl.h>

#include "workload.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

#define HUGE (2UL << 20)
#define COLLAPSE_REGION (2 * HUGE)
#define FAULT_REGION (8UL << 20)

struct worker {
	int slot; /* 0: collapser, 1: compactor, others: faulters */
	long done;
};

/* A COLLAPSE_REGION-sized mapping aligned to HUGE: map one HUGE more and trim the ends. */
static char *map_aligned(void)
{
	char *p = wl_map(COLLAPSE_REGION + HUGE);
	char *aligned = (char *)(((unsigned long)p + HUGE - 1) & ~(HUGE - 1));

	if (aligned > p && munmap(p, (size_t)(aligned - p)) != 0)
		wl_die("munmap");
	if (munmap(aligned + COLLAPSE_REGION, (size_t)(p + HUGE - aligned)) != 0)
		wl_die("munmap");
	return aligned;
}

static void *collapser(void *arg)
{
	struct worker *w = arg;
	bool warned = false;

	while (!atomic_load(&wl_stop)) {
		char *p = map_aligned();

		/* 4 KiB faults first, so that there is something to collapse */
		if (madvise(p, COLLAPSE_REGION, MADV_NOHUGEPAGE) != 0)
			wl_die("madvise(MADV_NOHUGEPAGE)");
		wl_touch(p, COLLAPSE_REGION);
		if (madvise(p, COLLAPSE_REGION, MADV_HUGEPAGE) != 0)
			wl_die("madvise(MADV_HUGEPAGE)");
		if (madvise(p, COLLAPSE_REGION, MADV_COLLAPSE) == 0)
			w->done++;
		else if (!warned) {
			fprintf(stderr, "thp_collapse: MADV_COLLAPSE: %s\n", strerror(errno));
			warned = true;
		}
		wl_touch(p, COLLAPSE_REGION);
		if (munmap(p, COLLAPSE_REGION) != 0)
			wl_die("munmap");
	}
	return NULL;
}

static void *compactor(void *arg)
{
	struct worker *w = arg;
	int fd = open("/proc/sys/vm/compact_memory", O_WRONLY);

	if (fd < 0) {
		fprintf(stderr, "thp_collapse: /proc/sys/vm/compact_memory: %s (no migration)\n",
			strerror(errno));
		return NULL;
	}
	while (!atomic_load(&wl_stop)) {
		if (write(fd, "1", 1) == 1)
			w->done++;
		usleep(50000);
	}
	close(fd);
	return NULL;
}

static void *faulter(void *arg)
{
	struct worker *w = arg;
	char *p = wl_map(FAULT_REGION);

	if (madvise(p, FAULT_REGION, MADV_NOHUGEPAGE) != 0)
		wl_die("madvise(MADV_NOHUGEPAGE)");
	while (!atomic_load(&wl_stop)) {
		wl_touch(p, FAULT_REGION);
		if (madvise(p, FAULT_REGION, MADV_DONTNEED) != 0)
			wl_die("madvise(MADV_DONTNEED)");
		w->done++;
	}
	return NULL;
}

static void *role(void *arg)
{
	struct worker *w = arg;

	if (w->slot == 0)
		return collapser(w);
	if (w->slot == 1)
		return compactor(w);
	return faulter(w);
}

int main(int argc, char **argv)
{
	double seconds;
	int threads;
	struct worker w[64];

	wl_args(argc, argv, &seconds, &threads);
	if (threads < 3)
		threads = 3;
	for (int i = 0; i < threads; i++)
		w[i] = (struct worker){ .slot = i };
	wl_run(threads, seconds, role, w, sizeof(w[0]));
	printf("thp_collapse: %ld collapses, %ld compactions, %d faulting threads\n", w[0].done,
	       w[1].done, threads - 2);
	return 0;
}
