/* load.c — a trace directory into a complete database, in two threads: babeltrace2 decodes on
 * one (ctf.c), SQLite and the derived records (tasks, holds, lifetimes, phases) run on the other,
 * with a bounded queue of event chunks between them so memory stays flat whatever the trace
 * size. The database is written under a temporary name and renamed only once complete.
 *
 * Both threads run in a child process (isolate.h): libbabeltrace2 and its plugins assert on some
 * malformed input, and a crash there must cost the load, not the command or the viewer. The child
 * writes the temporary file; the parent renames it when the child reports success, and removes
 * it otherwise. */
#include "load.h"
#include "machine.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "callstack.h"
#include "cpuruns.h"
#include "ctf.h"
#include "holds.h"
#include "isolate.h"
#include "lifetimes.h"
#include "overview.h"
#include "phases.h"
#include "tasks.h"

#define CHUNK_EVENTS 1024
#define CHUNK_DISCARDS 16
#define QUEUE_CHUNKS 16

struct chunk {
	int n_events, n_discards;
	ls_event events[CHUNK_EVENTS];
	ls_discard discards[CHUNK_DISCARDS];
	int64_t discard_before[CHUNK_DISCARDS]; /* index of the event each discard precedes */
};

struct queue {
	pthread_mutex_t mutex;
	pthread_cond_t changed;
	struct chunk *slots[QUEUE_CHUNKS];
	int head, count;
	bool producer_done, consumer_failed;
	struct chunk *free_list[QUEUE_CHUNKS + 2];
	int n_free;
};

/* Every warning of a load, said once to the caller and kept for the database's meta table
 * (docs/schema.md): both threads add to it. */
#define MAX_KEPT_NOTES 100
struct notes {
	pthread_mutex_t mutex;
	const ls_load_options *opts;
	char *kept[MAX_KEPT_NOTES];
	int n_kept, total, damaged_streams;
};

static void notes_add(struct notes *n, bool damage, const char *message)
{
	pthread_mutex_lock(&n->mutex);
	n->total++;
	n->damaged_streams += damage;
	if (n->n_kept < MAX_KEPT_NOTES && (n->kept[n->n_kept] = strdup(message)))
		n->n_kept++;
	if (n->opts && n->opts->warning)
		n->opts->warning(n->opts->warning_user, message);
	pthread_mutex_unlock(&n->mutex);
}

static void note(struct notes *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct notes *n, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	notes_add(n, false, buf);
}

static void notes_free(struct notes *n)
{
	for (int i = 0; i < n->n_kept; i++)
		free(n->kept[i]);
}

struct producer {
	struct queue *q;
	struct notes *notes;
	const char *dir;
	struct chunk *cur;
	ls_error err;
	ls_status status;
};

/* ---- the queue ---- */

static struct chunk *chunk_take(struct queue *q)
{
	struct chunk *c = NULL;

	pthread_mutex_lock(&q->mutex);
	if (q->n_free)
		c = q->free_list[--q->n_free];
	pthread_mutex_unlock(&q->mutex);
	if (!c)
		c = malloc(sizeof(*c));
	if (c)
		c->n_events = c->n_discards = 0;
	return c;
}

static void chunk_give_back(struct queue *q, struct chunk *c)
{
	pthread_mutex_lock(&q->mutex);
	if (q->n_free < (int)(sizeof(q->free_list) / sizeof(q->free_list[0])))
		q->free_list[q->n_free++] = c, c = NULL;
	pthread_mutex_unlock(&q->mutex);
	free(c);
}

/* Returns false when the consumer gave up (the producer should stop). */
static bool queue_push(struct queue *q, struct chunk *c)
{
	bool ok;

	pthread_mutex_lock(&q->mutex);
	while (q->count == QUEUE_CHUNKS && !q->consumer_failed)
		pthread_cond_wait(&q->changed, &q->mutex);
	ok = !q->consumer_failed;
	if (ok) {
		q->slots[(q->head + q->count) % QUEUE_CHUNKS] = c;
		q->count++;
		pthread_cond_broadcast(&q->changed);
	}
	pthread_mutex_unlock(&q->mutex);
	if (!ok)
		free(c);
	return ok;
}

