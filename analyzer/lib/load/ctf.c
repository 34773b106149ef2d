/* ctf.c — a libbabeltrace2 graph (src.ctf.fs per trace → flt.utils.muxer → a simple sink) that
 * decodes each event message into an ls_event by the contract's field names.
 *
 * Per event class and per stream class the member indexes are resolved once and cached, so the
 * hot path does no string comparison. This file must not interpret events (holds, objects):
 * that is holds.c's job. */
#include "ctf.h"

#include <babeltrace2/babeltrace.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keymap.h"
#include "packets.h"

#define MAX_TRACE_DIRS 64
#define MAX_SEARCH_DEPTH 5

enum member_role { ROLE_NONE, ROLE_FIELD, ROLE_STR_A, ROLE_STR_B };

struct member {
	enum member_role role;
	ls_field field;
	const char *name; /* owned by the field class, which outlives the cache */
};

struct event_class_info {
	ls_event_type type;
	char name[LS_NAME_MAX];
	bool want_payload_text;
	uint64_t n_members;
	struct member *members;
};

struct stream_class_info {
	int64_t tid_index, pid_index, procname_index; /* -1: absent */
	int64_t cpu_index;                             /* in the packet context; -1: absent */
	int64_t callstack_index;                       /* callstack_kernel; -1: absent */
};

struct reader {
	const char *dir;
	const ls_ctf_handler *handler;
	ls_error *err;
	bool handler_failed;
	ls_keymap *event_classes;  /* bt_event_class* → event_class_info */
	ls_keymap *stream_classes; /* bt_stream_class* → stream_class_info */
	ls_keymap *stream_cpus;    /* bt_stream* → last cpu + 1 */
	int damaged_streams;
	char first_damage[300]; /* "STREAM: what", for an error when nothing sound is left */
	ls_event ev;
};

/* ---- finding the traces ---- */

static bool has_metadata(const char *dir)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/metadata", dir);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A CTF 1.8 data stream starts with the packet magic 0xC1FC1FC1 (in the trace's byte order). */
static bool is_ctf_stream(const char *path)
{
	unsigned char b[4];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(b, 1, 4, f) : 0;

	if (f)
		fclose(f);
	return n == 4 && ((b[0] == 0xc1 && b[1] == 0xfc && b[2] == 0x1f && b[3] == 0xc1) ||
			  (b[0] == 0xc1 && b[1] == 0x1f && b[2] == 0xfc && b[3] == 0xc1));
}

/* Entries in an LTTng index file (index/NAME.idx): -1 when there is none or it is unreadable. */
static int64_t index_entries(const char *dir, const char *name)
{
	char path[4096];
	unsigned char h[16];
	FILE *f;
	long size;
	uint32_t entry;
	int64_t n = -1;

	snprintf(path, sizeof(path), "%s/index/%s.idx", dir, name);
	if (!(f = fopen(path, "rb")))
		return -1;
	if (fread(h, 1, 16, f) == 16 && h[0] == 0xc1 && h[1] == 0xf1 && h[2] == 0xdc && h[3] == 0xc1 &&
	    fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 16) {
		entry = (uint32_t)h[12] << 24 | (uint32_t)h[13] << 16 | (uint32_t)h[14] << 8 | h[15];
		if (entry)
			n = (size - 16) / entry;
	}
	fclose(f);
	return n;
}

enum stream_verdict { STREAM_OK, STREAM_REPAIRED, STREAM_DROPPED, NOT_A_STREAM };

static void damage(struct reader *r, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void damage(struct reader *r, const char *name, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	r->damaged_streams++;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!r->first_damage[0]) {
		/* the message after "DIR: stream " */
		const char *what = strstr(buf, ": stream ");
		snprintf(r->first_damage, sizeof(r->first_damage), "%.299s", what ? what + 9 : buf);
	}
	if (r->handler->damage)
		r->handler->damage(r->handler->user, name, buf);
}

/* What to give babeltrace2 of one file beside `metadata`; *check holds the sound packets of a
 * damaged stream (STREAM_REPAIRED). */
