/* holdrow.h — the `holds` table read back, one row at a time, by the detectors that walk it
 * (order.c, starvation.c): one column list and one reader, so they cannot drift apart. */
#ifndef LOCKSTEP_HOLDROW_H
#define LOCKSTEP_HOLDROW_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

/* One hold (docs/schema.md, `holds`), with times made easy to compare. */
typedef struct {
	int64_t id, lock_id;
	uint64_t lock, obj, mm; /* obj/mm: the lock's owner at this acquisition */
	int cls, mode;
	int64_t tid;
	bool trylock, child, acquired, failed, waiting_at_end; /* child: opened by a downgrade */
	int64_t req, acq, rel; /* acq = INT64_MAX when never acquired; rel = INT64_MAX while held at end */
	uint64_t req_ip, acq_ip;
	int64_t req_event;     /* -1 when unknown */
} ls_hold;

/* The SELECT list ls_hold_read() expects, for a query over `holds h`. */
#define LS_HOLD_COLUMNS                                                                          \
	"h.id, h.lock_id, h.lock, h.class, h.mode, h.tid, h.trylock, h.requested_ns,"            \
	" h.acquired_ns, h.released_ns, h.request_ip, h.acquired_ip, h.request_event,"           \
	" h.parent_id, h.obj, h.mm, h.outcome"

/* Fills *h from the current row of a statement selecting LS_HOLD_COLUMNS first. Returns false
 * when the row's class or mode is outside the contract (callers skip such rows). */
bool ls_hold_read(sqlite3_stmt *st, ls_hold *h);

#endif
