/* text.h — a growing NUL-terminated string that detail texts are printed into. A failed
 * allocation sets `failed` and turns later appends into no-ops, so a builder checks once at the
 * end instead of after every line. */
#ifndef LOCKSTEP_TEXT_H
#define LOCKSTEP_TEXT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	char *s;     /* malloc'd, owned by the caller (free()); NULL until the first append */
	size_t len, cap;
	bool failed; /* an allocation failed: `s` holds what was appended before */
} ls_text;

/* Appends printf-formatted text to `t`. */
void ls_text_printf(ls_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