static enum stream_verdict judge_stream(struct reader *r, const char *dir, const char *name, const char *path,
					const struct stat *st, const ls_packet_layout *layout, ls_packet_check *check)
{
	bool looks_like_stream = is_ctf_stream(path);
	int64_t indexed = index_entries(dir, name);

	memset(check, 0, sizeof(*check));
	if (st->st_size == 0) {
		/* LTTng leaves an empty file for a buffer that never filled a packet; its index says so */
		if (indexed > 0)
			damage(r, name, "%s: stream %s is empty (0 bytes) but its index lists %lld packets: all of "
					"them are lost", dir, name, (long long)indexed);
		else if (indexed < 0)
			damage(r, name, "%s: stream %s is empty (0 bytes): nothing of it can be loaded", dir, name);
		return NOT_A_STREAM;
	}
	if (!layout)
		return looks_like_stream ? STREAM_OK : NOT_A_STREAM;
	if (!looks_like_stream && indexed < 0 && !ls_packets_has_signature(path, layout))
		return NOT_A_STREAM; /* a symbols.map, a README */
	if (ls_packets_check(path, layout, check, NULL) != LS_OK)
		return looks_like_stream ? STREAM_OK : NOT_A_STREAM; /* babeltrace2 will say why */
	if (check->packets_kept == check->packets_seen) {
		ls_packets_check_free(check);
		return STREAM_OK;
	}
	if (check->packets_kept == 0) {
		damage(r, name, "%s: stream %s is damaged beyond use, all %llu bytes dropped: %s", dir, name,
		       (unsigned long long)check->file_size, check->what);
		ls_packets_check_free(check);
		return STREAM_DROPPED;
	}
	damage(r, name, "%s: stream %s is damaged: %llu of %llu packets dropped (%llu of %llu bytes), their events "
			"are lost: %s", dir, name, (unsigned long long)(check->packets_seen - check->packets_kept),
	       (unsigned long long)check->packets_seen, (unsigned long long)check->bytes_dropped,
	       (unsigned long long)check->file_size, check->what);
	return STREAM_REPAIRED;
}

/* src.ctf.fs takes every regular file beside `metadata` for a stream, and refuses the whole
 * trace for one damaged packet. When something else sits there (a symbols.map, a README, an
 * empty stream LTTng left behind) or a stream is damaged, give babeltrace2 a directory of its
 * own instead: links to the metadata and the sound streams, and copies of the sound packets of
 * the damaged ones. Returns the directory to read (malloc'd); *shadow is set when it is a
 * temporary one the caller removes; *streams counts the streams given to babeltrace2. */
static char *stream_dir(struct reader *r, const char *dir, bool *shadow, int *streams)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool need_shadow = false, have_layout;
	char path[4400], link_path[4400], metadata[4400], tmpl[4096];
	ls_packet_layout layout;
	const char *base = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	*shadow = false;
	*streams = 0;
	if (!d)
		return strdup(dir);
	snprintf(metadata, sizeof(metadata), "%s/metadata", dir);
	have_layout = ls_packets_read_layout(metadata, &layout);
	snprintf(tmpl, sizeof(tmpl), "%s/lockstep-ctf-XXXXXX", base);
	while ((de = readdir(d))) {
		struct stat st;
		ls_packet_check check;
		enum stream_verdict v;
		char abs[4096];

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_name[0] == '.' || strcmp(de->d_name, "metadata") == 0 || stat(path, &st) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		v = judge_stream(r, dir, de->d_name, path, &st, have_layout ? &layout : NULL, &check);
		if (v == STREAM_OK || v == STREAM_REPAIRED)
			++*streams;
		if (v != STREAM_OK && !need_shadow) {
			/* first file babeltrace2 must not see: start the shadow with everything before it */
			if (!mkdtemp(tmpl)) {
				ls_packets_check_free(&check);
				continue;
			}
			need_shadow = true;
			snprintf(link_path, sizeof(link_path), "%s/metadata", tmpl);
			if (!realpath(metadata, abs) || symlink(abs, link_path) != 0) {
				ls_packets_check_free(&check);
				continue;
			}
			/* the streams judged sound so far get their links on a second pass */
		}
		snprintf(link_path, sizeof(link_path), "%s/%s", tmpl, de->d_name);
		if (need_shadow && v == STREAM_REPAIRED)
			ls_packets_write_kept(path, &check, link_path);
		ls_packets_check_free(&check);
	}
	if (need_shadow) {
		/* link every stream that needs no repair (judged again cheaply: no warnings twice) */
		rewinddir(d);
		while ((de = readdir(d))) {
			struct stat st, there;
			char abs[4096];
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			snprintf(link_path, sizeof(link_path), "%s/%s", tmpl, de->d_name);
			if (de->d_name[0] == '.' || strcmp(de->d_name, "metadata") == 0 || stat(path, &st) != 0 ||
			    !S_ISREG(st.st_mode) || st.st_size == 0 || lstat(link_path, &there) == 0)
				continue;
			if (!is_ctf_stream(path))
				continue;
			if (have_layout) {
				ls_packet_check check;
				bool sound = ls_packets_check(path, &layout, &check, NULL) == LS_OK &&
					     check.packets_kept == check.packets_seen;
				ls_packets_check_free(&check);
				if (!sound)
					continue;
			}
			if (realpath(path, abs))
				symlink(abs, link_path);
		}
	}
	closedir(d);
	if (!need_shadow)
		return strdup(dir);
	*shadow = true;
	return strdup(tmpl);
}

