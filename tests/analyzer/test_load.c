/* test_load.c — loading real CTF traces (written by lockstep-synth through babeltrace2) and
 * checking the derived records exactly. Usage: test_load SYNTH SCENARIO_DIR */
#include <stdlib.h>
#include <sys/stat.h>

#include "load.h"
#include "store.h"
#include "../tap.h"
#include "../testutil.h"

static const char *synth, *scenarios;

static int make_trace(const char *scenario, char *out, size_t size, const char *extra)
{
	char dir[512];

	if (!tu_tmpdir(dir, sizeof(dir)))
		return -1;
	snprintf(out, size, "%s/trace", dir);
	return tu_run("'%s' %s '%s/%s' -o '%s' >/dev/null", synth, extra, scenarios, scenario, out);
}

static void collect_warning(void *user, const char *message)
{
	int *n = user;
	(*n)++;
	printf("# warning: %s\n", message);
}

static void load_basic_derives_exact_holds_and_waits(const char *extra)
{
	char trace[600], db_path[700], buf[256];
	ls_load_options opts = { 0 };
	ls_load_summary sum;
	ls_store *store = NULL;
	ls_error err;
	int warnings = 0;
	sqlite3 *db;

	printf("# load-basic %s\n", extra);
	TAP_EQ_INT(make_trace("load-basic.scn", trace, sizeof(trace), extra), 0, "synth writes load-basic");
	snprintf(db_path, sizeof(db_path), "%s.db", trace);
	opts.warning = collect_warning;
	opts.warning_user = &warnings;
	ls_error_clear(&err);
	TAP_EQ_INT(ls_load(trace, db_path, &opts, &sum, &err), LS_OK, "load succeeds");
	if (err.status)
		printf("# %s: %s\n", err.file, err.message);
	TAP_EQ_INT(sum.events, 37, "37 events (36 lockstep and sched, one foreign)");
	TAP_EQ_INT(sum.discarded_events, 2, "2 discarded events reported");
	TAP_OK(warnings >= 1, "the discarded events raise a warning");
	TAP_EQ_INT(ls_store_open(db_path, false, &store, &err), LS_OK, "database opens");
	if (!store)
		return;
	db = ls_store_borrow_db(store);
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM holds", -1), 9, "9 holds");
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM holds WHERE outcome='failed'", -1), 1, "1 failed");
	TAP_EQ_INT(tu_int(db, "SELECT reason FROM holds WHERE outcome='failed'", -1), 2, "refused: vma_write_marked");
	TAP_EQ_INT(tu_int(db, "SELECT trylock FROM holds WHERE outcome='failed'", -1), 1, "per-VMA read is a trylock");
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM holds WHERE outcome='downgraded'", -1), 1, "1 downgraded");
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM holds WHERE outcome='waiting-at-end'", -1), 1, "1 waiting at end");
	TAP_EQ_INT(tu_int(db, "SELECT released_ns FROM holds WHERE class=1 AND mode=1", -1), 3200,
		   "write-mark hold ends at the unlock-all, not at the inner release");
	TAP_EQ_INT(tu_int(db, "SELECT acquired_ns FROM holds WHERE class=1 AND mode=1", -1), 2300,
		   "write-mark hold acquired when readers drained");
	TAP_EQ_INT(tu_int(db, "SELECT h.requested_ns FROM holds h JOIN holds p ON h.parent_id = p.id"
			      " WHERE p.outcome='downgraded'", -1), 8200, "downgrade opens a read hold at once");
	TAP_EQ_INT(tu_int(db, "SELECT released_ns FROM holds WHERE parent_id IS NOT NULL", -1), 8900,
		   "the downgraded read hold is released by mmap_read_unlock");
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM waits", -1), 2, "2 waits");
	TAP_EQ_INT(tu_int(db, "SELECT duration_ns FROM waits WHERE outcome='acquired'", -1), 4000, "wait of 4000 ns");
	TAP_EQ_INT(tu_int(db, "SELECT offcpu_ns FROM waits WHERE outcome='acquired'", -1), 3000, "3000 ns off-CPU");
	TAP_EQ_INT(tu_int(db, "SELECT end_ns IS NULL FROM waits WHERE outcome='waiting-at-end'", -1), 1,
		   "unfinished wait has no end");
	TAP_EQ_INT(tu_int(db, "SELECT contentions FROM locks WHERE class=0", -1), 1, "mmap_lock contended once");
	TAP_EQ_INT(tu_int(db, "SELECT acquisitions FROM locks WHERE class=0", -1), 4,
		   "mmap_lock acquired 4 times (downgrade counts)");
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM objects", -1), 1, "one object lifetime");
	TAP_EQ_INT(tu_int(db, "SELECT alloc_ns IS NULL AND detach_ns=3000 AND free_ns=3100 AND deferred=1"
			      " AND free_done_ns=9100 FROM objects", -1), 1, "VMA lifetime: detach, deferred free, RCU done");
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM phases", -1), 2, "two phases");
	TAP_EQ_INT(tu_int(db, "SELECT end_ns - begin_ns FROM phases WHERE phase=1", -1), 1400, "munmap phase 1400 ns");
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM tasks", -1), 3, "three tasks (with swapper)");
	TAP_EQ_STR(tu_text(db, "SELECT comm FROM tasks WHERE tid=101", buf, sizeof(buf)), "fault-thread", "task named");
	TAP_EQ_INT(tu_int(db, "SELECT pid FROM tasks WHERE tid=102", -1), 100, "task pid");
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM events WHERE cpu=1", -1), 20, "cpu_id read from packet context");
	TAP_EQ_STR(tu_text(db, "SELECT e.payload FROM events e JOIN event_types t ON t.id=e.type"
			       " WHERE t.name='rcu_callback_invoked'", buf, sizeof(buf)),
		   "name=vm_area_free_rcu_cb count=1", "foreign event kept with payload");
	TAP_EQ_INT(tu_int(db, "SELECT in_contract FROM event_types WHERE name='rcu_callback_invoked'", -1), 0,
		   "foreign event type recorded");
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM discarded WHERE what='events' AND count=2 AND cpu=1", -1), 1,
		   "discarded row");
	TAP_EQ_STR(tu_text(db, "SELECT printf('0x%x', lock) FROM holds WHERE class=4", buf, sizeof(buf)),
		   "0xffff888000200000", "kernel addresses round-trip");
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM sqlite_master WHERE type='index' AND name NOT LIKE 'sqlite_autoindex%'", -1), 7, "indexes built (with the viewer's, event_stacks' and cpu_runs')");
	/* its two switches on cpu 0: 101 out at 2600 (blocked, state 2), back at 5600 */
	TAP_EQ_STR(tu_text(db, "SELECT group_concat(cpu || ':' || tid || '[' || begin_ns || ',' || end_ns || ']' || switched_in"
			       " || '/' || coalesce(end_state, '-'), ' ') FROM (SELECT * FROM cpu_runs ORDER BY cpu, begin_ns)",
			       buf, sizeof(buf)),
		   "0:101[1000,2600]0/2 0:0[2600,5600]1/0 0:101[5600,9800]1/-", "cpu_runs: the runs of cpu 0 around its two switches");
	ls_store_close(store);
}

