/* test_check.c — `lockstep check` as CI runs it: scenario -> lockstep-synth (a real CTF trace)
 * -> lockstep check --format json -> the exact verdict.
 *
 *   test_check verdicts LOCKSTEP SYNTH SCENARIO_DIR
 *       every scenario with `# expect:` lines: the findings (kind, rule, severity, classes, tids)
 *       are exactly the expected ones, each tid is backed by evidence, the exit status follows
 *       the default --fail-on error, and the findings table holds the same findings.
 *   test_check cli LOCKSTEP SYNTH SCENARIO_DIR SYMBOLS_MAP
 *       symbol names, the text report, --fail-on, the thresholds, usage errors, --no-store,
 *       -o, and reading the findings back with ls_findings_load().
 *   test_check balance LOCKSTEP SYNTH SCENARIO_DIR SYMBOLS_MAP
 *       the lock-balance findings in full: summaries with symbolised call sites, severities,
 *       evidence (task, event, site) and the proof that makes a warning.
 *
 * An `# expect:` line reads `KIND RULE SEVERITY classes=A,B tids=1,2` (lists in any order) or
 * `none`. */
#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "../testutil.h"
#include "findings.h"
#include "store.h"

static const char *lockstep, *synth, *scenarios;
static char tmp[512];

/* ---- a minimal JSON reader (enough for the report) ---------------------------------------- */

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jnode {
	jtype t;
	double num;
	char *str;
	struct jnode **items;
	char **keys;
	size_t n;
} jnode;

static const char *jp;

static void jws(void)
{
	while (*jp && isspace((unsigned char)*jp))
		jp++;
}

static char *jstring(void)
{
	size_t cap = 64, n = 0;
	char *s = malloc(cap);

	jp++; /* " */
	while (*jp && *jp != '"') {
		char ch = *jp++;

		if (ch == '\\') {
			ch = *jp++;
			switch (ch) {
			case 'n': ch = '\n'; break;
			case 't': ch = '\t'; break;
			case 'r': ch = '\r'; break;
			case 'u': ch = '?'; jp += 4; break;
			default: break;
			}
		}
		if (n + 2 > cap)
			s = realloc(s, cap *= 2);
		s[n++] = ch;
	}
	if (*jp == '"')
		jp++;
	s[n] = '\0';
	return s;
}

static jnode *jvalue(void)
{
	jnode *v = calloc(1, sizeof(*v));

	jws();
	if (*jp == '{' || *jp == '[') {
		bool obj = *jp == '{';
		char close = obj ? '}' : ']';

		v->t = obj ? J_OBJ : J_ARR;
		jp++;
		jws();
		while (*jp && *jp != close) {
			v->items = realloc(v->items, (v->n + 1) * sizeof(*v->items));
			v->keys = realloc(v->keys, (v->n + 1) * sizeof(*v->keys));
			v->keys[v->n] = NULL;
			if (obj) {
				jws();
				v->keys[v->n] = jstring();
				jws();
				if (*jp == ':')
					jp++;
			}
			v->items[v->n++] = jvalue();
			jws();
			if (*jp == ',')
				jp++;
			jws();
		}
		if (*jp)
			jp++;
	} else if (*jp == '"') {
		v->t = J_STR;
		v->str = jstring();
	} else if (!strncmp(jp, "null", 4)) {
		v->t = J_NULL;
		jp += 4;
	} else if (!strncmp(jp, "true", 4) || !strncmp(jp, "false", 5)) {
		v->t = J_BOOL;
		v->num = *jp == 't';
		jp += *jp == 't' ? 4 : 5;
	} else {
		char *end;

		v->t = J_NUM;
		v->num = strtod(jp, &end);
		jp = end == jp ? jp + 1 : end;
	}
	return v;
}

static void jfree(jnode *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		jfree(v->items[i]);
		free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

static jnode *jget(const jnode *o, const char *key)
{
	if (!o || o->t != J_OBJ)
		return NULL;
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->keys[i], key))
			return o->items[i];
	return NULL;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = malloc((size_t)n + 1);
	n = (long)fread(s, 1, (size_t)n, f);
	s[n] = '\0';
	fclose(f);
	return s;
}

static jnode *jload(const char *path)
{
	char *s = slurp(path);
	jnode *v;

	if (!s)
		return NULL;
	jp = s;
	jws();
	v = *jp == '{' ? jvalue() : NULL;
	free(s);
	return v;
}

/* ---- verdict strings ---------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* "KIND RULE SEV classes=a,b tids=1,2" with both lists sorted. */
static char *verdict(const char *kind, const char *rule, const char *sev, char **classes,
		     size_t n_classes, long *tids, size_t n_tids)
{
	char *s = malloc(1024);
	size_t len;

	qsort(classes, n_classes, sizeof(*classes), cmp_str);
	qsort(tids, n_tids, sizeof(*tids), cmp_long);
	len = (size_t)snprintf(s, 1024, "%s %s %s classes=", kind, rule, sev);
	for (size_t i = 0; i < n_classes; i++)
		len += (size_t)snprintf(s + len, 1024 - len, "%s%s", i ? "," : "", classes[i]);
	len += (size_t)snprintf(s + len, 1024 - len, " tids=");
	for (size_t i = 0; i < n_tids; i++)
		len += (size_t)snprintf(s + len, 1024 - len, "%s%ld", i ? "," : "", tids[i]);
	return s;
}

static char *verdict_from_line(const char *line)
{
	char kind[64], rule[64], sev[32], classes[256] = "", tids[256] = "";
	char *cls[16], *tok, *save;
	long tid[16];
	size_t nc = 0, nt = 0;

	if (sscanf(line, "%63s %63s %31s classes=%255s tids=%255s", kind, rule, sev, classes, tids) <
	    4)
		return NULL;
	for (tok = strtok_r(classes, ",", &save); tok && nc < 16; tok = strtok_r(NULL, ",", &save))
		cls[nc++] = tok;
	for (tok = strtok_r(tids, ",", &save); tok && nt < 16; tok = strtok_r(NULL, ",", &save))
		tid[nt++] = strtol(tok, NULL, 10);
	return verdict(kind, rule, sev, cls, nc, tid, nt);
}

