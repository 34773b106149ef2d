/* text.c — see text.h. */
#include "text.h"

#include <stdarg.h>
#include <stdio.h>

#include "grow.h"

void ls_text_printf(ls_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !ls_grow((void **)&t->s, &t->cap, t->len + (size_t)n + 1, 1)) {
		t->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}
