#!/usr/bin/env python3
"""recorded_samples.py — TAP: every trace in samples/recorded/ against samples/recorded/MANIFEST.json.

The manifest says, per trace directory, which kernel recorded it ("plain", or "inject:NAME" for a
kernel booted with lockstep_inject=NAME, patches/inject/), the race it re-creates, and which
findings `lockstep check --format json` must and must not give:

    {"TRACE_DIR": {"kernel": "plain" | "inject:NAME", "race": "...", "workload": "...",
                   "expect": {"KIND": true | false, "KIND/RULE": true | false, ...}}}

KIND is a finding's "kind", KIND/RULE its kind and rule. For every trace: it is listed, it loads
with nothing discarded by the tracer, `lockstep check` analyses it, and each expectation holds.
For every plain-kernel trace also: no lock-order, protocol, hierarchy, use-after-free or
lock-balance warning or error (the kernel without injections is correct), no error of any kind
at all (writer-starvation included: a long wait on a correct kernel is at most a warning), and
its `machine` file (what recorded it) is there.

usage: recorded_samples.py SOURCE_ROOT LOCKSTEP
"""
import json
import os

import taplib
from taplib import exit_status, result, run
import sys
import tempfile

# Finding kinds that a correct kernel may give: timing-dependent starvation and plain notes.
TIMING_KINDS = {'writer-starvation', 'note'}





def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else '.')
    lockstep = sys.argv[2] if len(sys.argv) > 2 else 'lockstep'
    samples = os.path.join(root, 'samples', 'recorded')
    with open(os.path.join(samples, 'MANIFEST.json')) as f:
        manifest = json.load(f)
    traces = sorted(d for d in os.listdir(samples)
                    if os.path.isfile(os.path.join(samples, d, 'kernel', 'metadata')))
    plain = [t for t in traces if manifest.get(t, {}).get('kernel') == 'plain']
    injected = sorted({manifest[t]['kernel'] for t in traces
                       if manifest.get(t, {}).get('kernel', '').startswith('inject:')})
    expects = sum(len(manifest.get(t, {}).get('expect', {})) for t in traces)
    print(f'1..{2 + 4 * len(traces) + expects + 3 * len(plain)}')

    result(set(traces) == set(manifest),
           f'MANIFEST.json lists exactly the {len(traces)} recorded traces',
           f'not listed: {sorted(set(traces) - set(manifest))}; '
           f'listed, missing: {sorted(set(manifest) - set(traces))}')
    result(len(injected) >= 1 and len(plain) >= 1,
           f'{len(plain)} plain-kernel traces and injected races {", ".join(injected)}')

    with tempfile.TemporaryDirectory(prefix='lockstep-recorded.') as tmp:
        for t in traces:
            entry = manifest.get(t, {})
            db = os.path.join(tmp, t + '.db')
            report = os.path.join(tmp, t + '.json')
            rc, out, err = run(lockstep, 'load', '-q', '-o', db, os.path.join(samples, t))
            result(rc == 0, f'{t}: loads', out + err)
            rc, out, err = run(lockstep, 'query', db, 'SELECT count(*) FROM discarded')
            discarded = out.strip().splitlines()[-1] if out.strip() else '?'
            result(rc == 0 and discarded == '0', f'{t}: nothing discarded by the tracer ({discarded})', out + err)
            rc, out, err = run(lockstep, 'check', '--format', 'json', '--fail-on', 'never', '-o', report, db)
            findings = []
            if rc == 0:
                with open(report) as f:
                    findings = json.load(f)['findings']
            result(rc == 0, f'{t}: lockstep check analyses it', out + err)
            seen = {x['kind'] for x in findings} | {f'{x["kind"]}/{x["rule"]}' for x in findings}
            result(entry.get('kernel') in ('plain',) or str(entry.get('kernel', '')).startswith('inject:'),
                   f'{t}: manifest names its kernel ({entry.get("kernel")})')
            for key, want in sorted(entry.get('expect', {}).items()):
                result((key in seen) == want,
                       f'{t} ({entry.get("kernel")}): {key} {"found" if want else "absent"}',
                       f'findings: {sorted(seen)}')
            if entry.get('kernel') == 'plain':
                wrong = sorted(f'{x["kind"]}/{x["rule"]} ({x["severity"]})' for x in findings
                               if x['kind'] not in TIMING_KINDS and x['severity'] != 'note')
                result(not wrong, f'{t}: no lock-order, protocol or use-after-free finding on the plain kernel',
                       f'got: {wrong}')
                errors = sorted(f'{x["kind"]}/{x["rule"]}: {x["summary"]}' for x in findings
                                if x['severity'] == 'error')
                result(not errors, f'{t}: no error of any kind on the plain kernel',
                       '\n'.join(errors))
                result(os.path.isfile(os.path.join(samples, t, 'machine')),
                       f'{t}: its machine file says what recorded it')
    return exit_status()


if __name__ == '__main__':
    sys.exit(main())
