/* ctfwrite.c — the babeltrace2 side of lockstep-synth: a source component class whose message
 * iterator turns ls_record values into trace IR messages, connected to sink.ctf.fs in a graph.
 *
 * Message rules the sink and CTF 1.8 impose, and which this file keeps:
 * - every event sits in a packet; a stream's packets follow each other in time;
 * - a discarded-events message must fall between packets, start at the previous packet's end
 *   and end at the next packet's end (CTF 1.8 stores the count in the next packet's context),
 *   so a discarded record closes the open packet, reports the gap, and writes an empty packet
 *   ending at the record's time;
 * - clock snapshots never go backwards across the whole iterator (babeltrace2's developer-mode
 *   check), so packets are closed at the latest time seen, not at their last event.
 * It must not know where records come from. */
#include "ctfwrite.h"

#include <assert.h>
#include <babeltrace2/babeltrace.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Context member names of docs/trace-format.md ("Container"); contract.h covers payloads only. */
#define CTX_TID "tid"
#define CTX_PID "pid"
#define CTX_PROCNAME "procname"
#define PKT_CPU_ID "cpu_id"
#define CTX_CALLSTACK "callstack_kernel" /* only when the schema has callstacks */

typedef struct {
	ls_layout_type type;
	ls_field field;   /* contract integer member */
	unsigned str;     /* sched string member slot */
	unsigned foreign; /* foreign member: index into ls_record.values */
	bool is_foreign;
} member_map;

typedef struct {
	bt_event_class *ec;
	unsigned n;
	member_map *m;
} class_info;

typedef struct {
	bt_stream *stream;
	bt_packet *packet; /* the open packet, or NULL */
	uint32_t cpu;
	unsigned events;   /* events in the open packet */
} stream_state;

/* What ls_ctfwrite_run hands the component: the producer and where failures go. */
typedef struct {
	const ls_record_schema *schema;
	ls_record_next_fn next;
	void *data;
	ls_error *err;
	ls_status status; /* LS_OK unless the producer or the iterator failed */
} run_ctx;

typedef struct {
	run_ctx *run;
	bt_self_message_iterator *self;
	bt_trace_class *tc;
	bt_clock_class *cc;
	bt_stream_class *sc;
	bt_trace *trace;
	class_info contract[LS_EV_FIRST_FOREIGN];
	class_info *foreign;
	unsigned n_foreign;
	stream_state *streams;
	unsigned n_streams;
	const bt_message **pending;
	size_t pending_n, pending_pos, pending_cap;
	uint64_t last_t;
	bool started, finished;
	ls_record rec;
} iter_state;