static void remove_shadow(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Error text from babeltrace2 names the temporary directory of links that stream_dir() made;
 * put the trace directory the user gave back in its place. */
static void unshadow(char *text, size_t size, const char *shadow, const char *real)
{
	char out[1024];
	size_t n = 0, shadow_len = strlen(shadow), real_len = strlen(real);
	const char *p = text;

	while (*p && n + 1 < sizeof(out)) {
		if (strncmp(p, shadow, shadow_len) == 0 && n + real_len < sizeof(out)) {
			memcpy(out + n, real, real_len);
			n += real_len;
			p += shadow_len;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	snprintf(text, size, "%s", out);
}

static void find_trace_dirs(const char *dir, int depth, char **out, int *n)
{
	DIR *d;
	struct dirent *de;

	if (*n >= MAX_TRACE_DIRS)
		return;
	if (has_metadata(dir)) {
		out[(*n)++] = strdup(dir);
		return;
	}
	if (depth >= MAX_SEARCH_DEPTH || !(d = opendir(dir)))
		return;
	while ((de = readdir(d)) && *n < MAX_TRACE_DIRS) {
		char path[4096];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			find_trace_dirs(path, depth + 1, out, n);
	}
	closedir(d);
}

/* ---- decoding ---- */

static bool read_uint(const bt_field *field, uint64_t *out)
{
	bt_field_class_type t = bt_field_get_class_type(field);

	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER))
		*out = bt_field_integer_unsigned_get_value(field);
	else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER))
		*out = (uint64_t)bt_field_integer_signed_get_value(field);
	else if (t == BT_FIELD_CLASS_TYPE_BOOL)
		*out = bt_field_bool_get_value(field);
	else
		return false;
	return true;
}

static int64_t member_index(const bt_field_class *fc, const char *name)
{
	uint64_t n;

	if (!fc || bt_field_class_get_type(fc) != BT_FIELD_CLASS_TYPE_STRUCTURE)
		return -1;
	n = bt_field_class_structure_get_member_count(fc);
	for (uint64_t i = 0; i < n; i++) {
		const char *m = bt_field_class_structure_member_get_name(
			bt_field_class_structure_borrow_member_by_index_const(fc, i));
		if (strcmp(m, name) == 0 || (m[0] == '_' && strcmp(m + 1, name) == 0))
			return (int64_t)i;
	}
	return -1;
}

static void free_event_class_info(void *user, uint64_t a, uint64_t b, void *value)
{
	struct event_class_info *info = value;

	(void)user, (void)a, (void)b;
	free(info->members);
	free(info);
}

static void free_plain(void *user, uint64_t a, uint64_t b, void *value)
{
	(void)user, (void)a, (void)b;
	free(value);
}

static struct event_class_info *event_class_info(struct reader *r, const bt_event_class *ec)
{
	struct event_class_info *info = ls_keymap_get(r->event_classes, (uintptr_t)ec, 0);
	const bt_field_class *payload;
	const char *name;

	if (info)
		return info;
	info = calloc(1, sizeof(*info));
	if (!info)
		return NULL;
	name = bt_event_class_get_name(ec);
	snprintf(info->name, sizeof(info->name), "%s", name ? name : "(unnamed)");
	info->type = name ? ls_event_type_from_name(name) : LS_EV_UNKNOWN;
	info->want_payload_text = !ls_event_is_lockstep(info->type);
	payload = bt_event_class_borrow_payload_field_class_const(ec);
	if (payload && bt_field_class_get_type(payload) == BT_FIELD_CLASS_TYPE_STRUCTURE) {
		info->n_members = bt_field_class_structure_get_member_count(payload);
		info->members = calloc(info->n_members ? info->n_members : 1, sizeof(*info->members));
		if (!info->members) {
			free(info);
			return NULL;
		}
		for (uint64_t i = 0; i < info->n_members; i++) {
			struct member *m = &info->members[i];
			const char *mn = bt_field_class_structure_member_get_name(
				bt_field_class_structure_borrow_member_by_index_const(payload, i));
			const char *bare = mn[0] == '_' ? mn + 1 : mn;

			m->name = bare;
			m->field = ls_field_from_name(mn);
			if (info->type != LS_EV_UNKNOWN && m->field < LS_F_COUNT &&
			    ls_event_has_field(info->type, m->field))
				m->role = ROLE_FIELD;
			else if (!strcmp(bare, "prev_comm") || !strcmp(bare, "comm") || !strcmp(bare, "parent_comm"))
				m->role = ROLE_STR_A;
			else if (!strcmp(bare, "next_comm") || !strcmp(bare, "child_comm"))
				m->role = ROLE_STR_B;
		}
	}
	if (!ls_keymap_put(r->event_classes, (uintptr_t)ec, 0, info)) {
		free_event_class_info(NULL, 0, 0, info);
		return NULL;
	}
	return info;
}

