/* evtab-extension.c — `events` for any SQLite client: a loadable extension (lockstep-events.so)
 * so that the sqlite3 shell (`.load /path/to/lockstep-events`) or a program with
 * sqlite3_load_extension reads a lockstep database's raw events like lockstep does. It holds the
 * same table as liblockstep (evtab.c) and calls SQLite through the library it is loaded into. */
#include <sqlite3ext.h>

#include "evtab.h"

SQLITE_EXTENSION_INIT1

/* The entry point SQLite derives from the file name "lockstep-events". */
__attribute__((visibility("default"))) int sqlite3_lockstepevents_init(sqlite3 *db, char **err,
								   const sqlite3_api_routines *api);

int sqlite3_lockstepevents_init(sqlite3 *db, char **err, const sqlite3_api_routines *api)
{
	SQLITE_EXTENSION_INIT2(api);
	(void)err;
	return ls_evtab_register(db);
}