static char *verdict_from_json(const jnode *f)
{
	const jnode *classes = jget(f, "classes"), *tids = jget(f, "tids");
	char *cls[16];
	long tid[16];
	size_t nc = 0, nt = 0;

	for (size_t i = 0; classes && i < classes->n && nc < 16; i++)
		cls[nc++] = classes->items[i]->str;
	for (size_t i = 0; tids && i < tids->n && nt < 16; i++)
		tid[nt++] = (long)tids->items[i]->num;
	return verdict(jget(f, "kind")->str, jget(f, "rule")->str, jget(f, "severity")->str, cls, nc,
		       tid, nt);
}

/* Every tid of a finding appears in its evidence. */
static bool tids_backed(const jnode *f)
{
	const jnode *tids = jget(f, "tids"), *ev = jget(f, "evidence");

	for (size_t i = 0; tids && i < tids->n; i++) {
		bool found = false;

		for (size_t j = 0; ev && j < ev->n && !found; j++)
			found = jget(ev->items[j], "tid")->num == tids->items[i]->num;
		if (!found)
			return false;
	}
	return true;
}

/* ---- running ------------------------------------------------------------------------------ */

/* Writes SCENARIO's trace to tmp/NAME; returns false when synth failed. */
static bool make_trace(const char *name, char *dir, size_t size)
{
	snprintf(dir, size, "%s/%s", tmp, name);
	tu_run("rm -rf '%s' '%s.lockstep.db'", dir, dir);
	return tu_run("'%s' '%s/%s.scn' -o '%s' >/dev/null", synth, scenarios, name, dir) == 0;
}

static int check(const char *dir, const char *args, const char *out)
{
	return tu_run("'%s' check %s -o '%s' '%s' 2>'%s.err'", lockstep, args, out, dir, out);
}

static void scenario_verdict(const char *name, char **expects, size_t n_expects)
{
	char dir[1024], out[1100], db_path[1100];
	char *got[64];
	size_t n_got = 0;
	bool want_error = false;
	jnode *report;
	int rc;

	for (size_t i = 0; i < n_expects; i++)
		want_error |= strstr(expects[i], " error classes=") != NULL;
	if (!make_trace(name, dir, sizeof(dir))) {
		TAP_OK(0, "%s: lockstep-synth writes the trace", name);
		return;
	}
	snprintf(out, sizeof(out), "%s.json", dir);
	rc = check(dir, "--format json", out);
	TAP_EQ_INT(rc, want_error ? 1 : 0, name);
	report = jload(out);
	if (!report || !jget(report, "findings")) {
		TAP_OK(0, "%s: the report is JSON with findings", name);
		jfree(report);
		return;
	}
	const jnode *findings = jget(report, "findings");
	bool backed = true;

	for (size_t i = 0; i < findings->n && n_got < 64; i++) {
		got[n_got++] = verdict_from_json(findings->items[i]);
		backed &= tids_backed(findings->items[i]);
	}
	qsort(got, n_got, sizeof(*got), cmp_str);
	qsort(expects, n_expects, sizeof(*expects), cmp_str);
	bool same = n_got == n_expects;

	for (size_t i = 0; same && i < n_got; i++)
		same = !strcmp(got[i], expects[i]);
	TAP_OK(same, "%s: exact verdict", name);
	if (!same) {
		for (size_t i = 0; i < n_expects; i++)
			printf("#   want: %s\n", expects[i]);
		for (size_t i = 0; i < n_got; i++)
			printf("#   got:  %s\n", got[i]);
	}
	TAP_OK(backed, "%s: every tid of a finding has evidence", name);

	sqlite3 *db;

	snprintf(db_path, sizeof(db_path), "%s.lockstep.db", dir);
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM findings", -1), (long long)findings->n,
			   "findings table holds the reported findings");
		sqlite3_close(db);
	} else {
		TAP_OK(0, "%s: database opens", name);
	}
	for (size_t i = 0; i < n_got; i++)
		free(got[i]);
	jfree(report);
}

static int run_verdicts(void)
{
	DIR *d = opendir(scenarios);
	struct dirent *e;
	char *names[256];
	size_t n = 0;

	if (!d) {
		TAP_OK(0, "scenario directory %s opens", scenarios);
		return tap_done();
	}
	while ((e = readdir(d)) && n < 256) {
		size_t len = strlen(e->d_name);

		if (len > 4 && !strcmp(e->d_name + len - 4, ".scn"))
			names[n++] = strndup(e->d_name, len - 4);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char path[1024], line[1024];
		char *expects[32];
		size_t n_expects = 0;
		bool has_expect = false;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s.scn", scenarios, names[i]);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f)) {
			if (strncmp(line, "# expect:", 9))
				continue;
			has_expect = true;
			line[strcspn(line, "\n")] = '\0';
			const char *body = line + 9;

			while (*body == ' ')
				body++;
			if (!strcmp(body, "none"))
				continue;
			char *v = verdict_from_line(body);

			if (!v) {
				TAP_OK(0, "%s: parse '# expect: %s'", names[i], body);
				continue;
			}
			if (n_expects < 32)
				expects[n_expects++] = v;
		}
		if (f)
			fclose(f);
		if (has_expect)
			scenario_verdict(names[i], expects, n_expects);
		for (size_t j = 0; j < n_expects; j++)
			free(expects[j]);
		free(names[i]);
	}
	return tap_done();
}

/* ---- stream order not following holds.id --------------------------------------------------- */

