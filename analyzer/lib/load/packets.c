/* packets.c — see packets.h. The metadata reader follows only what packet headers and contexts
 * are made of in practice (LTTng, babeltrace2's sink.ctf.fs): integer typealiases, named and
 * anonymous structs of integers and integer arrays, `enum : T`. Anything else and it gives up,
 * which costs the check, not the load. */
#include "packets.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CTF_MAGIC 0xc1fc1fc1u
#define TSDL_MAGIC 0x75d11d57u
#define MAX_METADATA (16u << 20)
#define MAX_TOKENS 200000
#define MAX_ALIASES 256
#define MAX_STRUCTS 64

/* ---- metadata text ---- */

static uint32_t get_u32(const unsigned char *p, bool big)
{
	return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		   : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* The metadata as text: packetized metadata (LTTng) is unwrapped packet by packet. */
static char *metadata_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *raw = NULL;
	char *text = NULL;
	long size;
	size_t n = 0;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || (unsigned long)size > MAX_METADATA ||
	    fseek(f, 0, SEEK_SET) != 0 || !(raw = malloc((size_t)size + 1)) ||
	    fread(raw, 1, (size_t)size, f) != (size_t)size)
		goto end;
	if (size >= 37 && (get_u32(raw, false) == TSDL_MAGIC || get_u32(raw, true) == TSDL_MAGIC)) {
		bool big = get_u32(raw, true) == TSDL_MAGIC;
		if (!(text = malloc((size_t)size + 1)))
			goto end;
		for (size_t off = 0; off + 37 <= (size_t)size;) {
			uint32_t content = get_u32(raw + off + 24, big) / 8, packet = get_u32(raw + off + 28, big) / 8;
			if (content < 37 || packet < content || off + content > (size_t)size) {
				free(text);
				text = NULL;
				goto end;
			}
			memcpy(text + n, raw + off + 37, content - 37);
			n += content - 37;
			off += packet;
		}
		text[n] = '\0';
	} else {
		raw[size] = '\0';
		text = (char *)raw;
		raw = NULL;
	}
end:
	if (f)
		fclose(f);
	free(raw);
	return text;
}

/* ---- tokens ---- */

struct parser {
	char **tok;
	char *store; /* the tokens' text, each NUL-terminated */
	int n, pos;
	bool failed;
	struct { char name[64]; int bits, align; } alias[MAX_ALIASES];
	int n_alias;
	struct { char name[64]; int start; } structs[MAX_STRUCTS]; /* token index of the '{' */
	int n_structs;
};

static bool tokenize(struct parser *p, const char *s)
{
	char *w;

	p->tok = calloc(MAX_TOKENS, sizeof(*p->tok));
	p->store = malloc(2 * strlen(s) + 16);
	if (!p->tok || !p->store)
		return false;
	w = p->store;
	while (*s && p->n < MAX_TOKENS) {
		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		if (s[0] == '/' && s[1] == '*') {
			const char *e = strstr(s + 2, "*/");
			s = e ? e + 2 : s + strlen(s);
			continue;
		}
		if (s[0] == '/' && s[1] == '/') {
			s += strcspn(s, "\n");
			continue;
		}
		p->tok[p->n++] = w;
		if (*s == '"') {
			const char *e = strchr(s + 1, '"');
			if (!e)
				return false;
			*w++ = '\x01'; /* marks a string token */
			memcpy(w, s + 1, (size_t)(e - s - 1));
			w += e - s - 1;
			s = e + 1;
		} else if (s[0] == ':' && s[1] == '=') {
			*w++ = ':';
			*w++ = '=';
			s += 2;
		} else if (strchr("{}[]();:=,<>", *s)) {
			*w++ = *s++;
		} else {
			while (*s && !isspace((unsigned char)*s) && !strchr("{}[]();:=,<>\"", *s) &&
			       !(s[0] == '/' && (s[1] == '*' || s[1] == '/')))
				*w++ = *s++;
		}
		*w++ = '\0';
	}
	return p->n < MAX_TOKENS;
}

