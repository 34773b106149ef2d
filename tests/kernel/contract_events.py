#!/usr/bin/env python3
"""contract_events.py — TAP: the kernel side speaks exactly docs/trace-format.md.

Checks, against the contract's event table and enumerations:
  * the trace header the patch series adds (include/trace/events/lockstep.h, read from the
    patch files themselves) defines exactly the contract's events, each with exactly its
    payload fields in the contract's order;
  * the LTTng probe's instrumentation header (tracer/probe) does the same, and its TP_PROTO of
    every event is the kernel's (LTTng would otherwise attach a probe of the wrong type);
  * include/linux/lockstep.h (also from the series) numbers every enumeration as the contract;
  * tracer/lockstep-record enables every contract event.
It reads files only; it builds nothing.

usage: contract_events.py SOURCE_ROOT
"""
import glob
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..')
results = []


def check(ok, name, diag=None):
    results.append((bool(ok), name, diag))


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def contract():
    text = read(os.path.join(ROOT, 'docs', 'trace-format.md'))
    events = {}
    order = []
    for line in text.splitlines():
        m = re.match(r'\|\s*`(lockstep_\w+)`\s*\|([^|]*)\|', line)
        if m:
            events[m.group(1)] = re.findall(r'`(\w+)`', m.group(2))
            order.append(m.group(1))
    enums = {}
    in_enums = False
    for line in text.splitlines():
        if line.startswith('### Enumerations'):
            in_enums = True
            continue
        if in_enums and line.startswith('#'):
            break
        m = re.match(r'\|\s*`([\w.]+)`\s*\|(.*)\|\s*$', line)
        if in_enums and m:
            enums[m.group(1)] = [(int(n), v) for n, v in re.findall(r'(\d+)\s+`(\w+)`', m.group(2))]
    return events, order, enums


def new_file_from_series(path):
    """The content of a file the patch series creates, from its '+' lines."""
    for patch in sorted(glob.glob(os.path.join(ROOT, 'patches', '*.patch'))):
        lines = read(patch).splitlines()
        for i, line in enumerate(lines):
            if line == 'diff --git a/%s b/%s' % (path, path):
                j = i + 1
                while not lines[j].startswith('@@'):
                    j += 1
                out = []
                for line2 in lines[j + 1:]:
                    if line2.startswith('diff --git') or line2 == '-- ':
                        break
                    if line2.startswith('+'):
                        out.append(line2[1:])
                    elif line2.startswith('@@'):
                        continue
                return '\n'.join(out)
    return None


