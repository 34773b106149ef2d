#!/bin/bash
# kernel-overhead.sh — what the kernel side costs: pf_bench's page faults on the unpatched
# kernel, on the patched kernel with lockstep tracing off, with every lockstep event recorded,
# and so with call stacks (lockstep-record --callstack), in one run of the test VM
# (tracer/vm/lockstep-vm bench; docs/kernel.md).
#
#   bash bench/kernel-overhead.sh [OUT_DIR]      # default bench/out/kernel-overhead
#
# Uses KVM when /dev/kvm is usable and says so when it falls back to TCG emulation, whose
# figures are relative only. The first run builds two kernels (about 25 minutes each on 2 CPUs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/bench/out/kernel-overhead}
if [ -z "${LOCKSTEP_VM_ACCEL:-}" ]; then
	if [ -w /dev/kvm ]; then
		export LOCKSTEP_VM_ACCEL=kvm
	else
		echo "kernel-overhead: /dev/kvm is not usable: running under TCG emulation; compare the ratios only" >&2
		export LOCKSTEP_VM_ACCEL=tcg
	fi
fi
exec "$root/tracer/vm/lockstep-vm" bench --out "$out"
