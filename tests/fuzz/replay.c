/* replay.c — runs a libFuzzer harness without libFuzzer: every file named on the command line,
 * or every file in each directory named, goes through LLVMFuzzerTestOneInput once. This is how
 * the default suite (gcc, and gcc with ASan+UBSan) runs the seeds and the regression inputs of
 * crashes the fuzzer found. Prints TAP, one line per input. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n;

static void run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long size;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(buf = malloc((size_t)size + 1)) || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		printf("not ok %d - %s: cannot read\n", ++n, path);
		exit(1);
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)size); /* a crash ends the test: that is the failure */
	free(buf);
	printf("ok %d - %s\n", ++n, path);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		struct stat sb;
		DIR *d;
		struct dirent *de;
		if (stat(argv[i], &sb) != 0)
			continue;
		if (!S_ISDIR(sb.st_mode)) {
			run_file(argv[i]);
			continue;
		}
		if (!(d = opendir(argv[i])))
			continue;
		while ((de = readdir(d))) {
			char path[4096];
			if (de->d_name[0] == '.' || !strcmp(de->d_name, "README.md"))
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
			run_file(path);
		}
		closedir(d);
	}
	printf("1..%d\n", n);
	return 0;
}
