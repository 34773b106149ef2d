/* load.h — turning a CTF trace directory into a complete lockstep database, atomically, and
 * opening "a trace directory or a database" the way every command accepts its input. */
#ifndef LOCKSTEP_LOAD_H
#define LOCKSTEP_LOAD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

typedef struct {
	/* Called from the loading thread every ~1 s of work with the events loaded so far. May be
	 * NULL. `user` is passed back. */
	void (*progress)(void *user, uint64_t events);
	void *progress_user;
	/* Called once per warning (discarded events, missing contexts). May be NULL. */
	void (*warning)(void *user, const char *message);
	void *warning_user;
	/* Called with each line the decoder wrote on stderr (babeltrace2's log, an assertion
	 * message): what `--verbose` shows. May be NULL. */
	void (*decoder_log)(void *user, const char *line);
	void *decoder_log_user;
	/* When *cancel becomes non-zero (a signal handler, another thread), the load stops within
	 * ~100 ms: the decoder is killed, its temporary file removed, and ls_load returns
	 * LS_ERR_CANCELLED. May be NULL. */
	const volatile sig_atomic_t *cancel;
	/* Decode in the calling process instead of a child: only for fuzzing harnesses, which must
	 * see a crash where it happens. A crash in libbabeltrace2 then takes the caller down. */
	bool in_process;
} ls_load_options;

typedef struct {
	uint64_t events;
	uint64_t holds;
	uint64_t waits;
	uint64_t discarded_events;
	uint64_t discarded_packets;
	int64_t t_begin_ns, t_end_ns;
	/* lock balance (docs/detectors.md, lock-balance): releases that matched no hold of their
	 * task, at how many (class, mode, call site), and acquired holds open at trace end */
	uint64_t unmatched_releases, unmatched_release_sites, held_at_end;
} ls_load_summary;

/* Default database path for a trace directory: "DIR.lockstep.db" beside it (trailing slashes
 * ignored). Returns a malloc'd string the caller frees, NULL on allocation failure. */
char *ls_load_default_db_path(const char *trace_dir);

/* Loads `trace_dir` into `db_path` (written as a temporary file DB_PATH.tmp.PID beside it,
 * renamed into place only when complete; an existing file at db_path is replaced only then and
 * stays untouched by a load that fails). `opts` and `summary` may be NULL.
 *
 * The decoding runs in a child process (unless opts->in_process): a crash or abort inside
 * libbabeltrace2 or a plugin returns LS_ERR_INPUT "TRACE_DIR: the CTF decoder crashed (SIGABRT,
 * last message: …)" and leaves no temporary file; the calling process is unharmed. Safe to call
 * from any thread of a multi-threaded program (the viewer calls it from a worker thread through
 * ls_input_open). Temporary files of earlier loads to the same db_path whose process is gone are
 * removed first (with a warning). Errors name db_path, never the temporary file. */
ls_status ls_load(const char *trace_dir, const char *db_path, const ls_load_options *opts,
		  ls_load_summary *summary, ls_error *err);

/* True when `path` has the shape of a load's temporary file (NAME.tmp.DIGITS): such a file is
 * never a database to open, whatever it holds. */
bool ls_load_is_temporary_path(const char *path);

/* Opens the input of a command: a database file is opened as is; a trace directory is loaded
 * to its default database first unless that database exists, is complete and is newer than
 * every file of the trace. *out is owned by the caller (ls_store_close). */
ls_status ls_input_open(const char *trace_or_db, bool writable, const ls_load_options *opts,
			ls_store **out, ls_error *err);

#endif