static ls_status fail(iter_state *it, ls_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Records the first failure of the iterator for ls_ctfwrite_run() to return. */
static ls_status fail(iter_state *it, ls_status st, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (it->run->status == LS_OK) {
		ls_error_set(it->run->err, st, NULL, "%s", msg);
		it->run->status = st;
	}
	return st;
}

/* ---- trace IR construction ------------------------------------------------------------- */

static bt_field_class *enum_fc(bt_trace_class *tc, ls_enum e)
{
	bt_field_class *fc = bt_field_class_enumeration_unsigned_create(tc);

	if (!fc)
		return NULL;
	for (unsigned v = 0; v < ls_enum_size(e); v++) {
		bt_integer_range_set_unsigned *set = bt_integer_range_set_unsigned_create();
		bool ok = set &&
			  bt_integer_range_set_unsigned_add_range(set, v, v) ==
				  BT_INTEGER_RANGE_SET_ADD_RANGE_STATUS_OK &&
			  bt_field_class_enumeration_unsigned_add_mapping(fc, ls_enum_name(e, v), set) ==
				  BT_FIELD_CLASS_ENUMERATION_ADD_MAPPING_STATUS_OK;
		bt_integer_range_set_unsigned_put_ref(set);
		if (!ok) {
			bt_field_class_put_ref(fc);
			return NULL;
		}
	}
	return fc;
}

static bt_field_class *member_fc(bt_trace_class *tc, ls_layout_type type, ls_field field,
				 bool enums)
{
	bt_field_class *fc = NULL;

	switch (type) {
	case LS_LAYOUT_STRING:
		return bt_field_class_string_create(tc);
	case LS_LAYOUT_S32:
	case LS_LAYOUT_S64:
		fc = bt_field_class_integer_signed_create(tc);
		if (fc && type == LS_LAYOUT_S32)
			bt_field_class_integer_set_field_value_range(fc, 32);
		return fc;
	case LS_LAYOUT_U64:
		if (enums && field < LS_F_COUNT && ls_field_enum(field) != LS_ENUM_COUNT)
			return enum_fc(tc, ls_field_enum(field));
		fc = bt_field_class_integer_unsigned_create(tc);
		if (fc && field < LS_F_COUNT && ls_layout_is_address(field))
			bt_field_class_integer_set_preferred_display_base(
				fc, BT_FIELD_CLASS_INTEGER_PREFERRED_DISPLAY_BASE_HEXADECIMAL);
		return fc;
	}
	return NULL;
}

static bool append(bt_field_class *st, const char *name, bt_field_class *fc)
{
	bool ok = fc && bt_field_class_structure_append_member(st, name, fc) ==
				BT_FIELD_CLASS_STRUCTURE_APPEND_MEMBER_STATUS_OK;

	bt_field_class_put_ref(fc);
	return ok;
}

static ls_status build_contract_class(iter_state *it, ls_event_type type)
{
	ls_layout_member lm[LS_LAYOUT_MAX_MEMBERS];
	class_info *ci = &it->contract[type];
	unsigned n = ls_layout_members(type, lm);
	bt_field_class *payload = NULL;
	ls_status st = LS_ERR_NOMEM;

	ci->ec = bt_event_class_create(it->sc);
	ci->m = calloc(n ? n : 1, sizeof(*ci->m));
	payload = bt_field_class_structure_create(it->tc);
	if (!ci->ec || !ci->m || !payload)
		goto end;
	if (bt_event_class_set_name(ci->ec, ls_event_name(type)) != BT_EVENT_CLASS_SET_NAME_STATUS_OK)
		goto end;
	for (unsigned i = 0; i < n; i++) {
		if (!append(payload, lm[i].name,
			    member_fc(it->tc, lm[i].type, lm[i].field, it->run->schema->enums)))
			goto end;
		ci->m[i] = (member_map){ .type = lm[i].type, .field = lm[i].field, .str = lm[i].str };
	}
	ci->n = n;
	if (bt_event_class_set_payload_field_class(ci->ec, payload) !=
	    BT_EVENT_CLASS_SET_FIELD_CLASS_STATUS_OK)
		goto end;
	st = LS_OK;
end:
	bt_field_class_put_ref(payload);
	if (st != LS_OK)
		fail(it, st, "cannot build event class %s", ls_event_name(type));
	return st;
}

static ls_status build_foreign_class(iter_state *it, const ls_record_foreign_class *fcd,
				     class_info *ci)
{
	bt_field_class *payload = NULL;
	ls_status st = LS_ERR_NOMEM;

	ci->ec = bt_event_class_create(it->sc);
	ci->m = calloc(fcd->n_fields ? fcd->n_fields : 1, sizeof(*ci->m));
	payload = bt_field_class_structure_create(it->tc);
	if (!ci->ec || !ci->m || !payload)
		goto end;
	if (bt_event_class_set_name(ci->ec, fcd->name) != BT_EVENT_CLASS_SET_NAME_STATUS_OK)
		goto end;
	for (unsigned i = 0; i < fcd->n_fields; i++) {
		ls_layout_type t = fcd->is_string[i] ? LS_LAYOUT_STRING : LS_LAYOUT_U64;
		if (!append(payload, fcd->field_names[i], member_fc(it->tc, t, LS_F_COUNT, false)))
			goto end;
		ci->m[i] = (member_map){ .type = t, .foreign = i, .is_foreign = true };
	}
	ci->n = fcd->n_fields;
	if (bt_event_class_set_payload_field_class(ci->ec, payload) !=
	    BT_EVENT_CLASS_SET_FIELD_CLASS_STATUS_OK)
		goto end;
	st = LS_OK;
end:
	bt_field_class_put_ref(payload);
	if (st != LS_OK)
		fail(it, st, "cannot build event class %s", fcd->name);
	return st;
}

static ls_status build_ir(iter_state *it)
{
	const ls_record_schema *schema = it->run->schema;
	bt_self_component *comp = bt_self_message_iterator_borrow_component(it->self);
	bt_field_class *pctx = NULL, *ectx = NULL;
	ls_status st = LS_ERR_NOMEM;

	it->tc = bt_trace_class_create(comp);
	it->cc = bt_clock_class_create(comp);
	if (!it->tc || !it->cc)
		goto end;
	/* LTTng's kernel clock is CLOCK_MONOTONIC: 1 GHz, origin at boot, not the epoch. */
	bt_clock_class_set_frequency(it->cc, UINT64_C(1000000000));
	bt_clock_class_set_origin_is_unix_epoch(it->cc, BT_FALSE);
	if (bt_clock_class_set_name(it->cc, "monotonic") != BT_CLOCK_CLASS_SET_NAME_STATUS_OK)
		goto end;

	it->sc = bt_stream_class_create(it->tc);
	if (!it->sc)
		goto end;
	if (bt_stream_class_set_default_clock_class(it->sc, it->cc) !=
	    BT_STREAM_CLASS_SET_DEFAULT_CLOCK_CLASS_STATUS_OK)
		goto end;
	bt_stream_class_set_supports_packets(it->sc, BT_TRUE, BT_TRUE, BT_TRUE);
	bt_stream_class_set_supports_discarded_events(it->sc, BT_TRUE, BT_TRUE);

	pctx = bt_field_class_structure_create(it->tc);
	ectx = bt_field_class_structure_create(it->tc);
	if (!pctx || !ectx)
		goto end;
	{
		bt_field_class *cpu = bt_field_class_integer_unsigned_create(it->tc);
		if (cpu)
			bt_field_class_integer_set_field_value_range(cpu, 32);
		if (!append(pctx, PKT_CPU_ID, cpu) ||
		    !append(ectx, CTX_TID, member_fc(it->tc, LS_LAYOUT_S32, LS_F_COUNT, false)) ||
		    !append(ectx, CTX_PID, member_fc(it->tc, LS_LAYOUT_S32, LS_F_COUNT, false)) ||
		    !append(ectx, CTX_PROCNAME, bt_field_class_string_create(it->tc)))
			goto end;
		if (schema->callstacks) {
			/* LTTng's layout: a sequence of hex unsigned longs (sink.ctf.fs writes the
			 * length member before it) */
			bt_field_class *addr = bt_field_class_integer_unsigned_create(it->tc);
			bt_field_class *seq = NULL;
			if (addr) {
				bt_field_class_integer_set_preferred_display_base(
					addr, BT_FIELD_CLASS_INTEGER_PREFERRED_DISPLAY_BASE_HEXADECIMAL);
				seq = bt_field_class_array_dynamic_create(it->tc, addr, NULL);
				bt_field_class_put_ref(addr);
			}
			if (!append(ectx, CTX_CALLSTACK, seq))
				goto end;
		}
	}
	if (bt_stream_class_set_packet_context_field_class(it->sc, pctx) !=
		    BT_STREAM_CLASS_SET_FIELD_CLASS_STATUS_OK ||
	    bt_stream_class_set_event_common_context_field_class(it->sc, ectx) !=
		    BT_STREAM_CLASS_SET_FIELD_CLASS_STATUS_OK)
		goto end;

	for (unsigned t = 0; t < LS_EV_FIRST_FOREIGN; t++) {
		if (!schema->events[t])
			continue;
		if (!ls_event_name((ls_event_type)t)) {
			st = fail(it, LS_ERR_INTERNAL, "schema names event id %u outside the contract",
				  t);
			goto end_quiet;
		}
		if ((st = build_contract_class(it, (ls_event_type)t)) != LS_OK)
			goto end_quiet;
	}
	it->foreign = calloc(schema->n_foreign ? schema->n_foreign : 1, sizeof(*it->foreign));
	if (!it->foreign)
		goto end;
	it->n_foreign = schema->n_foreign;
	for (unsigned i = 0; i < schema->n_foreign; i++)
		if ((st = build_foreign_class(it, &schema->foreign[i], &it->foreign[i])) != LS_OK)
			goto end_quiet;

	it->trace = bt_trace_create(it->tc);
	if (!it->trace)
		goto end;
	bt_trace_set_name(it->trace, "lockstep-synth");
	bt_trace_set_environment_entry_string(it->trace, "domain", "kernel");
	bt_trace_set_environment_entry_string(it->trace, "tracer_name", "lockstep-synth");
	bt_trace_set_environment_entry_string(it->trace, "sysname", "Linux");

	it->streams = calloc(schema->n_cpus ? schema->n_cpus : 1, sizeof(*it->streams));
	if (!it->streams)
		goto end;
	for (unsigned i = 0; i < schema->n_cpus; i++) {
		char name[32];
		stream_state *s = &it->streams[i];
		s->cpu = schema->cpus[i];
		s->stream = bt_stream_create(it->sc, it->trace);
		if (!s->stream)
			goto end;
		it->n_streams++;
		/* LTTng names kernel stream files channel0_<cpu>; sink.ctf.fs uses the name. */
		snprintf(name, sizeof(name), "channel0_%u", (unsigned)s->cpu);
		bt_stream_set_name(s->stream, name);
	}
	it->pending_cap = 8 + 3 * (size_t)schema->n_cpus;
	it->pending = calloc(it->pending_cap, sizeof(*it->pending));
	if (!it->pending)
		goto end;
	st = LS_OK;
end:
	if (st != LS_OK)
		fail(it, st, "cannot build the trace classes");
end_quiet:
	bt_field_class_put_ref(pctx);
	bt_field_class_put_ref(ectx);
	return st;
}

/* ---- messages ------------------------------------------------------------------------- */

static ls_status push(iter_state *it, const bt_message *msg)
{
	if (!msg)
		return fail(it, LS_ERR_NOMEM, "cannot create a message");
	assert(it->pending_n < it->pending_cap);
	it->pending[it->pending_n++] = msg;
	return LS_OK;
}

static stream_state *find_stream(iter_state *it, uint32_t cpu)
{
	unsigned lo = 0, hi = it->n_streams;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (it->streams[mid].cpu == cpu)
			return &it->streams[mid];
		if (it->streams[mid].cpu < cpu)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static ls_status open_packet(iter_state *it, stream_state *s, uint64_t t)
{
	bt_field *ctx;

	s->packet = bt_packet_create(s->stream);
	if (!s->packet)
		return fail(it, LS_ERR_NOMEM, "cannot create a packet");
	ctx = bt_packet_borrow_context_field(s->packet);
	bt_field_integer_unsigned_set_value(bt_field_structure_borrow_member_field_by_index(ctx, 0),
					    s->cpu);
	s->events = 0;
	return push(it, bt_message_packet_beginning_create_with_default_clock_snapshot(
				it->self, s->packet, t));
}

static ls_status close_packet(iter_state *it, stream_state *s, uint64_t t)
{
	ls_status st = push(it, bt_message_packet_end_create_with_default_clock_snapshot(
					it->self, s->packet, t));

	bt_packet_put_ref(s->packet);
	s->packet = NULL;
	return st;
}

static ls_status set_string(iter_state *it, bt_field *f, const char *s)
{
	if (bt_field_string_set_value(f, s ? s : "") != BT_FIELD_STRING_SET_VALUE_STATUS_OK)
		return fail(it, LS_ERR_NOMEM, "cannot set a string field");
	return LS_OK;
}

static ls_status write_event(iter_state *it, stream_state *s, const ls_record *r)
{
	const class_info *ci = NULL;
	bt_message *msg;
	bt_event *ev;
	bt_field *ctx, *payload;
	ls_status st;

	if (r->type == LS_EV_UNKNOWN) {
		if (r->foreign < it->n_foreign)
			ci = &it->foreign[r->foreign];
	} else if ((unsigned)r->type < LS_EV_FIRST_FOREIGN) {
		ci = &it->contract[r->type];
	}
	if (!ci || !ci->ec)
		return fail(it, LS_ERR_INTERNAL, "record for event %s missing from the schema",
			    r->type == LS_EV_UNKNOWN ? "(foreign)" : ls_event_name(r->type));

	if (s->packet && s->events >= LS_CTFWRITE_PACKET_EVENTS &&
	    (st = close_packet(it, s, r->t)) != LS_OK)
		return st;
	if (!s->packet && (st = open_packet(it, s, r->t)) != LS_OK)
		return st;

	msg = bt_message_event_create_with_packet_and_default_clock_snapshot(it->self, ci->ec,
									      s->packet, r->t);
	if ((st = push(it, msg)) != LS_OK)
		return st;
	ev = bt_message_event_borrow_event(msg);
	ctx = bt_event_borrow_common_context_field(ev);
	bt_field_integer_signed_set_value(bt_field_structure_borrow_member_field_by_index(ctx, 0),
					  r->tid);
	bt_field_integer_signed_set_value(bt_field_structure_borrow_member_field_by_index(ctx, 1),
					  r->pid);
	if ((st = set_string(it, bt_field_structure_borrow_member_field_by_index(ctx, 2),
			     r->procname)) != LS_OK)
		return st;
	if (it->run->schema->callstacks) {
		bt_field *seq = bt_field_structure_borrow_member_field_by_index(ctx, 3);
		if (bt_field_array_dynamic_set_length(seq, r->n_stack) !=
		    BT_FIELD_DYNAMIC_ARRAY_SET_LENGTH_STATUS_OK)
			return fail(it, LS_ERR_NOMEM, "cannot size a call stack");
		for (uint32_t i = 0; i < r->n_stack; i++)
			bt_field_integer_unsigned_set_value(
				bt_field_array_borrow_element_field_by_index(seq, i), r->stack[i]);
	}

	payload = bt_event_borrow_payload_field(ev);
	for (unsigned i = 0; i < ci->n; i++) {
		const member_map *m = &ci->m[i];
		bt_field *f = bt_field_structure_borrow_member_field_by_index(payload, i);

		if (m->is_foreign) {
			const ls_record_value *v = &r->values[m->foreign];
			if (m->type == LS_LAYOUT_STRING) {
				char num[24];
				if (!v->s)
					snprintf(num, sizeof(num), "%llu", (unsigned long long)v->u);
				if ((st = set_string(it, f, v->s ? v->s : num)) != LS_OK)
					return st;
			} else {
				bt_field_integer_unsigned_set_value(f, v->u);
			}
			continue;
		}
		switch (m->type) {
		case LS_LAYOUT_STRING:
			if ((st = set_string(it, f, r->str[m->str])) != LS_OK)
				return st;
			break;
		case LS_LAYOUT_S32:
		case LS_LAYOUT_S64:
			bt_field_integer_signed_set_value(f, (int64_t)r->u[m->field]);
			break;
		case LS_LAYOUT_U64:
			bt_field_integer_unsigned_set_value(f, r->u[m->field]);
			break;
		}
	}
	s->events++;
	return LS_OK;
}

static ls_status write_discarded(iter_state *it, stream_state *s, const ls_record *r)
{
	uint64_t g = it->last_t;
	bt_message *msg;
	ls_status st;

	if (r->count == 0)
		return fail(it, LS_ERR_INPUT, "discarded record with count 0");
	/* Close the packet at the latest time seen (an empty one if none is open), report the gap
	 * up to t, then an empty packet ending at t: its context carries the count. */
	if (!s->packet && (st = open_packet(it, s, g)) != LS_OK)
		return st;
	if ((st = close_packet(it, s, g)) != LS_OK)
		return st;
	msg = bt_message_discarded_events_create_with_default_clock_snapshots(it->self, s->stream, g,
									      r->t);
	if ((st = push(it, msg)) != LS_OK)
		return st;
	bt_message_discarded_events_set_count(msg, r->count);
	if ((st = open_packet(it, s, r->t)) != LS_OK)
		return st;
	return close_packet(it, s, r->t);
}

/* Queues the messages of the next step: stream beginnings, one record, or the trace's end. */
static ls_status fill(iter_state *it)
{
	ls_record *r = &it->rec;
	stream_state *s;
	bool done = false;
	ls_status st;

	if (!it->started) {
		it->started = true;
		for (unsigned i = 0; i < it->n_streams; i++)
			if ((st = push(it, bt_message_stream_beginning_create(
						   it->self, it->streams[i].stream))) != LS_OK)
				return st;
		return LS_OK;
	}
	memset(r, 0, sizeof(*r));
	st = it->run->next(it->run->data, r, &done, it->run->err);
	if (st != LS_OK) {
		it->run->status = st;
		return st;
	}
	if (done) {
		it->finished = true;
		for (unsigned i = 0; i < it->n_streams; i++) {
			s = &it->streams[i];
			if (s->packet && (st = close_packet(it, s, it->last_t)) != LS_OK)
				return st;
			if ((st = push(it, bt_message_stream_end_create(it->self, s->stream))) != LS_OK)
				return st;
		}
		return LS_OK;
	}
	s = find_stream(it, r->cpu);
	if (!s)
		return fail(it, LS_ERR_INTERNAL, "record on cpu %u, which has no stream", (unsigned)r->cpu);
	if (r->t < it->last_t)
		return fail(it, LS_ERR_INTERNAL, "records out of time order");
	st = r->kind == LS_RECORD_DISCARDED ? write_discarded(it, s, r) : write_event(it, s, r);
	it->last_t = r->t;
	return st;
}

/* ---- component and iterator methods ----------------------------------------------------- */

static void iter_finalize(bt_self_message_iterator *self)
{
	iter_state *it = bt_self_message_iterator_get_data(self);

	if (!it)
		return;
	for (size_t i = it->pending_pos; i < it->pending_n; i++)
		bt_message_put_ref(it->pending[i]);
	free(it->pending);
	for (unsigned i = 0; i < it->n_streams; i++) {
		bt_packet_put_ref(it->streams[i].packet);
		bt_stream_put_ref(it->streams[i].stream);
	}
	free(it->streams);
	for (unsigned t = 0; t < LS_EV_FIRST_FOREIGN; t++) {
		bt_event_class_put_ref(it->contract[t].ec);
		free(it->contract[t].m);
	}
	for (unsigned i = 0; it->foreign && i < it->run->schema->n_foreign; i++) {
		bt_event_class_put_ref(it->foreign[i].ec);
		free(it->foreign[i].m);
	}
	free(it->foreign);
	bt_trace_put_ref(it->trace);
	bt_stream_class_put_ref(it->sc);
	bt_clock_class_put_ref(it->cc);
	bt_trace_class_put_ref(it->tc);
	free(it);
}

static bt_message_iterator_class_initialize_method_status
iter_init(bt_self_message_iterator *self, bt_self_message_iterator_configuration *config,
	  bt_self_component_port_output *port)
{
	run_ctx *run = bt_self_component_get_data(bt_self_message_iterator_borrow_component(self));
	iter_state *it = calloc(1, sizeof(*it));

	(void)config;
	(void)port;
	if (!it) {
		ls_error_set(run->err, LS_ERR_NOMEM, NULL, "out of memory");
		run->status = LS_ERR_NOMEM;
		return BT_MESSAGE_ITERATOR_CLASS_INITIALIZE_METHOD_STATUS_MEMORY_ERROR;
	}
	it->run = run;
	it->self = self;
	bt_self_message_iterator_set_data(self, it);
	if (build_ir(it) != LS_OK)
		return BT_MESSAGE_ITERATOR_CLASS_INITIALIZE_METHOD_STATUS_ERROR;
	return BT_MESSAGE_ITERATOR_CLASS_INITIALIZE_METHOD_STATUS_OK;
}

static bt_message_iterator_class_next_method_status
iter_next(bt_self_message_iterator *self, bt_message_array_const msgs, uint64_t capacity,
	  uint64_t *count)
{
	iter_state *it = bt_self_message_iterator_get_data(self);
	uint64_t n = 0;

	while (n < capacity) {
		if (it->pending_pos == it->pending_n) {
			if (it->finished)
				break;
			it->pending_pos = it->pending_n = 0;
			if (fill(it) != LS_OK) {
				for (uint64_t i = 0; i < n; i++)
					bt_message_put_ref(msgs[i]);
				BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_MESSAGE_ITERATOR(
					self, "%s", it->run->err->message);
				return BT_MESSAGE_ITERATOR_CLASS_NEXT_METHOD_STATUS_ERROR;
			}
			continue;
		}
		msgs[n++] = it->pending[it->pending_pos++];
	}
	*count = n;
	return n ? BT_MESSAGE_ITERATOR_CLASS_NEXT_METHOD_STATUS_OK
		 : BT_MESSAGE_ITERATOR_CLASS_NEXT_METHOD_STATUS_END;
}

static bt_component_class_initialize_method_status
src_init(bt_self_component_source *self, bt_self_component_source_configuration *config,
	 const bt_value *params, void *init_data)
{
	(void)config;
	(void)params;
	if (bt_self_component_source_add_output_port(self, "out", NULL, NULL) !=
	    BT_SELF_COMPONENT_ADD_PORT_STATUS_OK)
		return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_ERROR;
	bt_self_component_set_data(bt_self_component_source_as_self_component(self), init_data);
	return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_OK;
}

/* ---- the graph ----------------------------------------------------------------------- */

/* Moves babeltrace2's per-thread error (most recent cause first) into err. */
static ls_status take_bt_error(ls_error *err, ls_status st, const char *file, const char *what)
{
	const bt_error *e = bt_current_thread_take_error();
	char causes[600] = "";
	size_t len = 0;

	if (e) {
		uint64_t n = bt_error_get_cause_count(e);
		for (uint64_t i = 0; i < n && len + 4 < sizeof(causes); i++) {
			const char *m = bt_error_cause_get_message(bt_error_borrow_cause_by_index(e, i));
			int w = snprintf(causes + len, sizeof(causes) - len, "%s%s", i ? "; " : "", m);
			if (w < 0)
				break;
			len += (size_t)w;
		}
		bt_error_release(e);
	}
	return ls_error_set(err, st, file, "%s%s%s", what, causes[0] ? ": " : "", causes);
}

ls_status ls_ctfwrite_run(const char *dir, const ls_record_schema *schema, ls_record_next_fn next,
			  void *data, ls_error *err)
{
	run_ctx run = { .schema = schema, .next = next, .data = data, .err = err, .status = LS_OK };
	const bt_plugin *plugin = NULL;
	const bt_component_class_sink *sink_cc;
	bt_message_iterator_class *mic = NULL;
	bt_component_class_source *src_cc = NULL;
	bt_graph *graph = NULL;
	bt_value *params = NULL;
	const bt_component_source *src = NULL;
	const bt_component_sink *sink = NULL;
	bt_graph_run_status rs;
	char metadata[1100];
	struct stat sb;
	ls_status st = LS_OK;

	bt_current_thread_clear_error();
	if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &plugin) !=
		    BT_PLUGIN_FIND_STATUS_OK ||
	    !(sink_cc = bt_plugin_borrow_sink_component_class_by_name_const(plugin, "fs"))) {
		st = take_bt_error(err, LS_ERR_INTERNAL, NULL,
				   "babeltrace2 plugin `ctf` (sink.ctf.fs) not found");
		goto end;
	}
	mic = bt_message_iterator_class_create(iter_next);
	src_cc = mic ? bt_component_class_source_create("lockstep-synth", mic) : NULL;
	graph = bt_graph_create(0);
	params = bt_value_map_create();
	if (!mic || !src_cc || !graph || !params) {
		st = ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
		goto end;
	}
	bt_message_iterator_class_set_initialize_method(mic, iter_init);
	bt_message_iterator_class_set_finalize_method(mic, iter_finalize);
	bt_component_class_source_set_initialize_method(src_cc, src_init);
	if (bt_value_map_insert_string_entry(params, "path", dir) != BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK ||
	    bt_value_map_insert_bool_entry(params, "assume-single-trace", BT_TRUE) !=
		    BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK ||
	    bt_value_map_insert_bool_entry(params, "quiet", BT_TRUE) !=
		    BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK) {
		st = ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
		goto end;
	}
	if (bt_graph_add_source_component_with_initialize_method_data(
		    graph, src_cc, "synth", NULL, &run, BT_LOGGING_LEVEL_WARNING, &src) !=
		    BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_graph_add_sink_component(graph, sink_cc, "fs", params, BT_LOGGING_LEVEL_WARNING,
					&sink) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		st = take_bt_error(err, LS_ERR_IO, dir, "cannot set up sink.ctf.fs");
		goto end;
	}
	if (bt_graph_connect_ports(graph, bt_component_source_borrow_output_port_by_index_const(src, 0),
				   bt_component_sink_borrow_input_port_by_index_const(sink, 0),
				   NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
		st = take_bt_error(err, LS_ERR_INTERNAL, NULL, "cannot connect to sink.ctf.fs");
		goto end;
	}
	do
		rs = bt_graph_run(graph);
	while (rs == BT_GRAPH_RUN_STATUS_AGAIN);
	if (rs != BT_GRAPH_RUN_STATUS_OK) {
		if (run.status != LS_OK) {
			bt_current_thread_clear_error();
			st = run.status;
		} else {
			st = take_bt_error(err, LS_ERR_IO, dir, "writing the trace failed");
		}
		goto end;
	}
	/* sink.ctf.fs writes `metadata` when its trace is destroyed, i.e. with the graph. */
	bt_graph_put_ref(graph);
	graph = NULL;
	snprintf(metadata, sizeof(metadata), "%s/metadata", dir);
	if (stat(metadata, &sb) != 0) {
		st = take_bt_error(err, LS_ERR_IO, dir, "sink.ctf.fs wrote no metadata");
		goto end;
	}
end:
	bt_graph_put_ref(graph);
	bt_value_put_ref(params);
	bt_component_class_source_put_ref(src_cc);
	bt_message_iterator_class_put_ref(mic);
	bt_plugin_put_ref(plugin);
	return st;
}