/* The verdict strings of a JSON report, sorted, joined by '|' into buf. */
static const char *report_verdicts(const char *path, char *buf, size_t size)
{
	jnode *report = jload(path);
	const jnode *findings = report ? jget(report, "findings") : NULL;
	char *v[64];
	size_t n = 0, len = 0;

	buf[0] = '\0';
	for (size_t i = 0; findings && i < findings->n && n < 64; i++)
		v[n++] = verdict_from_json(findings->items[i]);
	qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < n; i++) {
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s", i ? "|" : "", v[i]);
		free(v[i]);
	}
	jfree(report);
	return buf;
}

/* The detectors read holds in holds.id order when ids follow request times and through the
 * indexes otherwise (the loader numbers holds as they close): renumbering the holds in request
 * order switches paths and must not change any verdict. */
static void renumbered_holds_same_verdict(const char *name)
{
	char dir[1024], db_path[1100], copy[1100], out[1100], want[4096], got[4096];
	sqlite3 *db;

	if (!make_trace(name, dir, sizeof(dir))) {
		TAP_OK(0, "%s: synth", name);
		return;
	}
	snprintf(out, sizeof(out), "%s.json", dir);
	check(dir, "--format json --no-store", out);
	report_verdicts(out, want, sizeof(want));
	snprintf(db_path, sizeof(db_path), "%s.lockstep.db", dir);
	snprintf(copy, sizeof(copy), "%s.renumbered.db", dir);
	tu_run("cp '%s' '%s'", db_path, copy);
	if (sqlite3_open(copy, &db) != SQLITE_OK ||
	    sqlite3_exec(db,
			 "CREATE TEMP TABLE m(old INTEGER PRIMARY KEY, new INTEGER);"
			 "INSERT INTO m SELECT id, 10000000 + row_number() OVER"
			 " (ORDER BY requested_ns, request_event) FROM holds;"
			 "UPDATE holds SET id = (SELECT new FROM m WHERE old = holds.id),"
			 " parent_id = (SELECT new FROM m WHERE old = holds.parent_id);"
			 "UPDATE waits SET hold_id = (SELECT new FROM m WHERE old = waits.hold_id)",
			 NULL, NULL, NULL) != SQLITE_OK) {
		TAP_OK(0, "%s: renumber holds: %s", name, sqlite3_errmsg(db));
		sqlite3_close(db);
		return;
	}
	sqlite3_close(db);
	check(copy, "--format json --no-store", out);
	report_verdicts(out, got, sizeof(got));
	TAP_OK(want[0] && !strcmp(want, got), "%s: same verdict with holds.id in request order",
	       name);
	if (strcmp(want, got))
		printf("#   want: %s\n#   got:  %s\n", want, got);
}

/* ---- CLI behaviour ------------------------------------------------------------------------ */

static bool file_contains(const char *path, const char *needle)
{
	char *s = slurp(path);
	bool found = s && strstr(s, needle);

	if (!found)
		printf("#   '%s' not in %s\n", needle, path);
	free(s);
	return found;
}

