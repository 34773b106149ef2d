#!/usr/bin/env python3
"""coverage.py — which mm lock call sites of Linux 6.12 the lockstep patch series traces.

Unpacks mm/ and include/linux/ of linux-source-6.12 twice (plain, and with patches/ applied),
finds every call site of the mm lock primitives in the plain tree (mmap_*lock*, vma_start_*,
anon_vma_*lock*, i_mmap_*lock*, pte_offset_map_lock, pmd_lock, ..., and raw spin/rwsem calls
on those locks), and decides for each whether the patched tree traces it:

  * a call of a primitive counts as traced when the primitive's definition in the patched tree
    emits lockstep events, directly or through another traced primitive;
  * a raw call (spin_lock(ptl), down_write(&...->rwsem), ...) counts as traced when the
    patched tree replaced that line by a traced helper.

It writes Markdown (docs/coverage.md). It reads sources only; what it cannot see (a primitive
reached through a function pointer, a macro building the call) it does not list.

usage: coverage.py [--tarball T] [--patches DIR] [--output FILE]
"""
import argparse
import difflib
import glob
import os
import re
import subprocess
import sys
import tempfile

TOP = 'linux-source-6.12'
SCAN_DIRS = ('mm', 'include/linux')

# (group, primitive) in report order.
PRIMITIVES = [
    ('mmap_lock', ['mmap_read_lock', 'mmap_read_lock_killable', 'mmap_read_trylock',
                   'mmap_read_unlock', 'mmap_read_unlock_non_owner', 'mmap_write_lock',
                   'mmap_write_lock_nested', 'mmap_write_lock_killable', 'mmap_write_unlock',
                   'mmap_write_downgrade']),
    ('per-VMA lock', ['vma_start_read', 'vma_end_read', 'vma_start_write', 'vma_end_write_all',
                      'vma_mark_detached', 'lock_vma_under_rcu', 'release_fault_lock']),
    ('anon_vma', ['anon_vma_lock_write', 'anon_vma_trylock_write', 'anon_vma_unlock_write',
                  'anon_vma_lock_read', 'anon_vma_trylock_read', 'anon_vma_unlock_read',
                  'folio_lock_anon_vma_read']),
    ('i_mmap_rwsem', ['i_mmap_lock_write', 'i_mmap_trylock_write', 'i_mmap_unlock_write',
                      'i_mmap_lock_read', 'i_mmap_trylock_read', 'i_mmap_unlock_read']),
    ('page-table locks', ['pte_offset_map_lock', 'pte_alloc_map_lock', 'pte_unmap_unlock',
                          'pte_offset_map_nolock', 'pmd_lock', 'pmd_trans_huge_lock',
                          '__pmd_trans_huge_lock', 'pud_lock', 'pud_trans_huge_lock',
                          '__pud_trans_huge_lock', 'huge_pte_lock']),
]

# Primitives that take no lock themselves: the report says so instead of yes/no.
LOOKUP_ONLY = {
    'pte_offset_map_nolock': 'looks the lock up only; the later spin_lock is listed as a raw site',
}

# Raw lock calls on the mm locks (group, regex on the line).
PTL_VAR = r'(?:\w*ptl\w*|pml|vmf->ptl|pvmw->ptl|\*ptlp)'
RAW = [
    ('raw page-table spinlock',
     re.compile(r'\bspin_(?:try)?(?:un)?lock(?:_nested)?\(\s*(' + PTL_VAR + r')\s*[,)]')),
    ('raw page_table_lock',
     re.compile(r'\bspin_(?:try)?(?:un)?lock\(\s*&\s*([\w>.\-()]*page_table_lock)\s*\)')),
    ('raw rwsem on an mm lock',
     re.compile(r'\b(?:down|up)_(?:read|write)\w*\(\s*&\s*([\w>.\-]*(?:mmap_lock|i_mmap_rwsem|->rwsem|vm_lock->lock))\b')),
]

