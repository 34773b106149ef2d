/* testutil.h — what lockstep's C tests share: temporary directories, running the scenario
 * writer, and one-value SQL queries against a database. */
#ifndef LOCKSTEP_TESTUTIL_H
#define LOCKSTEP_TESTUTIL_H

#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A fresh directory under $TMPDIR (or /tmp); static storage, one per call site. */
static inline char *tu_tmpdir(char *buf, size_t size)
{
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(buf, size, "%s/lockstep-test-XXXXXX", base);
	return mkdtemp(buf);
}

/* Runs a shell command; returns its exit status (or -1). */
static inline int tu_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int tu_run(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return rc == -1 ? -1 : WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* The first column of the first row of `sql` as an integer; `fallback` when no row or NULL. */
static inline int64_t tu_int(sqlite3 *db, const char *sql, int64_t fallback)
{
	sqlite3_stmt *st;
	int64_t v = fallback;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		printf("# SQL error: %s in: %s\n", sqlite3_errmsg(db), sql);
		return fallback;
	}
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Same, as text into buf ("" when no row, "NULL" for NULL). */
static inline const char *tu_text(sqlite3 *db, const char *sql, char *buf, size_t size)
{
	sqlite3_stmt *st;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		printf("# SQL error: %s in: %s\n", sqlite3_errmsg(db), sql);
		return buf;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(buf, size, "%s",
			 sqlite3_column_type(st, 0) == SQLITE_NULL ? "NULL" : (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

#endif
