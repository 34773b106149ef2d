/* info.c — see info.h. A handful of aggregate queries; nothing is cached. */
#include "info.h"
#include "machine.h"

#include <stdio.h>
#include <string.h>

static ls_status scalar(ls_store *store, const char *sql, int64_t *out, ls_error *err)
{
	sqlite3 *db = ls_store_borrow_db(store);
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return ls_error_set(err, LS_ERR_DB, ls_store_path(store), "%s", sqlite3_errmsg(db));
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ls_error_set(err, LS_ERR_DB, ls_store_path(store), "%s", sqlite3_errmsg(db));
	return LS_OK;
}

static ls_status per_class(ls_store *store, const char *sql, int64_t *out, ls_error *err)
{
	sqlite3 *db = ls_store_borrow_db(store);
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return ls_error_set(err, LS_ERR_DB, ls_store_path(store), "%s", sqlite3_errmsg(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int c = sqlite3_column_int(st, 0);
		if (c >= 0 && c < LS_CLASS_COUNT)
			out[c] = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ls_error_set(err, LS_ERR_DB, ls_store_path(store), "%s", sqlite3_errmsg(db));
	return LS_OK;
}

ls_status ls_info_collect(ls_store *store, ls_info *info, ls_error *err)
{
	sqlite3 *db = ls_store_borrow_db(store);
	sqlite3_stmt *st;
	ls_status s;
	int rc;

	memset(info, 0, sizeof(*info));
	ls_store_meta(store, "source", info->source, sizeof(info->source));
	ls_store_meta(store, "tool_version", info->tool_version, sizeof(info->tool_version));
	ls_store_meta(store, "loaded_at", info->loaded_at, sizeof(info->loaded_at));
	if (!ls_store_meta(store, "machine", info->machine, sizeof(info->machine)))
		info->machine[0] = '\0';
	info->emulated = ls_machine_emulated(info->machine);
	info->t_begin_ns = ls_store_meta_int(store, "t_begin_ns", 0);
	info->t_end_ns = ls_store_meta_int(store, "t_end_ns", 0);
	info->events = ls_store_meta_int(store, "event_count", 0);
	info->discarded_events = ls_store_meta_int(store, "discarded_events", 0);
	info->discarded_packets = ls_store_meta_int(store, "discarded_packets", 0);
	info->callstack_events = ls_store_meta_int(store, "callstack_events", 0);
	info->callstacks = ls_store_meta_int(store, "callstacks", 0);
	if ((s = scalar(store, "SELECT count(*) FROM tasks", &info->tasks, err)) != LS_OK ||
	    (s = scalar(store, "SELECT count(DISTINCT pid) FROM tasks WHERE pid IS NOT NULL", &info->processes, err)) != LS_OK ||
	    (s = scalar(store, "SELECT count(*) FROM locks", &info->locks, err)) != LS_OK ||
	    (s = scalar(store, "SELECT count(*) FROM holds", &info->holds, err)) != LS_OK ||
	    (s = scalar(store, "SELECT count(*) FROM waits", &info->waits, err)) != LS_OK ||
	    (s = scalar(store, "SELECT count(*) FROM objects", &info->objects, err)) != LS_OK ||
	    (s = scalar(store, "SELECT count(*) FROM phases", &info->phases, err)) != LS_OK ||
	    (s = per_class(store, "SELECT class, count(*) FROM events WHERE class IS NOT NULL GROUP BY class",
			   info->class_events, err)) != LS_OK ||
	    (s = per_class(store, "SELECT class, count(*) FROM holds GROUP BY class", info->class_holds, err)) != LS_OK ||
	    (s = per_class(store, "SELECT class, count(*) FROM waits GROUP BY class", info->class_waits, err)) != LS_OK ||
	    (s = per_class(store, "SELECT class, count(*) FROM holds WHERE outcome='failed' GROUP BY class",
			   info->class_failed, err)) != LS_OK)
		return s;
	/* write-marks carry no class column: count them as vma_lock events */
	{
		int64_t marks = 0;
		char sql[64];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE type=%d", LS_EV_VMA_WRITE_MARK);
		if ((s = scalar(store, sql, &marks, err)) != LS_OK)
			return s;
		info->class_events[LS_CLASS_VMA_LOCK] += marks;
	}
	if (sqlite3_prepare_v2(db,
			       "SELECT t.name, count(*) AS n FROM events e JOIN event_types t ON t.id = e.type "
			       "GROUP BY e.type ORDER BY n DESC, t.name LIMIT 64",
			       -1, &st, NULL) != SQLITE_OK)
		return ls_error_set(err, LS_ERR_DB, ls_store_path(store), "%s", sqlite3_errmsg(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(info->types[info->n_types].name, sizeof(info->types[0].name), "%s",
			 (const char *)sqlite3_column_text(st, 0));
		info->types[info->n_types++].count = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ls_error_set(err, LS_ERR_DB, ls_store_path(store), "%s", sqlite3_errmsg(db));
	return LS_OK;
}
