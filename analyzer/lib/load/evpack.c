/* evpack.c — packing raw events into chunks and back (layout in evpack.h). */
#include "evpack.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "contract.h"
#include "grow.h"

#define N_FIELDS (LS_EVCOL_PAYLOAD - LS_EVCOL_FIRST_FIELD)

/* The contract field behind each field column, in column order. */
static const ls_field field_of_column[N_FIELDS] = {
	LS_F_LOCK, LS_F_CLASS, LS_F_MODE, LS_F_TRYLOCK, LS_F_SUCCESS, LS_F_REASON, LS_F_OBJ,
	LS_F_KIND, LS_F_MM, LS_F_VMA, LS_F_SEQ, LS_F_ADDR, LS_F_START, LS_F_END, LS_F_DEFERRED,
	LS_F_RESULT, LS_F_NAME, LS_F_BEGIN, LS_F_IP,
};

static const char *const column_names[LS_EVCOL_COUNT] = {
	"id", "t_ns", "cpu", "tid", "type", "lock", "class", "mode", "trylock", "success", "reason",
	"obj", "kind", "mm", "vma", "seq", "addr", "start_addr", "end_addr", "deferred", "result",
	"phase", "begin", "ip", "payload",
};

_Static_assert(N_FIELDS == 19, "events has 19 field columns");

static uint32_t masks[LS_EV_PHASE + 1];

static void compute_masks(void)
{
	for (int t = LS_EV_LOCK_ACQUIRE; t <= LS_EV_PHASE; t++)
		for (int i = 0; i < N_FIELDS; i++)
			if (ls_event_has_field((ls_event_type)t, field_of_column[i]))
				masks[t] |= 1u << i;
}

const char *ls_evcol_name(ls_evcol col)
{
	return col >= 0 && col < LS_EVCOL_COUNT ? column_names[col] : "?";
}

uint32_t ls_evpack_columns(int64_t type)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, compute_masks);
	if (type < LS_EV_LOCK_ACQUIRE || type > LS_EV_PHASE || !ls_event_is_lockstep((ls_event_type)type))
		return 0;
	return masks[type];
}

uint64_t ls_evpack_type_bit(int64_t type)
{
	return type >= 0 && type < 63 ? 1ull << type : 1ull << 63;
}

/* ---- varints ---- */

