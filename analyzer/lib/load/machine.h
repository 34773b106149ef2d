/* machine.h — what recorded a trace: the `machine` file tracer/vm/lockstep-vm writes beside
 * each trace it records, one line of key=value words:
 *
 *     accel=kvm|tcg vcpus=4 host_cpus=2 qemu=7.2.15 kernel=6.12.118-lockstep [inject=NAME]
 *
 * The loader copies the line into meta.machine; reports read it back to say whether timings
 * came from an emulated CPU (TCG), where a vCPU that the host does not run for a while looks
 * like a 30–110 ms on-CPU spin. Reading and parsing only; no store access. */
#ifndef LOCKSTEP_MACHINE_H
#define LOCKSTEP_MACHINE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* The file name looked for in a trace directory (then in its parent). */
#define LS_MACHINE_FILE "machine"

/* Reads TRACE_DIR/machine, else TRACE_DIR/../machine, into buf as one line (newlines and
 * control characters become spaces, surrounding space trimmed). LS_OK with buf "" when neither
 * exists; LS_ERR_INPUT (naming the file) when one exists but cannot be read or is not one
 * line of key=value words. */
ls_status ls_machine_read(const char *trace_dir, char *buf, size_t size, ls_error *err);

/* Copies the value of `key` in a machine line into buf ("" when absent); returns buf. */
const char *ls_machine_field(const char *machine, const char *key, char *buf, size_t size);

/* True when the machine line says the CPU was emulated (accel=tcg). */
bool ls_machine_emulated(const char *machine);

#endif
