/* mprotect_mremap.c — one thread flips protections (mprotect, splitting and merging VMAs) and
 * moves a region back and forth (mremap, page-table moves under pmd/pte locks) while the other
 * threads fault on the same pages: writers write-mark the VMAs, the faults are refused
 * (vma_write_marked) and fall back to mmap_lock. */
#define _GNU_SOURCE
#include "workload.h"

#define REGION (8UL << 20)

static char *region;
/* Faulters hold it for reading while they touch; the mremap step holds it for writing so the
 * region never vanishes under a faulter (mprotect needs no such care). */
static pthread_rwlock_t region_lock = PTHREAD_RWLOCK_INITIALIZER;

static void *writer(void *arg)
{
	long n = 0;
	char *spare = wl_map(REGION);

	(void)arg;
	while (!atomic_load(&wl_stop)) {
		size_t half = REGION / 2;

		if (mprotect(region + half, half, PROT_READ) != 0)
			wl_die("mprotect");
		if (mprotect(region + half, half, PROT_READ | PROT_WRITE) != 0)
			wl_die("mprotect");
		if (++n % 8 == 0) {
			/* Move the whole region onto the spare range and keep the old one as spare. */
			char *moved;

			pthread_rwlock_wrlock(&region_lock);
			moved = mremap(region, REGION, REGION, MREMAP_MAYMOVE | MREMAP_FIXED, spare);
			if (moved == MAP_FAILED)
				wl_die("mremap");
			spare = region;
			region = moved;
			if (mmap(spare, REGION, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
				wl_die("mmap");
			pthread_rwlock_unlock(&region_lock);
		}
	}
	return NULL;
}

static void *faulter(void *arg)
{
	long *touches = arg;

	while (!atomic_load(&wl_stop)) {
		char *r;

		pthread_rwlock_rdlock(&region_lock);
		r = region;
		/* Write the half that stays writable, read the one that may be read-only. */
		for (size_t off = 0; off < REGION / 2; off += WL_PAGE * 7)
			r[off] = 1;
		for (size_t off = REGION / 2; off < REGION; off += WL_PAGE * 7)
			*touches += ((volatile char *)r)[off];
		pthread_rwlock_unlock(&region_lock);
		(*touches)++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds;
	int threads;
	long touches[64] = { 0 };
	pthread_t w;

	wl_args(argc, argv, &seconds, &threads);
	region = wl_map(REGION);
	wl_touch(region, REGION);
	if (pthread_create(&w, NULL, writer, NULL) != 0)
		wl_die("pthread_create");
	wl_run(threads > 1 ? threads - 1 : 1, seconds, faulter, touches, sizeof(touches[0]));
	pthread_join(w, NULL);
	printf("mprotect_mremap: done\n");
	return 0;
}
