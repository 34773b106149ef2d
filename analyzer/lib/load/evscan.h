/* evscan.h — one forward pass over every raw event, in id (merged stream) order, straight from
 * the packed chunks (evpack.h) without the `events` virtual table.
 *
 * A detector that reads nearly every event pays, through SQL, for a virtual-table row and one
 * column call per field of each event: a third of `lockstep check`'s time. The scanner hands it
 * the decoded rows of a chunk instead; chunks holding none of the wanted types are not even
 * decompressed. Readers that want a window, a few types or ordering by time keep using
 * `events`. */
#ifndef LOCKSTEP_EVSCAN_H
#define LOCKSTEP_EVSCAN_H

#include <sqlite3.h>
#include <stdint.h>

#include "error.h"
#include "evpack.h"

typedef struct ls_evscan ls_evscan;

/* Starts a pass over the events of db whose type t has bit ls_evpack_type_bit(t) set in
 * `types` (UINT64_MAX: every event). `path` names the database in error messages. *out is
 * owned by the caller: ls_evscan_close() it. */
ls_status ls_evscan_open(sqlite3 *db, const char *path, uint64_t types, ls_evscan **out, ls_error *err);

/* The next wanted event into *row (valid until the next call; its payload borrows the scanner's
 * buffer). Returns 1 with a row, 0 at the end, -1 on error (err set: a chunk that is missing,
 * damaged or unreadable is named by its first event id). */
int ls_evscan_next(ls_evscan *scan, const ls_evrow **row, ls_error *err);

void ls_evscan_close(ls_evscan *scan);

#endif
