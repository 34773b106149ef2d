/* stacktext.c — see stacktext.h. It knows the tracer's frames by their symbols only: it must
 * not guess from address ranges, which differ per architecture and boot. */
#include "stacktext.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* LTTng's modules, the tracepoint machinery, lockstep's emitters. */
static bool is_tracer_frame(const char *formatted)
{
	return strstr(formatted, " [lttng") || starts_with(formatted, "__traceiter_") ||
	       starts_with(formatted, "__probestub_") || starts_with(formatted, "__lockstep_");
}

uint32_t ls_stacktext_first_frame(const ls_symbols *syms, const ls_callstack *cs)
{
	char buf[LS_STACKTEXT_FRAME_MAX];
	uint32_t i = 0;

	if (!syms)
		return 0;
	while (i < cs->depth && is_tracer_frame(ls_symbols_format(syms, cs->frames[i], buf, sizeof(buf))))
		i++;
	return i;
}

const char *ls_stacktext_frame(const ls_symbols *syms, const ls_callstack *cs, uint32_t i, char *buf,
			       size_t size)
{
	return ls_symbols_format(syms, cs->frames[i], buf, size);
}

char *ls_stacktext_lines(const ls_symbols *syms, const ls_callstack *cs, const char *first_prefix,
			 const char *indent)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	char buf[LS_STACKTEXT_FRAME_MAX];
	uint32_t first = ls_stacktext_first_frame(syms, cs);

	if (!out)
		return NULL;
	for (uint32_t i = first; i < cs->depth; i++)
		fprintf(out, "%s%s\n", i == first && first_prefix ? first_prefix : indent,
			ls_stacktext_frame(syms, cs, i, buf, sizeof(buf)));
	if (cs->truncated && cs->depth > first)
		fprintf(out, "%s(truncated)\n", indent);
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