def balanced(text, start):
    """The text inside the parentheses opening at text[start]."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == '(':
            depth += 1
        elif text[i] == ')':
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
    raise ValueError('unbalanced')


def macro_blocks(text, macro):
    out = {}
    for m in re.finditer(r'\b%s\(' % macro, text):
        body = balanced(text, m.end() - 1)
        name = body.split(',', 1)[0].strip()
        out[name] = body
    return out


def norm(s):
    return re.sub(r'\s+', ' ', s).strip()


def sub_block(body, macro):
    m = re.search(r'\b%s\(' % macro, body)
    return balanced(body, m.end() - 1) if m else ''


def main():
    events, order, enums = contract()
    check(len(events) == 12, 'contract table lists the 12 lockstep events', 'found %d' % len(events))

    # --- kernel trace header ---------------------------------------------------------------
    kheader = new_file_from_series('include/trace/events/lockstep.h')
    check(kheader is not None, 'patch series creates include/trace/events/lockstep.h')
    kevents = macro_blocks(kheader or '', 'TRACE_EVENT')
    check(sorted(kevents) == sorted(events), 'kernel header defines exactly the contract events',
          'extra %s missing %s' % (sorted(set(kevents) - set(events)), sorted(set(events) - set(kevents))))
    for ev in order:
        body = kevents.get(ev, '')
        fields = re.findall(r'__field\(\s*[\w ]+?\s*,\s*(\w+)\s*\)', sub_block(body, 'TP_STRUCT__entry'))
        check(fields == events[ev], 'kernel %s fields are %s' % (ev, ','.join(events[ev])),
              'got %s' % ','.join(fields))
    check('EXPORT_TRACEPOINT_SYMBOL_GPL' in (new_file_from_series('mm/lockstep.c') or ''),
          'mm/lockstep.c exports the tracepoints (EXPORT_TRACEPOINT_SYMBOL_GPL)')
    exported = re.findall(r'EXPORT_TRACEPOINT_SYMBOL_GPL\((\w+)\)', new_file_from_series('mm/lockstep.c') or '')
    check(sorted(exported) == sorted(events), 'every contract event is exported for the probe',
          'exported %s' % sorted(exported))

    # --- LTTng probe -------------------------------------------------------------------------
    probe_path = os.path.join(ROOT, 'tracer', 'probe', 'include', 'instrumentation', 'events', 'lockstep.h')
    probe = read(probe_path) if os.path.exists(probe_path) else ''
    check(probe != '', 'probe instrumentation header exists')
    pevents = macro_blocks(probe, 'LTTNG_TRACEPOINT_EVENT')
    check(sorted(pevents) == sorted(events), 'probe defines exactly the contract events',
          'extra %s missing %s' % (sorted(set(pevents) - set(events)), sorted(set(events) - set(pevents))))
    for ev in order:
        body = pevents.get(ev, '')
        fields = re.findall(r'ctf_\w+\(\s*[\w ]+?\s*,\s*(\w+)\s*,', sub_block(body, 'TP_FIELDS'))
        check(fields == events[ev], 'probe %s fields are %s' % (ev, ','.join(events[ev])),
              'got %s' % ','.join(fields))
        kp, pp = norm(sub_block(kevents.get(ev, ''), 'TP_PROTO')), norm(sub_block(body, 'TP_PROTO'))
        check(kp and kp == pp, 'probe %s TP_PROTO matches the kernel' % ev, 'kernel "%s" probe "%s"' % (kp, pp))

    # --- enumerations --------------------------------------------------------------------------
    lheader = new_file_from_series('include/linux/lockstep.h') or ''
    consts = {k: int(v) for k, v in re.findall(r'\b(LOCKSTEP_\w+)\s*=\s*(\d+)', lheader)}
    prefixes = {'class': 'LOCKSTEP_CLASS_', 'mode': 'LOCKSTEP_', 'kind': 'LOCKSTEP_KIND_',
                'reason': 'LOCKSTEP_REASON_', 'result': 'LOCKSTEP_LOOKUP_', 'phase.name': 'LOCKSTEP_PHASE_'}
    for field, prefix in prefixes.items():
        want = enums.get(field, [])
        bad = [(n, v) for n, v in want if consts.get(prefix + v.upper()) != n]
        # and nothing extra under the prefix (mode's prefix is shared, so check only the others)
        extra = []
        if field != 'mode':
            extra = sorted(k for k in consts if k.startswith(prefix) and
                           k[len(prefix):].lower() not in {v for _, v in want})
        check(want and not bad and not extra, 'include/linux/lockstep.h numbers %s as the contract' % field,
              'mismatch %s extra %s' % (bad, extra))

    # --- recorder ------------------------------------------------------------------------------
    rec = read(os.path.join(ROOT, 'tracer', 'lockstep-record'))
    listed = set(re.findall(r'lockstep_\w+', rec.replace('\\\n', '')))
    check(set(events) <= listed, 'lockstep-record enables every contract event',
          'missing %s' % sorted(set(events) - listed))
    for ev in ('sched_switch', 'sched_waking', 'sched_process_fork', 'sched_process_exit', 'sched_process_free'):
        check(ev in rec, 'lockstep-record enables %s' % ev)

    print('1..%d' % len(results))
    failed = 0
    for i, (ok, name, diag) in enumerate(results, 1):
        print('%sok %d - %s' % ('' if ok else 'not ', i, name))
        if not ok:
            failed += 1
            if diag:
                print('# %s' % diag)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
