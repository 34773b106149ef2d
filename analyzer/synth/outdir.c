/* outdir.c — checks, temporary directory and final rename for the trace directory. Plain
 * POSIX; nothing here knows about CTF. */
#include "outdir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Counts entries of `dir`; *only_files says whether all are regular files. -1 on error. */
static int count_entries(const char *dir, bool *only_files)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	*only_files = true;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[4096];
		struct stat sb;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n++;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
			*only_files = false;
	}
	closedir(d);
	return n;
}

static int remove_files_and_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int ret = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[4096];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) != 0)
			ret = -1;
	}
	closedir(d);
	if (rmdir(dir) != 0)
		ret = -1;
	return ret;
}

ls_status ls_outdir_prepare(const char *dir, bool force, char *tmp, size_t size, ls_error *err)
{
	struct stat sb;
	size_t len = strlen(dir);
	bool only_files;
	int n;

	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (len == 0)
		return ls_error_set(err, LS_ERR_USAGE, NULL, "empty output directory name");
	if (stat(dir, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode))
			return ls_error_set(err, LS_ERR_IO, dir, "exists and is not a directory");
		n = count_entries(dir, &only_files);
		if (n < 0)
			return ls_error_set(err, LS_ERR_IO, dir, "%s", strerror(errno));
		if (n > 0 && !force)
			return ls_error_set(err, LS_ERR_IO, dir,
					    "exists and is not empty (use --force to replace it)");
		if (n > 0 && !only_files)
			return ls_error_set(err, LS_ERR_IO, dir,
					    "holds subdirectories or special files; not replacing it");
	} else if (errno != ENOENT) {
		return ls_error_set(err, LS_ERR_IO, dir, "%s", strerror(errno));
	}
	if ((size_t)snprintf(tmp, size, "%.*s.synth-tmp-%ld", (int)len, dir, (long)getpid()) >= size)
		return ls_error_set(err, LS_ERR_USAGE, dir, "path too long");
	if (stat(tmp, &sb) == 0 && remove_files_and_dir(tmp) != 0)
		return ls_error_set(err, LS_ERR_IO, tmp, "stale temporary directory cannot be removed");
	return LS_OK;
}

ls_status ls_outdir_commit(const char *dir, const char *tmp, ls_error *err)
{
	struct stat sb;

	if (stat(dir, &sb) == 0 && remove_files_and_dir(dir) != 0)
		return ls_error_set(err, LS_ERR_IO, dir, "cannot remove the old trace: %s",
				    strerror(errno));
	if (rename(tmp, dir) != 0)
		return ls_error_set(err, LS_ERR_IO, dir, "cannot rename %s: %s", tmp, strerror(errno));
	return LS_OK;
}

void ls_outdir_discard(const char *tmp)
{
	struct stat sb;

	if (stat(tmp, &sb) == 0)
		remove_files_and_dir(tmp);
}
