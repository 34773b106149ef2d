#!/usr/bin/env python3
"""manifest_expect.py — what samples/recorded/MANIFEST.json expects of a fresh recording, for the
kvm suite (kvm_e2e.sh), which records every injected race again and the same workloads on the
plain kernel.

usage: manifest_expect.py MANIFEST races
           one line per injected race to record: "RACE WORKLOAD[:SECONDS] TRACE" (TRACE: the
           manifest entry the recording is held to; the entries recorded with --callstack,
           named *_callstack, are the same race again and are left out)
       manifest_expect.py MANIFEST injected TRACE REPORT.json
           exit 0 when REPORT (lockstep check --format json) meets every expectation of TRACE
       manifest_expect.py MANIFEST plain TRACE REPORT.json
           exit 0 when REPORT, a plain kernel's run of TRACE's workload, has none of the
           findings TRACE's race is expected to give, and no error-level finding at all
Mismatches are printed one a line.
"""
import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def seen_keys(report):
    findings = load(report)['findings']
    return findings, ({x['kind'] for x in findings} | {f'{x["kind"]}/{x["rule"]}' for x in findings})


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    manifest = load(sys.argv[1])
    what = sys.argv[2]
    if what == 'races':
        for trace, entry in sorted(manifest.items()):
            kernel = entry.get('kernel', '')
            if not kernel.startswith('inject:') or trace.endswith('_callstack'):
                continue
            print(kernel[len('inject:'):], entry.get('workload', ''), trace)
        return 0
    if what not in ('injected', 'plain') or len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    entry = manifest.get(sys.argv[3])
    if entry is None:
        print(f'{sys.argv[3]}: not in the manifest')
        return 1
    findings, seen = seen_keys(sys.argv[4])
    wrong = []
    for key, want in sorted(entry.get('expect', {}).items()):
        if what == 'injected' and (key in seen) != want:
            wrong.append(f'{key}: expected {"found" if want else "absent"}')
        if what == 'plain' and want and key in seen:
            wrong.append(f'{key}: the race\'s finding on the plain kernel')
    if what == 'plain':
        wrong += [f'{x["kind"]}/{x["rule"]}: an error on the plain kernel' for x in findings
                  if x['severity'] == 'error']
    for w in wrong:
        print(w)
    return 1 if wrong else 0


if __name__ == '__main__':
    sys.exit(main())