HOOK = re.compile(r'\blockstep_\w+\(|\b__lockstep_\w+\(')
TRACED_HELPERS = re.compile(r'\b(pte_spin_(?:try)?lock(?:_nested)?|pte_spin_unlock|pmd_spin_(?:try)?lock|'
                            r'pmd_lock_nested|pmd_unlock|mm_page_table_(?:un)?lock|'
                            r'anon_vma_(?:un)?lock_(?:read|write)|page_vma_mapped_walk_unlock|lockstep_lock_\w+)\(')


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def unpack(tarball, patches, dest):
    base = os.path.join(dest, 'base')
    patched = os.path.join(dest, 'patched')
    for d in (base, patched):
        os.makedirs(d)
    members = [TOP + '/' + d for d in SCAN_DIRS] + [TOP + '/arch/x86/mm', TOP + '/kernel/fork.c',
                                                   TOP + '/include/trace', TOP + '/include/asm-generic']
    sh(['tar', '-xJf', tarball, '-C', base, '--strip-components=1'] + members)
    sh(['cp', '-a', base + '/.', patched])
    for p in patches:
        sh(['patch', '-d', patched, '-p1', '-s', '--fuzz=0', '-i', p], stdout=subprocess.DEVNULL)
    return base, patched


def read_lines(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        return f.read().split('\n')


def strip_comments(lines):
    """Blank out comments and string literals so that they are not counted as call sites."""
    out, in_comment = [], False
    for line in lines:
        res, i = '', 0
        while i < len(line):
            if in_comment:
                j = line.find('*/', i)
                if j < 0:
                    i = len(line)
                else:
                    in_comment, i = False, j + 2
                continue
            if line.startswith('/*', i):
                in_comment, i = True, i + 2
                continue
            if line.startswith('//', i):
                break
            if line[i] == '"':
                j = i + 1
                while j < len(line) and line[j] != '"':
                    j += 2 if line[j] == '\\' else 1
                res += '""'
                i = j + 1
                continue
            res += line[i]
            i += 1
        out.append(res)
    return out


FUNC_START = re.compile(r'^(?:static\s+|inline\s+|extern\s+|__\w+\s+|struct\s+\w+\s*\*?\s*|'
                        r'unsigned\s+|const\s+|[\w*]+\s+\*?)+\**\s*(\w+)\s*\(')
SYSCALL = re.compile(r'^SYSCALL_DEFINE\d\((\w+)')
MACRO_DEF = re.compile(r'^#\s*define\s+(\w+)\(')


def functions(lines):
    """Per line, the name of the enclosing function or macro (column-0 definitions)."""
    names, cur = [], None
    for line in lines:
        m = SYSCALL.match(line) or MACRO_DEF.match(line)
        if m:
            cur = ('sys_' + m.group(1)) if line.startswith('SYSCALL') else m.group(1)
        elif line and not line[0].isspace() and line[0] not in '{}#/*' and '(' in line and \
                not line.rstrip().endswith(';'):
            m = FUNC_START.match(line)
            if m:
                cur = m.group(1)
        names.append(cur)
    return names


def definitions(tree):
    """name -> body text of every function or function-like macro defined in the tree (the
    bodies of all definitions of a name, e.g. #ifdef alternatives, joined)."""
    defs = {}

    def add(name, body):
        defs[name] = defs[name] + '\n' + body if name in defs else body

    for path in source_files(tree):
        lines = strip_comments(read_lines(path))
        i = 0
        while i < len(lines):
            line = lines[i]
            m = MACRO_DEF.match(line)
            if m:
                body = [line]
                while body[-1].endswith('\\') and i + 1 < len(lines):
                    i += 1
                    body.append(lines[i])
                add(m.group(1), '\n'.join(body))
                i += 1
                continue
            m = FUNC_START.match(line) if line and not line[0].isspace() else None
            if m and not line.rstrip().endswith(';'):
                j = i
                while j < len(lines) and '{' not in lines[j] and not lines[j].rstrip().endswith(';'):
                    j += 1
                if j < len(lines) and '{' in lines[j]:
                    depth, k = 0, j
                    while k < len(lines):
                        depth += lines[k].count('{') - lines[k].count('}')
                        if depth <= 0:
                            break
                        k += 1
                    add(m.group(1), '\n'.join(lines[i:k + 1]))
                    i = k + 1
                    continue
            i += 1
    return defs


def source_files(tree):
    out = []
    for d in SCAN_DIRS + ('arch/x86/mm', 'kernel'):
        for ext in ('*.c', '*.h'):
            out += glob.glob(os.path.join(tree, d, '**', ext), recursive=True)
    return sorted(set(out))


def traced_primitives(defs):
    """Names whose patched definition emits lockstep events, directly or transitively."""
    callees = {n: set(re.findall(r'\b(\w+)\s*\(', body.split('\n', 1)[-1] if '\n' in body else body))
               for n, body in defs.items()}
    names = {p for _, group in PRIMITIVES for p in group}
    # Propagate only through the primitives and their own out-of-line halves and release
    # helpers: a generic name (spin_lock) that merely appears inside a hook macro must not count.
    allowed = names | {'__' + p for p in names} | {'pte_spin_unlock', 'pte_spin_lock', 'pmd_unlock'}
    traced = {n for n, body in defs.items() if HOOK.search(body) and n in allowed}
    changed = True
    while changed:
        changed = False
        for n, calls in callees.items():
            if n in allowed and n not in traced and calls & traced:
                traced.add(n)
                changed = True
    return traced, sorted(traced & names)


def line_map(base_lines, patched_lines):
    """base line index -> ('same', j) | ('changed', [patched lines]) | ('gone', [])."""
    out = {}
    sm = difflib.SequenceMatcher(None, base_lines, patched_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        for i in range(i1, i2):
            if tag == 'equal':
                out[i] = ('same', j1 + i - i1)
            elif tag == 'replace':
                out[i] = ('changed', patched_lines[j1:j2])
            else:
                out[i] = ('gone', [])
    return out


def scan(base, patched):
    pdefs = definitions(patched)
    traced, traced_listed = traced_primitives(pdefs)
    # every name whose own body emits events: raw calls inside them are the traced primitive
    hooked = {n for n, body in pdefs.items() if HOOK.search(body)}
    prim_re = {p: re.compile(r'(?<![\w>.])' + re.escape(p) + r'\s*\(')
               for _, group in PRIMITIVES for p in group}
    sites = []
    for path in source_files(base):
        rel = os.path.relpath(path, base)
        if not rel.startswith(SCAN_DIRS):
            continue
        blines = read_lines(path)
        code = strip_comments(blines)
        funcs = functions(code)
        ppath = os.path.join(patched, rel)
        plines = read_lines(ppath) if os.path.exists(ppath) else []
        lmap = line_map(blines, plines) if plines != blines else None
        for i, line in enumerate(code):
            if MACRO_DEF.match(line) or (funcs[i] and re.match(r'^\S.*\b%s\s*\(' % re.escape(funcs[i] or '-'), line)
                                         and not line.rstrip().endswith(';')):
                # a definition line, not a call
                continue
            for group, names in PRIMITIVES:
                for p in names:
                    if prim_re[p].search(line):
                        if p in LOOKUP_ONLY:
                            status = 'lookup'
                        else:
                            status = 'yes' if p in traced else 'no'
                            kind, what = lmap.get(i, ('same', i)) if lmap else ('same', i)
                            if kind == 'changed' and not any(p in x for x in what):
                                # the series replaced this call: judge the replacement
                                status = 'yes' if any(TRACED_HELPERS.search(x) or HOOK.search(x)
                                                      for x in what) else 'no'
                        sites.append((group, p, rel, i + 1, funcs[i], status, blines[i].strip()))
            for group, rx in RAW:
                if rx.search(line):
                    status = 'no'
                    how = ''
                    if funcs[i] in hooked or funcs[i] in traced_listed:
                        status, how = 'yes', 'inside a traced primitive'
                    elif lmap is not None:
                        kind, what = lmap.get(i, ('same', i))
                        if kind == 'changed' and any(TRACED_HELPERS.search(x) or HOOK.search(x) for x in what):
                            status, how = 'yes', 'converted'
                    text = blines[i].strip()
                    if status == 'no':
                        # note which primitive produced the lock variable, if this function says
                        var = re.escape(rx.search(line).group(1))
                        for k in range(i - 1, max(-1, i - 200), -1):
                            if funcs[k] != funcs[i]:
                                break
                            m = re.search(var + r'\s*=\s*(\w+)\(', code[k])
                            if m:
                                text += '  /* from %s() */' % m.group(1)
                                break
                    sites.append((group, group, rel, i + 1, funcs[i], status, text))
    return sites, traced_listed


def why_not(site):
    group, prim, rel, _, func, status, text = site
    if status != 'no':
        return ''
    if 'hugetlb' in rel or 'huge_pte_lock' in text or 'huge_pte_lock' in prim:
        return 'hugetlb lock (not instrumented)'
    if 'huge_pte_lock' in text or 'huge_pte_lockptr' in text:
        return 'hugetlb lock (not instrumented)'
    if 'pud' in prim or 'pud' in text:
        return 'PUD lock (not instrumented)'
    if 'init_mm' in text:
        return 'kernel page tables (init_mm)'
    if prim.startswith('raw rwsem'):
        return 'raw rwsem call'
    if prim.startswith('raw page_table_lock'):
        return 'mm->page_table_lock guarding VMA bounds or anon_vma, not page tables (by design)'
    if prim.startswith('raw page-table spinlock'):
        return 'raw spinlock on a page-table lock, not converted'
    return 'primitive not instrumented'


def report(sites, traced, out):
    total = len(sites)
    yes = sum(1 for s in sites if s[5] == 'yes')
    lookup = sum(1 for s in sites if s[5] == 'lookup')
    w = out.write
    w('# Coverage of the lockstep kernel instrumentation\n\n')
    w('Generated by `tracer/coverage.py` from linux-source-6.12 and `patches/`; do not edit by hand\n')
    w('(re-run: `python3 tracer/coverage.py -o docs/coverage.md`).\n\n')
    w('Every call site of an mm lock primitive in `mm/` and `include/linux/` of the plain 6.12\n')
    w('source, with whether the patched tree traces it. A call of a primitive is traced when the\n')
    w("primitive's patched definition emits lockstep events (directly or through another traced\n")
    w('primitive); a raw `spin_lock(ptl)`/`down_write(&...)` is traced when the series replaced\n')
    w('that line by a traced helper. Line numbers are those of the plain 6.12 tree. Call sites\n')
    w('built by macros or reached through function pointers are not seen.\n\n')
    w('**%d call sites: %d traced, %d not traced, %d lock look-ups (no lock taken).**\n\n' %
      (total, yes, total - yes - lookup, lookup))
    w('## Summary per primitive\n\n| group | primitive | sites | traced |\n|---|---|---|---|\n')
    order = [(g, p) for g, names in PRIMITIVES for p in names] + [(g, g) for g, _ in RAW]
    counts = {}
    for s in sites:
        n, t = counts.get((s[0], s[1]), (0, 0))
        counts[(s[0], s[1])] = (n + 1, t + (s[5] == 'yes'))
    for key in order:
        if key in counts:
            n, t = counts[key]
            w('| %s | `%s` | %d | %d |\n' % (key[0], key[1], n, t))
    w('\nPrimitives whose patched definition emits lockstep events: %s.\n' %
      ', '.join('`%s`' % p for p in sorted(traced)))
    w('\n## Not traced\n\n| file:line | function | primitive | why | code |\n|---|---|---|---|---|\n')
    for s in sites:
        if s[5] == 'no':
            w('| %s:%d | %s | %s | %s | `%s` |\n' % (s[2], s[3], s[4] or '', s[1], why_not(s),
                                                   s[6].replace('|', '\\|')[:90]))
    w('\n## All call sites\n\n| file:line | function | primitive | traced |\n|---|---|---|---|\n')
    for s in sorted(sites, key=lambda s: (s[2], s[3])):
        w('| %s:%d | %s | %s | %s |\n' % (s[2], s[3], s[4] or '', s[1], s[5]))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--tarball', default='/usr/src/linux-source-6.12.tar.xz')
    ap.add_argument('--patches', default=os.path.join(root, 'patches'))
    ap.add_argument('-o', '--output', default='-')
    args = ap.parse_args()
    if not os.path.exists(args.tarball):
        sys.exit('coverage.py: %s missing (apt-get install linux-source-6.12)' % args.tarball)
    patches = sorted(glob.glob(os.path.join(args.patches, '*.patch')))
    if not patches:
        sys.exit('coverage.py: no patches in %s' % args.patches)
    with tempfile.TemporaryDirectory(prefix='lockstep-coverage.') as tmp:
        base, patched = unpack(args.tarball, patches, tmp)
        sites, traced = scan(base, patched)
    if args.output == '-':
        report(sites, traced, sys.stdout)
    else:
        with open(args.output, 'w', encoding='utf-8') as f:
            report(sites, traced, f)
    return 0


if __name__ == '__main__':
    sys.exit(main())
