/* error.h — the status codes and error record every liblockstep function reports through.
 *
 * The library never prints and never exits: a failing function returns a status other than
 * LS_OK and fills the caller's ls_error with one line naming the file and the problem. Only the
 * CLI and the viewer decide what to do with it. */
#ifndef LOCKSTEP_ERROR_H
#define LOCKSTEP_ERROR_H

#include <stddef.h>

typedef enum {
	LS_OK = 0,
	LS_ERR_USAGE,    /* the caller asked for something meaningless */
	LS_ERR_INPUT,    /* the input (trace, scenario, database) is missing or malformed */
	LS_ERR_IO,       /* a read, write or rename failed */
	LS_ERR_DB,       /* SQLite refused */
	LS_ERR_NOMEM,
	LS_ERR_INTERNAL, /* a dependency failed in a way the input does not explain */
	LS_ERR_CANCELLED, /* the caller asked to stop (a signal, the viewer's cancel) */
} ls_status;

typedef struct {
	ls_status status;
	char file[1024];  /* the file (or directory, or database) concerned; may be empty */
	char message[768];
	/* What a dependency said, verbatim (babeltrace2's error causes, a crashed decoder's last
	 * lines), for a --verbose run; may be empty. Cleared by ls_error_set. */
	char detail[1024];
} ls_error;

/* Clears err (status LS_OK, empty strings). err may be NULL. */
void ls_error_clear(ls_error *err);

/* Records status, file and a printf-style message in err (if not NULL); returns status so a
 * caller can write `return ls_error_set(...)`. The first error set wins over later ones only
 * if keep_first is used; this always overwrites. */
ls_status ls_error_set(ls_error *err, ls_status status, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Sets err->detail (if err is not NULL), keeping status, file and message. */
void ls_error_set_detail(ls_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes "FILE: message" (or just the message when no file) into buf; returns buf. */
const char *ls_error_format(const ls_error *err, char *buf, size_t size);

#endif
