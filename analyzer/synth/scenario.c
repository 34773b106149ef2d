/* scenario.c — the scenario file parser: one statement per line (`task`, `discarded`, or an
 * event at `t=`), checked against contract.h and layout.h, then sorted by time.
 *
 * It keeps the whole (small, hand-written) scenario in memory; it must not be used for
 * generated workloads of millions of events — generate.c streams those. */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 64

typedef struct {
	int32_t tid, pid;
	uint32_t cpu;
	bool has_cpu;
	char *comm;
	unsigned line;
} task;

typedef struct {
	char *name;
	char *text;
} pair;

typedef struct {
	unsigned line;
	ls_record_kind kind;
	uint64_t t;
	uint32_t cpu;
	bool has_cpu;
	int32_t tid;
	ls_event_type type;
	unsigned foreign;
	uint64_t u[LS_F_COUNT];
	char *str[LS_LAYOUT_MAX_STRINGS];
	pair *pairs;           /* foreign fields as written */
	unsigned n_pairs;
	ls_record_value *values; /* foreign fields aligned to the class */
	uint64_t *stack;         /* stack=: the callstack_kernel context, innermost first */
	uint32_t n_stack;
	uint64_t count;
	const task *task;
} step;

typedef struct {
	char *name;
	char **fields;
	bool *is_string;
	unsigned n;
} foreign_class;

struct ls_scenario {
	char *path;
	task *tasks;
	size_t n_tasks, cap_tasks;
	step *steps;
	size_t n_steps, cap_steps;
	foreign_class *fclasses;
	ls_record_foreign_class *fdesc;
	unsigned n_fclasses;
	uint32_t *cpus;
	ls_record_schema schema;
	size_t pos;
};

static ls_status line_error(ls_error *err, const char *path, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static ls_status line_error(ls_error *err, const char *path, unsigned line, const char *fmt, ...)
{
	char where[1024], msg[700];
	va_list ap;

	snprintf(where, sizeof(where), "%s:%u", path, line);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ls_error_set(err, LS_ERR_INPUT, where, "%s", msg);
}

/* ---- values ------------------------------------------------------------------------------ */

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!isxdigit((unsigned char)s[0]) || (base == 10 && !isdigit((unsigned char)s[0])))
		return false;
	errno = 0;
	*v = strtoull(s, &end, base);
	return errno == 0 && *end == '\0';
}

static bool parse_s64(const char *s, int64_t *v)
{
	uint64_t u;

	if (s[0] == '-') {
		if (!parse_u64(s + 1, &u) || u > (uint64_t)INT64_MAX + 1)
			return false;
		*v = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
		return true;
	}
	if (!parse_u64(s, &u) || u > INT64_MAX)
		return false;
	*v = (int64_t)u;
	return true;
}

static bool parse_time(const char *s, uint64_t *ns)
{
	static const struct { const char *suffix; uint64_t mult; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 }, { "", 1 },
	};
	char digits[32];
	size_t n = 0;
	uint64_t v;

	while (isdigit((unsigned char)s[n]))
		n++;
	if (n == 0 || n >= sizeof(digits))
		return false;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (!parse_u64(digits, &v))
		return false;
	for (unsigned i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s + n, units[i].suffix) != 0)
			continue;
		if (v > UINT64_MAX / units[i].mult)
			return false;
		*ns = v * units[i].mult;
		return true;
	}
	return false;
}

static bool parse_int32(const char *s, int32_t *v)
{
	int64_t x;

	if (!parse_s64(s, &x) || x < INT32_MIN || x > INT32_MAX)
		return false;
	*v = (int32_t)x;
	return true;
}

static bool parse_cpu(const char *s, uint32_t *v)
{
	uint64_t x;

	if (!parse_u64(s, &x) || x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	return true;
}

/* "mmap_lock, vma_lock, …" for error messages. */
static const char *labels_of(ls_enum e, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned v = 0; v < ls_enum_size(e) && len < size; v++) {
		int w = snprintf(buf + len, size - len, "%s%s", v ? ", " : "", ls_enum_name(e, v));
		if (w < 0)
			break;
		len += (size_t)w;
	}
	return buf;
}

/* ---- statements ------------------------------------------------------------------------- */