static struct stream_class_info *stream_class_info(struct reader *r, const bt_stream_class *sc)
{
	struct stream_class_info *info = ls_keymap_get(r->stream_classes, (uintptr_t)sc, 0);
	const bt_field_class *ctx;

	if (info)
		return info;
	info = calloc(1, sizeof(*info));
	if (!info)
		return NULL;
	ctx = bt_stream_class_borrow_event_common_context_field_class_const(sc);
	info->tid_index = member_index(ctx, "tid");
	info->pid_index = member_index(ctx, "pid");
	info->procname_index = member_index(ctx, "procname");
	info->callstack_index = member_index(ctx, "callstack_kernel");
	info->cpu_index = member_index(bt_stream_class_borrow_packet_context_field_class_const(sc), "cpu_id");
	if (!ls_keymap_put(r->stream_classes, (uintptr_t)sc, 0, info)) {
		free(info);
		return NULL;
	}
	return info;
}

/* LTTng's callstack_kernel: a sequence of addresses, innermost first; a full buffer ends with
 * ULONG_MAX, its mark of a stack cut short (lttng-modules, lttng-context-callstack). */
static void read_stack(const bt_field *seq, ls_event *ev)
{
	bt_field_class_type t = bt_field_get_class_type(seq);
	uint64_t n;

	if (!bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ARRAY))
		return;
	n = bt_field_array_get_length(seq);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t addr;

		if (!read_uint(bt_field_array_borrow_element_field_by_index_const(seq, i), &addr))
			return;
		if (addr == UINT64_MAX || ev->stack_depth == LS_STACK_MAX) {
			ev->stack_truncated = true;
			return;
		}
		ev->stack[ev->stack_depth++] = addr;
	}
}

static void append_payload(ls_event *ev, size_t *len, const char *name, const bt_field *field)
{
	uint64_t v;
	int n = 0;
	size_t room = sizeof(ev->payload) - *len;

	if (room < 4)
		return;
	if (read_uint(field, &v)) {
		bt_field_class_type t = bt_field_get_class_type(field);
		if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER))
			n = snprintf(ev->payload + *len, room, "%s%s=%lld", *len ? " " : "", name, (long long)v);
		else
			n = snprintf(ev->payload + *len, room, "%s%s=%llu", *len ? " " : "", name,
				     (unsigned long long)v);
	} else if (bt_field_get_class_type(field) == BT_FIELD_CLASS_TYPE_STRING) {
		n = snprintf(ev->payload + *len, room, "%s%s=%s", *len ? " " : "", name,
			     bt_field_string_get_value(field));
	} else {
		n = snprintf(ev->payload + *len, room, "%s%s=?", *len ? " " : "", name);
	}
	if (n > 0)
		*len += (size_t)n < room ? (size_t)n : room - 1;
}