static void missing_directory_is_an_input_error(void)
{
	ls_error err;

	ls_error_clear(&err);
	TAP_EQ_INT(ls_load("/nonexistent/trace", "/tmp/x.db", NULL, NULL, &err), LS_ERR_INPUT, "missing dir refused");
	TAP_EQ_STR(err.file, "/nonexistent/trace", "error names the directory");
}

static void directory_without_ctf_is_refused_and_leaves_nothing(void)
{
	char dir[512], db[600];
	ls_error err;
	struct stat sb;

	tu_tmpdir(dir, sizeof(dir));
	snprintf(db, sizeof(db), "%s.db", dir);
	ls_error_clear(&err);
	TAP_EQ_INT(ls_load(dir, db, NULL, NULL, &err), LS_ERR_INPUT, "directory without metadata refused");
	TAP_OK(strstr(err.message, "no CTF trace") != NULL, "message says no CTF: %s", err.message);
	TAP_OK(stat(db, &sb) != 0, "no database left behind");
}

static void truncated_stream_is_refused_and_keeps_old_db(void)
{
	char trace[600], db[700], cmd[1600];
	ls_store *store = NULL;
	ls_error err;

	TAP_EQ_INT(make_trace("load-basic.scn", trace, sizeof(trace), ""), 0, "synth writes a trace");
	snprintf(db, sizeof(db), "%s.db", trace);
	ls_error_clear(&err);
	TAP_EQ_INT(ls_load(trace, db, NULL, NULL, &err), LS_OK, "first load succeeds");
	/* cut every stream file in the middle of a packet */
	snprintf(cmd, sizeof(cmd),
		 "for f in '%s'/*; do case \"$f\" in */metadata|*/index) ;; *) s=$(stat -c %%s \"$f\");"
		 " truncate -s $((s / 2 + 3)) \"$f\";; esac; done", trace);
	TAP_EQ_INT(tu_run("%s", cmd), 0, "streams truncated");
	ls_error_clear(&err);
	TAP_EQ_INT(ls_load(trace, db, NULL, NULL, &err), LS_ERR_INPUT, "truncated trace refused");
	printf("# %s: %s\n", err.file, err.message);
	TAP_OK(strstr(err.message, "nothing sound to load") && strstr(err.message, "channel0_") &&
		       strstr(err.message, "cut short"),
	       "message says nothing sound is left and names a broken stream");
	TAP_EQ_INT(ls_store_open(db, false, &store, &err), LS_OK, "the earlier complete database is untouched");
	ls_store_close(store);
}