/* NULL when the producer is done and the queue is empty. */
static struct chunk *queue_pop(struct queue *q)
{
	struct chunk *c = NULL;

	pthread_mutex_lock(&q->mutex);
	while (q->count == 0 && !q->producer_done)
		pthread_cond_wait(&q->changed, &q->mutex);
	if (q->count) {
		c = q->slots[q->head];
		q->head = (q->head + 1) % QUEUE_CHUNKS;
		q->count--;
		pthread_cond_broadcast(&q->changed);
	}
	pthread_mutex_unlock(&q->mutex);
	return c;
}

/* ---- producer side (babeltrace2 thread) ---- */

static ls_status flush_current(struct producer *p, ls_error *err)
{
	struct chunk *c = p->cur;

	p->cur = NULL;
	if (c && !queue_push(p->q, c))
		return ls_error_set(err, LS_ERR_INTERNAL, p->dir, "load aborted");
	return LS_OK;
}

static ls_status ensure_chunk(struct producer *p, ls_error *err)
{
	if (!p->cur && !(p->cur = chunk_take(p->q)))
		return ls_error_set(err, LS_ERR_NOMEM, p->dir, "out of memory");
	return LS_OK;
}

static ls_status produce_event(void *user, const ls_event *ev, ls_error *err)
{
	struct producer *p = user;
	ls_status st = ensure_chunk(p, err);

	if (st != LS_OK)
		return st;
	p->cur->events[p->cur->n_events++] = *ev;
	return p->cur->n_events == CHUNK_EVENTS ? flush_current(p, err) : LS_OK;
}

static ls_status produce_discard(void *user, const ls_discard *d, ls_error *err)
{
	struct producer *p = user;
	ls_status st = ensure_chunk(p, err);

	if (st != LS_OK)
		return st;
	p->cur->discard_before[p->cur->n_discards] = p->cur->n_events;
	p->cur->discards[p->cur->n_discards++] = *d;
	return p->cur->n_discards == CHUNK_DISCARDS ? flush_current(p, err) : LS_OK;
}

static void produce_damage(void *user, const char *stream, const char *message)
{
	(void)stream;
	notes_add(((struct producer *)user)->notes, true, message);
}

static void *producer_main(void *arg)
{
	struct producer *p = arg;
	ls_ctf_handler h = { produce_event, produce_discard, produce_damage, p };

	ls_error_clear(&p->err);
	p->status = ls_ctf_read(p->dir, &h, &p->err);
	if (p->status == LS_OK)
		p->status = flush_current(p, &p->err);
	free(p->cur);
	p->cur = NULL;
	pthread_mutex_lock(&p->q->mutex);
	p->q->producer_done = true;
	pthread_cond_broadcast(&p->q->changed);
	pthread_mutex_unlock(&p->q->mutex);
	return NULL;
}

/* ---- consumer side ---- */

struct consumer {
	ls_store *store;
	ls_tasks *tasks;
	ls_holds *holds;
	ls_lifetimes *lifetimes;
	ls_phases *phases;
	ls_cpu_runs *cpu_runs;
	ls_callstacks *callstacks;
	const ls_load_options *opts;
	struct notes *notes;
	const char *dir;
	uint64_t events, lockstep_events, without_tid;
	uint64_t discarded_events, discarded_packets;
	int64_t t_begin, t_end;
	time_t last_progress;
};

static void warn(const ls_load_options *opts, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(const ls_load_options *opts, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!opts || !opts->warning)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	opts->warning(opts->warning_user, buf);
}

/* Only what the trace says: a count the tracer did not record is not a number, an unknown CPU
 * is not "cpu -1". */