static ls_status decode_event(struct reader *r, const bt_message *msg)
{
	const bt_event *event = bt_message_event_borrow_event_const(msg);
	const bt_event_class *ec = bt_event_borrow_class_const(event);
	const bt_stream *stream = bt_event_borrow_stream_const(event);
	struct event_class_info *eci = event_class_info(r, ec);
	struct stream_class_info *sci = stream_class_info(r, bt_stream_borrow_class_const(stream));
	const bt_field *payload, *ctx;
	const bt_packet *packet;
	ls_event *ev = &r->ev;
	size_t plen = 0;

	if (!eci || !sci)
		return ls_error_set(r->err, LS_ERR_NOMEM, r->dir, "out of memory decoding events");

	ev->present = 0;
	ev->type = eci->type;
	memcpy(ev->name, eci->name, sizeof(ev->name));
	ev->comm[0] = ev->str_a[0] = ev->str_b[0] = ev->payload[0] = '\0';
	ev->has_tid = ev->has_pid = ev->has_cpu = false;
	ev->stack_depth = 0;
	ev->stack_truncated = false;
	ev->tid = ev->pid = 0;
	ev->cpu = -1;

	ev->t_ns = 0;
	if (bt_message_event_borrow_stream_class_default_clock_class_const(msg)) {
		const bt_clock_snapshot *cs = bt_message_event_borrow_default_clock_snapshot_const(msg);
		int64_t ns;
		if (bt_clock_snapshot_get_ns_from_origin(cs, &ns) == BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK)
			ev->t_ns = ns;
	}

	ctx = bt_event_borrow_common_context_field_const(event);
	if (ctx) {
		uint64_t v;
		if (sci->tid_index >= 0 &&
		    read_uint(bt_field_structure_borrow_member_field_by_index_const(ctx, (uint64_t)sci->tid_index), &v)) {
			ev->tid = (int64_t)v;
			ev->has_tid = true;
		}
		if (sci->pid_index >= 0 &&
		    read_uint(bt_field_structure_borrow_member_field_by_index_const(ctx, (uint64_t)sci->pid_index), &v)) {
			ev->pid = (int64_t)v;
			ev->has_pid = true;
		}
		if (sci->procname_index >= 0) {
			const bt_field *f = bt_field_structure_borrow_member_field_by_index_const(
				ctx, (uint64_t)sci->procname_index);
			if (bt_field_get_class_type(f) == BT_FIELD_CLASS_TYPE_STRING)
				snprintf(ev->comm, sizeof(ev->comm), "%s", bt_field_string_get_value(f));
		}
		if (sci->callstack_index >= 0)
			read_stack(bt_field_structure_borrow_member_field_by_index_const(ctx, (uint64_t)sci->callstack_index),
				   ev);
	}

	packet = sci->cpu_index >= 0 ? bt_event_borrow_packet_const(event) : NULL;
	if (packet) {
		const bt_field *pctx = bt_packet_borrow_context_field_const(packet);
		uint64_t v;
		if (pctx && read_uint(bt_field_structure_borrow_member_field_by_index_const(pctx, (uint64_t)sci->cpu_index), &v)) {
			ev->cpu = (int64_t)v;
			ev->has_cpu = true;
			ls_keymap_put(r->stream_cpus, (uintptr_t)stream, 0, (void *)(uintptr_t)(v + 1));
		}
	}

	payload = bt_event_borrow_payload_field_const(event);
	for (uint64_t i = 0; payload && i < eci->n_members; i++) {
		const struct member *m = &eci->members[i];
		const bt_field *f = bt_field_structure_borrow_member_field_by_index_const(payload, i);

		switch (m->role) {
		case ROLE_FIELD:
			if (read_uint(f, &ev->f[m->field]))
				ev->present |= 1u << m->field;
			break;
		case ROLE_STR_A:
		case ROLE_STR_B:
			if (bt_field_get_class_type(f) == BT_FIELD_CLASS_TYPE_STRING)
				snprintf(m->role == ROLE_STR_A ? ev->str_a : ev->str_b, LS_COMM_MAX, "%s",
					 bt_field_string_get_value(f));
			break;
		case ROLE_NONE:
			break;
		}
		if (eci->want_payload_text)
			append_payload(ev, &plen, m->name, f);
	}
	/* Fields the contract has but the event lacked read as 0 (the contract says so). */
	for (int f = 0; f < LS_F_COUNT; f++)
		if (!(ev->present >> f & 1u))
			ev->f[f] = 0;
	return r->handler->event(r->handler->user, ev, r->err);
}

static int64_t snapshot_ns(const bt_clock_snapshot *cs)
{
	int64_t ns;

	if (cs && bt_clock_snapshot_get_ns_from_origin(cs, &ns) == BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK)
		return ns;
	return -1;
}

static ls_status decode_discard(struct reader *r, const bt_message *msg, bool packets)
{
	ls_discard d = { .packets = packets, .cpu = -1, .begin_ns = -1, .end_ns = -1 };
	const bt_stream *stream;
	uintptr_t cpu1;

	if (!r->handler->discard)
		return LS_OK;
	if (packets) {
		stream = bt_message_discarded_packets_borrow_stream_const(msg);
		if (bt_message_discarded_packets_get_count(msg, &d.count) != BT_PROPERTY_AVAILABILITY_AVAILABLE)
			d.count = 0;
		if (bt_stream_class_discarded_packets_have_default_clock_snapshots(bt_stream_borrow_class_const(stream))) {
			d.begin_ns = snapshot_ns(bt_message_discarded_packets_borrow_beginning_default_clock_snapshot_const(msg));
			d.end_ns = snapshot_ns(bt_message_discarded_packets_borrow_end_default_clock_snapshot_const(msg));
		}
	} else {
		stream = bt_message_discarded_events_borrow_stream_const(msg);
		if (bt_message_discarded_events_get_count(msg, &d.count) != BT_PROPERTY_AVAILABILITY_AVAILABLE)
			d.count = 0;
		if (bt_stream_class_discarded_events_have_default_clock_snapshots(bt_stream_borrow_class_const(stream))) {
			d.begin_ns = snapshot_ns(bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(msg));
			d.end_ns = snapshot_ns(bt_message_discarded_events_borrow_end_default_clock_snapshot_const(msg));
		}
	}
	cpu1 = (uintptr_t)ls_keymap_get(r->stream_cpus, (uintptr_t)stream, 0);
	d.cpu = cpu1 ? (int64_t)cpu1 - 1 : -1;
	return r->handler->discard(r->handler->user, &d, r->err);
}

