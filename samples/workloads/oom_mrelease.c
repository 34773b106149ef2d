/* oom_mrelease.c — the exit_mmap vs reaper race: a child fills memory and is SIGKILLed, and
 * the parent immediately reaps its address space with process_mrelease() while the child's
 * exit runs exit_mmap (process_mrelease and oom_reap phases under mmap_lock for reading, page
 * tables freed by free_pgtables). Run as `oom_kill` (a link to this program), or with `oom` as
 * third argument, a child instead allocates until the OOM killer picks it (oom_score_adj 1000),
 * which runs the OOM reaper kthread proper; use that only in the test VM. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
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

/* The OOM mode confines each child to a memory cgroup of OOM_LIMIT without swap, so that the
 * OOM killer strikes after a few thousand page faults instead of after all of the machine's
 * memory (and a trace of every one of its faults). */
#define OOM_CGROUP "/sys/fs/cgroup/lockstep-oom"
#define OOM_LIMIT "32M"

/* Creates the cgroup; false (and the machine-wide OOM killer) when cgroup v2's memory
 * controller is not there. */
static bool oom_cgroup_setup(void)
{
	if (!wl_cgroup2()) {
		errno = ENOTSUP;
		return false;
	}
	wl_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	if (mkdir(OOM_CGROUP, 0755) != 0 && errno != EEXIST)
		return false;
	return wl_write_file(OOM_CGROUP "/memory.max", OOM_LIMIT) &&
	       (wl_write_file(OOM_CGROUP "/memory.swap.max", "0") || errno == ENOENT);
}

/* The OOM mode's child: allocate until the OOM killer picks us. */
static void child_until_oom(bool in_cgroup)
{
	char pid[32];

	if (!wl_write_file("/proc/self/oom_score_adj", "1000"))
		perror("oom_score_adj");
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (in_cgroup && !wl_write_file(OOM_CGROUP "/cgroup.procs", pid))
		perror(OOM_CGROUP "/cgroup.procs");
	for (;;)
		wl_touch(wl_map(CHILD_MEM), CHILD_MEM);
}

int main(int argc, char **argv)
{
	double seconds;
	int threads;
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	bool until_oom = strcmp(name, "oom_kill") == 0 || (argc > 3 && strcmp(argv[3], "oom") == 0);
	bool in_cgroup = false;
	long rounds = 0, released = 0;
	double end;

	wl_args(argc, argv, &seconds, &threads);
	if (until_oom && !(in_cgroup = oom_cgroup_setup()))
		fprintf(stderr, "%s: no memory cgroup (%s): the machine-wide OOM killer will act\n", name,
			strerror(errno));
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
				child_until_oom(in_cgroup);
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
	if (until_oom)
		printf("%s: %ld children killed by the OOM killer\n", name, rounds);
	else
		printf("%s: %ld rounds, %ld process_mrelease calls succeeded\n", name, rounds, released);
	return 0;
}