/* With a non-stream file beside the streams the reader decodes through a temporary directory
 * of links; its errors must still name the user's trace directory. */
static void error_beside_symbols_map_names_the_trace_not_a_temporary(void)
{
	char trace[600], db[700], cmd[1600];
	ls_error err;

	TAP_EQ_INT(make_trace("load-basic.scn", trace, sizeof(trace), ""), 0, "synth writes a trace");
	snprintf(db, sizeof(db), "%s.db", trace);
	snprintf(cmd, sizeof(cmd),
		 "echo 'ffffffff81000000 T _text' > '%s/symbols.map'; for f in '%s'/*; do case \"$f\" in"
		 " */metadata|*/index|*/symbols.map) ;; *) s=$(stat -c %%s \"$f\");"
		 " truncate -s $((s / 2 + 3)) \"$f\";; esac; done", trace, trace);
	TAP_EQ_INT(tu_run("%s", cmd), 0, "symbols.map added, streams truncated");
	ls_error_clear(&err);
	TAP_EQ_INT(ls_load(trace, db, NULL, NULL, &err), LS_ERR_INPUT, "truncated trace refused");
	printf("# %s: %s\n", err.file, err.message);
	TAP_OK(strstr(err.message, "lockstep-ctf-") == NULL && strstr(err.file, "lockstep-ctf-") == NULL,
	       "no temporary path in the error");
	TAP_OK(strstr(err.message, trace) != NULL || strcmp(err.file, trace) == 0,
	       "the error names the trace directory");
}

static void foreign_trace_without_lockstep_events_is_refused(void)
{
	char trace[600], db[700];
	ls_error err;

	TAP_EQ_INT(make_trace("foreign-only.scn", trace, sizeof(trace), ""), 0, "synth writes a foreign trace");
	snprintf(db, sizeof(db), "%s.db", trace);
	ls_error_clear(&err);
	TAP_EQ_INT(ls_load(trace, db, NULL, NULL, &err), LS_ERR_INPUT, "trace without lockstep events refused");
	TAP_OK(strstr(err.message, "no lockstep_") != NULL, "message says so: %s", err.message);
}

static void half_written_database_is_refused(void)
{
	char dir[512], db[600];
	ls_store *store = NULL;
	ls_error err;

	tu_tmpdir(dir, sizeof(dir));
	snprintf(db, sizeof(db), "%s/half.db", dir);
	tu_run("sqlite3 '%s' \"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
	       " INSERT INTO meta VALUES('schema_version','1');\"", db);
	ls_error_clear(&err);
	TAP_EQ_INT(ls_store_open(db, false, &store, &err), LS_ERR_INPUT, "half-written database refused");
	TAP_OK(strstr(err.message, "incomplete") != NULL, "message says incomplete: %s", err.message);
	snprintf(db, sizeof(db), "%s/garbage.db", dir);
	tu_run("head -c 4096 /dev/urandom > '%s'", db);
	ls_error_clear(&err);
	TAP_EQ_INT(ls_store_open(db, false, &store, &err), LS_ERR_INPUT, "corrupt database refused");
	TAP_OK(strstr(err.message, "not a lockstep database") != NULL, "message: %s", err.message);
}

