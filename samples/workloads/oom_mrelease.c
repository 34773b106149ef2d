/* oom_mrelease.c — the exit_mmap vs reaper race: a child fills memory and is SIGKILLed, and
 * the parent immediately reaps its address space with process_mrelease() while the child's
 * exit runs exit_mmap (process_mrelease and oom_reap phases under mmap_lock for reading, page
 * tables freed by free_pgtables). With `oom` as third argument a child instead allocates until
 * the OOM killer picks it (oom_score_adj 1000), which runs the OOM reaper proper; use that only
 * in the test VM. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "workload.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_process_mrelease
#define SYS_process_mrelease 448
#endif

#define CHILD_MEM (96UL << 20)

/* The OOM mode's child: allocate until the OOM killer picks us. */
static void child_until_oom(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, "1000", 4) != 4)
			perror("oom_score_adj");
		close(fd);
	}
	for (;;)
		wl_touch(wl_map(CHILD_MEM), CHILD_MEM);
}

int main(int argc, char **argv)
{
	double seconds;
	int threads;
	bool until_oom = argc > 3 && strcmp(argv[3], "oom") == 0;
	long rounds = 0, released = 0;
	double end;

	wl_args(argc, argv, &seconds, &threads);
	end = wl_now() + seconds;
	while (wl_now() < end) {
		int pipefd[2];
		char c;
		pid_t pid;
		int pidfd;

		if (pipe(pipefd) != 0)
			wl_die("pipe");
		pid = fork();
		if (pid < 0)
			wl_die("fork");
		if (pid == 0) {
			close(pipefd[0]);
			if (until_oom)
				child_until_oom();
			/* Fill, tell the parent the memory is in place, wait for the kill. */
			wl_touch(wl_map(CHILD_MEM), CHILD_MEM);
			if (write(pipefd[1], "x", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		close(pipefd[1]);
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (!until_oom) {
			if (read(pipefd[0], &c, 1) != 1)
				wl_die("read");
			if (pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) == 0 &&
			    syscall(SYS_process_mrelease, pidfd, 0) == 0)
				released++;
			else
				kill(pid, SIGKILL);
		}
		close(pipefd[0]);
		if (waitpid(pid, NULL, 0) < 0)
			wl_die("waitpid");
		if (pidfd >= 0)
			close(pidfd);
		rounds++;
	}
	printf("oom_mrelease: %ld rounds, %ld process_mrelease calls succeeded%s\n", rounds,
	       released, until_oom ? " (OOM mode)" : "");
	return 0;
}
