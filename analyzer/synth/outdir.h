/* outdir.h — the output directory of lockstep-synth: refuse to overwrite unless asked, write
 * into a temporary sibling, and move it into place only once the trace is complete, so a failed
 * run never leaves a half-written trace under the requested name.
 *
 * --force only ever deletes a directory that holds regular files (a previous trace); it never
 * recurses. */
#ifndef LOCKSTEP_SYNTH_OUTDIR_H
#define LOCKSTEP_SYNTH_OUTDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Checks that `dir` may receive a trace: absent, empty, or with `force` a directory of regular
 * files. Writes into tmp (size bytes) the path to write to instead, which does not exist.
 * LS_ERR_IO (with the reason) otherwise. */
ls_status ls_outdir_prepare(const char *dir, bool force, char *tmp, size_t size, ls_error *err);

/* Replaces `dir` with the finished trace in `tmp`. */
ls_status ls_outdir_commit(const char *dir, const char *tmp, ls_error *err);

/* Removes what a failed run left in `tmp` (regular files and the directory). */
void ls_outdir_discard(const char *tmp);

#endif