static ls_status consume_discard(struct consumer *c, const ls_discard *d, ls_error *err)
{
	char cpu[32] = "";
	bool damaged;

	if (d->packets)
		c->discarded_packets += d->count;
	else
		c->discarded_events += d->count;
	if (d->cpu >= 0)
		snprintf(cpu, sizeof(cpu), " on cpu %lld", (long long)d->cpu);
	pthread_mutex_lock(&c->notes->mutex);
	damaged = c->notes->damaged_streams > 0;
	pthread_mutex_unlock(&c->notes->mutex);
	if (d->count && d->packets && damaged)
		/* babeltrace2 sees the packets dropped as damaged as a gap in the packet sequence */
		note(c->notes, "%s: %llu packets missing%s (dropped as damaged, or discarded by the tracer): holds "
			       "around them may be incomplete",
		     c->dir, (unsigned long long)d->count, cpu);
	else if (d->count)
		note(c->notes, "%s: %llu %s discarded by the tracer%s (ring buffer overrun): holds around them may be "
			       "incomplete",
		     c->dir, (unsigned long long)d->count, d->packets ? "packets" : "events", cpu);
	else
		note(c->notes, "%s: the tracer discarded %s%s, how many is not recorded: holds around them may be "
			       "incomplete",
		     c->dir, d->packets ? "packets" : "events", cpu);
	return ls_store_insert_discard(c->store, d, err);
}

static ls_status consume_event(struct consumer *c, const ls_event *ev, ls_error *err)
{
	int64_t id = (int64_t)c->events, type;
	ls_status st;

	if (c->events == 0)
		c->t_begin = ev->t_ns;
	c->t_end = ev->t_ns;
	c->events++;
	if (ls_event_is_lockstep(ev->type))
		c->lockstep_events++;
	if (!ev->has_tid)
		c->without_tid++;
	if ((st = ls_store_event_type(c->store, ev, &type, err)) != LS_OK ||
	    (st = ls_store_insert_event(c->store, id, type, ev, err)) != LS_OK ||
	    (st = ls_tasks_feed(c->tasks, ev, err)) != LS_OK ||
	    (st = ls_holds_feed(c->holds, id, ev, err)) != LS_OK ||
	    (st = ls_lifetimes_feed(c->lifetimes, ev, err)) != LS_OK ||
	    (st = ls_phases_feed(c->phases, ev, err)) != LS_OK ||
	    (st = ls_cpu_runs_feed(c->cpu_runs, ev, err)) != LS_OK ||
	    (st = ls_callstacks_feed(c->callstacks, id, ev, err)) != LS_OK)
		return st;
	if ((c->events & 0xffff) == 0 && c->opts && c->opts->progress) {
		time_t now = time(NULL);
		if (now != c->last_progress) {
			c->last_progress = now;
			c->opts->progress(c->opts->progress_user, c->events);
		}
	}
	return LS_OK;
}

static ls_status consume_all(struct consumer *c, struct queue *q, ls_error *err)
{
	struct chunk *ch;
	ls_status st = LS_OK;

	while ((ch = queue_pop(q))) {
		int d = 0;
		for (int i = 0; i < ch->n_events && st == LS_OK; i++) {
			while (d < ch->n_discards && ch->discard_before[d] <= i && st == LS_OK)
				st = consume_discard(c, &ch->discards[d++], err);
			if (st == LS_OK)
				st = consume_event(c, &ch->events[i], err);
		}
		while (d < ch->n_discards && st == LS_OK)
			st = consume_discard(c, &ch->discards[d++], err);
		chunk_give_back(q, ch);
		if (st != LS_OK) {
			pthread_mutex_lock(&q->mutex);
			q->consumer_failed = true;
			pthread_cond_broadcast(&q->changed);
			pthread_mutex_unlock(&q->mutex);
			/* Drain so the producer is never left blocked. */
			while ((ch = queue_pop(q)))
				free(ch);
			break;
		}
	}
	return st;
}

static ls_status set_meta_int(ls_store *s, const char *key, int64_t v, ls_error *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return ls_store_set_meta(s, key, buf, err);
}

/* meta.machine: what recorded the trace (machine.h). A broken machine file costs the line, not
 * the load: a warning names it. */