static bt_graph_simple_sink_component_consume_func_status consume(bt_message_iterator *it, void *data)
{
	struct reader *r = data;
	bt_message_array_const msgs;
	uint64_t count;
	ls_status st = LS_OK;

	switch (bt_message_iterator_next(it, &msgs, &count)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
	default:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}
	for (uint64_t i = 0; i < count; i++) {
		if (st == LS_OK) {
			switch (bt_message_get_type(msgs[i])) {
			case BT_MESSAGE_TYPE_EVENT:
				st = decode_event(r, msgs[i]);
				break;
			case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
				st = decode_discard(r, msgs[i], false);
				break;
			case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
				st = decode_discard(r, msgs[i], true);
				break;
			default:
				break;
			}
		}
		bt_message_put_ref(msgs[i]);
	}
	if (st != LS_OK) {
		r->handler_failed = true;
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}
	return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

/* babeltrace2's causes are written for its developers ("…: msg-it-addr=0x7f…"); say what they
 * mean for the trace. The cause itself goes to the error's detail (--verbose). */
static const char *explain(const char *why)
{
	static const struct {
		const char *says, *means;
	} known[] = {
		{ "No event class with ID", "a packet holds an event of a class the metadata does not define "
					    "(the stream data is damaged)" },
		{ "timestamp is less than", "events go back in time (a stream's data is damaged, or its "
					    "packets are out of order)" },
		{ "Failed to index CTF stream file", "a stream's packet headers cannot be read (damaged stream)" },
		{ "Cannot decode", "a stream's data does not match the metadata (damaged stream)" },
		{ "Unexpected end of", "a stream ends inside an event (damaged or cut short)" },
	};

	for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strstr(why, known[i].says))
			return known[i].means;
	return "babeltrace2 cannot decode it (damaged data; --verbose shows babeltrace2's message)";
}

/* The deepest cause babeltrace2 recorded is the one that names the real problem (a truncated
 * packet, a metadata syntax error); keep its first line. */
static void take_bt_error(char *buf, size_t size)
{
	const bt_error *e = bt_current_thread_take_error();
	uint64_t n;

	buf[0] = '\0';
	if (!e)
		return;
	n = bt_error_get_cause_count(e);
	for (uint64_t i = 0; i < n; i++) {
		const char *m = bt_error_cause_get_message(bt_error_borrow_cause_by_index(e, i));
		if (m && *m) {
			snprintf(buf, size, "%s", m);
			break;
		}
	}
	bt_error_release(e);
	buf[strcspn(buf, "\n")] = '\0';
}

/* babeltrace2 puts the specifics of a bad metadata file (the line and the offending token) in
 * its log, not in the error causes. To name them, instantiate the source once more with error
 * logging sent to a temporary file, and keep the first error line's message. */