static const char *peek(struct parser *p, int ahead)
{
	return p->pos + ahead < p->n ? p->tok[p->pos + ahead] : "";
}

static bool accept(struct parser *p, const char *t)
{
	if (strcmp(peek(p, 0), t) != 0)
		return false;
	p->pos++;
	return true;
}

/* Skips a balanced {...} starting at the current '{'. */
static void skip_block(struct parser *p)
{
	int depth = 0;

	do {
		if (!strcmp(peek(p, 0), "{"))
			depth++;
		else if (!strcmp(peek(p, 0), "}"))
			depth--;
		p->pos++;
	} while (depth > 0 && p->pos < p->n);
}

/* integer { size = N; align = A; ... } → bits, align (current token is '{') */
static bool integer_body(struct parser *p, int *bits, int *align)
{
	*bits = -1;
	*align = -1;
	if (!accept(p, "{"))
		return false;
	while (p->pos < p->n && strcmp(peek(p, 0), "}") != 0) {
		const char *key = peek(p, 0);
		if (!strcmp(peek(p, 1), "=")) {
			const char *v = peek(p, 2);
			if (!strcmp(key, "size"))
				*bits = atoi(v);
			else if (!strcmp(key, "align"))
				*align = atoi(v);
			p->pos += 3;
			while (p->pos < p->n && strcmp(peek(p, 0), ";") && strcmp(peek(p, 0), "}"))
				p->pos++; /* map = clock.monotonic.value */
			accept(p, ";");
		} else {
			p->pos++;
		}
	}
	if (!accept(p, "}") || *bits <= 0)
		return false;
	if (*align <= 0)
		*align = *bits % 8 ? 1 : 8;
	return true;
}

static int find_alias(struct parser *p, const char *name)
{
	for (int i = 0; i < p->n_alias; i++)
		if (!strcmp(p->alias[i].name, name))
			return i;
	return -1;
}

struct layout_fields {
	int offset_bits, max_align;
	bool ok;
	struct { const char *name; int at_bits, bits; } found[16];
	int n_found;
};

static void struct_members(struct parser *p, struct layout_fields *lf, int depth);

/* A type, then the member name: integer {...} | enum : T {...} | struct NAME | struct {...} | alias */
static bool member_type(struct parser *p, struct layout_fields *lf, int *bits, int *align, int depth)
{
	if (accept(p, "integer"))
		return integer_body(p, bits, align);
	if (accept(p, "enum")) {
		char name[64] = "";
		if (!accept(p, ":"))
			return false;
		while (p->pos < p->n && strcmp(peek(p, 0), "{")) {
			snprintf(name + strlen(name), sizeof(name) - strlen(name), "%s%s", name[0] ? " " : "", peek(p, 0));
			p->pos++;
		}
		if (!strcmp(name, "integer"))
			return false;
		skip_block(p);
		int a = find_alias(p, name);
		if (a < 0)
			return false;
		*bits = p->alias[a].bits;
		*align = p->alias[a].align;
		return true;
	}
	(void)lf, (void)depth;
	/* an alias, possibly of several words ("unsigned long"): all but the member name */
	{
		char name[64] = "";
		int words = 0;
		while (p->pos + 1 < p->n && strcmp(peek(p, 1), ";") && strcmp(peek(p, 1), "[")) {
			snprintf(name + strlen(name), sizeof(name) - strlen(name), "%s%s", words++ ? " " : "", peek(p, 0));
			p->pos++;
		}
		if (!words)
			return false;
		int a = find_alias(p, name);
		if (a < 0)
			return false;
		*bits = p->alias[a].bits;
		*align = p->alias[a].align;
		return true;
	}
}