static int run_cli(const char *symbols_map)
{
	char dir[1024], out[1100], db_path[1100];
	jnode *report;
	int rc;

	/* symbols: a symbols.map in the trace directory (meta.source) names the call sites. It
	 * is copied in after the load: babeltrace2's src.ctf.fs takes every file beside
	 * `metadata` for a stream, and a trace directory newer than its database is reloaded. */
	TAP_OK(make_trace("vma-anon-vma-inversion-buggy", dir, sizeof(dir)), "synth inversion");
	snprintf(db_path, sizeof(db_path), "%s.lockstep.db", dir);
	snprintf(out, sizeof(out), "%s.json", dir);
	TAP_EQ_INT(check(dir, "--format json", out), 1, "check loads the trace");
	tu_run("cp '%s' '%s/symbols.map'", symbols_map, dir);
	check(db_path, "--format json", out);
	report = jload(out);
	{
		const jnode *f = report ? jget(report, "findings") : NULL;
		const jnode *ev = f && f->n ? jget(f->items[0], "evidence") : NULL;
		const jnode *site = ev && ev->n ? jget(ev->items[0], "site") : NULL;
		const jnode *ip = ev && ev->n ? jget(ev->items[0], "ip") : NULL;

		TAP_EQ_STR(site ? site->str : NULL, "lock_vma_under_rcu+0x20",
			   "call site as symbol+off from symbols.map in the trace directory");
		TAP_EQ_STR(ip ? ip->str : NULL, "0xffffffff81001020", "ip stays hex in JSON");
		TAP_OK(jget(report, "trace") && jget(report, "trace")->str &&
			       strstr(jget(report, "trace")->str, "vma-anon-vma-inversion-buggy"),
		       "JSON names the trace (meta.source)");
	}
	jfree(report);

	/* the text report: grouped by kind, one paragraph per finding */
	snprintf(out, sizeof(out), "%s.txt", dir);
	rc = check(db_path, "", out);
	TAP_EQ_INT(rc, 1, "text report: an error finding exits 1");
	TAP_OK(file_contains(out, "== lock-order (1) =="), "text: grouped by kind");
	TAP_OK(file_contains(out, "[error] possible deadlock: lock classes taken in a cycle "
				  "vma_lock -> anon_vma -> vma_lock"),
	       "text: severity and summary, cycle from its outermost class");
	TAP_OK(file_contains(out, "tasks: 101 (fault-thread), 201 (mprotect)"), "text: task names");
	TAP_OK(file_contains(out, "at lock_vma_under_rcu+0x20"), "text: symbolised call site");

	/* --symbols overrides; an unreadable one is an input error */
	rc = check(db_path, "--symbols /nonexistent/symbols.map", out);
	TAP_EQ_INT(rc, 2, "--symbols with a missing file is an input error");

	/* no findings */
	TAP_OK(make_trace("vma-anon-vma-inversion-fixed", dir, sizeof(dir)), "synth fixed");
	snprintf(out, sizeof(out), "%s.txt", dir);
	TAP_EQ_INT(check(dir, "", out), 0, "fixed variant exits 0");
	TAP_OK(file_contains(out, "no findings"), "text: says there are no findings");
	snprintf(out, sizeof(out), "%s.json", dir);
	check(dir, "--format json", out);
	TAP_OK(file_contains(out, "\"findings\": []"), "JSON: empty findings array");

	/* --fail-on */
	TAP_OK(make_trace("i-mmap-under-anon-vma-buggy", dir, sizeof(dir)), "synth hierarchy");
	snprintf(out, sizeof(out), "%s.txt", dir);
	TAP_EQ_INT(check(dir, "", out), 0, "a warning does not fail by default");
	TAP_EQ_INT(check(dir, "--fail-on warning", out), 1, "--fail-on warning fails on a warning");
	TAP_EQ_INT(check(dir, "--fail-on note", out), 1, "--fail-on note fails on a warning");
	TAP_EQ_INT(check(dir, "--fail-on never", out), 0, "--fail-on never");
	TAP_OK(make_trace("mmap-trylock-under-rmap-buggy", dir, sizeof(dir)), "synth trylock");
	TAP_EQ_INT(check(dir, "--fail-on warning", out), 0, "a note does not fail --fail-on warning");
	TAP_EQ_INT(check(dir, "--fail-on note", out), 1, "a note fails --fail-on note");

	/* thresholds */
	TAP_OK(make_trace("vma-writer-starved-buggy", dir, sizeof(dir)), "synth starved");
	snprintf(out, sizeof(out), "%s.json", dir);
	TAP_EQ_INT(check(dir, "--format json --starvation-ms 100", out), 0,
		   "28 ms wait and 13 bypasses: under --starvation-ms 100 and --max-bypass 100");
	TAP_EQ_INT(check(dir, "--format json --starvation-ms 100 --max-bypass 12", out), 1,
		   "13 bypasses over --max-bypass 12");
	TAP_OK(file_contains(out, "\"rule\": \"readers-bypass-writer\""), "bypass rule named");
	TAP_OK(make_trace("vma-writer-starved-fixed", dir, sizeof(dir)), "synth starved fixed");
	TAP_EQ_INT(check(dir, "--format json --starvation-ms 1", out), 0,
		   "a 2 ms wait with no bypass is only a warning");
	TAP_OK(file_contains(out, "\"rule\": \"long-writer-wait\", \"severity\": \"warning\""),
	       "long wait without bypass: long-writer-wait warning");

	/* usage and input errors */
	TAP_EQ_INT(check(dir, "--format xml", out), 2, "unknown --format is a usage error");
	TAP_EQ_INT(check(dir, "--max-bypass -1", out), 2, "negative --max-bypass is a usage error");
	TAP_EQ_INT(check(dir, "--starvation-ms x", out), 2, "bad --starvation-ms is a usage error");
	TAP_EQ_INT(check(dir, "--fail-on fatal", out), 2, "unknown --fail-on is a usage error");
	TAP_EQ_INT(tu_run("'%s' check >/dev/null 2>&1", lockstep), 2, "no input is a usage error");
	TAP_EQ_INT(tu_run("'%s' check '%s/nope' >/dev/null 2>&1", lockstep, tmp), 2,
		   "a missing trace is an input error");
	TAP_EQ_INT(tu_run("'%s' check --help >/dev/null", lockstep), 0, "--help");

	renumbered_holds_same_verdict("vma-anon-vma-inversion-buggy");
	renumbered_holds_same_verdict("vma-writer-starved-buggy");
	renumbered_holds_same_verdict("mm-take-all-locks-opposite-orders-buggy");

	/* the findings tables: replaced on each run, readable with ls_findings_load */
	TAP_OK(make_trace("vma-freed-while-read-locked-buggy", dir, sizeof(dir)), "synth freed");
	snprintf(db_path, sizeof(db_path), "%s.lockstep.db", dir);
	snprintf(out, sizeof(out), "%s.txt", dir);
	TAP_EQ_INT(check(dir, "--no-store", out), 1, "--no-store still reports");
	{
		ls_store *store = NULL;
		ls_findings *list = NULL;
		ls_error err;

		ls_error_clear(&err);
		TAP_OK(ls_store_open(db_path, false, &store, &err) == LS_OK, "database opens");
		TAP_OK(store && ls_findings_load(store, &list, &err) == LS_OK && list &&
			       ls_findings_count(list) == 0,
		       "--no-store leaves no findings");
		ls_findings_free(list);
		ls_store_close(store);
	}
	check(db_path, "", out);
	TAP_EQ_INT(check(db_path, "", out), 1, "check on the database itself");
	{
		ls_store *store = NULL;
		ls_findings *list = NULL;
		ls_error err;
		const ls_finding *f;

		ls_error_clear(&err);
		ls_store_open(db_path, false, &store, &err);
		TAP_OK(store && ls_findings_load(store, &list, &err) == LS_OK && list,
		       "ls_findings_load reads the tables");
		TAP_EQ_INT(list ? ls_findings_count(list) : 0, 2,
			   "two findings after two runs (replaced, not appended)");
		f = list ? ls_findings_borrow(list, 0) : NULL;
		TAP_EQ_STR(f ? ls_finding_kind_name(f->kind) : NULL, "protocol", "first kind");
		TAP_EQ_STR(f ? f->rule : NULL, "vma-read-across-write-section", "first rule");
		TAP_OK(f && f->n_evidence >= 3 && f->n_tids == 2 && f->t_begin_ns < f->t_end_ns,
		       "evidence, tids and window read back");
		f = list ? ls_findings_borrow(list, 1) : NULL;
		TAP_EQ_STR(f ? f->rule : NULL, "freed-while-locked", "second rule");
		TAP_OK(f && f->t_begin_ns == 2500 && f->t_end_ns == 5000,
		       "window [free, the holder's unlock]");
		ls_findings_free(list);
		ls_store_close(store);
	}
	return tap_done();
}