static void diagnose_source(const bt_component_class_source *cls, const bt_value *params, char *buf,
			    size_t size)
{
	char path[] = "/tmp/lockstep-bt-log-XXXXXX", line[1024];
	int fd = mkstemp(path), saved = -1;
	bt_graph *graph = NULL;
	const bt_component_source *src = NULL;
	FILE *log;

	buf[0] = '\0';
	if (fd < 0)
		return;
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	if (saved >= 0 && dup2(fd, STDERR_FILENO) >= 0 && (graph = bt_graph_create(0))) {
		bt_logging_level global = bt_logging_get_global_level();
		bt_logging_set_global_level(BT_LOGGING_LEVEL_ERROR);
		bt_graph_add_source_component(graph, cls, "diagnose", params, BT_LOGGING_LEVEL_ERROR, &src);
		bt_logging_set_global_level(global);
		bt_graph_put_ref(graph);
		bt_current_thread_clear_error();
	}
	fflush(stderr);
	if (saved >= 0) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	close(fd);
	log = fopen(path, "r");
	while (log && fgets(line, sizeof(line), log)) {
		/* "MM-DD HH:MM:SS.mmm PID TID E TAG func@file:line message" */
		char *at = strstr(line, " E ");
		char *loc = at ? strchr(at + 3, '@') : NULL;
		char *msg = loc ? strchr(loc, ' ') : NULL;
		if (msg) {
			char *addr;
			msg++;
			if (strncmp(msg, "[diagnose] ", 11) == 0)
				msg += 11;
			snprintf(buf, size, "%s", msg);
			buf[strcspn(buf, "\n")] = '\0';
			/* drop babeltrace2's internal object addresses ("…: mdec-addr=0x…") */
			if ((addr = strstr(buf, "-addr=0x")) != NULL) {
				while (addr > buf && addr[-1] != ' ')
					addr--;
				while (addr > buf && (addr[-1] == ' ' || addr[-1] == ':' || addr[-1] == ','))
					addr--;
				*addr = '\0';
			}
			break;
		}
	}
	if (log)
		fclose(log);
	unlink(path);
}

static ls_status add_component(bt_graph *graph, const char *plugin_name, const char *class_name,
			       bool source, const char *comp_name, const bt_value *params,
			       const void **out, const char *dir, ls_error *err)
{
	const bt_plugin *plugin = NULL;
	ls_status st = LS_OK;
	int rc;

	if (bt_plugin_find(plugin_name, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &plugin) !=
	    BT_PLUGIN_FIND_STATUS_OK)
		return ls_error_set(err, LS_ERR_INTERNAL, dir,
				    "babeltrace2 plugin '%s' not found (is babeltrace2 installed?)", plugin_name);
	if (source) {
		const bt_component_class_source *cls =
			bt_plugin_borrow_source_component_class_by_name_const(plugin, class_name);
		rc = cls ? (int)bt_graph_add_source_component(graph, cls, comp_name, params, BT_LOGGING_LEVEL_NONE,
							      (const bt_component_source **)out)
			 : -1;
		if (rc != 0 && cls) {
			char why[512], detail[512];
			take_bt_error(why, sizeof(why));
			diagnose_source(cls, params, detail, sizeof(detail));
			bt_plugin_put_ref(plugin);
			if (!detail[0] && strstr(why, "Failed to index CTF stream file")) {
				ls_error_set(err, LS_ERR_INPUT, dir, "cannot open as CTF: %s", explain(why));
			} else {
				ls_error_set(err, LS_ERR_INPUT, dir, "cannot open as CTF: %s",
					     detail[0] ? detail : why[0] ? why : "babeltrace2 refused it");
			}
			if (why[0])
				ls_error_set_detail(err, "babeltrace2: %s", why);
			return LS_ERR_INPUT;
		}
	} else {
		const bt_component_class_filter *cls =
			bt_plugin_borrow_filter_component_class_by_name_const(plugin, class_name);
		rc = cls ? (int)bt_graph_add_filter_component(graph, cls, comp_name, params, BT_LOGGING_LEVEL_NONE,
							      (const bt_component_filter **)out)
			 : -1;
	}
	if (rc != 0) {
		char why[512];
		take_bt_error(why, sizeof(why));
		st = ls_error_set(err, LS_ERR_INPUT, dir, "cannot open as CTF%s%s", why[0] ? ": " : "", why);
	}
	bt_plugin_put_ref(plugin);
	return st;
}