static void struct_members(struct parser *p, struct layout_fields *lf, int depth)
{
	if (!accept(p, "{")) {
		lf->ok = false;
		return;
	}
	while (lf->ok && p->pos < p->n && strcmp(peek(p, 0), "}") != 0) {
		int bits, align, count = 1;
		const char *name;
		if (!strcmp(peek(p, 0), "struct") || !strcmp(peek(p, 0), "string") || !strcmp(peek(p, 0), "variant") ||
		    !strcmp(peek(p, 0), "floating_point") || !member_type(p, lf, &bits, &align, depth)) {
			lf->ok = false;
			return;
		}
		name = peek(p, 0);
		p->pos++;
		if (accept(p, "[")) {
			count = atoi(peek(p, 0));
			p->pos++;
			if (!accept(p, "]") || count <= 0) {
				lf->ok = false;
				return;
			}
		}
		if (!accept(p, ";")) {
			lf->ok = false;
			return;
		}
		if (align > lf->max_align)
			lf->max_align = align;
		lf->offset_bits = (lf->offset_bits + align - 1) / align * align;
		if (lf->n_found < 16) {
			lf->found[lf->n_found].name = name;
			lf->found[lf->n_found].at_bits = lf->offset_bits;
			lf->found[lf->n_found].bits = count > 1 ? bits * count : bits;
			lf->n_found++;
		}
		lf->offset_bits += bits * count;
	}
	if (!accept(p, "}"))
		lf->ok = false;
	if (accept(p, "align")) { /* struct {...} align(N) */
		int a;
		accept(p, "(");
		a = atoi(peek(p, 0));
		p->pos++;
		accept(p, ")");
		if (a > lf->max_align)
			lf->max_align = a;
	}
}

/* After ":=": struct { ... } or struct NAME. Fills lf starting at lf->offset_bits. */
static void struct_type(struct parser *p, struct layout_fields *lf)
{
	int saved;

	if (!accept(p, "struct")) {
		lf->ok = false;
		return;
	}
	if (!strcmp(peek(p, 0), "{")) {
		struct_members(p, lf, 0);
		return;
	}
	for (int i = 0; i < p->n_structs; i++) {
		if (!strcmp(p->structs[i].name, peek(p, 0))) {
			p->pos++;
			saved = p->pos;
			p->pos = p->structs[i].start;
			struct_members(p, lf, 0);
			p->pos = saved;
			return;
		}
	}
	lf->ok = false;
}

static int field(const struct layout_fields *lf, const char *name, int *len, int base_bits)
{
	for (int i = 0; i < lf->n_found; i++) {
		const char *n = lf->found[i].name;
		if (!strcmp(n, name) || (n[0] == '_' && !strcmp(n + 1, name))) {
			int at = lf->found[i].at_bits + base_bits;
			if (at % 8 || lf->found[i].bits % 8 || (len && !(lf->found[i].bits == 8 || lf->found[i].bits == 16 ||
								  lf->found[i].bits == 32 || lf->found[i].bits == 64)))
				return -2;
			if (len)
				*len = lf->found[i].bits / 8;
			return at / 8;
		}
	}
	return -1;
}

static bool parse_uuid(const char *s, uint8_t out[16])
{
	int n = 0;

	for (; *s && n < 32; s++) {
		if (*s == '-')
			continue;
		if (!isxdigit((unsigned char)*s))
			return false;
		int v = isdigit((unsigned char)*s) ? *s - '0' : (tolower((unsigned char)*s) - 'a' + 10);
		if (n % 2 == 0)
			out[n / 2] = (uint8_t)(v << 4);
		else
			out[n / 2] |= (uint8_t)v;
		n++;
	}
	return n == 32 && !*s;
}