/* ---- lock balance: exact findings, evidence and call sites ------------------------------- */

static const char *jstr(const jnode *o, const char *key)
{
	const jnode *v = jget(o, key);

	return v && v->t == J_STR ? v->str : NULL;
}

static long jnum(const jnode *o, const char *key)
{
	const jnode *v = jget(o, key);

	return v && v->t == J_NUM ? (long)v->num : -999;
}

static const jnode *jat(const jnode *arr, size_t i)
{
	return arr && arr->t == J_ARR && i < arr->n ? arr->items[i] : NULL;
}

/* Loads the scenario, adds the symbol map, checks the database as JSON; the findings array. */
static jnode *balance_report(const char *name, const char *symbols_map, char *db_path, size_t size)
{
	char dir[1024], out[1100];

	if (!make_trace(name, dir, sizeof(dir)))
		return NULL;
	snprintf(db_path, size, "%s.lockstep.db", dir);
	snprintf(out, sizeof(out), "%s.json", dir);
	tu_run("'%s' load -q '%s' 2>/dev/null", lockstep, dir);
	tu_run("cp '%s' '%s/symbols.map'", symbols_map, dir);
	check(db_path, "--format json --absolute-time", out);
	return jload(out);
}

static void stray_read_release_reported_at_its_own_site(const char *symbols_map)
{
	char db_path[1100], out[1200];
	jnode *report = balance_report("rwsem-read-release-by-other-task", symbols_map, db_path, sizeof(db_path));
	const jnode *fs = report ? jget(report, "findings") : NULL;
	const jnode *rel = jat(fs, 0), *hold = jat(fs, 1);
	const jnode *ev = jget(rel, "evidence"), *hev = jget(hold, "evidence");

	TAP_EQ_INT(fs ? (long long)fs->n : -1, 2, "stray release: two findings");
	TAP_EQ_STR(jstr(rel, "kind"), "lock-balance", "kind lock-balance");
	TAP_EQ_STR(jstr(rel, "rule"), "release-without-hold", "first: release-without-hold");
	TAP_EQ_STR(jstr(rel, "severity"), "warning", "a warning: the writer's hold proves no hold predates the trace");
	TAP_EQ_STR(jstr(rel, "summary"),
		   "1 release(s) of mmap_lock(read) at stack_map_get_build_id_offset+0x40 matched no hold of the releasing task",
		   "summary names the releasing call site through symbols.map");
	TAP_EQ_INT(jnum(rel, "count"), 1, "one release folded");
	TAP_EQ_INT(ev ? (long long)ev->n : -1, 2, "evidence: the release and its proof");
	/* Evidence is in time order: the writer's earlier acquisition (the proof), then the release. */
	TAP_EQ_INT(jnum(jat(ev, 1), "tid"), 1603, "evidence 1: the releasing task");
	TAP_EQ_STR(jstr(jat(ev, 1), "event"), "lock_release", "evidence 1: its lock_release");
	TAP_EQ_INT(jnum(jat(ev, 1), "event_id"), 5, "evidence 1: events.id 5");
	TAP_EQ_STR(jstr(jat(ev, 1), "mode"), "read", "evidence 1: read");
	TAP_EQ_STR(jstr(jat(ev, 1), "site"), "stack_map_get_build_id_offset+0x40", "evidence 1: at its call site");
	TAP_EQ_STR(jstr(jat(ev, 1), "role"), "released read without holding it", "evidence 1: role");
	TAP_EQ_INT(jnum(jat(ev, 0), "tid"), 1601, "evidence 0: the writer");
	TAP_EQ_STR(jstr(jat(ev, 0), "mode"), "write", "evidence 0: its write hold");
	TAP_EQ_STR(jstr(jat(ev, 0), "site"), "do_mprotect_pkey+0x10", "evidence 0: at the writer's site");
	TAP_EQ_STR(jstr(hold, "rule"), "hold-open-at-end", "second: hold-open-at-end");
	TAP_EQ_STR(jstr(hold, "severity"), "note", "the reader still inside the lock is the trace edge: a note");
	TAP_EQ_INT(hev ? (long long)hev->n : -1, 1, "evidence: the reader's acquisition only");
	TAP_EQ_INT(jnum(jat(hev, 0), "tid"), 1602, "the reader the stray release used to end");
	TAP_EQ_INT(jnum(jat(hev, 0), "event_id"), 3, "its lock_acquire, events.id 3");
	TAP_EQ_STR(jstr(jat(hev, 0), "site"), "do_user_addr_fault+0x10", "at its acquisition site");
	TAP_EQ_INT(jnum(hold, "t_end_ns"), 3500, "open to the trace end");
	jfree(report);

	snprintf(out, sizeof(out), "%s.txt", db_path);
	TAP_EQ_INT(check(db_path, "", out), 0, "balance findings do not fail --fail-on error");
	TAP_OK(file_contains(out, "== lock-balance (2) =="), "text: its own group");
	TAP_OK(file_contains(out, "[warning] 1 release(s) of mmap_lock(read) at stack_map_get_build_id_offset+0x40"),
	       "text: the warning with its site");
	TAP_EQ_INT(check(db_path, "--fail-on warning", out), 1, "--fail-on warning fails on it");
}

