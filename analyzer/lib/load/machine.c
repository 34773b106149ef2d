/* machine.c — see machine.h. */
#include "machine.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Reads `path` into buf as one trimmed line; 0 ok, ENOENT absent, another errno on failure,
 * -1 when the content is not key=value words. */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n, len = 0, start = 0;

	if (!f)
		return errno;
	n = fread(buf, 1, size - 1, f);
	if (ferror(f)) {
		int e = errno ? errno : EIO;

		fclose(f);
		return e;
	}
	fclose(f);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (iscntrl((unsigned char)buf[i]))
			buf[i] = ' ';
	while (start < n && buf[start] == ' ')
		start++;
	memmove(buf, buf + start, n - start + 1);
	len = strlen(buf);
	while (len > 0 && buf[len - 1] == ' ')
		buf[--len] = '\0';
	/* Every word must be key=value: a stray file of another kind is not a machine line. */
	for (const char *w = buf; *w;) {
		size_t wl = strcspn(w, " ");
		const char *eq = memchr(w, '=', wl);

		if (!eq || eq == w)
			return -1;
		w += wl;
		while (*w == ' ')
			w++;
	}
	return 0;
}

ls_status ls_machine_read(const char *trace_dir, char *buf, size_t size, ls_error *err)
{
	char path[4096];
	const char *where[2] = { "%s/" LS_MACHINE_FILE, "%s/../" LS_MACHINE_FILE };

	buf[0] = '\0';
	for (int i = 0; i < 2; i++) {
		int rc;

		if ((size_t)snprintf(path, sizeof(path), where[i], trace_dir) >= sizeof(path))
			continue;
		rc = read_line(path, buf, size);
		if (rc == ENOENT || rc == ENOTDIR)
			continue;
		if (rc == -1) {
			buf[0] = '\0';
			return ls_error_set(err, LS_ERR_INPUT, path,
					    "not a machine file: expected one line of key=value words"
					    " (accel=kvm|tcg vcpus=N ...)");
		}
		if (rc != 0) {
			buf[0] = '\0';
			return ls_error_set(err, LS_ERR_INPUT, path, "cannot read: %s", strerror(rc));
		}
		return LS_OK;
	}
	return LS_OK;
}

const char *ls_machine_field(const char *machine, const char *key, char *buf, size_t size)
{
	size_t kl = strlen(key);

	buf[0] = '\0';
	for (const char *w = machine ? machine : ""; *w;) {
		size_t wl = strcspn(w, " ");

		if (wl > kl && strncmp(w, key, kl) == 0 && w[kl] == '=') {
			snprintf(buf, size, "%.*s", (int)(wl - kl - 1), w + kl + 1);
			break;
		}
		w += wl;
		while (*w == ' ')
			w++;
	}
	return buf;
}

bool ls_machine_emulated(const char *machine)
{
	char accel[32];

	return strcmp(ls_machine_field(machine, "accel", accel, sizeof(accel)), "tcg") == 0;
}
