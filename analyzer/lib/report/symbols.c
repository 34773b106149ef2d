/* symbols.c — a sorted kallsyms table and address lookup. Reads one file; never prints. */
#include "symbols.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	uint64_t addr;
	char *name; /* "name" or "name [module]" */
} symbol;

struct ls_symbols {
	symbol *syms;
	size_t n, cap;
};

static int symbol_cmp(const void *a, const void *b)
{
	const symbol *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

void ls_symbols_free(ls_symbols *syms)
{
	if (!syms)
		return;
	for (size_t i = 0; i < syms->n; i++)
		free(syms->syms[i].name);
	free(syms->syms);
	free(syms);
}

ls_status ls_symbols_open(const char *path, ls_symbols **out, ls_error *err)
{
	ls_symbols *syms = NULL;
	ls_status status = LS_OK;
	char line[1024];
	FILE *f;

	*out = NULL;
	f = fopen(path, "r");
	if (!f)
		return ls_error_set(err, LS_ERR_INPUT, path, "cannot open: %s", strerror(errno));
	syms = calloc(1, sizeof(*syms));
	if (!syms)
		goto nomem;
	while (fgets(line, sizeof(line), f)) {
		char type, name[512], module[256];
		unsigned long long addr;
		int n;

		module[0] = '\0';
		n = sscanf(line, "%llx %c %511s %255s", &addr, &type, name, module);
		if (n < 3)
			continue;
		if (syms->n == syms->cap) {
			size_t cap = syms->cap ? syms->cap * 2 : 1024;
			symbol *s = realloc(syms->syms, cap * sizeof(*s));

			if (!s)
				goto nomem;
			syms->syms = s;
			syms->cap = cap;
		}
		size_t len = strlen(name) + strlen(module) + 2;
		char *full = malloc(len);

		if (!full)
			goto nomem;
		snprintf(full, len, "%s%s%s", name, module[0] ? " " : "", module);
		syms->syms[syms->n].addr = addr;
		syms->syms[syms->n].name = full;
		syms->n++;
	}
	if (ferror(f)) {
		status = ls_error_set(err, LS_ERR_IO, path, "read error");
		goto end;
	}
	if (syms->n == 0) {
		status = ls_error_set(err, LS_ERR_INPUT, path, "no symbols in kallsyms format");
		goto end;
	}
	qsort(syms->syms, syms->n, sizeof(*syms->syms), symbol_cmp);
	*out = syms;
	syms = NULL;
	goto end;

nomem:
	status = ls_error_set(err, LS_ERR_NOMEM, path, "out of memory");
end:
	fclose(f);
	ls_symbols_free(syms);
	return status;
}

ls_status ls_symbols_open_dir(const char *trace_dir, ls_symbols **out, ls_error *err)
{
	size_t len = strlen(trace_dir) + sizeof(LS_SYMBOLS_FILE) + 2;
	char *path = malloc(len);
	FILE *probe;
	ls_status status = LS_OK;

	*out = NULL;
	if (!path)
		return ls_error_set(err, LS_ERR_NOMEM, trace_dir, "out of memory");
	snprintf(path, len, "%s/%s", trace_dir, LS_SYMBOLS_FILE);
	probe = fopen(path, "r");
	if (probe) {
		fclose(probe);
		status = ls_symbols_open(path, out, err);
	}
	free(path);
	return status;
}

size_t ls_symbols_count(const ls_symbols *syms)
{
	return syms ? syms->n : 0;
}

const char *ls_symbols_format(const ls_symbols *syms, uint64_t addr, char *buf, size_t size)
{
	size_t lo = 0, hi;

	if (!syms || syms->n == 0 || addr < syms->syms[0].addr) {
		snprintf(buf, size, "0x%" PRIx64, addr);
		return buf;
	}
	/* Last symbol with syms[i].addr <= addr. */
	hi = syms->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (syms->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	const symbol *s = &syms->syms[lo];
	const char *space = strchr(s->name, ' ');
	int base_len = space ? (int)(space - s->name) : (int)strlen(s->name);

	if (addr == s->addr)
		snprintf(buf, size, "%.*s%s", base_len, s->name, space ? space : "");
	else
		snprintf(buf, size, "%.*s+0x%" PRIx64 "%s", base_len, s->name, addr - s->addr,
			 space ? space : "");
	return buf;
}