/* tests/scenarios/rwsem-read-release-by-other-task.scn: task 1603 releases mmap_lock for read
 * without holding it while 1602 holds it for read. The release must not end 1602's hold. */
static void read_release_by_another_task_leaves_the_readers_hold_open(void)
{
	char trace[600], db_path[700];
	ls_load_summary sum;
	ls_store *store = NULL;
	ls_error err;
	sqlite3 *db;

	TAP_EQ_INT(make_trace("rwsem-read-release-by-other-task.scn", trace, sizeof(trace), ""), 0,
		   "synth writes rwsem-read-release-by-other-task");
	snprintf(db_path, sizeof(db_path), "%s.db", trace);
	ls_error_clear(&err);
	TAP_EQ_INT(ls_load(trace, db_path, NULL, &sum, &err), LS_OK, "load succeeds");
	TAP_EQ_INT(sum.unmatched_releases, 1, "summary: 1 release without a hold");
	TAP_EQ_INT(sum.unmatched_release_sites, 1, "summary: at 1 call site");
	TAP_EQ_INT(sum.held_at_end, 1, "summary: 1 hold open at end");
	TAP_EQ_INT(ls_store_open(db_path, false, &store, &err), LS_OK, "database opens");
	if (!store)
		return;
	db = ls_store_borrow_db(store);
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM holds WHERE tid=1602 AND outcome='held-at-end'"
			      " AND released_ns IS NULL AND acquired_ns=2050", -1),
		   1, "reader-a's read hold stays open to the trace end");
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM holds WHERE release_event IS NOT NULL AND tid<>1601", -1), 0,
		   "no hold is ended by the stray release");
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM unmatched_releases", -1), 1, "one unmatched release row");
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM unmatched_releases u JOIN events e ON e.id=u.event_id"
			      " WHERE u.tid=1603 AND u.t_ns=3000 AND u.class=0 AND u.mode=0"
			      " AND printf('0x%x', u.ip)='0xffffffff81010040' AND u.lock=e.lock AND u.lock_id=(SELECT id FROM locks WHERE class=0)", -1),
		   1, "it is 1603's release at its call site 0xffffffff81010040, of the mmap_lock");
	TAP_EQ_INT(tu_int(db, "SELECT value FROM meta WHERE key='unmatched_releases'", -1), 1, "meta.unmatched_releases");
	TAP_EQ_INT(tu_int(db, "SELECT value FROM meta WHERE key='held_at_end'", -1), 1, "meta.held_at_end");
	ls_store_close(store);
}

/* A database written before unmatched_releases existed holds read holds ended by other tasks:
 * opening it says to reload, and a trace directory beside it is loaded again. */
static void version_1_database_is_refused_and_reloaded(void)
{
	char trace[600], db_path[700];
	ls_store *store = NULL;
	ls_error err;

	TAP_EQ_INT(make_trace("load-basic.scn", trace, sizeof(trace), ""), 0, "synth writes load-basic");
	snprintf(db_path, sizeof(db_path), "%s.lockstep.db", trace);
	ls_error_clear(&err);
	TAP_EQ_INT(ls_load(trace, db_path, NULL, NULL, &err), LS_OK, "load succeeds");
	/* a version 3 database: events as a table of rows, no chunks */
	tu_run("sqlite3 '%s' \"UPDATE meta SET value='3' WHERE key='schema_version'; DROP VIEW event_blocks;"
	       " DROP TABLE event_chunks; DROP TABLE event_data; CREATE TABLE events(id INTEGER PRIMARY KEY)\"",
	       db_path);
	TAP_EQ_INT(ls_store_open(db_path, false, &store, &err), LS_ERR_INPUT, "version 3 database refused");
	TAP_OK(strstr(err.message, "schema version 3, this lockstep reads version 6 (load the trace again)") != NULL,
	       "message names both versions and the remedy: %s", err.message);
	ls_error_clear(&err);
	TAP_EQ_INT(ls_input_open(trace, false, NULL, &store, &err), LS_OK, "the trace directory is loaded again");
	if (store)
		TAP_EQ_INT(ls_store_meta_int(store, "schema_version", -1), 6, "into a version 6 database");
	ls_store_close(store);
}