static ls_status write_machine(struct consumer *c, const char *dir, ls_error *err)
{
	char machine[1024], msg[2048];
	ls_error merr;

	ls_error_clear(&merr);
	if (ls_machine_read(dir, machine, sizeof(machine), &merr) != LS_OK) {
		warn(c->opts, "%s", ls_error_format(&merr, msg, sizeof(msg)));
		return LS_OK;
	}
	return machine[0] ? ls_store_set_meta(c->store, "machine", machine, err) : LS_OK;
}

static ls_status write_summary(struct consumer *c, const char *dir, ls_error *err)
{
	char abs[PATH_MAX], when[64];
	time_t now = time(NULL);
	ls_holds_counts hc = ls_holds_get_counts(c->holds);
	ls_status st;

	if (!realpath(dir, abs))
		snprintf(abs, sizeof(abs), "%s", dir);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	if ((st = ls_store_set_meta(c->store, "source", abs, err)) != LS_OK ||
	    (st = ls_store_set_meta(c->store, "loaded_at", when, err)) != LS_OK ||
	    (st = set_meta_int(c->store, "event_count", (int64_t)c->events, err)) != LS_OK ||
	    (st = set_meta_int(c->store, "lockstep_event_count", (int64_t)c->lockstep_events, err)) != LS_OK ||
	    (st = set_meta_int(c->store, "t_begin_ns", c->t_begin, err)) != LS_OK ||
	    (st = set_meta_int(c->store, "t_end_ns", c->t_end, err)) != LS_OK ||
	    (st = set_meta_int(c->store, "discarded_events", (int64_t)c->discarded_events, err)) != LS_OK ||
	    (st = set_meta_int(c->store, "discarded_packets", (int64_t)c->discarded_packets, err)) != LS_OK ||
	    (st = set_meta_int(c->store, "unmatched_releases", (int64_t)hc.unmatched_releases, err)) != LS_OK ||
	    (st = set_meta_int(c->store, "unmatched_acquired", (int64_t)hc.unmatched_acquired, err)) != LS_OK ||
	    (st = set_meta_int(c->store, "held_at_end", (int64_t)hc.held_at_end, err)) != LS_OK ||
	    (st = set_meta_int(c->store, "damaged_streams", c->notes->damaged_streams, err)) != LS_OK ||
	    (st = set_meta_int(c->store, "warnings", c->notes->total, err)) != LS_OK)
		return st;
	for (int i = 0; i < c->notes->n_kept; i++) {
		char key[32];
		snprintf(key, sizeof(key), "warning.%d", i + 1);
		if ((st = ls_store_set_meta(c->store, key, c->notes->kept[i], err)) != LS_OK)
			return st;
	}
	return write_machine(c, dir, err);
}

char *ls_load_default_db_path(const char *trace_dir)
{
	size_t n = strlen(trace_dir);
	char *out;

	while (n > 1 && trace_dir[n - 1] == '/')
		n--;
	out = malloc(n + sizeof(".lockstep.db"));
	if (out) {
		memcpy(out, trace_dir, n);
		memcpy(out + n, ".lockstep.db", sizeof(".lockstep.db"));
	}
	return out;
}