static void holds_open_at_end_told_apart_by_proof(const char *symbols_map)
{
	char db_path[1100];
	jnode *report = balance_report("hold-open-at-end", symbols_map, db_path, sizeof(db_path));
	const jnode *fs = report ? jget(report, "findings") : NULL;
	const jnode *ex = jat(fs, 0), *later = jat(fs, 1), *edge = jat(fs, 2);

	TAP_EQ_INT(fs ? (long long)fs->n : -1, 3, "three holds open at end: three findings");
	TAP_EQ_STR(jstr(ex, "summary"), "1 hold(s) of mmap_lock(write) taken at exit_mm+0x10 ended without a release",
		   "exited holder: summary names the acquisition site");
	TAP_EQ_STR(jstr(ex, "severity"), "warning", "exited holder: warning");
	TAP_EQ_STR(jstr(jat(jget(ex, "evidence"), 1), "event"), "sched_process_exit", "proof: the task's exit");
	TAP_EQ_INT(jnum(jat(jget(ex, "evidence"), 1), "t_ns"), 1500, "proof at t=1500");
	TAP_EQ_STR(jstr(later, "summary"),
		   "1 hold(s) of i_mmap(write) taken at unmap_mapping_range+0x10 ended without a release",
		   "overtaken write hold: summary");
	TAP_EQ_INT(jnum(jat(jget(later, "evidence"), 1), "tid"), 1703, "proof: the later reader");
	TAP_EQ_STR(jstr(jat(jget(later, "evidence"), 1), "site"), "rmap_walk_file+0x10", "proof at its site");
	TAP_EQ_STR(jstr(edge, "summary"),
		   "1 hold(s) of pte_lock(write) taken at zap_pte_range+0x10 still open at trace end, task inside the lock",
		   "trace edge: summary");
	TAP_EQ_STR(jstr(edge, "severity"), "note", "trace edge: note");
	TAP_EQ_INT(jget(edge, "evidence") ? (long long)jget(edge, "evidence")->n : -1, 1, "trace edge: no proof");
	jfree(report);
}

static void balanced_trace_gives_no_balance_finding(const char *symbols_map)
{
	char db_path[1100];
	jnode *report = balance_report("lock-balance-balanced", symbols_map, db_path, sizeof(db_path));
	const jnode *fs = report ? jget(report, "findings") : NULL;

	TAP_EQ_INT(fs ? (long long)fs->n : -1, 0, "balanced trace: no finding");
	jfree(report);
}

static int run_balance(const char *symbols_map)
{
	stray_read_release_reported_at_its_own_site(symbols_map);
	holds_open_at_end_told_apart_by_proof(symbols_map);
	balanced_trace_gives_no_balance_finding(symbols_map);
	return tap_done();
}


/* ---- report: blockers, one finding per race, time base, machine (issue 15) ---------------- */

/* Loads scenario NAME with the test symbol map beside it; writes the JSON report (ARGS added)
 * to DIR.json and returns it parsed. */
static jnode *report_of(const char *name, const char *symbols_map, const char *args, char *dir,
			size_t size)
{
	char out[1200], all[256];

	if (!make_trace(name, dir, size))
		return NULL;
	tu_run("cp '%s' '%s/symbols.map'", symbols_map, dir);
	snprintf(out, sizeof(out), "%s.json", dir);
	snprintf(all, sizeof(all), "--format json --fail-on never %s", args);
	check(dir, all, out);
	return jload(out);
}

static bool has(const char *s, const char *needle)
{
	return s && strstr(s, needle);
}

static bool jbool(const jnode *o, const char *key)
{
	const jnode *v = jget(o, key);

	return v && v->t == J_BOOL && v->num != 0;
}

/* Every evidence list in time order. */
static bool evidence_in_time_order(const jnode *fs)
{
	for (size_t i = 0; fs && i < fs->n; i++) {
		const jnode *ev = jget(jat(fs, i), "evidence");

		for (size_t j = 1; ev && j < ev->n; j++)
			if (jnum(jat(ev, j), "t_ns") < jnum(jat(ev, j - 1), "t_ns"))
				return false;
	}
	return true;
}

static void spin_wait_names_who_got_in_first(const char *symbols_map)
{
	char dir[1024];
	jnode *r = report_of("pte-lock-spin-overtaken", symbols_map, "", dir, sizeof(dir));
	const jnode *f = jat(jget(r, "findings"), 0), *ev = jget(f, "evidence");
	const char *sum = jstr(f, "summary");
	const jnode *holder = NULL;

	TAP_EQ_STR(jstr(f, "rule"), "long-spin-wait", "a pte_lock wait is a spin: long-spin-wait");
	TAP_EQ_STR(jstr(f, "severity"), "warning", "a long spin is a warning");
	TAP_OK(has(sum, "task 2202 (fault-b) spun 11.000 ms for pte_lock at do_anonymous_page+0x10"),
	       "summary: the waiter, how long, where: %s", sum ? sum : "(none)");
	TAP_OK(has(sum, "task 2201 (madvise-a) took it 11 time(s) (first at zap_pte_range_batch+0x10 at +100 ns"),
	       "summary: the blocker, its call site and how often");
	TAP_OK(has(sum, "10 asked after the waiter, 1 by trylock") && has(sum, "holding it 8.499 ms of the wait"),
	       "summary: acquirers that got in first, the trylock, how long it held the lock");
	TAP_OK(!has(sum, "reader"), "no readers counted for a spinlock");
	for (size_t i = 0; ev && i < ev->n; i++)
		if (jnum(jat(ev, i), "tid") == 2201)
			holder = jat(ev, i);
	TAP_OK(holder && has(jstr(holder, "role"), "holder, got in first 10 time(s) after the waiter asked") &&
		       has(jstr(holder, "role"), "1 by trylock"),
	       "evidence: the blocker's row says what it did: %s", holder ? jstr(holder, "role") : "(none)");
	TAP_EQ_STR(jstr(holder, "site"), "zap_pte_range_batch+0x10", "evidence: the blocker's call site");
	TAP_OK(holder && jnum(holder, "end_ns") > jnum(holder, "t_ns"), "evidence: the blocker's hold has its end");
	TAP_EQ_INT(jnum(f, "t_begin_ns"), 500000, "the finding starts at the wait's request (+500 us)");
	TAP_OK(evidence_in_time_order(jget(r, "findings")), "evidence in time order");
	jfree(r);

	r = report_of("vma-writer-starved-buggy", symbols_map, "", dir, sizeof(dir));
	f = jat(jget(r, "findings"), 0);
	ev = jget(f, "evidence");
	sum = jstr(f, "summary");
	TAP_OK(has(sum, "task 501 (mprotect) waited 28.000 ms for vma_lock (write) at mprotect_fixup+0x30: task 602 (fault-b) held it for read (taken at lock_vma_under_rcu+0x20 at +2.000 ms"),
	       "rwsem writer: summary names the reader holding it, where: %s", sum ? sum : "(none)");
	TAP_OK(has(sum, "by trylock") && has(sum, "13 reader(s) admitted past it"),
	       "rwsem writer: per-VMA read trylocks marked, bypasses counted");
	holder = NULL;
	for (size_t i = 0; ev && i < ev->n; i++)
		if (jnum(jat(ev, i), "tid") == 602)
			holder = jat(ev, i);
	TAP_OK(holder && jbool(holder, "trylock"), "evidence: the reader's row is marked trylock");
	jfree(r);

	/* the viewer's columns */
	char out[1200];
	snprintf(out, sizeof(out), "%s.q", dir);
	tu_run("'%s' query '%s.lockstep.db' \"SELECT count(*) FROM finding_evidence WHERE tid = 602"
	       " AND trylock = 1 AND end_ns > t_ns\" > '%s'", lockstep, dir, out);
	TAP_OK(file_contains(out, "\n1\n"), "finding_evidence stores the holder's end_ns and trylock");
}

