/* evtab.h — `events`, the raw events of a lockstep database as a read-only SQLite table
 * (docs/schema.md). The rows live packed in `event_chunks`/`event_data` (evpack.h); this
 * eponymous virtual table unpacks only the chunks a query's constraints on id, t_ns and type
 * leave, so `SELECT … FROM events WHERE id BETWEEN a AND b` reads a few kilobytes, not the
 * trace. Rows come in id order (which is time order); ORDER BY id / t_ns, ascending or
 * descending, costs no sort. */
#ifndef LOCKSTEP_EVTAB_H
#define LOCKSTEP_EVTAB_H

#include <sqlite3.h>

/* Makes `events` exist on `db`. Returns an SQLite result code. */
int ls_evtab_register(sqlite3 *db);

/* Makes `events` exist on every SQLite connection the process opens from now on (through
 * sqlite3_auto_extension; idempotent, thread-safe). The library calls it before each open of
 * its own; a program that opens lockstep databases with sqlite3_open directly calls it first. */
void ls_evtab_install(void);

#endif
