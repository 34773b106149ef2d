/* holdrow.c — see holdrow.h. */
#include "holdrow.h"

#include <string.h>

#include "contract.h"

bool ls_hold_read(sqlite3_stmt *st, ls_hold *h)
{
	const unsigned char *outcome;

	memset(h, 0, sizeof(*h));
	h->id = sqlite3_column_int64(st, 0);
	h->lock_id = sqlite3_column_int64(st, 1);
	h->lock = (uint64_t)sqlite3_column_int64(st, 2);
	h->cls = sqlite3_column_int(st, 3);
	h->mode = sqlite3_column_int(st, 4);
	h->tid = sqlite3_column_int64(st, 5);
	h->trylock = sqlite3_column_int(st, 6) != 0;
	h->req = sqlite3_column_int64(st, 7);
	h->acquired = sqlite3_column_type(st, 8) != SQLITE_NULL;
	h->acq = h->acquired ? sqlite3_column_int64(st, 8) : INT64_MAX;
	h->rel = sqlite3_column_type(st, 9) != SQLITE_NULL ? sqlite3_column_int64(st, 9) : INT64_MAX;
	h->req_ip = (uint64_t)sqlite3_column_int64(st, 10);
	h->acq_ip = (uint64_t)sqlite3_column_int64(st, 11);
	h->req_event = sqlite3_column_type(st, 12) != SQLITE_NULL ? sqlite3_column_int64(st, 12) : -1;
	h->child = sqlite3_column_type(st, 13) != SQLITE_NULL;
	h->obj = (uint64_t)sqlite3_column_int64(st, 14);
	h->mm = (uint64_t)sqlite3_column_int64(st, 15);
	outcome = sqlite3_column_text(st, 16);
	h->failed = outcome && strcmp((const char *)outcome, "failed") == 0;
	h->waiting_at_end = outcome && strcmp((const char *)outcome, "waiting-at-end") == 0;
	return h->cls >= 0 && h->cls < LS_CLASS_COUNT && h->mode >= 0 && h->mode < LS_MODE_COUNT;
}