ls_status ls_ctf_read(const char *dir, const ls_ctf_handler *handler, ls_error *err)
{
	struct reader r = { .dir = dir, .handler = handler, .err = err };
	char *trace_dirs[MAX_TRACE_DIRS], *read_dirs[MAX_TRACE_DIRS] = { 0 };
	bool shadows[MAX_TRACE_DIRS] = { 0 };
	int n_dirs = 0, n_streams = 0, total_streams = 0;
	bt_graph *graph = NULL;
	const bt_component_filter *muxer = NULL;
	const bt_component_sink *sink = NULL;
	ls_status st = LS_OK;
	struct stat sb;
	bt_graph_run_status run;

	if (stat(dir, &sb) != 0)
		return ls_error_set(err, LS_ERR_INPUT, dir, "%s", strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return ls_error_set(err, LS_ERR_INPUT, dir, "not a trace directory");
	find_trace_dirs(dir, 0, trace_dirs, &n_dirs);
	if (n_dirs == 0)
		return ls_error_set(err, LS_ERR_INPUT, dir, "no CTF trace here (no 'metadata' file found)");

	r.event_classes = ls_keymap_new();
	r.stream_classes = ls_keymap_new();
	r.stream_cpus = ls_keymap_new();
	graph = bt_graph_create(0);
	if (!r.event_classes || !r.stream_classes || !r.stream_cpus || !graph) {
		st = ls_error_set(err, LS_ERR_NOMEM, dir, "out of memory");
		goto end;
	}

	st = add_component(graph, "utils", "muxer", false, "muxer", NULL, (const void **)&muxer, dir, err);
	if (st != LS_OK)
		goto end;

	for (int i = 0; i < n_dirs; i++) {
		const bt_component_source *src = NULL;
		bt_value *params = bt_value_map_create(), *inputs = NULL;
		char name[32];

		read_dirs[i] = stream_dir(&r, trace_dirs[i], &shadows[i], &n_streams);
		total_streams += n_streams;
		if (!read_dirs[i] || !params || bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ||
		    bt_value_array_append_string_element(inputs, read_dirs[i])) {
			bt_value_put_ref(params);
			st = ls_error_set(err, LS_ERR_NOMEM, dir, "out of memory");
			goto end;
		}
		snprintf(name, sizeof(name), "source-%d", i);
		st = add_component(graph, "ctf", "fs", true, name, params, (const void **)&src, trace_dirs[i], err);
		bt_value_put_ref(params);
		if (st != LS_OK)
			goto end;
		for (uint64_t p = 0; p < bt_component_source_get_output_port_count(src); p++) {
			const bt_port_output *out = bt_component_source_borrow_output_port_by_index_const(src, p);
			uint64_t n_in = bt_component_filter_get_input_port_count(muxer);
			const bt_port_input *in = bt_component_filter_borrow_input_port_by_index_const(muxer, n_in - 1);
			if (bt_graph_connect_ports(graph, out, in, NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
				st = ls_error_set(err, LS_ERR_INTERNAL, trace_dirs[i], "cannot connect babeltrace2 ports");
				goto end;
			}
		}
	}

	if (total_streams == 0 && r.damaged_streams > 0) {
		st = ls_error_set(err, LS_ERR_INPUT, dir,
				  "nothing sound to load: %s %d stream%s damaged or empty (first: %s)",
				  r.damaged_streams == 1 ? "its" : "all", r.damaged_streams,
				  r.damaged_streams == 1 ? " is" : "s are", r.first_damage);
		goto end;
	}
	if (bt_graph_add_simple_sink_component(graph, "lockstep", NULL, consume, NULL, &r, &sink) !=
	    BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		st = ls_error_set(err, LS_ERR_INTERNAL, dir, "cannot add the lockstep sink");
		goto end;
	}
	if (bt_graph_connect_ports(graph, bt_component_filter_borrow_output_port_by_index_const(muxer, 0),
				   bt_component_sink_borrow_input_port_by_index_const(sink, 0),
				   NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
		st = ls_error_set(err, LS_ERR_INTERNAL, dir, "cannot connect the lockstep sink");
		goto end;
	}

	do
		run = bt_graph_run(graph);
	while (run == BT_GRAPH_RUN_STATUS_AGAIN);
	if (run != BT_GRAPH_RUN_STATUS_OK) {
		if (r.handler_failed) {
			st = err && err->status != LS_OK ? err->status : LS_ERR_INTERNAL;
			bt_current_thread_clear_error();
		} else {
			char why[512];
			take_bt_error(why, sizeof(why));
			st = ls_error_set(err, LS_ERR_INPUT, dir, "cannot decode the trace: %s", explain(why));
			if (why[0])
				ls_error_set_detail(err, "babeltrace2: %s", why);
		}
	}

end:
	bt_graph_put_ref(graph);
	for (int i = 0; i < n_dirs && err && st != LS_OK; i++) {
		if (shadows[i]) {
			unshadow(err->message, sizeof(err->message), read_dirs[i], trace_dirs[i]);
			unshadow(err->file, sizeof(err->file), read_dirs[i], trace_dirs[i]);
		}
	}
	if (r.event_classes) {
		ls_keymap_foreach(r.event_classes, free_event_class_info, NULL);
		ls_keymap_free(r.event_classes);
	}
	if (r.stream_classes) {
		ls_keymap_foreach(r.stream_classes, free_plain, NULL);
		ls_keymap_free(r.stream_classes);
	}
	ls_keymap_free(r.stream_cpus);
	for (int i = 0; i < n_dirs; i++) {
		if (shadows[i])
			remove_shadow(read_dirs[i]);
		free(read_dirs[i]);
		free(trace_dirs[i]);
	}
	return st;
}