bool ls_packets_read_layout(const char *metadata_path, ls_packet_layout *out)
{
	char *text = metadata_text(metadata_path);
	struct parser *p = text ? calloc(1, sizeof(*p)) : NULL;
	struct layout_fields header = { .ok = false }, context = { .ok = false };
	bool have_header = false, have_context = false, ok = false;
	int n_contexts = 0;

	memset(out, 0, sizeof(*out));
	if (!p || !tokenize(p, text))
		goto end;
	while (p->pos < p->n) {
		const char *t = peek(p, 0);
		if (!strcmp(t, "typealias") && !strcmp(peek(p, 1), "integer")) {
			int bits, align;
			char name[64] = "";
			p->pos += 2;
			if (!integer_body(p, &bits, &align) || !accept(p, ":="))
				goto end;
			while (p->pos < p->n && strcmp(peek(p, 0), ";")) {
				snprintf(name + strlen(name), sizeof(name) - strlen(name), "%s%s", name[0] ? " " : "", peek(p, 0));
				p->pos++;
			}
			if (p->n_alias < MAX_ALIASES) {
				snprintf(p->alias[p->n_alias].name, sizeof(p->alias[0].name), "%s", name);
				p->alias[p->n_alias].bits = bits;
				p->alias[p->n_alias].align = align;
				p->n_alias++;
			}
		} else if (!strcmp(t, "struct") && strcmp(peek(p, 1), "{") && !strcmp(peek(p, 2), "{")) {
			if (p->n_structs < MAX_STRUCTS) {
				snprintf(p->structs[p->n_structs].name, sizeof(p->structs[0].name), "%s", peek(p, 1));
				p->structs[p->n_structs].start = p->pos + 2;
				p->n_structs++;
			}
			p->pos += 2;
			skip_block(p);
		} else if (!strcmp(t, "byte_order") && !strcmp(peek(p, 1), "=")) {
			out->big_endian = !strcmp(peek(p, 2), "be") || !strcmp(peek(p, 2), "network");
			p->pos += 3;
		} else if (!strcmp(t, "uuid") && !strcmp(peek(p, 1), "=") && peek(p, 2)[0] == '\x01' && !out->have_uuid) {
			/* the trace block comes before any clock in practice; only the first uuid counts */
			out->have_uuid = parse_uuid(peek(p, 2) + 1, out->uuid);
			p->pos += 3;
		} else if (!strcmp(t, "packet.header") && !strcmp(peek(p, 1), ":=")) {
			p->pos += 2;
			header = (struct layout_fields){ .ok = true, .max_align = 8 };
			struct_type(p, &header);
			have_header = header.ok;
			if (!have_header)
				goto end;
		} else if (!strcmp(t, "packet.context") && !strcmp(peek(p, 1), ":=")) {
			struct layout_fields c = { .ok = true, .max_align = 8 };
			p->pos += 2;
			struct_type(p, &c);
			if (!c.ok)
				goto end;
			/* several stream classes: all must agree on where the sizes are */
			if (n_contexts++ && (c.offset_bits != context.offset_bits))
				goto end;
			context = c;
			have_context = true;
		} else {
			p->pos++;
		}
	}
	if (!have_header || !have_context || header.offset_bits % 8)
		goto end;
	{
		int ctx_base = (header.offset_bits + context.max_align - 1) / context.max_align * context.max_align;
		int magic_len = 0;
		int magic = field(&header, "magic", &magic_len, 0);
		out->uuid_at = field(&header, "uuid", NULL, 0);
		for (int i = 0; i < header.n_found; i++)
			if (!strcmp(header.found[i].name, "uuid") && header.found[i].bits != 128)
				out->uuid_at = -1; /* not a 16-byte uuid: do not compare it */
		out->packet_size_at = field(&context, "packet_size", &out->packet_size_len, ctx_base);
		out->content_size_at = field(&context, "content_size", &out->content_size_len, ctx_base);
		out->ts_begin_at = field(&context, "timestamp_begin", &out->ts_begin_len, ctx_base);
		out->ts_end_at = field(&context, "timestamp_end", &out->ts_end_len, ctx_base);
		if (magic != 0 || magic_len != 4 || out->packet_size_at < 0 || out->content_size_at < 0 ||
		    out->uuid_at == -2 || out->ts_begin_at == -2 || out->ts_end_at == -2 ||
		    (ctx_base + context.offset_bits) % 8)
			goto end;
		if (out->uuid_at < 0)
			out->have_uuid = false;
		out->header_bytes = (unsigned)(ctx_base + context.offset_bits) / 8;
		ok = out->header_bytes <= 4096;
	}
end:
	if (p) {
		free(p->tok);
		free(p->store);
	}
	free(p);
	free(text);
	return ok;
}

