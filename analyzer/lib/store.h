/* store.h — the SQLite database of docs/schema.md: creating it for a load, opening a complete
 * one for reading. Writing rows is the loader's business (store.c keeps the prepared
 * statements); readers get the sqlite3 handle and run SQL. */
#ifndef LOCKSTEP_STORE_H
#define LOCKSTEP_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

#include "error.h"

#define LS_SCHEMA_VERSION 1

typedef struct ls_store ls_store;

/* Opens a complete lockstep database at `path`. Refuses (LS_ERR_INPUT, message naming the file)
 * a file that is not SQLite, has no lockstep schema, another schema version, or whose load did not
 * complete. `writable` allows adding findings. On success *out is owned by the caller: free with
 * ls_store_close(). */
ls_status ls_store_open(const char *path, bool writable, ls_store **out, ls_error *err);

/* Closes and frees; NULL is fine. */
void ls_store_close(ls_store *store);

/* The connection, owned by the store (valid until ls_store_close). */
sqlite3 *ls_store_borrow_db(ls_store *store);

/* The path the store was opened with (owned by the store). */
const char *ls_store_path(const ls_store *store);

/* Reads meta.key into buf (empty string when absent); returns false when absent. */
bool ls_store_meta(ls_store *store, const char *key, char *buf, size_t size);

/* meta.key as an integer, `fallback` when absent. */
int64_t ls_store_meta_int(ls_store *store, const char *key, int64_t fallback);

/* Runs `sql` (no result rows expected) and reports failure with the database path.
 * Useful for writers of derived tables (findings). */
ls_status ls_store_exec(ls_store *store, const char *sql, ls_error *err);

#endif
