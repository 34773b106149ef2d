#!/usr/bin/env python3
"""recorded_findings_read_alone.py — TAP: on every trace in samples/recorded/, the findings a
kernel developer reads must stand alone (issue 15). Keyed on finding kinds and rules, never on
counts (the samples are re-recorded from time to time):

- every wait finding (writer-starvation) names the waiting task and who had the lock meanwhile
  ("task TID (COMM) ... task TID (COMM) held it" / "took it"), or says nobody did;
- a spinlock wait (pte_lock, pmd_lock, page_table_lock) is a spin: rule long-spin-wait, no
  readers counted;
- no two findings share one summary (one race, one finding);
- every instance names only tasks alive during its own window (address + lifetime);
- times are relative to the trace start and evidence is in time order.

usage: recorded_findings_read_alone.py SOURCE_ROOT LOCKSTEP
"""
import json
import os
import re

import taplib
from taplib import exit_status, result, run
import sys
import tempfile

SPINLOCKS = {'pte_lock', 'pmd_lock', 'page_table_lock'}




def main():
    root = os.path.abspath(sys.argv[1])
    lockstep = sys.argv[2]
    samples = os.path.join(root, 'samples', 'recorded')
    traces = sorted(d for d in os.listdir(samples)
                    if os.path.isfile(os.path.join(samples, d, 'kernel', 'metadata')))
    tasks_re = re.compile(r'^task \d+ \([^)]*\) (waited|spun|was still)')
    blocker_re = re.compile(r': (task \d+ \([^)]*\) (held it|took it)|no other task held it)')
    with tempfile.TemporaryDirectory(prefix='lockstep-read-alone.') as tmp:
        for t in traces:
            db = os.path.join(tmp, t + '.db')
            rc, out, err = run(lockstep, 'load', '-q', '-o', db, os.path.join(samples, t))
            if rc != 0:
                result(False, f'{t}: loads', err)
                continue
            rc, out, err = run(lockstep, 'check', '--format', 'json', '--fail-on', 'never', db)
            try:
                report = json.loads(out)
            except ValueError:
                result(False, f'{t}: check gives JSON', err)
                continue
            fs = report['findings']
            rc, tout, _ = run(lockstep, 'query', '--json', db,
                              'SELECT tid, first_ns, last_ns FROM tasks')
            alive = {r['tid']: (r['first_ns'], r['last_ns']) for r in json.loads(tout)}
            t0 = report.get('t0_ns', 0)
            result(report.get('time_base') == 'relative', f'{t}: times relative to the trace start')
            waits = [f for f in fs if f['kind'] == 'writer-starvation']
            bad = [f['summary'] for f in waits
                   if not tasks_re.search(f['summary']) or not blocker_re.search(f['summary'])]
            result(not bad, f'{t}: {len(waits)} wait finding(s) name the waiter and the blocker', bad)
            spins = [f for f in waits if f['classes'] and f['classes'][0] in SPINLOCKS]
            bad = [f['summary'] for f in spins if f['rule'] != 'long-spin-wait' or 'reader' in f['summary']]
            result(not bad, f'{t}: spinlock waits are spins, no readers counted', bad)
            summaries = [f['summary'] for f in fs]
            dups = sorted({s for s in summaries if summaries.count(s) > 1})
            result(not dups, f'{t}: one finding per summary (one race reported once)', dups)
            bad = []
            for f in fs:
                for i in f.get('instances', []):
                    for tid in i['tids']:
                        first, last = alive.get(tid, (None, None))
                        b, e = i['t_begin_ns'] + t0, i['t_end_ns'] + t0
                        if first is None or first > e or last < b:
                            bad.append(f"{f['rule']}: task {tid} not alive in [{b}, {e}]")
            result(not bad, f'{t}: instances name only tasks of their own window', bad)
            bad = [f['summary'] for f in fs
                   if [e['t_ns'] for e in f['evidence']] != sorted(e['t_ns'] for e in f['evidence'])]
            result(not bad, f'{t}: evidence in time order', bad)
    print(f'1..{taplib.count}')
    return exit_status()


if __name__ == '__main__':
    sys.exit(main())
