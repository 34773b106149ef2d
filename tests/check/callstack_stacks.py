#!/usr/bin/env python3
"""callstack_stacks.py — TAP: kernel call stacks from the trace to the report.

A scenario whose events carry `stack=` (tests/scenarios/callstack-vma-write-mark-under-anon-vma.scn)
is written as CTF through babeltrace2 by lockstep-synth, with LTTng's callstack_kernel context;
`lockstep load` must store each stack once (stacks, stack_frames) and point each event at it
(event_stacks); `lockstep check` must print under each evidence row the kernel's frames of its
event or of its hold's acquisition, innermost first, without the tracer's own frames (LTTng's
modules, __traceiter_*, __lockstep_*), in text and in JSON; and the same for a use-after-free
finding's free (tests/scenarios/callstack-exit-mmap-free-under-reaper.scn). Then the recorded sample
samples/recorded/vma_anon_vma_inversion_callstack: its lock-order cycle shows the fault's and
mprotect's stacks.

usage: callstack_stacks.py SOURCE_ROOT LOCKSTEP LOCKSTEP_SYNTH
"""
import json
import os
import sqlite3

import taplib
from taplib import exit_status, result, run
import sys
import tempfile


SCENARIO = 'callstack-vma-write-mark-under-anon-vma.scn'
FAULT_STACK = ['__anon_vma_prepare+0x45', 'do_anonymous_page+0x46', 'handle_mm_fault+0xc5f',
               'do_user_addr_fault+0x208']
MARK_STACK = ['__split_vma+0x629', 'mprotect_fixup+0x108', 'do_mprotect_pkey+0x25']
FREE_FRAMES = [0xffffffffc0066199, 0xffffffffc03ae540, 0xffffffff8102d010, 0xffffffff8102c010,
               0xffffffff81003108]




def stack_after(text, evidence_marker):
    """The stack lines printed under the first evidence line containing evidence_marker."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if evidence_marker in line and not line.strip().startswith('stack:'):
            frames = []
            for follow in lines[i + 1:]:
                s = follow.strip()
                if s.startswith('stack: '):
                    frames.append(s[len('stack: '):])
                elif frames and follow.startswith(' ' * 26) and s:
                    frames.append(s)
                else:
                    break
            return frames
    return None


def evidence(report, role):
    for f in report['findings']:
        if f['kind'] != 'lock-order':
            continue
        for ev in f['evidence']:
            if ev['role'] == role:
                return ev
    return None


def synthetic(root, lockstep, synth, tmp):
    scn = os.path.join(root, 'tests', 'scenarios', SCENARIO)
    syms = os.path.join(root, 'tests', 'check', 'callstack-symbols.map')
    trace = os.path.join(tmp, 'trace')
    rc, out, err = run(synth, scn, '-o', trace)
    result(rc == 0, 'lockstep-synth writes the scenario with stacks', err)
    rc, out, err = run('babeltrace2', trace)
    result(rc == 0 and 'callstack_kernel = [ [0] = 0xFFFFFFFFC0066199' in out,
           'babeltrace2 reads the callstack_kernel context back', err or out[:2000])

    db = os.path.join(tmp, 'trace.db')
    rc, out, err = run(lockstep, 'load', trace, '-o', db)
    result(rc == 0, 'lockstep load takes the trace', err)
    con = sqlite3.connect(db)
    rows = con.execute("SELECT t_ns - (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 't_begin_ns'), tid, type, stack_id"
                       ' FROM event_stacks ORDER BY t_ns').fetchall()
    times = [r[0] for r in rows]
    # t=1000 is the first event: the scenario's stacks are at 1100, 1900, 2000, 2600, 2700, 3000, 5100
    result(times == [100, 900, 1000, 1600, 1700, 2000, 4100],
           'event_stacks: one row per event with a stack, none for the others', rows)
    by_t = {r[0]: r for r in rows}
    result(len(rows) == 7 and by_t[100][3] == by_t[4100][3] and
           con.execute('SELECT count(*) FROM stacks').fetchone()[0] == 6 and
           con.execute('SELECT events FROM stacks WHERE id = ?', (by_t[100][3],)).fetchone()[0] == 2,
           'the fault\'s two requests share one stored stack (6 distinct stacks for 7 events)',
           con.execute('SELECT * FROM stacks').fetchall())
    free = by_t.get(2000)
    frames = [a & 0xffffffffffffffff for (a,) in con.execute(
        'SELECT addr FROM stack_frames WHERE stack_id = ? ORDER BY depth', (free[3] if free else -1,))]
    result(free is not None and free[2] == 9 and frames == FREE_FRAMES,
           'the page-table free\'s frames are stored as recorded, innermost first',
           f'{free} {[hex(a) for a in frames]}')
    result(con.execute("SELECT value FROM meta WHERE key = 'callstack_events'").fetchone()[0] == '7',
           'meta.callstack_events counts them')
    con.close()

    rc, text, err = run(lockstep, 'check', '--fail-on', 'never', '--symbols', syms, db)
    result(rc == 0, 'lockstep check reports on it', err)
    result(stack_after(text, '— requests anon_vma (write)') == FAULT_STACK,
           'text: the fault\'s anon_vma request shows its kernel frames, innermost first', text)
    result(stack_after(text, '— requests vma_lock (write)') == MARK_STACK,
           'text: mprotect\'s vma_lock write request shows its frames', text)
    result(stack_after(text, '— holds anon_vma (write)') ==
           ['vma_prepare+0x1cd', '__split_vma+0x297', 'mprotect_fixup+0x108', 'do_mprotect_pkey+0x25'],
           'text: a "holds" row shows the stack its contended acquisition recorded', text)
    result(stack_after(text, '— holds vma_lock (read)') == [],
           'text: the per-VMA read lock (no stack recorded) shows none', text)
    result(not any(s in text for s in ('lttng_', '__traceiter_', '__lockstep_', '[lttng')),
           'text: no tracer frame is printed', text)

    rc, out, err = run(lockstep, 'check', '--fail-on', 'never', '--format', 'json', '--symbols', syms, db)
    report = json.loads(out) if rc == 0 else {'findings': []}
    req = evidence(report, 'requests vma_lock (write)')
    held = evidence(report, 'holds vma_lock (read)')
    result(req is not None and req.get('stack') == MARK_STACK and req.get('stack_truncated') is False,
           'json: evidence "stack" lists the frames', req)
    result(held is not None and 'stack' in held and held['stack'] is None,
           'json: "stack" is null where none was recorded', held)

    # the synthetic trace has no symbols.map beside it
    rc, text, err = run(lockstep, 'check', '--fail-on', 'never', db)
    hex_stack = stack_after(text, '— requests anon_vma (write)')
    result(hex_stack is not None and len(hex_stack) == 9 and hex_stack[0] == '0xffffffffc0066199',
           'without symbols every frame prints, in hex (nothing can be told apart)', text)

    bad = os.path.join(tmp, 'bad.scn')
    with open(bad, 'w') as f:
        f.write('task tid=1 pid=1 comm=a\n'
                't=1 tid=1 lock_acquire lock=0x1 class=mmap_lock mode=read stack=0xffffffff81000000,zz\n')
    rc, out, err = run(synth, bad, '-o', os.path.join(tmp, 'bad'))
    result(rc == 2 and err.strip() == f"{bad}:2: bad stack frame 'zz' (an address)",
           'a bad stack= frame is one line naming the file and line, exit 2', f'{rc} {err}')


def freed(root, lockstep, synth, tmp):
    """A use-after-free finding: the free's stack under "freed", none under the release."""
    scn = os.path.join(root, 'tests', 'scenarios', 'callstack-exit-mmap-free-under-reaper.scn')
    syms = os.path.join(root, 'tests', 'check', 'callstack-symbols.map')
    trace = os.path.join(tmp, 'uaf')
    rc, out, err = run(synth, scn, '-o', trace)
    rc2, text, err2 = run(lockstep, 'check', '--fail-on', 'never', '--symbols', syms, trace)
    result(rc == 0 and rc2 == 0 and
           stack_after(text, '— freed') == ['free_pgd_range+0x40', 'free_pgtables+0x50', 'exit_mmap+0x45'],
           'uaf-window: the page-table free shows its kernel frames', err + err2 + text)
    result(stack_after(text, '— walker holds mmap_lock') == ['__oom_reap_task_mm+0x15'],
           'uaf-window: the walker\'s mmap_lock hold shows the stack of its trylock', text)
    result(stack_after(text, '— walker, in window') == [],
           'uaf-window: a release row does not take its hold\'s stack', text)