static void split_kv(char *tok, char **key, char **val)
{
	char *eq = strchr(tok, '=');

	*key = tok;
	*val = NULL;
	if (eq) {
		*eq = '\0';
		*val = eq + 1;
	}
}

static ls_status grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return LS_OK;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * size);
	if (!p)
		return LS_ERR_NOMEM;
	*arr = p;
	*cap = ncap;
	return LS_OK;
}

static ls_status parse_task(ls_scenario *scn, char **tok, unsigned n, unsigned line,
			    ls_error *err)
{
	task tk = { .line = line };
	bool has_tid = false, has_pid = false;
	const char *comm = NULL;

	for (unsigned i = 1; i < n; i++) {
		char *key, *val;
		split_kv(tok[i], &key, &val);
		if (!val || !*val)
			return line_error(err, scn->path, line, "expected key=value, got '%s'", key);
		if (strcmp(key, "tid") == 0 && parse_int32(val, &tk.tid))
			has_tid = true;
		else if (strcmp(key, "pid") == 0 && parse_int32(val, &tk.pid))
			has_pid = true;
		else if (strcmp(key, "cpu") == 0 && parse_cpu(val, &tk.cpu))
			tk.has_cpu = true;
		else if (strcmp(key, "comm") == 0)
			comm = val;
		else if (strcmp(key, "tid") == 0 || strcmp(key, "pid") == 0 || strcmp(key, "cpu") == 0)
			return line_error(err, scn->path, line, "bad number '%s' for %s", val, key);
		else
			return line_error(err, scn->path, line,
					  "unknown task key '%s' (tid, pid, comm, cpu)", key);
	}
	if (!has_tid || !has_pid || !comm)
		return line_error(err, scn->path, line, "task needs tid=N pid=N comm=NAME");
	for (size_t i = 0; i < scn->n_tasks; i++)
		if (scn->tasks[i].tid == tk.tid)
			return line_error(err, scn->path, line, "tid %" PRId32 " already declared on line %u",
					  tk.tid, scn->tasks[i].line);
	if (grow((void **)&scn->tasks, &scn->cap_tasks, scn->n_tasks, sizeof(task)) != LS_OK ||
	    !(tk.comm = strdup(comm)))
		return ls_error_set(err, LS_ERR_NOMEM, scn->path, "out of memory");
	scn->tasks[scn->n_tasks++] = tk;
	return LS_OK;
}

static ls_status parse_discarded(ls_scenario *scn, step *st, char **tok, unsigned n,
				 unsigned line, ls_error *err)
{
	bool has_t = false, has_count = false;

	st->kind = LS_RECORD_DISCARDED;
	for (unsigned i = 1; i < n; i++) {
		char *key, *val;
		split_kv(tok[i], &key, &val);
		if (!val)
			return line_error(err, scn->path, line, "expected key=value, got '%s'", key);
		if (strcmp(key, "cpu") == 0) {
			if (!parse_cpu(val, &st->cpu))
				return line_error(err, scn->path, line, "bad cpu '%s'", val);
			st->has_cpu = true;
		} else if (strcmp(key, "t") == 0) {
			if (!parse_time(val, &st->t))
				return line_error(err, scn->path, line, "bad time '%s'", val);
			has_t = true;
		} else if (strcmp(key, "count") == 0) {
			if (!parse_u64(val, &st->count) || st->count == 0)
				return line_error(err, scn->path, line, "bad count '%s' (a positive integer)",
						  val);
			has_count = true;
		} else {
			return line_error(err, scn->path, line,
					  "unknown discarded key '%s' (cpu, t, count)", key);
		}
	}
	if (!st->has_cpu || !has_t || !has_count)
		return line_error(err, scn->path, line, "discarded needs cpu=N t=TIME count=N");
	return LS_OK;
}

