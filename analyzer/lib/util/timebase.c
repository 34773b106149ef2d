/* timebase.c — see timebase.h. The unit steps match gui/trace.c's lsv_format_duration so that a
 * time read in a report is found as written in the viewer. */
#include "timebase.h"

#include <inttypes.h>
#include <stdio.h>

const char *ls_duration_format(int64_t ns, char *buf, size_t size)
{
	const char *sign = ns < 0 ? "-" : "";
	uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;

	if (a < 1000)
		snprintf(buf, size, "%s%" PRIu64 " ns", sign, a);
	else if (a < 1000000)
		snprintf(buf, size, "%s%.3f µs", sign, (double)a / 1e3);
	else if (a < 1000000000)
		snprintf(buf, size, "%s%.3f ms", sign, (double)a / 1e6);
	else
		snprintf(buf, size, "%s%.4f s", sign, (double)a / 1e9);
	return buf;
}

const char *ls_time_format(const ls_timebase *tb, int64_t t, char *buf, size_t size)
{
	char d[LS_TIME_BUF];

	if (tb && tb->absolute) {
		snprintf(buf, size, "%" PRId64 " ns", t);
		return buf;
	}
	int64_t rel = t - (tb ? tb->t0 : 0);

	/* Points in time keep µs precision past one second ("+1046.317 ms"): a time must find its
	 * event, a duration only needs its size. */
	if (rel >= 1000000 || rel <= -1000000)
		snprintf(d, sizeof(d), "%.3f ms", (double)rel / 1e6);
	else
		ls_duration_format(rel, d, sizeof(d));
	snprintf(buf, size, "%s%s", d[0] == '-' ? "" : "+", d);
	return buf;
}

int64_t ls_time_value(const ls_timebase *tb, int64_t t)
{
	return tb && !tb->absolute ? t - tb->t0 : t;
}