/* ---- walking a stream ---- */

static uint64_t get_uint(const unsigned char *p, int len, bool big)
{
	uint64_t v = 0;

	for (int i = 0; i < len; i++)
		v |= (uint64_t)p[big ? len - 1 - i : i] << (8 * i);
	return v;
}

static size_t signature(const ls_packet_layout *l, unsigned char *sig)
{
	sig[0] = l->big_endian ? 0xc1 : 0xc1;
	sig[1] = l->big_endian ? 0xfc : 0x1f;
	sig[2] = l->big_endian ? 0x1f : 0xfc;
	sig[3] = 0xc1;
	if (l->have_uuid && l->uuid_at == 4) {
		memcpy(sig + 4, l->uuid, 16);
		return 20;
	}
	return 4;
}

static bool signature_at(int fd, uint64_t off, const unsigned char *sig, size_t sig_len)
{
	unsigned char buf[20];

	return pread(fd, buf, sig_len, (off_t)off) == (ssize_t)sig_len && memcmp(buf, sig, sig_len) == 0;
}

/* The next offset > from where a packet signature starts, or the file size. */
static uint64_t next_signature(int fd, uint64_t from, uint64_t size, const ls_packet_layout *l)
{
	unsigned char sig[20], buf[1 << 16];
	size_t sig_len = signature(l, sig);
	uint64_t off = from;

	while (off < size) {
		ssize_t n = pread(fd, buf, sizeof(buf), (off_t)off);
		if (n <= 0)
			break;
		for (ssize_t i = 0; i + (ssize_t)sig_len <= n; i++)
			if (buf[i] == sig[0] && memcmp(buf + i, sig, sig_len) == 0 &&
			    off + (uint64_t)i >= from)
				return off + (uint64_t)i;
		if ((size_t)n < sig_len)
			break;
		off += (uint64_t)n - (sig_len - 1);
		if ((size_t)n < sizeof(buf))
			break;
	}
	return size;
}

static void add_kept(ls_packet_check *c, uint64_t off, uint64_t len, int *cap)
{
	if (c->n_kept && c->kept[c->n_kept - 1].offset + c->kept[c->n_kept - 1].length == off) {
		c->kept[c->n_kept - 1].length += len;
		return;
	}
	if (c->n_kept == *cap) {
		int ncap = *cap ? *cap * 2 : 16;
		ls_byte_range *k = realloc(c->kept, (size_t)ncap * sizeof(*k));
		if (!k)
			return;
		c->kept = k;
		*cap = ncap;
	}
	c->kept[c->n_kept++] = (ls_byte_range){ off, len };
}

static void note(ls_packet_check *c, uint64_t packet, uint64_t off, uint64_t len, const char *why)
{
	size_t n = strlen(c->what);

	c->bytes_dropped += len;
	if (n + 80 >= sizeof(c->what)) {
		if (!strstr(c->what, "; …"))
			snprintf(c->what + n, sizeof(c->what) - n, "; …");
		return;
	}
	snprintf(c->what + n, sizeof(c->what) - n, "%spacket %llu (bytes %llu-%llu) %s", n ? "; " : "",
		 (unsigned long long)packet + 1, (unsigned long long)off, (unsigned long long)(off + len), why);
}