static ls_status parse_contract_field(ls_scenario *scn, step *st, const char *key,
				      const char *val, unsigned line, uint64_t *seen, ls_error *err)
{
	ls_field f = ls_field_from_name(key);
	const char *ev = ls_event_name(st->type);
	int slot;

	if (f != LS_F_COUNT && key[0] != '_' && ls_event_has_field(st->type, f)) {
		ls_enum e = ls_field_enum(f);
		ls_layout_member lm[LS_LAYOUT_MAX_MEMBERS];
		unsigned n = ls_layout_members(st->type, lm);
		bool is_signed = false;
		int64_t sv;

		if (*seen & (1ull << f))
			return line_error(err, scn->path, line, "field '%s' given twice", key);
		*seen |= 1ull << f;
		for (unsigned i = 0; i < n; i++)
			if (lm[i].field == f && lm[i].type != LS_LAYOUT_U64)
				is_signed = true;
		if (e != LS_ENUM_COUNT && ls_enum_value(e, val, &st->u[f]))
			return LS_OK;
		if (is_signed && parse_s64(val, &sv)) {
			st->u[f] = (uint64_t)sv;
			return LS_OK;
		}
		if (!is_signed && parse_u64(val, &st->u[f]))
			return LS_OK;
		if (e != LS_ENUM_COUNT) {
			char labels[400];
			return line_error(err, scn->path, line,
					  "bad value '%s' for %s: a number or one of %s", val, key,
					  labels_of(e, labels, sizeof(labels)));
		}
		return line_error(err, scn->path, line, "bad value '%s' for %s: not a number", val, key);
	}
	slot = ls_layout_string_slot(st->type, key);
	if (slot >= 0) {
		if (st->str[slot])
			return line_error(err, scn->path, line, "field '%s' given twice", key);
		if (!(st->str[slot] = strdup(val)))
			return ls_error_set(err, LS_ERR_NOMEM, scn->path, "out of memory");
		return LS_OK;
	}
	return line_error(err, scn->path, line, "unknown field '%s' for event %s", key, ev);
}

static int find_fclass(ls_scenario *scn, const char *name)
{
	for (unsigned i = 0; i < scn->n_fclasses; i++)
		if (strcmp(scn->fclasses[i].name, name) == 0)
			return (int)i;
	return -1;
}

static ls_status add_fclass(ls_scenario *scn, const char *name, unsigned *index)
{
	int i = find_fclass(scn, name);
	foreign_class *p;

	if (i >= 0) {
		*index = (unsigned)i;
		return LS_OK;
	}
	p = realloc(scn->fclasses, (scn->n_fclasses + 1) * sizeof(*p));
	if (!p)
		return LS_ERR_NOMEM;
	scn->fclasses = p;
	p = &scn->fclasses[scn->n_fclasses];
	memset(p, 0, sizeof(*p));
	if (!(p->name = strdup(name)))
		return LS_ERR_NOMEM;
	*index = scn->n_fclasses++;
	return LS_OK;
}

/* Adds field `name` to foreign class fc (if new); a non-numeric value makes it a string. */
static ls_status fclass_field(foreign_class *fc, const char *name, bool numeric)
{
	unsigned i;
	char **nf;
	bool *ns;

	for (i = 0; i < fc->n; i++)
		if (strcmp(fc->fields[i], name) == 0)
			break;
	if (i == fc->n) {
		nf = realloc(fc->fields, (fc->n + 1) * sizeof(*nf));
		if (!nf)
			return LS_ERR_NOMEM;
		fc->fields = nf;
		ns = realloc(fc->is_string, (fc->n + 1) * sizeof(*ns));
		if (!ns)
			return LS_ERR_NOMEM;
		fc->is_string = ns;
		if (!(fc->fields[fc->n] = strdup(name)))
			return LS_ERR_NOMEM;
		fc->is_string[fc->n++] = false;
	}
	if (!numeric)
		fc->is_string[i] = true;
	return LS_OK;
}

