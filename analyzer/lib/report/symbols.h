/* symbols.h — kernel symbol maps for printing call sites as `symbol+0xoff`.
 *
 * A trace directory may carry `symbols.map` in kallsyms format ("ADDR TYPE NAME [module]", the
 * layout of /proc/kallsyms). Reports use it when present and fall back to hex otherwise; nothing
 * else depends on it. */
#ifndef LOCKSTEP_SYMBOLS_H
#define LOCKSTEP_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct ls_symbols ls_symbols;

/* The file name looked for in a trace directory. */
#define LS_SYMBOLS_FILE "symbols.map"

/* Reads a kallsyms-format file. Lines that do not parse are skipped; a file with no symbol at
 * all is LS_ERR_INPUT. *out is owned by the caller: free with ls_symbols_free(). */
ls_status ls_symbols_open(const char *path, ls_symbols **out, ls_error *err);

/* Opens DIR/symbols.map when it exists: returns LS_OK with *out NULL when there is none. */
ls_status ls_symbols_open_dir(const char *trace_dir, ls_symbols **out, ls_error *err);

void ls_symbols_free(ls_symbols *syms);

/* Number of symbols loaded. */
size_t ls_symbols_count(const ls_symbols *syms);

/* Writes `name+0xoff` (or `name` at offset 0; `[module]` appended for module symbols) for
 * `addr` into buf; plain `0x…` hex when syms is NULL or no symbol lies at or below addr.
 * Returns buf. */
const char *ls_symbols_format(const ls_symbols *syms, uint64_t addr, char *buf, size_t size);

#endif
