/* isolate.h — running work that may crash (libbabeltrace2 and its plugins decoding an
 * untrusted trace) in a child process, so that an assertion or a segfault in a dependency ends
 * the child, not the program: the parent gets an ls_error naming the input, the signal and the
 * last line the child printed on stderr.
 *
 * The child is a fork() of the caller. It runs `work` and exits with _exit() (no atexit handler,
 * no stdio flush of the parent's buffers); it dies with the parent (PR_SET_PDEATHSIG). Messages
 * go to the parent through a pipe; the child's stderr through another. This module does not know
 * what the work is. */
#ifndef LOCKSTEP_ISOLATE_H
#define LOCKSTEP_ISOLATE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct ls_isolate ls_isolate; /* the child's end of the channel */

/* Child side: sends one message (at most LS_ISOLATE_MESSAGE_MAX bytes) to the parent. Safe from
 * any thread of the child. A parent that went away kills the child (SIGPIPE). */
#define LS_ISOLATE_MESSAGE_MAX 8192
void ls_isolate_send(ls_isolate *iso, uint32_t kind, const void *data, size_t size);

typedef struct {
	/* Runs in the child. Its status and err are handed back to the parent. */
	ls_status (*work)(void *arg, ls_isolate *iso, ls_error *err);
	void *arg;
	/* Parent side, in the calling thread: each message the child sent, in order. May be NULL. */
	void (*message)(void *user, uint32_t kind, const void *data, size_t size);
	/* Parent side: each line the child wrote on stderr (without the newline). May be NULL. */
	void (*log_line)(void *user, const char *line);
	void *user;
	/* When it becomes non-zero the child is killed and the run ends with LS_ERR_CANCELLED.
	 * Polled every 100 ms (and on EINTR). May be NULL. */
	const volatile sig_atomic_t *cancel;
	/* Named in errors: the input ("TRACE: the CTF decoder crashed …") and what crashed. */
	const char *input;
	const char *worker_name;
	/* The child's TMPDIR (its temporary files go there, so the parent can remove whatever a
	 * crashed child left); NULL keeps the caller's. */
	const char *tmpdir;
} ls_isolate_job;

/* Runs job->work in a child and waits for it. Returns the child's status and error when it
 * finished; LS_ERR_INPUT "INPUT: WORKER crashed (SIGABRT, last message: …)" when it died of a
 * signal or exited without a result; LS_ERR_CANCELLED when *cancel was set; LS_ERR_INTERNAL
 * when no child could be started. */
ls_status ls_isolate_run(const ls_isolate_job *job, ls_error *err);

#endif
