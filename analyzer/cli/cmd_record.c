/* cmd_record.c — `lockstep record`: runs the recorder, tracer/lockstep-record, with the same
 * arguments. The recorder is a shell script because everything it does goes through LTTng's own
 * command-line client (lttng create/enable-event/start/stop); it is looked for beside this
 * executable first (the build tree and `meson install` both put it there), then on PATH. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define RECORDER "lockstep-record"

/* Writes the recorder's path beside /proc/self/exe into buf; false when there is none. */
static bool recorder_beside_self(char *buf, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return false;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return false;
	*slash = '\0';
	if ((size_t)snprintf(buf, size, "%s/%s", self, RECORDER) >= size)
		return false;
	return access(buf, X_OK) == 0;
}

int ls_cmd_record(int argc, char **argv)
{
	char path[PATH_MAX];
	char **args = calloc((size_t)argc + 1, sizeof(*args));

	if (!args) {
		fprintf(stderr, "lockstep record: out of memory\n");
		return CLI_EXIT_FAILURE;
	}
	for (int i = 1; i < argc; i++)
		args[i] = argv[i];
	args[argc] = NULL;
	if (recorder_beside_self(path, sizeof(path))) {
		args[0] = path;
		execv(path, args);
	} else {
		args[0] = RECORDER;
		execvp(RECORDER, args);
	}
	fprintf(stderr, "lockstep record: cannot run %s: %s (it is installed beside lockstep; see docs/kernel.md)\n",
		RECORDER, strerror(errno));
	free(args);
	return CLI_EXIT_FAILURE;
}