/* The whole load, in this process: trace → a complete database at `tmp` (not renamed). */
static ls_status load_into(const char *dir, const char *tmp, const ls_load_options *opts, ls_load_summary *summary,
			   ls_error *err)
{
	struct queue q = { .mutex = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER };
	struct notes notes = { .mutex = PTHREAD_MUTEX_INITIALIZER, .opts = opts };
	struct producer p = { .q = &q, .notes = &notes, .dir = dir };
	struct consumer c = { .opts = opts, .notes = &notes, .dir = dir };
	pthread_t thread;
	bool thread_started = false;
	ls_status st;

	if ((st = ls_store_create(tmp, &c.store, err)) != LS_OK)
		goto end;
	c.tasks = ls_tasks_new();
	c.holds = c.tasks ? ls_holds_new(c.store, c.tasks) : NULL;
	c.lifetimes = ls_lifetimes_new(c.store);
	c.phases = ls_phases_new(c.store);
	c.cpu_runs = ls_cpu_runs_new(c.store);
	if (!c.holds || !c.lifetimes || !c.phases || !c.cpu_runs) {
		st = ls_error_set(err, LS_ERR_NOMEM, dir, "out of memory");
		goto end;
	}
	if ((st = ls_callstacks_new(c.store, &c.callstacks, err)) != LS_OK)
		goto end;
	if (pthread_create(&thread, NULL, producer_main, &p) != 0) {
		st = ls_error_set(err, LS_ERR_INTERNAL, dir, "cannot start the decoding thread");
		goto end;
	}
	thread_started = true;
	st = consume_all(&c, &q, err);
	pthread_join(thread, NULL);
	thread_started = false;
	if (st == LS_OK && p.status != LS_OK) {
		*err = p.err;
		st = p.status;
	}
	if (st != LS_OK)
		goto end;
	if (c.events == 0) {
		st = ls_error_set(err, LS_ERR_INPUT, dir, "the trace holds no events");
		goto end;
	}
	if (c.lockstep_events == 0) {
		st = ls_error_set(err, LS_ERR_INPUT, dir,
				  "no lockstep_* events among its %llu events: not recorded from a lockstep-patched kernel "
				  "with the lockstep probe enabled",
				  (unsigned long long)c.events);
		goto end;
	}
	if (c.without_tid)
		note(&notes, "%s: %llu events carry no tid context (record with `lttng add-context -k -t tid`); "
			   "they are attributed to tid 0",
		     dir, (unsigned long long)c.without_tid);
	if ((st = ls_tasks_write(c.tasks, c.store, err)) != LS_OK ||
	    (st = ls_holds_finish(c.holds, err)) != LS_OK ||
	    (st = ls_lifetimes_finish(c.lifetimes, err)) != LS_OK ||
	    (st = ls_phases_finish(c.phases, err)) != LS_OK ||
	    (st = ls_cpu_runs_finish(c.cpu_runs, c.t_end, err)) != LS_OK ||
	    (st = ls_callstacks_finish(c.callstacks, err)) != LS_OK || (st = write_summary(&c, dir, err)) != LS_OK)
		goto end;
	if (summary) {
		ls_holds_counts hc = ls_holds_get_counts(c.holds);
		*summary = (ls_load_summary){ c.events, hc.holds, hc.waits, c.discarded_events,
					      c.discarded_packets, c.t_begin, c.t_end,
					      hc.unmatched_releases, hc.unmatched_release_sites,
					      hc.held_at_end };
	}
	/* lockstep-view's level-of-detail summaries, so a viewer opens even a huge trace at once */
	if ((st = ls_store_build_indexes(c.store, err)) != LS_OK ||
	    (st = ls_overview_build(ls_store_borrow_db(c.store), "main", NULL, NULL, err)) != LS_OK)
		goto end;
	st = ls_store_finish(c.store, err);
	c.store = NULL;
end:
	if (thread_started)
		pthread_join(thread, NULL);
	ls_cpu_runs_free(c.cpu_runs); /* before the store: it holds a statement on its connection */
	ls_callstacks_free(c.callstacks);
	ls_store_close(c.store);
	ls_phases_free(c.phases);
	ls_lifetimes_free(c.lifetimes);
	ls_holds_free(c.holds);
	ls_tasks_free(c.tasks);
	for (int i = 0; i < q.n_free; i++)
		free(q.free_list[i]);
	notes_free(&notes);
	return st;
}


/* ---- the load in a child process (isolate.h) ---- */

enum { MSG_PROGRESS = 1, MSG_WARNING, MSG_SUMMARY };

struct load_job {
	const char *dir, *tmp;
	const ls_load_options *opts; /* the caller's */
	ls_load_summary summary;
	bool have_summary;
};

static void child_progress(void *user, uint64_t events)
{
	ls_isolate_send(user, MSG_PROGRESS, &events, sizeof(events));
}

static void child_warning(void *user, const char *message)
{
	ls_isolate_send(user, MSG_WARNING, message, strlen(message) + 1);
}

