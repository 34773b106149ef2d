/* test_quarantine.c — the use-after-free check remembers a bounded number of freed objects
 * (uaf.h, LS_UAF_QUARANTINE). A scenario frees a VMA, then `FILLERS` other objects, then a
 * lookup uses the freed VMA: with room for all the frees the use is reported; with less, the
 * VMA has left the quarantine and is forgotten — and every object still alive or still in the
 * quarantine is found exactly as before (the index map's deletions keep its probe chains).
 * Usage: test_quarantine SYNTH */
#include <stdio.h>
#include <string.h>

#include "context.h"
#include "findings.h"
#include "load.h"
#include "store.h"
#include "uaf.h"
#include "../tap.h"
#include "../testutil.h"

#define FILLERS 40

static void write_scenario(const char *path)
{
	FILE *f = fopen(path, "w");

	fprintf(f, "task tid=701 pid=700 comm=fault-thread cpu=0\n"
		   "task tid=801 pid=700 comm=munmap cpu=1\n"
		   "t=500 tid=801 obj_alloc obj=0xffff888000100000 kind=vma mm=0xffff888000001000 start=0x7f0000000000 end=0x7f0000010000 ip=0xffffffff81006000\n"
		   "t=2400 tid=801 obj_detach obj=0xffff888000100000 kind=vma mm=0xffff888000001000 ip=0xffffffff81004040\n"
		   "t=2500 tid=801 obj_free obj=0xffff888000100000 kind=vma mm=0xffff888000001000 deferred=0 ip=0xffffffff81004050\n");
	/* fillers: allocated before, freed after the VMA; one more (the last) is used after its
	 * own free too, so it must still be found when the quarantine is small */
	for (int i = 0; i < FILLERS; i++)
		fprintf(f, "t=%d tid=801 obj_alloc obj=0xffff8880002%05x kind=anon_vma mm=0xffff888000001000 ip=0xffffffff81006100\n",
			600 + i, i * 0x40);
	for (int i = 0; i < FILLERS; i++)
		fprintf(f, "t=%d tid=801 obj_free obj=0xffff8880002%05x kind=anon_vma mm=0xffff888000001000 deferred=0 ip=0xffffffff81006200\n",
			2600 + i, i * 0x40);
	fprintf(f, "t=3000 tid=701 lock_acquire lock=0xffff888000100000 class=vma_lock mode=read trylock=1 obj=0xffff888000100000 mm=0xffff888000001000 ip=0xffffffff81001020\n"
		   "t=3050 tid=701 lock_acquired lock=0xffff888000100000 class=vma_lock mode=read success=0 reason=vma_detached ip=0xffffffff81001020\n"
		   "t=3100 tid=701 lock_acquire lock=0xffff8880002%05x class=anon_vma mode=read obj=0xffff8880002%05x mm=0xffff888000001000 ip=0xffffffff81001030\n"
		   "t=3150 tid=701 lock_acquired lock=0xffff8880002%05x class=anon_vma mode=read success=1 ip=0xffffffff81001030\n"
		   "t=3200 tid=701 lock_release lock=0xffff8880002%05x class=anon_vma mode=read ip=0xffffffff81001030\n",
		(FILLERS - 1) * 0x40, (FILLERS - 1) * 0x40, (FILLERS - 1) * 0x40, (FILLERS - 1) * 0x40);
	fclose(f);
}

/* The objects (by address) named by use-after-free findings, as "a,b" in buf. */
static const char *uaf_objects(ls_store *store, size_t quarantine, char *buf, size_t size)
{
	ls_context *cx = NULL;
	ls_findings *list = ls_findings_new();
	ls_error err;
	size_t n = 0;

	buf[0] = '\0';
	ls_error_clear(&err);
	if (!list || ls_context_open(store, NULL, false, &cx, &err) != LS_OK ||
	    ls_uaf_check_quarantine(store, cx, list, NULL, quarantine, &err) != LS_OK) {
		snprintf(buf, size, "error: %.200s", err.message);
	} else {
		for (size_t i = 0; i < ls_findings_count(list); i++) {
			const ls_finding *f = ls_findings_borrow(list, i);
			if (strcmp(f->rule, "use-after-free") != 0)
				continue;
			n += (size_t)snprintf(buf + n, size > n ? size - n : 0, "%s%s", n ? "," : "",
					      strstr(f->summary, "0xffff888000100000") ? "vma" : "filler");
		}
	}
	ls_context_close(cx);
	ls_findings_free(list);
	return buf;
}

int main(int argc, char **argv)
{
	char dir[512], scn[600], trace[600], db[700], buf[512];
	ls_store *store = NULL;
	ls_error err;

	if (argc < 2) {
		printf("Bail out! usage: test_quarantine SYNTH\n");
		return 1;
	}
	tu_tmpdir(dir, sizeof(dir));
	snprintf(scn, sizeof(scn), "%s/q.scn", dir);
	snprintf(trace, sizeof(trace), "%s/q", dir);
	snprintf(db, sizeof(db), "%s/q.db", dir);
	write_scenario(scn);
	TAP_EQ_INT(tu_run("'%s' '%s' -o '%s' >/dev/null", argv[1], scn, trace), 0, "synth writes the scenario");
	ls_error_clear(&err);
	TAP_EQ_INT(ls_load(trace, db, NULL, NULL, &err), LS_OK, "it loads");
	TAP_EQ_INT(ls_store_open(db, false, &store, &err), LS_OK, "the database opens");
	if (!store)
		return tap_done();
	TAP_EQ_STR(uaf_objects(store, 0, buf, sizeof(buf)), "vma,filler", "default quarantine: both uses after free");
	TAP_EQ_STR(uaf_objects(store, FILLERS + 1, buf, sizeof(buf)), "vma,filler", "room for every free: both");
	TAP_EQ_STR(uaf_objects(store, 8, buf, sizeof(buf)), "filler",
		   "8 places: the VMA, freed 40 frees before its use, is forgotten; the last filler is still found");
	TAP_EQ_STR(uaf_objects(store, 1, buf, sizeof(buf)), "filler", "1 place: only the last free is remembered");
	ls_store_close(store);
	return tap_done();
}