def recorded(root, lockstep, tmp):
    trace = os.path.join(root, 'samples', 'recorded', 'vma_anon_vma_inversion_callstack')
    db = os.path.join(tmp, 'recorded.db')
    rc, out, err = run(lockstep, 'load', trace, '-o', db)
    result(rc == 0, 'the recorded callstack sample loads', err)
    rc, out, err = run(lockstep, 'check', '--fail-on', 'never', '--format', 'json',
                       '--symbols', os.path.join(trace, 'symbols.map'), db)
    report = json.loads(out) if rc == 0 else {'findings': []}
    cycle = [f for f in report['findings'] if f['kind'] == 'lock-order' and f['rule'] == 'cycle']
    stacks = {ev['role']: ev.get('stack') for f in cycle for ev in f['evidence']}
    fault = stacks.get('requests anon_vma (write)') or []
    mark = stacks.get('requests vma_lock (write)') or []
    result(len(cycle) == 1 and fault[:1] == ['__anon_vma_prepare+0x145'] and 'handle_mm_fault' in ' '.join(fault),
           'recorded: the fault\'s anon_vma request shows __anon_vma_prepare under handle_mm_fault', stacks)
    result(mark[:1] == ['__split_vma+0x629'] and 'mprotect_fixup' in ' '.join(mark),
           'recorded: mprotect\'s vma_lock write request shows __split_vma under mprotect_fixup', stacks)


def main():
    root = os.path.abspath(sys.argv[1])
    lockstep, synth = sys.argv[2], sys.argv[3]
    print('1..23')
    with tempfile.TemporaryDirectory() as tmp:
        synthetic(root, lockstep, synth, tmp)
        freed(root, lockstep, synth, tmp)
        recorded(root, lockstep, tmp)
    return exit_status()


if __name__ == '__main__':
    sys.exit(main())