static void one_race_reported_once_with_its_own_tasks(const char *symbols_map)
{
	char dir[1024], out[1200];
	jnode *r = report_of("exit-mmap-two-victims-reused-mm", symbols_map, "", dir, sizeof(dir));
	const jnode *fs = jget(r, "findings"), *f = jat(fs, 0), *ins = jget(f, "instances");
	const jnode *tids = jget(f, "tids");

	TAP_EQ_INT(fs ? (long long)fs->n : -1, 1, "PTE and PMD tables of two teardowns: one finding");
	TAP_EQ_INT(jnum(f, "count"), 2, "two races (one per mm lifetime) folded into it");
	TAP_OK(tids && tids->n == 2 && (long)jat(tids, 0)->num == 1001 && (long)jat(tids, 1)->num == 1101,
	       "the finding names the tasks of its first race only (1001, 1101)");
	TAP_EQ_INT(ins ? (long long)ins->n : -1, 2, "both races listed as instances");
	TAP_OK(jat(ins, 1) && (long)jat(jget(jat(ins, 1), "tids"), 0)->num == 1002,
	       "the second instance names its own victim (1002)");
	TAP_OK(jnum(jat(ins, 0), "obj_alloc_ns") != jnum(jat(ins, 1), "obj_alloc_ns") &&
		       !strcmp(jstr(jat(ins, 0), "obj"), jstr(jat(ins, 1), "obj")),
	       "same mm address, two lifetimes told apart by their allocation");
	TAP_EQ_INT(jnum(jat(ins, 0), "events"), 2, "first race: a PTE and a PMD table");
	TAP_OK(has(jstr(f, "summary"), "freed by task 1001 (victim-1) while task 1101 (oom_reaper) held its mmap_lock (read, in oom_reap)"),
	       "summary: the comm where the comm goes, the phase apart: %s", jstr(f, "summary"));
	jfree(r);
	snprintf(out, sizeof(out), "%s.q", dir);
	tu_run("'%s' query '%s.lockstep.db' \"SELECT group_concat(tids, ';') FROM finding_instances\" > '%s'",
	       lockstep, dir, out);
	TAP_OK(file_contains(out, "1001,1101;1002,1101"), "finding_instances holds each race's tasks");
}

static void times_relative_to_the_trace_start(const char *symbols_map)
{
	char dir[1024], out[1200];
	jnode *r = report_of("exit-mmap-vs-oom-reaper-buggy", symbols_map, "", dir, sizeof(dir));
	const jnode *f = jat(jget(r, "findings"), 0), *ev = jget(f, "evidence");
	bool phase_named = false;

	TAP_EQ_STR(jstr(r, "time_base"), "relative", "JSON: times relative by default");
	TAP_EQ_INT(jnum(r, "t0_ns"), 100, "JSON: t0_ns is the first event's time");
	TAP_EQ_INT(jnum(f, "t_begin_ns"), 1300, "JSON: the window starts 1300 ns after t0 (t=1400)");
	for (size_t i = 0; ev && i < ev->n; i++)
		if (!strcmp(jstr(jat(ev, i), "event") ? jstr(jat(ev, i), "event") : "", "phase"))
			phase_named |= has(jstr(jat(ev, i), "role"), "free_pgtables ends");
	TAP_OK(phase_named, "a phase evidence row names its phase");
	TAP_OK(evidence_in_time_order(jget(r, "findings")), "evidence in time order");
	TAP_OK(!has(jstr(f, "summary"), "1101 (oom_reap)"), "no phase where the comm goes");
	jfree(r);
	r = report_of("exit-mmap-vs-oom-reaper-buggy", symbols_map, "--absolute-time", dir, sizeof(dir));
	f = jat(jget(r, "findings"), 0);
	TAP_EQ_STR(jstr(r, "time_base"), "absolute", "--absolute-time: absolute");
	TAP_EQ_INT(jnum(f, "t_begin_ns"), 1400, "--absolute-time: trace-clock ns");
	jfree(r);

	snprintf(out, sizeof(out), "%s.txt", dir);
	check(dir, "--fail-on never", out);
	TAP_OK(file_contains(out, "    +1.300 µs      tid 1001   obj_free"), "text: evidence at +1.300 µs");
	TAP_OK(file_contains(out, "Window [+1.300 µs, +1.900 µs]") && !file_contains(out, "t=1"),
	       "text: the detail in relative times, no absolute t=");
	check(dir, "--fail-on never --absolute-time", out);
	TAP_OK(file_contains(out, "1400 ns"), "text: --absolute-time prints trace-clock ns");

	/* the free, the use, then the freeing task's events in the window: sorted by time */
	r = report_of("vma-freed-without-rcu-buggy", symbols_map, "", dir, sizeof(dir));
	TAP_OK(jget(r, "findings") && jget(r, "findings")->n > 0 && evidence_in_time_order(jget(r, "findings")),
	       "use after free: evidence in time order (window events before the use come before it)");
	jfree(r);

	/* lock order: a held lock is shown at its acquisition, never at its request */
	r = report_of("vma-anon-vma-inversion-buggy", symbols_map, "", dir, sizeof(dir));
	ev = jget(jat(jget(r, "findings"), 0), "evidence");
	bool ok = ev && ev->n > 0;

	for (size_t i = 0; ev && i < ev->n; i++)
		if (has(jstr(jat(ev, i), "role"), "holds") && strcmp(jstr(jat(ev, i), "event"), "lock_acquired"))
			ok = false;
	TAP_OK(ok, "lock order: every 'holds' row is a lock_acquired");
	TAP_OK(evidence_in_time_order(jget(r, "findings")), "lock order: evidence in time order");
	jfree(r);
}