static inline uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t unzigzag(uint64_t u)
{
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static inline void put_varint(unsigned char **out, uint64_t v)
{
	unsigned char *o = *out;

	while (v >= 0x80) {
		*o++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*o++ = (unsigned char)v;
	*out = o;
}

static inline bool get_varint(const unsigned char **in, const unsigned char *end, uint64_t *v)
{
	const unsigned char *p = *in;
	uint64_t r = 0;

	for (int shift = 0; shift < 64 && p < end; shift += 7) {
		unsigned char b = *p++;
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			*in = p;
			return true;
		}
	}
	return false;
}

/* ---- packing ---- */

void ls_evpack_init(ls_evpack *p)
{
	memset(p, 0, sizeof(*p));
}

void ls_evpack_free(ls_evpack *p)
{
	free(p->data);
	free(p->sealed);
	ZSTD_freeCCtx(p->zctx);
	memset(p, 0, sizeof(*p));
}

void ls_evpack_reset(ls_evpack *p)
{
	p->len = 0;
	p->n = 0;
	p->types = 0;
	p->prev_t = p->prev_tid = 0;
	memset(p->prev, 0, sizeof(p->prev));
}

/* Appends one event: fields[i] is column LS_EVCOL_FIRST_FIELD + i (read for the columns the
 * type has), cpu1 is the cpu + 1 (0: none). */
static bool pack(ls_evpack *p, int64_t id, int64_t type, int64_t t_ns, uint64_t cpu1, int64_t tid,
		 const int64_t *fields, const char *payload, size_t plen)
{
	uint32_t mask = ls_evpack_columns(type);
	/* at most 10 bytes a varint: type, time, cpu, tid, 19 fields or a length */
	size_t need = p->len + 10 * (4 + N_FIELDS) + plen;
	unsigned char *o;

	if (need > p->cap && !ls_grow((void **)&p->data, &p->cap, need < 65536 ? 65536 : need * 2, 1))
		return false;
	if (p->n == 0) {
		p->first_id = id;
		p->first_ns = t_ns;
	}
	p->last_ns = t_ns;
	p->types |= ls_evpack_type_bit(type);
	o = p->data + p->len;
	put_varint(&o, (uint64_t)type);
	put_varint(&o, zigzag((int64_t)((uint64_t)t_ns - (uint64_t)p->prev_t)));
	put_varint(&o, cpu1);
	put_varint(&o, zigzag((int64_t)((uint64_t)tid - (uint64_t)p->prev_tid)));
	p->prev_t = t_ns;
	p->prev_tid = tid;
	if (mask) {
		for (int i = 0; i < N_FIELDS; i++) {
			if (mask >> i & 1u) {
				put_varint(&o, zigzag((int64_t)((uint64_t)fields[i] - (uint64_t)p->prev[i])));
				p->prev[i] = fields[i];
			}
		}
	} else {
		put_varint(&o, plen);
		if (plen)
			memcpy(o, payload, plen);
		o += plen;
	}
	p->len = (size_t)(o - p->data);
	p->n++;
	return true;
}

bool ls_evpack_add(ls_evpack *p, int64_t id, int64_t type, const ls_event *ev)
{
	int64_t fields[N_FIELDS];
	uint32_t mask = ls_evpack_columns(type);

	for (int i = 0; i < N_FIELDS; i++)
		fields[i] = mask >> i & 1u ? (int64_t)ev->f[field_of_column[i]] : 0;
	return pack(p, id, type, ev->t_ns, ev->has_cpu ? (uint64_t)ev->cpu + 1 : 0, ev->tid, fields, ev->payload,
		    mask ? 0 : strnlen(ev->payload, sizeof(ev->payload)));
}

bool ls_evpack_add_row(ls_evpack *p, const ls_evrow *row)
{
	bool has_cpu = !(row->null >> LS_EVCOL_CPU & 1u);

	return pack(p, row->v[LS_EVCOL_ID], row->v[LS_EVCOL_TYPE], row->v[LS_EVCOL_T_NS],
		    has_cpu ? (uint64_t)row->v[LS_EVCOL_CPU] + 1 : 0, row->v[LS_EVCOL_TID], row->v + LS_EVCOL_FIRST_FIELD,
		    row->payload, row->payload ? row->payload_len : 0);
}

bool ls_evpack_seal(ls_evpack *p, const unsigned char **out, size_t *len)
{
	size_t bound = ZSTD_compressBound(p->len), n;

	if (!p->zctx && !(p->zctx = ZSTD_createCCtx()))
		return false;
	if (bound > p->sealed_cap && !ls_grow((void **)&p->sealed, &p->sealed_cap, bound, 1))
		return false;
	/* level 1: the fastest; higher levels cost the load more than they save on disk */
	n = ZSTD_compressCCtx(p->zctx, p->sealed, p->sealed_cap, p->data, p->len, 1);
	if (ZSTD_isError(n))
		return false;
	*out = p->sealed;
	*len = n;
	return true;
}

/* ---- unpacking ---- */

/* A chunk's worst case: every event with every varint at 10 bytes and a full payload. */
#define MAX_CHUNK_BYTES ((size_t)LS_EVPACK_CHUNK * (10 * (4 + N_FIELDS) + LS_PAYLOAD_MAX))

bool ls_evpack_open(const void *sealed, size_t sealed_len, unsigned char **buf, size_t *cap, size_t *len)
{
	unsigned long long size = ZSTD_getFrameContentSize(sealed, sealed_len);
	size_t n;

	if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > MAX_CHUNK_BYTES)
		return false;
	if (size + 1 > *cap && !ls_grow((void **)buf, cap, (size_t)size + 1, 1))
		return false;
	n = ZSTD_decompress(*buf, *cap, sealed, sealed_len);
	if (ZSTD_isError(n) || n != size)
		return false;
	*len = n;
	return true;
}


bool ls_evpack_unpack(const unsigned char *data, size_t len, int64_t first_id, int n, ls_evrow *rows)
{
	const unsigned char *in = data, *end = data + len;
	int64_t t = 0, tid = 0, prev[N_FIELDS] = { 0 };

	for (int k = 0; k < n; k++) {
		ls_evrow *r = &rows[k];
		uint64_t type, dt, cpu1, dtid, v;
		uint32_t mask;

		if (!get_varint(&in, end, &type) || !get_varint(&in, end, &dt) || !get_varint(&in, end, &cpu1) ||
		    !get_varint(&in, end, &dtid) || type > INT64_MAX)
			return false;
		t = (int64_t)((uint64_t)t + (uint64_t)unzigzag(dt));
		tid = (int64_t)((uint64_t)tid + (uint64_t)unzigzag(dtid));
		r->v[LS_EVCOL_ID] = first_id + k;
		r->v[LS_EVCOL_T_NS] = t;
		r->v[LS_EVCOL_CPU] = cpu1 ? (int64_t)(cpu1 - 1) : 0;
		r->v[LS_EVCOL_TID] = tid;
		r->v[LS_EVCOL_TYPE] = (int64_t)type;
		r->null = cpu1 ? 0 : 1u << LS_EVCOL_CPU;
		r->payload = NULL;
		r->payload_len = 0;
		mask = ls_evpack_columns((int64_t)type);
		for (int i = 0; i < N_FIELDS; i++) {
			if (mask >> i & 1u) {
				if (!get_varint(&in, end, &v))
					return false;
				prev[i] = (int64_t)((uint64_t)prev[i] + (uint64_t)unzigzag(v));
				r->v[LS_EVCOL_FIRST_FIELD + i] = prev[i];
			} else {
				r->v[LS_EVCOL_FIRST_FIELD + i] = 0;
				r->null |= 1u << (LS_EVCOL_FIRST_FIELD + i);
			}
		}
		if (mask) {
			r->null |= 1u << LS_EVCOL_PAYLOAD;
		} else {
			if (!get_varint(&in, end, &v) || v > (uint64_t)(end - in))
				return false;
			r->payload = (const char *)in;
			r->payload_len = (uint32_t)v;
			in += v;
		}
	}
	return in == end;
}