ls_status ls_packets_check(const char *path, const ls_packet_layout *l, ls_packet_check *c, ls_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned char *hdr = NULL, sig[20];
	size_t sig_len = signature(l, sig);
	struct stat sb;
	uint64_t off = 0, prev_end_ts = 0;
	bool have_prev = false;
	int cap = 0;

	memset(c, 0, sizeof(*c));
	if (fd < 0 || fstat(fd, &sb) != 0) {
		ls_status st = ls_error_set(err, LS_ERR_IO, path, "cannot read: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return st;
	}
	c->file_size = (uint64_t)sb.st_size;
	if (!(hdr = malloc(l->header_bytes + sig_len))) {
		close(fd);
		return ls_error_set(err, LS_ERR_NOMEM, path, "out of memory");
	}
	while (off < c->file_size) {
		uint64_t avail = c->file_size - off, packet_bytes, content_bits, ts_b = 0, ts_e = 0, next;
		const char *why = NULL;
		ssize_t n = pread(fd, hdr, l->header_bytes, (off_t)off);

		c->packets_seen++;
		if (n < 0) {
			free(hdr);
			close(fd);
			return ls_error_set(err, LS_ERR_IO, path, "cannot read: %s", strerror(errno));
		}
		if ((uint64_t)n < l->header_bytes || avail < l->header_bytes) {
			note(c, c->packets_seen - 1, off, avail, "is cut short inside its header");
			break;
		}
		if (memcmp(hdr, sig, 4) != 0 || (sig_len == 20 && memcmp(hdr + 4, sig + 4, 16) != 0)) {
			why = "has a damaged header (no CTF magic or another trace's uuid)";
		} else {
			packet_bytes = get_uint(hdr + l->packet_size_at, l->packet_size_len, l->big_endian);
			content_bits = get_uint(hdr + l->content_size_at, l->content_size_len, l->big_endian);
			if (packet_bytes % 8 || content_bits > packet_bytes || content_bits < l->header_bytes * 8ull)
				why = "has inconsistent sizes in its header";
			else if ((packet_bytes /= 8) > avail)
				why = next_signature(fd, off + 1, c->file_size, l) < c->file_size
					      ? "has a damaged size in its header (it runs over the next packet)"
					      : "is cut short (the file ends inside it)";
			else if (packet_bytes < avail && !signature_at(fd, off + packet_bytes, sig, sig_len))
				why = "has a damaged size in its header (no packet follows where it ends)";
			if (!why && l->ts_begin_at >= 0 && l->ts_end_at >= 0) {
				ts_b = get_uint(hdr + l->ts_begin_at, l->ts_begin_len, l->big_endian);
				ts_e = get_uint(hdr + l->ts_end_at, l->ts_end_len, l->big_endian);
				if (ts_e < ts_b)
					why = "ends before it begins (damaged timestamps)";
				else if (have_prev && ts_b < prev_end_ts)
					why = "is out of time order (it begins before the packet before it ends)";
			}
			if (!why) {
				add_kept(c, off, packet_bytes, &cap);
				c->packets_kept++;
				prev_end_ts = ts_e;
				have_prev = true;
				off += packet_bytes;
				continue;
			}
			if (strstr(why, "time order")) {
				note(c, c->packets_seen - 1, off, packet_bytes, why);
				off += packet_bytes;
				continue;
			}
		}
		/* resynchronise on the next packet signature */
		next = next_signature(fd, off + 1, c->file_size, l);
		note(c, c->packets_seen - 1, off, next - off, why);
		off = next;
	}
	free(hdr);
	close(fd);
	return LS_OK;
}

bool ls_packets_has_signature(const char *path, const ls_packet_layout *l)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	bool found;

	if (fd < 0)
		return false;
	found = l->have_uuid && l->uuid_at == 4 && fstat(fd, &sb) == 0 &&
		next_signature(fd, 0, (uint64_t)sb.st_size, l) < (uint64_t)sb.st_size;
	close(fd);
	return found;
}

bool ls_packets_write_kept(const char *from, const ls_packet_check *c, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out = in >= 0 ? open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
	bool ok = in >= 0 && out >= 0;
	char buf[1 << 16];

	for (int i = 0; ok && i < c->n_kept; i++) {
		uint64_t off = c->kept[i].offset, left = c->kept[i].length;
		while (ok && left) {
			ssize_t n = pread(in, buf, left < sizeof(buf) ? left : sizeof(buf), (off_t)off);
			ok = n > 0 && write(out, buf, (size_t)n) == n;
			off += (uint64_t)(n > 0 ? n : 0);
			left -= (uint64_t)(n > 0 ? n : 0);
		}
	}
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) != 0)
		ok = false;
	return ok;
}

void ls_packets_check_free(ls_packet_check *c)
{
	free(c->kept);
	c->kept = NULL;
	c->n_kept = 0;
}