static void machine_shown_and_emulation_warned(void)
{
	char dir[1024], trace[1100], out[1200], err[1300];

	snprintf(dir, sizeof(dir), "%s/tcg-run", tmp);
	snprintf(trace, sizeof(trace), "%s/vma-writer-starved-buggy", dir);
	tu_run("rm -rf '%s' && mkdir -p '%s'", dir, dir);
	TAP_EQ_INT(tu_run("'%s' '%s/vma-writer-starved-buggy.scn' -o '%s' >/dev/null", synth, scenarios, trace), 0,
		   "synth starved under a recorder directory");
	/* lockstep-vm writes the machine file beside each trace; here in the parent */
	tu_run("echo 'accel=tcg vcpus=4 host_cpus=2 qemu=7.2.15 kernel=6.12.118-lockstep' > '%s/machine'", dir);
	snprintf(out, sizeof(out), "%s.info", trace);
	tu_run("'%s' info '%s' > '%s' 2>&1", lockstep, trace, out);
	TAP_OK(file_contains(out, "machine    accel=tcg vcpus=4 host_cpus=2 qemu=7.2.15 kernel=6.12.118-lockstep") &&
		       file_contains(out, "emulated CPU (TCG)"),
	       "info: the machine line from the parent directory, emulation said");
	tu_run("'%s' info --format json '%s' > '%s' 2>&1", lockstep, trace, out);
	TAP_OK(file_contains(out, "\"emulated\": true"), "info --format json: emulated");
	snprintf(out, sizeof(out), "%s.txt", trace);
	check(trace, "--fail-on never", out);
	TAP_OK(file_contains(out, "machine: accel=tcg") , "check: the machine in the header");
	TAP_OK(file_contains(out, "emulated CPU (TCG): a vCPU the host did not run"),
	       "check: the timing rule carries the emulation warning");
	snprintf(out, sizeof(out), "%s.json", trace);
	check(trace, "--format json --fail-on never", out);
	TAP_OK(file_contains(out, "\"emulated\": true"), "check JSON: emulated");

	/* TRACE/machine wins over the parent's; a broken one is a warning naming it */
	tu_run("echo 'accel=kvm vcpus=2' > '%s/machine'", trace);
	tu_run("'%s' load -q '%s' 2>/dev/null", lockstep, trace);
	snprintf(out, sizeof(out), "%s.info", trace);
	tu_run("'%s' info '%s' > '%s' 2>&1", lockstep, trace, out);
	TAP_OK(file_contains(out, "machine    accel=kvm vcpus=2\n"), "info: the trace's own machine file first");
	tu_run("echo 'not a machine line' > '%s/machine'", trace);
	snprintf(err, sizeof(err), "%s.err", trace);
	TAP_EQ_INT(tu_run("'%s' load -q '%s' 2>'%s'", lockstep, trace, err), 0, "a broken machine file does not fail the load");
	TAP_OK(file_contains(err, "machine: not a machine file"), "it is a warning naming the file");
}

static int run_report(const char *symbols_map)
{
	spin_wait_names_who_got_in_first(symbols_map);
	one_race_reported_once_with_its_own_tasks(symbols_map);
	times_relative_to_the_trace_start(symbols_map);
	machine_shown_and_emulation_warned();
	return tap_done();
}

int main(int argc, char **argv)
{
	if (argc < 5 ||
	    (strcmp(argv[1], "verdicts") && strcmp(argv[1], "cli") && strcmp(argv[1], "balance") &&
	     strcmp(argv[1], "report")) ||
	    (strcmp(argv[1], "verdicts") && argc < 6)) {
		fprintf(stderr, "usage: test_check verdicts|cli|balance|report LOCKSTEP SYNTH SCENARIO_DIR [SYMBOLS]\n");
		return 2;
	}
	lockstep = argv[2];
	synth = argv[3];
	scenarios = argv[4];
	if (!tu_tmpdir(tmp, sizeof(tmp))) {
		perror("mkdtemp");
		return 2;
	}
	int rc = !strcmp(argv[1], "verdicts") ? run_verdicts()
		 : !strcmp(argv[1], "cli")      ? run_cli(argv[5])
		 : !strcmp(argv[1], "report")   ? run_report(argv[5])
						: run_balance(argv[5]);

	if (!getenv("LOCKSTEP_KEEP_TMP"))
		tu_run("rm -rf '%s'", tmp);
	return rc;
}
