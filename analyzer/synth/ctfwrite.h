/* ctfwrite.h — writing records as a real CTF 1.8 trace through libbabeltrace2: a source
 * component of our own feeds `sink.ctf.fs` (plugin `ctf`) in a bt_graph, so the files are the
 * ones babeltrace2 itself writes and reads back.
 *
 * Layout (what LTTng kernel traces look like): one clock (1 GHz), one stream per CPU with
 * packets of at most LS_CTFWRITE_PACKET_EVENTS events, packet context `cpu_id`, event common
 * context `tid`/`pid`/`procname`, discarded events with clock snapshots.
 *
 * It does not parse scenarios, generate workloads or manage the output directory. */
#ifndef LOCKSTEP_SYNTH_CTFWRITE_H
#define LOCKSTEP_SYNTH_CTFWRITE_H

#include "error.h"
#include "record.h"

#define LS_CTFWRITE_PACKET_EVENTS 4096

/* Writes the trace into directory `dir`, which must not exist yet (sink.ctf.fs creates it in
 * single-trace mode). Pulls records with next(data) until it reports done; the records must
 * match `schema`. Returns LS_OK, or the producer's status, or LS_ERR_INTERNAL/LS_ERR_IO with
 * babeltrace2's causes in err. On failure `dir` may hold a partial trace; the caller removes
 * it. Nothing is kept after return. */
ls_status ls_ctfwrite_run(const char *dir, const ls_record_schema *schema, ls_record_next_fn next,
			  void *data, ls_error *err);

#endif