static ls_status child_load(void *arg, ls_isolate *iso, ls_error *err)
{
	struct load_job *job = arg;
	ls_load_options o = { .warning = child_warning, .warning_user = iso, .in_process = true };
	ls_load_summary sum;
	ls_status st;

	if (job->opts && job->opts->progress) {
		o.progress = child_progress;
		o.progress_user = iso;
	}
	st = load_into(job->dir, job->tmp, &o, &sum, err);
	if (st == LS_OK)
		ls_isolate_send(iso, MSG_SUMMARY, &sum, sizeof(sum));
	return st;
}

static void parent_message(void *user, uint32_t kind, const void *data, size_t size)
{
	struct load_job *job = user;
	const ls_load_options *opts = job->opts;

	if (kind == MSG_PROGRESS && size == sizeof(uint64_t) && opts && opts->progress) {
		uint64_t events;
		memcpy(&events, data, sizeof(events));
		opts->progress(opts->progress_user, events);
	} else if (kind == MSG_WARNING && size > 0 && ((const char *)data)[size - 1] == '\0' && opts &&
		   opts->warning) {
		opts->warning(opts->warning_user, data);
	} else if (kind == MSG_SUMMARY && size == sizeof(job->summary)) {
		memcpy(&job->summary, data, sizeof(job->summary));
		job->have_summary = true;
	}
}

static void parent_log_line(void *user, const char *line)
{
	const ls_load_options *opts = ((struct load_job *)user)->opts;

	if (opts && opts->decoder_log)
		opts->decoder_log(opts->decoder_log_user, line);
}

