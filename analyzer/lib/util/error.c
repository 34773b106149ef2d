/* error.c — filling and formatting ls_error. Nothing here allocates. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ls_error_clear(ls_error *err)
{
	if (!err)
		return;
	err->status = LS_OK;
	err->file[0] = '\0';
	err->message[0] = '\0';
	err->detail[0] = '\0';
}

ls_status ls_error_set(ls_error *err, ls_status status, const char *file, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return status;
	err->status = status;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	err->detail[0] = '\0';
	return status;
}

void ls_error_set_detail(ls_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
}

const char *ls_error_format(const ls_error *err, char *buf, size_t size)
{
	if (err->file[0])
		snprintf(buf, size, "%s: %s", err->file, err->message);
	else
		snprintf(buf, size, "%s", err->message);
	return buf;
}
