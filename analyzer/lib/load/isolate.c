/* isolate.c — see isolate.h. The child writes framed messages ({kind, size, bytes}) on one pipe
 * and its stderr on another; the parent polls both, keeps the last stderr line for the crash
 * message, and reaps the child. */
#include "isolate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

enum { KIND_RESULT = 0xffffffffu }; /* the child's final status and ls_error */

struct ls_isolate {
	int fd;
	pthread_mutex_t mutex;
};

struct frame_header {
	uint32_t kind, size;
};

static void write_all(int fd, const void *data, size_t size)
{
	const char *p = data;

	while (size) {
		ssize_t n = write(fd, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(120); /* the parent is gone: nothing left to report to */
		p += n;
		size -= (size_t)n;
	}
}

void ls_isolate_send(ls_isolate *iso, uint32_t kind, const void *data, size_t size)
{
	struct frame_header h = { kind, (uint32_t)size };

	if (size > LS_ISOLATE_MESSAGE_MAX)
		size = h.size = LS_ISOLATE_MESSAGE_MAX;
	pthread_mutex_lock(&iso->mutex);
	write_all(iso->fd, &h, sizeof(h));
	write_all(iso->fd, data, size);
	pthread_mutex_unlock(&iso->mutex);
}

struct result {
	ls_status status;
	ls_error err;
};

static _Noreturn void child_main(const ls_isolate_job *job, int msg_fd, int log_fd, pid_t parent)
{
	ls_isolate iso = { .fd = msg_fd, .mutex = PTHREAD_MUTEX_INITIALIZER };
	struct result r;

	/* The parent decides about interruption (it kills us); a vanished parent kills us too. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(121);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(log_fd, STDERR_FILENO) < 0)
		_exit(122);
	close(log_fd);
	if (job->tmpdir)
		setenv("TMPDIR", job->tmpdir, 1);
	ls_error_clear(&r.err);
	r.status = job->work(job->arg, &iso, &r.err);
	ls_isolate_send(&iso, KIND_RESULT, &r, sizeof(r));
	fflush(stderr);
	_exit(0);
}

struct parent_state {
	const ls_isolate_job *job;
	char msg_buf[2 * (LS_ISOLATE_MESSAGE_MAX + sizeof(struct frame_header))];
	size_t msg_len;
	char log_buf[4096];
	size_t log_len;
	char last_line[512];
	bool have_result;
	struct result result;
};

static void take_frames(struct parent_state *ps)
{
	size_t off = 0;

	while (ps->msg_len - off >= sizeof(struct frame_header)) {
		struct frame_header h;
		memcpy(&h, ps->msg_buf + off, sizeof(h));
		if (ps->msg_len - off - sizeof(h) < h.size)
			break;
		if (h.kind == KIND_RESULT && h.size == sizeof(ps->result)) {
			memcpy(&ps->result, ps->msg_buf + off + sizeof(h), sizeof(ps->result));
			ps->have_result = true;
		} else if (ps->job->message) {
			ps->job->message(ps->job->user, h.kind, ps->msg_buf + off + sizeof(h), h.size);
		}
		off += sizeof(h) + h.size;
	}
	memmove(ps->msg_buf, ps->msg_buf + off, ps->msg_len - off);
	ps->msg_len -= off;
}

/* babeltrace2 decorates its assertion lines with a flipped table; keep the words. */
static void remember_line(struct parent_state *ps, const char *line)
{
	const char *p = line;
	const char *flip = strstr(p, "\xe2\x94\xbb\xe2\x94\x81\xe2\x94\xbb"); /* ┻━┻ */

	if (flip)
		p = flip + 9;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p)
		snprintf(ps->last_line, sizeof(ps->last_line), "%s", p);
	if (ps->job->log_line)
		ps->job->log_line(ps->job->user, line);
}

static void take_lines(struct parent_state *ps, bool flush)
{
	char *start = ps->log_buf, *nl;

	while ((nl = memchr(start, '\n', ps->log_len - (size_t)(start - ps->log_buf)))) {
		*nl = '\0';
		remember_line(ps, start);
		start = nl + 1;
	}
	ps->log_len -= (size_t)(start - ps->log_buf);
	memmove(ps->log_buf, start, ps->log_len);
	if (flush || ps->log_len == sizeof(ps->log_buf) - 1) {
		ps->log_buf[ps->log_len] = '\0';
		if (ps->log_len)
			remember_line(ps, ps->log_buf);
		ps->log_len = 0;
	}
}

/* Reads what is there; returns false at end of file. */
static bool drain(int fd, char *buf, size_t *len, size_t cap)
{
	ssize_t n;

	if (*len >= cap)
		return true;
	n = read(fd, buf + *len, cap - *len);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	*len += (size_t)n;
	return n > 0;
}

ls_status ls_isolate_run(const ls_isolate_job *job, ls_error *err)
{
	struct parent_state *ps = calloc(1, sizeof(*ps));
	int msg_pipe[2] = { -1, -1 }, log_pipe[2] = { -1, -1 };
	bool msg_open = true, log_open = true, cancelled = false;
	pid_t parent = getpid(), pid = -1;
	ls_status st;
	int wstatus = 0;

	if (!ps)
		return ls_error_set(err, LS_ERR_NOMEM, job->input, "out of memory");
	ps->job = job;
	if (pipe2(msg_pipe, O_CLOEXEC) != 0 || pipe2(log_pipe, O_CLOEXEC) != 0) {
		st = ls_error_set(err, LS_ERR_INTERNAL, job->input, "cannot start %s: %s", job->worker_name,
				  strerror(errno));
		goto end;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		st = ls_error_set(err, LS_ERR_INTERNAL, job->input, "cannot start %s: %s", job->worker_name,
				  strerror(errno));
		goto end;
	}
	if (pid == 0) {
		close(msg_pipe[0]);
		close(log_pipe[0]);
		child_main(job, msg_pipe[1], log_pipe[1], parent);
	}
	close(msg_pipe[1]);
	close(log_pipe[1]);
	msg_pipe[1] = log_pipe[1] = -1;
	while (msg_open || log_open) {
		struct pollfd fds[2] = { { msg_open ? msg_pipe[0] : -1, POLLIN, 0 },
					 { log_open ? log_pipe[0] : -1, POLLIN, 0 } };
		int n = poll(fds, 2, 100);

		if (job->cancel && *job->cancel && !cancelled) {
			kill(pid, SIGKILL);
			cancelled = true;
		}
		if (n <= 0)
			continue;
		if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			msg_open = drain(msg_pipe[0], ps->msg_buf, &ps->msg_len, sizeof(ps->msg_buf));
			take_frames(ps);
		}
		if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			log_open = drain(log_pipe[0], ps->log_buf, &ps->log_len, sizeof(ps->log_buf) - 1);
			take_lines(ps, !log_open);
		}
	}
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	if (cancelled || (job->cancel && *job->cancel)) {
		st = ls_error_set(err, LS_ERR_CANCELLED, job->input, "interrupted");
	} else if (ps->have_result && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) {
		st = ps->result.status;
		if (err)
			*err = ps->result.err;
	} else if (WIFSIGNALED(wstatus)) {
		int sig = WTERMSIG(wstatus);
		const char *name = sigabbrev_np(sig);
		st = ls_error_set(err, LS_ERR_INPUT, job->input, "%s crashed (SIG%s%s%s)", job->worker_name,
				  name ? name : "?", ps->last_line[0] ? ", last message: " : "", ps->last_line);
	} else {
		st = ls_error_set(err, LS_ERR_INPUT, job->input, "%s stopped without a result (exit status %d%s%s)",
				  job->worker_name, WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1,
				  ps->last_line[0] ? ", last message: " : "", ps->last_line);
	}
end:
	for (int i = 0; i < 2; i++) {
		if (msg_pipe[i] >= 0)
			close(msg_pipe[i]);
		if (log_pipe[i] >= 0)
			close(log_pipe[i]);
	}
	free(ps);
	return st;
}