/* tests/scenarios/cpu-runs.scn: a lock holder preempted on cpu 0 while a waiter spins on cpu 1,
 * an idle cpu 2 whose second switch names another prev_tid (a switch was lost). Every run of
 * every CPU, exactly; and the index the viewer's window queries use. */
static void cpu_runs_follow_sched_switch_per_cpu(void)
{
	char trace[600], db_path[700], buf[1024];
	ls_store *store = NULL;
	ls_error err;
	sqlite3 *db;

	TAP_EQ_INT(make_trace("cpu-runs.scn", trace, sizeof(trace), ""), 0, "synth writes cpu-runs");
	snprintf(db_path, sizeof(db_path), "%s.db", trace);
	ls_error_clear(&err);
	TAP_EQ_INT(ls_load(trace, db_path, NULL, NULL, &err), LS_OK, "load succeeds");
	TAP_EQ_INT(ls_store_open(db_path, false, &store, &err), LS_OK, "database opens");
	if (!store)
		return;
	db = ls_store_borrow_db(store);
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM cpu_runs", -1), 8, "8 runs on 3 CPUs from 6 switches");
	TAP_EQ_STR(tu_text(db, "SELECT group_concat(tid || '[' || begin_ns || ',' || end_ns || ']' || switched_in || '/' ||"
			       " coalesce(end_state, '-'), ' ') FROM (SELECT * FROM cpu_runs WHERE cpu=0 ORDER BY begin_ns)",
			       buf, sizeof(buf)),
		   "301[1000,2000]0/0 303[2000,6000]1/1 301[6000,9000]1/-",
		   "cpu 0: the holder from the trace start, preempted (state 0) by the hog, back until the end");
	TAP_EQ_STR(tu_text(db, "SELECT group_concat(tid || '[' || begin_ns || ',' || end_ns || ']' || switched_in || '/' ||"
			       " coalesce(end_state, '-'), ' ') FROM (SELECT * FROM cpu_runs WHERE cpu=1 ORDER BY begin_ns)",
			       buf, sizeof(buf)),
		   "302[1000,8000]0/1 0[8000,9000]1/-", "cpu 1: the waiter on CPU all through its wait, then idle");
	TAP_EQ_STR(tu_text(db, "SELECT group_concat(tid || '[' || begin_ns || ',' || end_ns || ']' || switched_in || '/' ||"
			       " coalesce(end_state, '-'), ' ') FROM (SELECT * FROM cpu_runs WHERE cpu=2 ORDER BY begin_ns)",
			       buf, sizeof(buf)),
		   "0[1000,4000]0/0 304[4000,5000]1/- 0[5000,9000]1/-",
		   "cpu 2: a switch naming another prev_tid ends the open run without a state");
	TAP_EQ_INT(tu_int(db, "SELECT tid FROM cpu_runs WHERE cpu=0 AND begin_ns <= 4100 ORDER BY begin_ns DESC LIMIT 1", -1),
		   303, "the run covering the waiter's wait on cpu 0 is the hog's");
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM sqlite_master WHERE type='index' AND tbl_name='cpu_runs'"
			      " AND sql LIKE '%(cpu, begin_ns)'", -1),
		   1, "cpu_runs indexed by (cpu, begin_ns) for that query");
	ls_store_close(store);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test_load SYNTH SCENARIO_DIR\n");
		return 2;
	}
	synth = argv[1];
	scenarios = argv[2];
	load_basic_derives_exact_holds_and_waits("");
	load_basic_derives_exact_holds_and_waits("--enums");
	missing_directory_is_an_input_error();
	directory_without_ctf_is_refused_and_leaves_nothing();
	truncated_stream_is_refused_and_keeps_old_db();
	error_beside_symbols_map_names_the_trace_not_a_temporary();
	foreign_trace_without_lockstep_events_is_refused();
	half_written_database_is_refused();
	read_release_by_another_task_leaves_the_readers_hold_open();
	version_1_database_is_refused_and_reloaded();
	cpu_runs_follow_sched_switch_per_cpu();
	return tap_done();
}