static void remove_tree(const char *path, int depth)
{
	DIR *d = depth < 4 ? opendir(path) : NULL;
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char sub[PATH_MAX + 256];
		struct stat sb;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (lstat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
			remove_tree(sub, depth + 1);
		else
			unlink(sub);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

static ls_status load_isolated(const char *dir, const char *tmp, const ls_load_options *opts,
			       ls_load_summary *summary, ls_error *err)
{
	struct load_job job = { .dir = dir, .tmp = tmp, .opts = opts };
	const char *base = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char scratch[PATH_MAX];
	ls_isolate_job iso = {
		.work = child_load, .arg = &job, .message = parent_message, .log_line = parent_log_line,
		.user = &job, .cancel = opts ? opts->cancel : NULL, .input = dir,
		.worker_name = "the CTF decoder",
	};
	ls_status st;

	/* Whatever the child leaves in its TMPDIR (babeltrace2's shadow directories) goes with it. */
	snprintf(scratch, sizeof(scratch), "%s/lockstep-load-XXXXXX", base);
	if (mkdtemp(scratch))
		iso.tmpdir = scratch;
	st = ls_isolate_run(&iso, err);
	if (iso.tmpdir)
		remove_tree(scratch, 0);
	if (st == LS_OK && !job.have_summary)
		st = ls_error_set(err, LS_ERR_INTERNAL, dir, "the CTF decoder finished without a summary");
	if (st == LS_OK && summary)
		*summary = job.summary;
	return st;
}

/* ---- temporary files ---- */

/* A load writes DB.tmp.PID beside DB. One whose PID is no longer running was left by a load
 * that was killed (kill -9, a power cut): nothing will ever finish or remove it, so the next
 * load to the same DB does. Files of running loads are left alone. */
static void remove_stale_temporaries(const char *db_path, const ls_load_options *opts)
{
	char dir_buf[PATH_MAX], prefix[PATH_MAX];
	const char *slash = strrchr(db_path, '/'), *base = slash ? slash + 1 : db_path;
	size_t prefix_len;
	DIR *d;
	struct dirent *de;

	if (slash)
		snprintf(dir_buf, sizeof(dir_buf), "%.*s", (int)(slash - db_path) + (slash == db_path), db_path);
	else
		snprintf(dir_buf, sizeof(dir_buf), ".");
	prefix_len = (size_t)snprintf(prefix, sizeof(prefix), "%s.tmp.", base);
	if (!(d = opendir(dir_buf)))
		return;
	while ((de = readdir(d))) {
		char *end, path[PATH_MAX + 256];
		long pid;
		if (strncmp(de->d_name, prefix, prefix_len) != 0)
			continue;
		pid = strtol(de->d_name + prefix_len, &end, 10);
		if (*end || end == de->d_name + prefix_len || pid <= 0 || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir_buf, de->d_name);
		if (unlink(path) == 0)
			warn(opts, "%s: removed the temporary file of an interrupted load (process %ld is gone)",
			     path, pid);
	}
	closedir(d);
}

bool ls_load_is_temporary_path(const char *path)
{
	const char *t = strstr(path, ".tmp.");
	const char *p;

	while (t) {
		for (p = t + 5; *p >= '0' && *p <= '9'; p++)
			;
		if (p > t + 5 && *p == '\0')
			return true;
		t = strstr(t + 1, ".tmp.");
	}
	return false;
}

ls_status ls_load(const char *dir, const char *db_path, const ls_load_options *opts, ls_load_summary *summary,
		  ls_error *err)
{
	char tmp[PATH_MAX];
	struct stat sb;
	ls_status st;

	if (stat(dir, &sb) != 0)
		return ls_error_set(err, LS_ERR_INPUT, dir, "%s", strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return ls_error_set(err, LS_ERR_INPUT, dir, "not a trace directory");
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", db_path, (long)getpid()) >= sizeof(tmp))
		return ls_error_set(err, LS_ERR_USAGE, db_path, "path too long");
	remove_stale_temporaries(db_path, opts);
	unlink(tmp);
	if (opts && opts->in_process)
		st = load_into(dir, tmp, opts, summary, err);
	else
		st = load_isolated(dir, tmp, opts, summary, err);
	if (st == LS_OK && rename(tmp, db_path) != 0)
		st = ls_error_set(err, LS_ERR_IO, db_path, "cannot move the finished database into place: %s",
				  strerror(errno));
	if (st != LS_OK) {
		unlink(tmp);
		/* the user knows the database by its name, not by its temporary one */
		if (err && strcmp(err->file, tmp) == 0)
			snprintf(err->file, sizeof(err->file), "%s", db_path);
	}
	return st;
}

/* Newest modification time of any file under dir (a few levels deep). */
static time_t newest_mtime(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	time_t newest = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		struct stat sb;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &sb) != 0)
			continue;
		if (sb.st_mtime > newest)
			newest = sb.st_mtime;
		if (S_ISDIR(sb.st_mode) && depth < 5) {
			time_t t = newest_mtime(path, depth + 1);
			if (t > newest)
				newest = t;
		}
	}
	closedir(d);
	return newest;
}

ls_status ls_input_open(const char *path, bool writable, const ls_load_options *opts, ls_store **out,
			ls_error *err)
{
	struct stat sb, db_sb;
	char *db_path;
	ls_status st;

	*out = NULL;
	if (stat(path, &sb) != 0)
		return ls_error_set(err, LS_ERR_INPUT, path, "%s", strerror(errno));
	if (!S_ISDIR(sb.st_mode)) {
		if (ls_load_is_temporary_path(path))
			return ls_error_set(err, LS_ERR_INPUT, path,
					    "the temporary file of a load (unfinished or interrupted), not a database");
		return ls_store_open(path, writable, out, err);
	}
	if (!(db_path = ls_load_default_db_path(path)))
		return ls_error_set(err, LS_ERR_NOMEM, path, "out of memory");
	if (stat(db_path, &db_sb) == 0 && db_sb.st_mtime >= newest_mtime(path, 0)) {
		ls_error probe;
		ls_error_clear(&probe);
		if (ls_store_open(db_path, writable, out, &probe) == LS_OK) {
			free(db_path);
			return LS_OK;
		}
	}
	st = ls_load(path, db_path, opts, NULL, err);
	if (st == LS_OK)
		st = ls_store_open(db_path, writable, out, err);
	free(db_path);
	return st;
}