/* stack=ADDR,ADDR,…: at most LS_RECORD_STACK_MAX integers, innermost frame first. */
static ls_status parse_stack(ls_scenario *scn, step *st, char *val, unsigned line, ls_error *err)
{
	char *save = NULL;

	if (st->stack)
		return line_error(err, scn->path, line, "field 'stack' given twice");
	st->stack = calloc(LS_RECORD_STACK_MAX, sizeof(*st->stack));
	if (!st->stack)
		return ls_error_set(err, LS_ERR_NOMEM, scn->path, "out of memory");
	for (char *a = strtok_r(val, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
		if (st->n_stack == LS_RECORD_STACK_MAX)
			return line_error(err, scn->path, line, "stack= has more than %d frames",
					  LS_RECORD_STACK_MAX);
		if (!parse_u64(a, &st->stack[st->n_stack]))
			return line_error(err, scn->path, line, "bad stack frame '%s' (an address)", a);
		st->n_stack++;
	}
	if (st->n_stack == 0)
		return line_error(err, scn->path, line, "stack= needs at least one address");
	scn->schema.callstacks = true;
	return LS_OK;
}

static ls_status parse_event(ls_scenario *scn, step *st, char **tok, unsigned n, unsigned line,
			     ls_error *err)
{
	bool has_t = false, has_tid = false;
	unsigned i = 0;
	uint64_t seen = 0;
	const char *name;

	st->kind = LS_RECORD_EVENT;
	for (; i < n && strchr(tok[i], '='); i++) {
		char *key, *val;
		split_kv(tok[i], &key, &val);
		if (strcmp(key, "t") == 0 && !has_t) {
			if (!parse_time(val, &st->t))
				return line_error(err, scn->path, line,
						  "bad time '%s' (integer with optional ns, us, ms, s)", val);
			has_t = true;
		} else if (strcmp(key, "tid") == 0 && !has_tid) {
			if (!parse_int32(val, &st->tid))
				return line_error(err, scn->path, line, "bad tid '%s'", val);
			has_tid = true;
		} else if (strcmp(key, "cpu") == 0 && !st->has_cpu) {
			if (!parse_cpu(val, &st->cpu))
				return line_error(err, scn->path, line, "bad cpu '%s'", val);
			st->has_cpu = true;
		} else {
			return line_error(err, scn->path, line,
					  "unexpected '%s' before the event name (t=, tid=, cpu=)", key);
		}
	}
	if (!has_t || !has_tid)
		return line_error(err, scn->path, line, "an event line starts with t=TIME tid=N");
	if (i == n)
		return line_error(err, scn->path, line, "missing event name");
	name = tok[i++];

	st->type = ls_event_type_from_name(name);
	if (st->type == LS_EV_UNKNOWN) {
		char full[256];
		ls_event_type t;
		snprintf(full, sizeof(full), "lockstep_%s", name);
		t = ls_event_type_from_name(full);
		if (ls_event_is_lockstep(t))
			st->type = t;
	}
	if (st->type == LS_EV_UNKNOWN) {
		if (add_fclass(scn, name, &st->foreign) != LS_OK)
			return ls_error_set(err, LS_ERR_NOMEM, scn->path, "out of memory");
		st->pairs = calloc(n - i + 1, sizeof(*st->pairs));
		if (!st->pairs)
			return ls_error_set(err, LS_ERR_NOMEM, scn->path, "out of memory");
	}
	for (; i < n; i++) {
		char *key, *val;
		split_kv(tok[i], &key, &val);
		if (!val || !*key)
			return line_error(err, scn->path, line, "expected field=value, got '%s'", tok[i]);
		if (strcmp(key, "stack") == 0) {
			ls_status s = parse_stack(scn, st, val, line, err);
			if (s != LS_OK)
				return s;
			continue;
		}
		if (st->type != LS_EV_UNKNOWN) {
			ls_status s = parse_contract_field(scn, st, key, val, line, &seen, err);
			if (s != LS_OK)
				return s;
			continue;
		}
		for (unsigned k = 0; k < st->n_pairs; k++)
			if (strcmp(st->pairs[k].name, key) == 0)
				return line_error(err, scn->path, line, "field '%s' given twice", key);
		st->pairs[st->n_pairs].name = strdup(key);
		st->pairs[st->n_pairs].text = strdup(val);
		if (!st->pairs[st->n_pairs].name || !st->pairs[st->n_pairs].text)
			return ls_error_set(err, LS_ERR_NOMEM, scn->path, "out of memory");
		st->n_pairs++;
	}
	return LS_OK;
}

static ls_status parse_line(ls_scenario *scn, char *text, unsigned line, ls_error *err)
{
	char *tok[MAX_TOKENS];
	unsigned n = 0;
	char *hash = strchr(text, '#'), *save = NULL;
	step *st;
	ls_status s;

	if (hash)
		*hash = '\0';
	for (char *t = strtok_r(text, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == MAX_TOKENS)
			return line_error(err, scn->path, line, "more than %d words", MAX_TOKENS);
		tok[n++] = t;
	}
	if (n == 0)
		return LS_OK;
	if (strcmp(tok[0], "task") == 0)
		return parse_task(scn, tok, n, line, err);
	if (strcmp(tok[0], "discarded") != 0 && strncmp(tok[0], "t=", 2) != 0)
		return line_error(err, scn->path, line,
				  "expected 'task', 'discarded' or an event starting with t=, got '%s'",
				  tok[0]);
	if (grow((void **)&scn->steps, &scn->cap_steps, scn->n_steps, sizeof(step)) != LS_OK)
		return ls_error_set(err, LS_ERR_NOMEM, scn->path, "out of memory");
	st = &scn->steps[scn->n_steps++];
	memset(st, 0, sizeof(*st));
	st->line = line;
	if (strcmp(tok[0], "discarded") == 0)
		s = parse_discarded(scn, st, tok, n, line, err);
	else
		s = parse_event(scn, st, tok, n, line, err);
	return s;
}

/* ---- after parsing: tasks, foreign classes, order, streams ---------------------------- */

static int step_cmp(const void *a, const void *b)
{
	const step *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int cpu_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static ls_status resolve(ls_scenario *scn, ls_error *err)
{
	static const task swapper = { .tid = 0, .pid = 0, .comm = "swapper" };
	size_t n_cpus = 0;

	if (scn->n_steps == 0)
		return ls_error_set(err, LS_ERR_INPUT, scn->path, "no events");
	for (size_t i = 0; i < scn->n_steps; i++) {
		step *st = &scn->steps[i];
		if (st->kind == LS_RECORD_DISCARDED)
			continue;
		for (size_t k = 0; k < scn->n_tasks && !st->task; k++)
			if (scn->tasks[k].tid == st->tid)
				st->task = &scn->tasks[k];
		if (!st->task && st->tid != 0)
			return line_error(err, scn->path, st->line,
					  "tid %" PRId32 " has no 'task' line", st->tid);
		if (!st->task)
			st->task = &swapper; /* the idle task may appear without a declaration */
		if (!st->has_cpu)
			st->cpu = st->task->has_cpu ? st->task->cpu : 0;
		if (st->type == LS_EV_UNKNOWN)
			for (unsigned k = 0; k < st->n_pairs; k++) {
				uint64_t v;
				if (fclass_field(&scn->fclasses[st->foreign], st->pairs[k].name,
						 parse_u64(st->pairs[k].text, &v)) != LS_OK)
					return ls_error_set(err, LS_ERR_NOMEM, scn->path, "out of memory");
			}
		else
			scn->schema.events[st->type] = true;
	}
	/* Foreign values aligned to their class: missing numbers are 0, missing strings "". */
	for (size_t i = 0; i < scn->n_steps; i++) {
		step *st = &scn->steps[i];
		const foreign_class *fc;
		if (st->kind != LS_RECORD_EVENT || st->type != LS_EV_UNKNOWN)
			continue;
		fc = &scn->fclasses[st->foreign];
		st->values = calloc(fc->n ? fc->n : 1, sizeof(*st->values));
		if (!st->values)
			return ls_error_set(err, LS_ERR_NOMEM, scn->path, "out of memory");
		for (unsigned f = 0; f < fc->n; f++) {
			st->values[f].s = fc->is_string[f] ? "" : NULL;
			for (unsigned k = 0; k < st->n_pairs; k++) {
				if (strcmp(st->pairs[k].name, fc->fields[f]) != 0)
					continue;
				if (fc->is_string[f])
					st->values[f].s = st->pairs[k].text;
				else
					parse_u64(st->pairs[k].text, &st->values[f].u);
			}
		}
	}
	scn->fdesc = calloc(scn->n_fclasses ? scn->n_fclasses : 1, sizeof(*scn->fdesc));
	scn->cpus = calloc(scn->n_steps, sizeof(*scn->cpus));
	if (!scn->fdesc || !scn->cpus)
		return ls_error_set(err, LS_ERR_NOMEM, scn->path, "out of memory");
	for (unsigned i = 0; i < scn->n_fclasses; i++)
		scn->fdesc[i] = (ls_record_foreign_class){
			.name = scn->fclasses[i].name,
			.n_fields = scn->fclasses[i].n,
			.field_names = (const char *const *)scn->fclasses[i].fields,
			.is_string = scn->fclasses[i].is_string,
		};

	qsort(scn->steps, scn->n_steps, sizeof(step), step_cmp);
	for (size_t i = 0; i < scn->n_steps; i++)
		scn->cpus[i] = scn->steps[i].cpu;
	qsort(scn->cpus, scn->n_steps, sizeof(*scn->cpus), cpu_cmp);
	for (size_t i = 0; i < scn->n_steps; i++)
		if (n_cpus == 0 || scn->cpus[n_cpus - 1] != scn->cpus[i])
			scn->cpus[n_cpus++] = scn->cpus[i];

	scn->schema.cpus = scn->cpus;
	scn->schema.n_cpus = (unsigned)n_cpus;
	scn->schema.foreign = scn->fdesc;
	scn->schema.n_foreign = scn->n_fclasses;
	return LS_OK;
}

ls_status ls_scenario_load(const char *path, ls_scenario **out, ls_error *err)
{
	ls_scenario *scn = NULL;
	FILE *f = NULL;
	char *text = NULL;
	size_t cap = 0;
	unsigned line = 0;
	ls_status st = LS_OK;

	*out = NULL;
	scn = calloc(1, sizeof(*scn));
	if (!scn || !(scn->path = strdup(path))) {
		st = ls_error_set(err, LS_ERR_NOMEM, path, "out of memory");
		goto error;
	}
	f = fopen(path, "r");
	if (!f) {
		st = ls_error_set(err, LS_ERR_IO, path, "%s", strerror(errno));
		goto error;
	}
	while (getline(&text, &cap, f) >= 0) {
		line++;
		if ((st = parse_line(scn, text, line, err)) != LS_OK)
			goto error;
	}
	if (ferror(f)) {
		st = ls_error_set(err, LS_ERR_IO, path, "read error");
		goto error;
	}
	if ((st = resolve(scn, err)) != LS_OK)
		goto error;
	*out = scn;
	goto end;
error:
	ls_scenario_free(scn);
end:
	free(text);
	if (f)
		fclose(f);
	return st;
}

void ls_scenario_free(ls_scenario *scn)
{
	if (!scn)
		return;
	for (size_t i = 0; i < scn->n_steps; i++) {
		step *st = &scn->steps[i];
		for (unsigned k = 0; k < LS_LAYOUT_MAX_STRINGS; k++)
			free(st->str[k]);
		for (unsigned k = 0; k < st->n_pairs; k++) {
			free(st->pairs[k].name);
			free(st->pairs[k].text);
		}
		free(st->pairs);
		free(st->values);
		free(st->stack);
	}
	for (size_t i = 0; i < scn->n_tasks; i++)
		free(scn->tasks[i].comm);
	for (unsigned i = 0; i < scn->n_fclasses; i++) {
		for (unsigned k = 0; k < scn->fclasses[i].n; k++)
			free(scn->fclasses[i].fields[k]);
		free(scn->fclasses[i].fields);
		free(scn->fclasses[i].is_string);
		free(scn->fclasses[i].name);
	}
	free(scn->fclasses);
	free(scn->fdesc);
	free(scn->cpus);
	free(scn->steps);
	free(scn->tasks);
	free(scn->path);
	free(scn);
}

const ls_record_schema *ls_scenario_borrow_schema(const ls_scenario *scn)
{
	return &scn->schema;
}

size_t ls_scenario_count(const ls_scenario *scn)
{
	return scn->n_steps;
}

ls_status ls_scenario_next(void *data, ls_record *rec, bool *done, ls_error *err)
{
	ls_scenario *scn = data;
	const step *st;

	(void)err;
	if (scn->pos == scn->n_steps) {
		*done = true;
		return LS_OK;
	}
	st = &scn->steps[scn->pos++];
	rec->kind = st->kind;
	rec->t = st->t;
	rec->cpu = st->cpu;
	rec->count = st->count;
	if (st->kind == LS_RECORD_EVENT) {
		rec->tid = st->task->tid;
		rec->pid = st->task->pid;
		rec->procname = st->task->comm;
		rec->type = st->type;
		rec->foreign = st->foreign;
		memcpy(rec->u, st->u, sizeof(rec->u));
		for (unsigned k = 0; k < LS_LAYOUT_MAX_STRINGS; k++)
			rec->str[k] = st->str[k];
		rec->values = st->values;
		rec->stack = st->stack;
		rec->n_stack = st->n_stack;
	}
	*done = false;
	return LS_OK;
}
