#!/usr/bin/env python3
"""coverage.py — which mm lock call sites of the patched Linux 6.12 tree lockstep traces, and
whether every acquire/release pair is traced on both halves or on neither.

It reads the patched tree (linux-source-6.12 with patches/*.patch applied; the inject series is
not part of it) and classifies each call site of the five lock kinds on its own:

  * a call of a lock primitive or helper (mmap_read_lock, pmd_lock, pte_unmap_unlock,
    huge_pte_unlock, ...) is traced when the primitive is: its definition in the patched tree
    performs its lock operations only through traced calls, and at least one (worked out to a
    fixed point, since primitives call each other);
  * a raw call (spin_lock(ptl), spin_unlock(&mm->page_table_lock), down_read(&...->vm_lock->lock),
    up_write(&mapping->i_mmap_rwsem), ...) is traced only when that very call is the lock
    statement of a lockstep_lock_*() hook of the same lock, comes right after a
    lockstep_lock_release() of the same lock with no other lock call in between, or sits between a __lockstep_lock_acquire() and its
    __lockstep_lock_acquired(). What else the enclosing function does is not looked at.

Then, per function, each acquisition is paired with every release of the same lock (the same
lock expression: ptl variable, mm->page_table_lock, mm->mmap_lock, a VMA's vm_lock, an
anon_vma, a mapping) that some path of the function's statements reaches from it (if/else,
loops, switch, goto, return; a test of the lock itself for NULL is followed, other conditions
are not evaluated) before the lock is taken again or the function returns. Acquisitions
through helpers that return a locked lock count (pte_offset_map_lock, pmd_lock,
pmd_trans_huge_lock, pud_lock, huge_pte_lock, folio_lock_anon_vma_read, lock_vma_under_rcu,
page_vma_mapped_walk, folio_walk_start, ...). Inside a macro, or a function the statement
reader cannot follow, a release is paired with the nearest acquisition instead. A pair is
unbalanced when one half is traced and the other is not (a hold that never ends, or a release
of nothing), or when both are traced with different lockstep classes (a PMD lock released as
a PTE lock): the loader keys a lock by its address and class, so such a release ends no hold.

Untraced sites need a reason (EXCEPTIONS below: init_mm, x86's kernel-PGD sync, Xen PV).
`--check` fails on any unbalanced pair, any untraced site without a reason, and any primitive
of the table that has no definition in the tree; with FILE, and `--diff FILE`, it also fails
(printing the diff) when FILE is not the table this run generates. It never edits the tree.

The tree is built from the tarball once and cached (--cache DIR, keyed on the tarball, the
patches and this script's scan rules); only the source files that mention an mm lock, and those
the patches touch, are unpacked. --tree DIR scans a directory as it is (the patched tree, or a
small synthetic one in the tests).

It reads sources only: a primitive reached through a function pointer, or a call built by token
pasting, is not seen; #ifdef alternatives are all read, as if every branch were compiled.

usage: coverage.py [--tarball T] [--patches DIR] [--cache DIR | --tree DIR]
                   [-o FILE] [--check [FILE]] [--diff FILE]
"""
import argparse
import difflib
import fcntl
import glob
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

TOP = 'linux-source-6.12'

# Where the mm lock primitives are called in a kernel built for x86_64 (grep of the whole
# 6.12.118 tree): mm/ and include/ (the primitives and most users), fs/ (proc, dax, exec,
# hugetlbfs, userfaultfd, coredump, aio, ...), kernel/ (fork, events/uprobes, sys, ...),
# arch/x86/ (fault handling, vdso, Xen PV, the direct map), drivers/ (gpu, infiniband, vfio,
# iommu SVA, android binder, ...), virt/ (KVM), ipc/, lib/, net/, security/, sound/,
# io_uring/, block/, init/. Left out: arch/ of the other architectures (not built for the
# x86_64 kernel lockstep is built and tested on), tools/ (user-space copies), samples/,
# Documentation/, scripts/.
SCAN_DIRS = ('mm', 'include', 'fs', 'kernel', 'arch/x86', 'drivers', 'virt', 'ipc', 'lib',
             'net', 'security', 'sound', 'io_uring', 'block', 'init', 'crypto')

SCAN_PREFIXES = tuple(d + '/' for d in SCAN_DIRS)

# The hook implementation itself: not call sites of the mm locks.
HOOK_FILES = ('include/linux/lockstep.h', 'include/trace/events/lockstep.h', 'mm/lockstep.c')

# A file is unpacked when its text contains one of these (or a patch touches it).
KEYWORDS = re.compile(rb'mmap_(?:read|write)_|mmap_lock|vma_start_|vma_end_|vma_mark_detached|'
                      rb'lock_vma_under_rcu|release_fault_lock|anon_vma|i_mmap_|pte_offset_map|'
                      rb'pte_alloc_map_lock|pte_unmap_unlock|pmd_lock|pmd_trans_huge_lock|'
                      rb'pud_lock|pud_trans_huge_lock|huge_pte_|page_table_lock|ptl|vm_lock|'
                      rb'page_vma_mapped_walk|folio_walk_|follow_pfnmap_|double_pt_|_lockptr|'
                      rb'locked_pte')

# Lock families: which lock a key names. 'ptl' is a page-table spinlock held in a variable (or
# a walk's field); 'mm_ptl' is mm->page_table_lock named through its mm.
KINDS = ('mmap_lock', 'per-VMA lock', 'anon_vma', 'i_mmap_rwsem', 'page-table locks')
FAMILY_KIND = {'mmap': 'mmap_lock', 'vma': 'per-VMA lock', 'anon_vma': 'anon_vma',
               'i_mmap': 'i_mmap_rwsem', 'ptl': 'page-table locks', 'mm_ptl': 'page-table locks'}

# name -> (family, op, where the lock is). op: acquire | release | mark (a write mark or
# unlock-all, never paired) | downgrade. where: ('arg', i) the i-th argument, ('lhs',) the
# variable the call's result is assigned to, ('args', i, j) two locks.
PRIMITIVES = {
    'mmap_read_lock': ('mmap', 'acquire', ('arg', 0)),
    'mmap_read_lock_killable': ('mmap', 'acquire', ('arg', 0)),
    'mmap_read_trylock': ('mmap', 'acquire', ('arg', 0)),
    'mmap_write_lock': ('mmap', 'acquire', ('arg', 0)),
    'mmap_write_lock_nested': ('mmap', 'acquire', ('arg', 0)),
    'mmap_write_lock_killable': ('mmap', 'acquire', ('arg', 0)),
    'mmap_read_unlock': ('mmap', 'release', ('arg', 0)),
    'mmap_read_unlock_non_owner': ('mmap', 'release', ('arg', 0)),
    'mmap_write_unlock': ('mmap', 'release', ('arg', 0)),
    'mmap_write_downgrade': ('mmap', 'downgrade', ('arg', 0)),
    'vma_start_read': ('vma', 'acquire', ('arg', 0)),
    'vma_end_read': ('vma', 'release', ('arg', 0)),
    'lock_vma_under_rcu': ('vma', 'acquire', ('lhs',)),
    'release_fault_lock': ('vma', 'release', ('field', 0, 'vma')),
    'vma_start_write': ('vma', 'mark', ('arg', 0)),
    'vma_end_write_all': ('vma', 'mark', ('arg', 0)),
    'vma_mark_detached': ('vma', 'mark', ('arg', 0)),
    'anon_vma_lock_write': ('anon_vma', 'acquire', ('arg', 0)),
    'anon_vma_trylock_write': ('anon_vma', 'acquire', ('arg', 0)),
    'anon_vma_lock_read': ('anon_vma', 'acquire', ('arg', 0)),
    'anon_vma_trylock_read': ('anon_vma', 'acquire', ('arg', 0)),
    'anon_vma_unlock_write': ('anon_vma', 'release', ('arg', 0)),
    'anon_vma_unlock_read': ('anon_vma', 'release', ('arg', 0)),
    'folio_lock_anon_vma_read': ('anon_vma', 'acquire', ('lhs',)),
    'i_mmap_lock_write': ('i_mmap', 'acquire', ('arg', 0)),
    'i_mmap_trylock_write': ('i_mmap', 'acquire', ('arg', 0)),
    'i_mmap_lock_read': ('i_mmap', 'acquire', ('arg', 0)),
    'i_mmap_trylock_read': ('i_mmap', 'acquire', ('arg', 0)),
    'i_mmap_unlock_write': ('i_mmap', 'release', ('arg', 0)),
    'i_mmap_unlock_read': ('i_mmap', 'release', ('arg', 0)),
    'pte_offset_map_lock': ('ptl', 'acquire', ('ptr', 3)),
    '__pte_offset_map_lock': ('ptl', 'acquire', ('ptr', 3)),
    'pte_alloc_map_lock': ('ptl', 'acquire', ('ptr', 3)),
    'get_locked_pte': ('ptl', 'acquire', ('ptr', 2)),
    '__get_locked_pte': ('ptl', 'acquire', ('ptr', 2)),
    'pmd_lock': ('ptl', 'acquire', ('lhs',)),
    'pmd_trans_huge_lock': ('ptl', 'acquire', ('lhs',)),
    '__pmd_trans_huge_lock': ('ptl', 'acquire', ('lhs',)),
    'pud_lock': ('ptl', 'acquire', ('lhs',)),
    'pud_trans_huge_lock': ('ptl', 'acquire', ('lhs',)),
    '__pud_trans_huge_lock': ('ptl', 'acquire', ('lhs',)),
    'huge_pte_lock': ('ptl', 'acquire', ('lhs',)),
    'pte_spin_lock': ('ptl', 'acquire', ('arg', 2)),
    'pte_spin_lock_nested': ('ptl', 'acquire', ('arg', 2)),
    'pte_spin_trylock': ('ptl', 'acquire', ('arg', 2)),
    'pmd_lock_nested': ('ptl', 'acquire', ('arg', 2)),
    'pmd_spin_lock': ('ptl', 'acquire', ('arg', 2)),
    'pmd_spin_trylock': ('ptl', 'acquire', ('arg', 2)),
    'pud_lock_nested': ('ptl', 'acquire', ('arg', 1)),
    'huge_pte_spin_lock': ('ptl', 'acquire', ('arg', 3)),
    'huge_pte_spin_lock_nested': ('ptl', 'acquire', ('arg', 3)),
    'double_pt_lock': ('ptl', 'acquire', ('args', 2, 4)),
    'mm_page_table_lock': ('mm_ptl', 'acquire', ('arg', 0)),
    'page_vma_mapped_walk': ('ptl', 'acquire', ('field', 0, 'ptl')),
    'folio_walk_start': ('ptl', 'acquire', ('field', 0, 'ptl')),
    'follow_pfnmap_start': ('ptl', 'acquire', ('field', 0, 'lock')),
    'pte_unmap_unlock': ('ptl', 'release', ('arg', 1)),
    'pte_spin_unlock': ('ptl', 'release', ('arg', 0)),
    'pmd_unlock': ('ptl', 'release', ('arg', 0)),
    'pud_unlock': ('ptl', 'release', ('arg', 0)),
    'huge_pte_unlock': ('ptl', 'release', ('arg', 1)),
    'double_pt_unlock': ('ptl', 'release', ('args', 1, 2)),
    'mm_page_table_unlock': ('mm_ptl', 'release', ('arg', 0)),
    'page_vma_mapped_walk_done': ('ptl', 'release', ('field', 0, 'ptl')),
    'page_vma_mapped_walk_unlock': ('ptl', 'release', ('field', 0, 'ptl')),
    'folio_walk_end': ('ptl', 'release', ('field', 0, 'ptl')),
    'follow_pfnmap_end': ('ptl', 'release', ('field', 0, 'lock')),
    'migration_entry_wait_on_locked': ('ptl', 'release', ('arg', 1)),
}

# The lockstep class each page-table helper reports: a pair whose halves report different
# classes is unbalanced too, since the loader keys a lock by (address, class). 'huge' is
# lockstep_huge_ptl_class(h), the same for both halves of one hstate. double_pt_lock/_unlock
# and migration_entry_wait_on_locked() take the class as an argument (CLASS_ARG).
PTE, PMD, PUD_PTL, HUGE = 'pte_lock', 'pmd_lock', 'page_table_lock', 'hugetlb (by hstate)'
CLASS = {
    'pte_offset_map_lock': PTE, '__pte_offset_map_lock': PTE, 'pte_alloc_map_lock': PTE,
    'get_locked_pte': PTE, '__get_locked_pte': PTE, 'pte_spin_lock': PTE,
    'pte_spin_lock_nested': PTE, 'pte_spin_trylock': PTE, 'pte_unmap_unlock': PTE,
    'pte_spin_unlock': PTE,
    'pmd_lock': PMD, 'pmd_trans_huge_lock': PMD, '__pmd_trans_huge_lock': PMD,
    'pmd_lock_nested': PMD, 'pmd_spin_lock': PMD, 'pmd_spin_trylock': PMD, 'pmd_unlock': PMD,
    'pud_lock': PUD_PTL, 'pud_trans_huge_lock': PUD_PTL, '__pud_trans_huge_lock': PUD_PTL,
    'pud_lock_nested': PUD_PTL, 'pud_unlock': PUD_PTL,
    'mm_page_table_lock': PUD_PTL, 'mm_page_table_unlock': PUD_PTL,
    'huge_pte_lock': HUGE, 'huge_pte_spin_lock': HUGE, 'huge_pte_spin_lock_nested': HUGE,
    'huge_pte_unlock': HUGE,
}
CLASS_ARG = {'double_pt_lock': 1, 'double_pt_unlock': 0, 'migration_entry_wait_on_locked': 2}
CLASS_NAMES = {'LOCKSTEP_PTE_PTL_CLASS': PTE, 'LOCKSTEP_PMD_PTL_CLASS': PMD,
               'LOCKSTEP_CLASS_PAGE_TABLE_LOCK': PUD_PTL}


def class_of(call, args):
    """The lockstep class a page-table helper call reports, or None when not known."""
    if call in CLASS_ARG:
        if len(args) <= CLASS_ARG[call]:
            return None
        a = norm(args[CLASS_ARG[call]])
        return HUGE if a.startswith('lockstep_huge_ptl_class(') else CLASS_NAMES.get(a)
    return CLASS.get(call)


# Raw lock calls; which lock they take is decided from the argument (raw_lock()).
RAW_SPIN = {'spin_lock': 'acquire', 'spin_lock_nested': 'acquire', 'spin_lock_nest_lock': 'acquire',
            'spin_trylock': 'acquire', 'spin_unlock': 'release'}
RAW_RWSEM = {'down_read': 'acquire', 'down_read_nested': 'acquire', 'down_read_killable': 'acquire',
             'down_read_trylock': 'acquire', 'down_read_interruptible': 'acquire',
             'down_write': 'acquire', 'down_write_nested': 'acquire',
             'down_write_nest_lock': 'acquire', 'down_write_killable': 'acquire',
             'down_write_trylock': 'acquire', 'up_read': 'release', 'up_read_non_owner': 'release',
             'up_write': 'release', 'downgrade_write': 'downgrade'}

# lockstep hooks: a raw call inside the arguments of one of these is its lock statement.
HOOK_TAKE = {'lockstep_lock_blocking', 'lockstep_lock_killable', 'lockstep_lock_try',
             'lockstep_lock_plain', '_lockstep_lock_blocking', '_lockstep_lock_killable',
             '_lockstep_lock_try', '_lockstep_lock_plain'}
HOOK_RELEASE = {'lockstep_lock_release', '__lockstep_lock_release'}
HOOK_BEGIN, HOOK_END = '__lockstep_lock_acquire', '__lockstep_lock_acquired'
HOOK_EVENT = 'lockstep_event'       # downgrade, write mark, unlock-all, lifetimes

# Functions that hand out a page-table lock without taking it: a variable assigned from one of
# these (or a lock-returning primitive) is a page-table lock, whatever its name.
LOCKPTR = {'pte_lockptr', 'ptep_lockptr', 'pmd_lockptr', 'pud_lockptr', 'huge_pte_lockptr',
           'ptlock_ptr'}
PTL_NAME = re.compile(r'(?:^|->|\.|\*)\(?\w*ptl\w*\)?$|(?:^|->|\.)pml$')

# Untraced sites a kernel mm developer accepts, by group: (name, test on a site, reason).
EXCEPTIONS = [
    ('init_mm', lambda s: s.family == 'mm_ptl' and re.search(r'\binit_mm\b', s.key),
     "init_mm.page_table_lock: the kernel's own page tables (vmalloc, the direct map, KASAN "
     "shadow, vmemmap, memory hotplug). No user address space, no page fault, no VMA or "
     "rmap lock is involved, and the analyzer's objects are user mms"),
    ('kernel_pgd_sync', lambda s: s.family == 'mm_ptl' and s.key == 'pgt_lock' and
     s.path in ('arch/x86/mm/init_64.c', 'arch/x86/mm/fault.c'),
     "x86's copy of the kernel half of every PGD: sync_global_pgds_l4()/_l5() (and 32-bit "
     "arch_sync_kernel_mappings()) walk pgd_list under pgd_lock and write init_mm's top-level "
     "entries into each user PGD, taking that mm's page_table_lock \"only for Xen\" (PV "
     "pinning, as the code says). Kernel entries only: no user page table, VMA or rmap state "
     "is read or written under it"),
    ('xen_pv', lambda s: s.path.startswith('arch/x86/xen/'),
     'Xen PV only (CONFIG_XEN_PV, off in the test VM\'s kernel): xen_pte_lock()/_unlock() '
     '(from xen_pin_page()) and xen_enter_mmap()/xen_exit_mmap() take the page-table locks '
     'while a PV guest pins or unpins the page tables of an mm being switched to, created or '
     'torn down; a hypervisor requirement, not an mm code path'),
]


class Site:
    """One lock call: where, what, which lock, and whether it is traced (and why/why not)."""
    __slots__ = ('path', 'line', 'func', 'call', 'family', 'op', 'key', 'raw', 'traced', 'how',
                 'scope', 'text', 'cls', 'off', 'partners', 'arg')

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k))

    @property
    def kind(self):
        return FAMILY_KIND[self.family]

    def where(self):
        return '%s:%d' % (self.path, self.line)


# ---------------------------------------------------------------------------------------------
# The tree


def cache_key(tarball, patches):
    h = hashlib.sha256()
    with open(tarball, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    for p in patches:
        with open(p, 'rb') as f:
            h.update(os.path.basename(p).encode() + b'\0' + f.read())
    h.update(repr((SCAN_DIRS, KEYWORDS.pattern)).encode())
    return h.hexdigest()[:16]


def patched_files(patches):
    out = set()
    for p in patches:
        with open(p, encoding='utf-8', errors='replace') as f:
            for line in f:
                if line.startswith('--- a/'):
                    out.add(line[6:].split('\t')[0].strip())
    return out


def build_tree(tarball, patches, cache):
    """The patched tree under cache/, built once per tarball+patches (runs in parallel wait
    for the one that builds it)."""
    tree = os.path.join(cache, 'tree-' + cache_key(tarball, patches))
    if os.path.isdir(tree):
        return tree
    os.makedirs(cache, exist_ok=True)
    with open(os.path.join(cache, '.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.isdir(tree):
            unpack_and_patch(tarball, patches, cache, tree)
    return tree


def unpack_and_patch(tarball, patches, cache, tree):
    for old in glob.glob(os.path.join(cache, 'tree-*')):
        shutil.rmtree(old, ignore_errors=True)
    touched = patched_files(patches)
    tmp = tempfile.mkdtemp(prefix='unpack.', dir=cache)
    try:
        prefix = TOP + '/'
        with tarfile.open(tarball, 'r|xz') as tar:
            for m in tar:
                if not m.isfile() or not m.name.startswith(prefix):
                    continue
                rel = m.name[len(prefix):]
                if rel not in touched:
                    if not rel.endswith(('.c', '.h')) or not rel.startswith(SCAN_PREFIXES):
                        continue
                    if rel.startswith('arch/') and not rel.startswith('arch/x86/'):
                        continue
                data = tar.extractfile(m).read()
                if rel not in touched and not KEYWORDS.search(data):
                    continue
                dest = os.path.join(tmp, rel)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with open(dest, 'wb') as f:
                    f.write(data)
        for p in patches:
            r = subprocess.run(['patch', '-d', tmp, '-p1', '-s', '--fuzz=0', '-i', p],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if r.returncode:
                raise RuntimeError('%s does not apply to %s with --fuzz=0:\n%s'
                                   % (p, tarball, r.stdout))
        os.rename(tmp, tree)
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)


def source_files(tree):
    out = []
    for d in SCAN_DIRS:
        for ext in ('*.c', '*.h'):
            out += glob.glob(os.path.join(tree, d, '**', ext), recursive=True)
    rels = sorted({os.path.relpath(p, tree) for p in out})
    return [r for r in rels if r not in HOOK_FILES and
            (not r.startswith('arch/') or r.startswith('arch/x86/'))]


# ---------------------------------------------------------------------------------------------
# C text


COMMENT_OR_LITERAL = re.compile(r'/\*.*?(?:\*/|\Z)|//[^\n]*|'
                                r'"(?:\\.|[^"\\\n])*"?|\'(?:\\.|[^\'\\\n])*\'?', re.S)
# a declarator's tail of annotations: ") __releases(ptl) __acquires(x)"
ANNOTATED_END = re.compile(r'\)\s*(?:__\w+(?:\([^)]*\))?\s*)+$')


def strip_comments(text):
    """Comments, string and character literals blanked out (newlines kept, so offsets and
    line numbers stay those of the file)."""
    def blank(m):
        t = m.group(0)
        if t[0] in '"\'':
            return t[0] + re.sub(r'[^\n]', ' ', t[1:-1]) + t[-1] if len(t) > 1 else t
        return re.sub(r'[^\n]', ' ', t)
    return COMMENT_OR_LITERAL.sub(blank, text)


MACRO_DEF = re.compile(r'#\s*define\s+(\w+)\(')
NOT_NAMES = {'__attribute__', '__acquires', '__releases', '__must_hold', '__cond_lock',
             '__printf', '__section', '__aligned', '__diag_ignore', 'if', 'for', 'while',
             'switch', 'return', 'sizeof', 'typeof', '__typeof__', 'defined'}


def split_directives(code):
    """(code without preprocessor lines, [(macro name, start, end)]): directive lines (with
    their continuations) are blanked out of the code, function-like macros remembered."""
    macros, chars, pos = [], list(code), 0
    for m in re.finditer(r'(?m)^[ \t]*#', code):
        if m.start() < pos:
            continue
        end = m.start()
        while True:
            nl = code.find('\n', end)
            if nl < 0:
                nl = len(code)
            if nl > 0 and code[nl - 1] == '\\' and nl < len(code):
                end = nl + 1
                continue
            break
        d = MACRO_DEF.match(code, m.start() + len(m.group(0)) - 1)
        if d:
            macros.append((d.group(1), m.start(), nl))
        for k in range(m.start(), nl):
            if chars[k] != '\n':
                chars[k] = ' '
        pos = nl
    return ''.join(chars), macros


def function_spans(code):
    """[(name, start, end)] of the top-level brace blocks that are function bodies."""
    spans, depth, head, name, start = [], 0, 0, None, 0
    for m in re.finditer(r'[{};]', code):
        c, i = m.group(0), m.start()
        if c == '{':
            if depth == 0:
                start, name = i, None
                header = code[head:i].rstrip()
                sysc = re.search(r'\b(?:COMPAT_)?SYSCALL_DEFINE\d\(\s*(\w+)', header)
                if sysc:
                    name = 'sys_' + sysc.group(1)
                elif header.endswith(')') or ANNOTATED_END.search(header):
                    for c2 in re.finditer(r'\b([A-Za-z_]\w*)\s*\(', header):
                        if c2.group(1) not in NOT_NAMES:
                            name = c2.group(1)
                            break
            depth += 1
        elif c == '}':
            depth -= 1
            if depth <= 0:
                depth = 0
                if name:
                    spans.append((name, start, i + 1))
                name = None
                head = i + 1
        elif depth == 0:
            head = i + 1
    return spans


def call_args(code, open_paren):
    """(argument strings, index after the closing paren) of the call whose '(' is at
    open_paren."""
    depth, args, cur, i = 0, [], [], open_paren
    while i < len(code):
        c = code[i]
        if c in '([{':
            depth += 1
            if depth > 1:
                cur.append(c)
        elif c in ')]}':
            depth -= 1
            if depth == 0:
                args.append(''.join(cur).strip())
                return args, i + 1
            cur.append(c)
        elif c == ',' and depth == 1:
            args.append(''.join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    return args, i


def norm(expr):
    """A lock expression reduced to a comparable key: no blanks, no casts of the whole, no
    outer parentheses, '.' spelled '->'."""
    e = re.sub(r'\s+', '', expr)
    changed = True
    while changed:
        changed = False
        if e.startswith('(') and e.endswith(')') and balanced(e[1:-1]):
            e, changed = e[1:-1], True
        m = re.match(r'^\((?:const)?(?:struct)?\w+\*+\)(.*)$', e)
        if m:
            e, changed = m.group(1), True
    e = re.sub(r'\((\*\w+)\)', r'\1', e)        # (*vmap)->x -> *vmap->x
    return e.replace('.', '->')


def balanced(s):
    d = 0
    for c in s:
        d += c == '('
        d -= c == ')'
        if d < 0:
            return False
    return d == 0


def addr_of(expr):
    """The lock named by a pointer argument: &x -> x, p -> *p."""
    e = norm(expr)
    if e.startswith('&'):
        return norm(e[1:])
    return '*' + e


def field_of(expr, field):
    """The field of a struct passed by pointer: &pvmw, ptl -> pvmw->ptl; fw -> fw->ptl."""
    e = norm(expr)
    return (norm(e[1:]) if e.startswith('&') else e) + '->' + field


LHS = re.compile(r'([A-Za-z_][\w\->.\[\]]*|\*\s*\w+)\s*=\s*(?:\([^()]*\*\s*\)\s*)?$')


def assigned_to(code, start):
    """The variable a call starting at start is assigned to ('(returned)' for a return
    statement), if any."""
    window = code[max(0, start - 120):start]
    if re.search(r'\breturn\s*$', window):
        return '(returned)'
    m = LHS.search(window)
    if not m:
        return None
    before = window[:m.start(1)].rstrip()
    if before.endswith(('=', '!', '<', '>')):
        return None
    lhs = m.group(1)
    if lhs.startswith('*') and re.search(r'[A-Za-z_]\w*$', before):
        lhs = lhs[1:]       # a declaration: spinlock_t *ptl = pmd_lock(...)
    return norm(lhs)


def raw_lock(call, arg, ptl_vars):
    """(family, key) of a raw spin/rwsem call's lock, or None when it is not an mm lock."""
    e = norm(arg[1:] if arg.strip().startswith('&') else arg)
    if call in RAW_RWSEM:
        m = re.match(r'^(.*)->mmap_lock$', e)
        if m:
            return 'mmap', m.group(1)
        m = re.match(r'^(.*)->vm_lock->lock$', e)
        if m:
            return 'vma', m.group(1)
        m = re.match(r'^(.*)->i_mmap_rwsem$', e)
        if m:
            return 'i_mmap', m.group(1)
        m = re.match(r'^(.*?)(?:->root)?->rwsem$', e)
        if m and re.search(r'anon_vma|(?:^|->)(?:new_)?root$', m.group(1)):
            return 'anon_vma', m.group(1)
        return None
    m = re.match(r'^(.*)->page_table_lock$', e)
    if m:
        if re.search(r'(?:^|->|_|\*)mm$', m.group(1)):
            return 'mm_ptl', m.group(1)
        return None
    if e in ptl_vars:
        return ptl_vars[e], e
    if PTL_NAME.search(e):
        return 'ptl', e
    return None


def ptl_variables(code, fstart, fend):
    """{variable: family} of the variables a function assigns a page-table lock pointer to:
    'ptl' from pmd_lockptr(), pmd_lock(), ...; 'mm_ptl' from &...mm->page_table_lock."""
    out = {norm(m.group(1)): 'ptl' for m in PTL_ASSIGN.finditer(code, fstart, fend)}
    for m in MM_PTL_ASSIGN.finditer(code, fstart, fend):
        if re.search(r'(?:^|->|_|\*)mm$|_mm\(', norm(m.group(2))):
            out[norm(m.group(1))] = 'mm_ptl'
    return out


MM_PTL_ASSIGN = re.compile(r'([A-Za-z_][\w\->.]*)\s*=\s*&\s*(.*?)\s*->\s*page_table_lock\b')


PTL_ASSIGN = re.compile(r'([A-Za-z_][\w\->.]*)\s*=\s*(?:%s)\s*\(' % '|'.join(
    sorted(LOCKPTR | {n for n, p in PRIMITIVES.items() if p[2] == ('lhs',) and p[0] == 'ptl'})))


# ---------------------------------------------------------------------------------------------
# Scanning

CALL = re.compile(r'\b([A-Za-z_]\w*)\s*\(')
INTEREST = set(PRIMITIVES) | set(RAW_SPIN) | set(RAW_RWSEM) | HOOK_TAKE | HOOK_RELEASE | \
    {HOOK_BEGIN, HOOK_END, HOOK_EVENT}


def scan_file(rel, text):
    """(sites, scopes): every lock call of the file with its lock and raw/hook context, and
    per scope (function or macro) its start line, for pairing and for primitive definitions."""
    code = strip_comments(text)
    body, macros = split_directives(code)
    scopes = [(name, s, e, body) for name, s, e in function_spans(body)]
    scopes += [(name, s, e, code) for name, s, e in macros]
    line_starts = [0] + [m.end() for m in re.finditer('\n', code)]

    def line_of(off):
        lo, hi = 0, len(line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if line_starts[mid] <= off:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    lines = text.split('\n')
    sites, defs = [], []
    for name, start, end, src in scopes:
        scope = (rel, name, line_of(start))
        ptl_vars = ptl_variables(src, start, end)
        events = []        # (offset, kind, payload) in text order
        takes = []         # argument spans of hook_take calls
        for m in CALL.finditer(src, start, end):
            call = m.group(1)
            if call not in INTEREST:
                continue
            if m.start() > start and src[m.start() - 1] in '.>' and call in RAW_SPIN:
                continue
            args, after = call_args(src, m.end() - 1)
            if call in HOOK_TAKE:
                lock = args[1 if call.endswith(('_killable', '_try')) else 0] if args else ''
                takes.append((m.end(), after, norm(lock)))
                continue
            if call in HOOK_RELEASE:
                events.append((m.start(), 'hook_release', norm(args[0]) if args else ''))
                continue
            if call == HOOK_EVENT:
                events.append((m.start(), 'hook_event', None))
                continue
            if call == HOOK_BEGIN:
                events.append((m.start(), 'begin', None))
                continue
            if call == HOOK_END:
                events.append((m.start(), 'end', None))
                continue
            base = dict(path=rel, line=line_of(m.start()), func=name, call=call, scope=scope,
                        text=lines[line_of(m.start()) - 1].strip(), off=m.start())
            if call in PRIMITIVES:
                if name == call and src is code and m.start() < start + len(call) + 20:
                    continue        # the macro's own name in #define NAME(
                family, op, where = PRIMITIVES[call]
                keys = []
                if where[0] == 'arg' and len(args) > where[1]:
                    keys = [norm(args[where[1]])]
                elif where[0] == 'ptr' and len(args) > where[1]:
                    keys = [addr_of(args[where[1]])]
                elif where[0] == 'args' and len(args) > where[2]:
                    keys = [norm(args[where[1]]), norm(args[where[2]])]
                elif where[0] == 'field' and args:
                    keys = [field_of(args[0], where[2])]
                elif where[0] == 'lhs':
                    keys = [assigned_to(src, m.start()) or '?']
                if not keys:
                    continue        # a declaration or a call without arguments
                cls = class_of(call, args)
                for k in keys:
                    events.append((m.start(), 'site', Site(family=family, op=op, key=k,
                                                           raw=False, cls=cls, **base)))
            else:
                if not args:
                    continue
                fk = raw_lock(call, args[0], ptl_vars)
                if fk is None:
                    continue
                op = RAW_SPIN.get(call) or RAW_RWSEM[call]
                events.append((m.start(), 'site', Site(family=fk[0], op=op, key=fk[1], raw=True,
                                                       arg=norm(args[0]), **base)))
        events.sort(key=lambda e: e[0])
        classify_raw(events, takes)
        scope_sites = [e[2] for e in events if e[1] == 'site']
        if src is body and any(x.op == 'acquire' for x in scope_sites):
            try:
                flow_partners(src, start, end, scope_sites)
            except FlowError:
                pass        # left to the nearest-acquisition rule of pairs()
        defs.append((scope, [e[2] for e in events if e[1] == 'site'],
                     any(e[1] != 'site' for e in events) or bool(takes)))
        sites += [e[2] for e in events if e[1] == 'site']
    return sites, defs


def hook_names(lock, site):
    """Whether a hook's lock argument names the raw call's lock: the same expression (the
    lock, or for the per-VMA lock the VMA), or one the hook builds through a macro, which is
    not expanded here."""
    return lock in (site.arg, site.key) or '(' in lock


def classify_raw(events, takes):
    """Decide each raw call of one scope on its own position (see the file's docstring)."""
    last, bracket = None, False
    for i, (off, kind, s) in enumerate(events):
        if kind == 'begin':
            bracket = True
        elif kind == 'end':
            bracket = False
        elif kind == 'site' and s.raw:
            if any(a <= off < b and hook_names(lock, s) for a, b, lock in takes):
                s.traced, s.how = True, 'lock statement of a lockstep_lock_*() hook'
            elif bracket:
                s.traced, s.how = True, 'between __lockstep_lock_acquire() and _acquired()'
            elif s.op == 'release' and last and last[0] == 'hook_release' and \
                    hook_names(last[1], s):
                s.traced, s.how = True, 'after lockstep_lock_release()'
            elif s.op == 'downgrade' and (last and last[0] == 'hook_event' or (
                    i + 1 < len(events) and events[i + 1][1] == 'hook_event')):
                s.traced, s.how = True, 'beside lockstep_event(lock_downgrade)'
            else:
                s.traced, s.how = False, 'raw %s()' % s.call
        if kind in ('hook_release', 'hook_event', 'site'):
            last = (kind, s)


def traced_primitives(defs):
    """Primitives whose every definition with lock calls performs them traced (and at least
    one such definition exists), to a fixed point: {name: True/False}, missing = no body."""
    bodies = {}
    for (rel, name, _), sites, hooked in defs:
        if name in PRIMITIVES:
            bodies.setdefault(name, []).append((sites, hooked))
    traced = {}
    changed = True
    while changed:
        changed = False
        for name, all_sites in bodies.items():
            ok, any_op = True, False
            for sites, hooked in all_sites:
                any_op = any_op or hooked
                for s in sites:
                    t = s.traced if s.raw else traced.get(s.call, False)
                    any_op = True
                    ok = ok and t
            v = ok and any_op
            if traced.get(name) != v and v:
                traced[name] = True
                changed = True
    for name in bodies:
        traced.setdefault(name, False)
    return traced


def scan(tree):
    sites, defs = [], []
    for rel in source_files(tree):
        with open(os.path.join(tree, rel), 'rb') as f:
            data = f.read()
        if not KEYWORDS.search(data):
            continue
        s, d = scan_file(rel, data.decode('utf-8', errors='replace'))
        sites += s
        defs += d
    traced = traced_primitives(defs)
    for s in sites:
        if not s.raw:
            s.traced = traced.get(s.call, False)
            s.how = 'traced primitive' if s.traced else (
                'primitive not traced' if s.call in traced else 'primitive without a definition')
    return sites, traced


def exception_of(site):
    for name, test, _ in EXCEPTIONS:
        if test(site):
            return name
    return None


def pairs(sites):
    """Per scope, each release with the nearest acquisition of the same lock before it (else
    after it), and each acquisition left over with the nearest release after (else before)."""
    by_scope = {}
    for s in sites:
        if s.op in ('acquire', 'release'):
            by_scope.setdefault(s.scope, []).append(s)
    out = []
    for scope, ss in by_scope.items():
        if all(s.partners is not None for s in ss if s.op == 'acquire'):
            for a in ss:
                out += [(a, r) for r in a.partners or ()]
            continue
        ss.sort(key=lambda s: s.line)
        seen = set()
        for s in ss:
            want = 'acquire' if s.op == 'release' else 'release'
            same = [t for t in ss if t.op == want and t.family == s.family and t.key == s.key]
            if not same:
                continue
            if s.op == 'release':
                before = [t for t in same if t.line <= s.line]
                t = before[-1] if before else same[0]
                a, r = t, s
            else:
                if any(id(s) == p[0] for p in seen):
                    continue
                after = [t for t in same if t.line >= s.line]
                t = after[0] if after else same[-1]
                a, r = s, t
            if (id(a), id(r)) not in seen:
                seen.add((id(a), id(r)))
                out.append((a, r))
    return out


# ---------------------------------------------------------------------------------------------
# Control flow: which releases an acquisition reaches


class FlowError(Exception):
    pass


TOKEN = re.compile(r'[A-Za-z_]\w*|\d\w*|->|[^\sA-Za-z_\d]')
OPEN, CLOSE = '([{', ')]}'


class Flow:
    """A function body compiled to a flat program: nodes (kind, start, end, target, cond) with
    kind 'stmt' (falls through), 'fork' (falls through or jumps; cond is the if's condition,
    or None), 'jmp', 'multi' (jumps to any of target), 'ret'. Labels name node indices."""

    def __init__(self, code, start, end):
        self.code = code
        self.toks = [(m.group(0), m.start()) for m in TOKEN.finditer(code, start, end)]
        self.nodes, self.labels, self.fixups = [], {}, []
        self.match = {}
        stack = []
        for i, (t, _) in enumerate(self.toks):
            if t in OPEN:
                stack.append(i)
            elif t in CLOSE:
                if not stack:
                    raise FlowError('unbalanced')
                self.match[stack.pop()] = i
        if stack or not self.toks or self.toks[0][0] != '{':
            raise FlowError('unbalanced')
        self.block(0, None, None, None)
        for idx, name in self.fixups:
            if name not in self.labels:
                raise FlowError('goto ' + name)
            self.nodes[idx][3] = self.labels[name]

    def off(self, i):
        return self.toks[i][1] if i < len(self.toks) else len(self.code)

    def emit(self, kind, a, b, target=None, cond=None):
        self.nodes.append([kind, self.off(a), self.off(b), target, cond])
        return len(self.nodes) - 1

    def label(self):
        return len(self.nodes)

    def patch(self, idx, target):
        self.nodes[idx][3] = target

    def block(self, i, brk, cont, cases):
        """The compound statement whose '{' is token i; returns the index after its '}'."""
        end = self.match[i]
        i += 1
        while i < end:
            i = self.stmt(i, brk, cont, cases)
        return end + 1

    def stmt(self, i, brk, cont, cases):
        toks = self.toks
        t = toks[i][0]
        nxt = toks[i + 1][0] if i + 1 < len(toks) else ''
        if t == '{':
            return self.block(i, brk, cont, cases)
        if t == ';':
            return i + 1
        if t in ('case', 'default'):
            j = i
            while toks[j][0] != ':' or (j + 1 < len(toks) and toks[j + 1][0] == ':'):
                j += 1
            if cases is not None:
                cases.append(self.label())
            return j + 1
        if re.match(r'[A-Za-z_]', t) and nxt == ':' and t not in ('default',):
            self.labels[t] = self.label()
            return i + 2
        if t == 'if' and nxt == '(':
            close = self.match[i + 1]
            cond = self.code[self.off(i + 2):self.off(close)]
            fork = self.emit('fork', i, close + 1, cond=cond)
            j = self.stmt(close + 1, brk, cont, cases)
            if j < len(toks) and toks[j][0] == 'else':
                jmp = self.emit('jmp', j, j)
                self.patch(fork, self.label())
                j = self.stmt(j + 1, brk, cont, cases)
                self.patch(jmp, self.label())
            else:
                self.patch(fork, self.label())
            return j
        if t in ('while', 'for', 'switch') and nxt == '(' or (
                re.match(r'[A-Za-z_]', t) and nxt == '(' and i + 1 in self.match and
                self.match[i + 1] + 1 < len(toks) and toks[self.match[i + 1] + 1][0] == '{' and
                t not in ('sizeof', 'typeof', 'return')):
            close = self.match[i + 1]
            top = self.emit('stmt', i, close + 1)
            if t == 'switch':
                multi = self.emit('multi', close + 1, close + 1, target=[])
                labels = []
                j = self.stmt(close + 1, [], cont, labels)
                end = self.label()
                self.patch(multi, labels + [end])
                self.fix_breaks(multi, end)
                return j
            fork = self.emit('fork', close + 1, close + 1)
            body_breaks = []
            j = self.stmt(close + 1, body_breaks, top, cases)
            self.emit('jmp', j, j, target=top)
            end = self.label()
            self.patch(fork, end)
            for b in body_breaks:
                self.patch(b, end)
            return j
        if t == 'do':
            top = self.label()
            body_breaks = []
            conts = []
            j = self.stmt(i + 1, body_breaks, conts, cases)
            cstart = self.label()
            for c in conts:
                self.patch(c, cstart)
            # "} while (...);", or a macro that ends in one: "} for_each_vma(vmi, vma);"
            if not re.match(r'[A-Za-z_]', toks[j][0]) or toks[j + 1][0] != '(':
                raise FlowError('do without while')
            close = self.match[j + 1]
            self.emit('stmt', j, close + 1)
            self.emit('fork', close + 1, close + 1, target=top)
            end = self.label()
            for b in body_breaks:
                self.patch(b, end)
            return close + 2
        if t == 'goto':
            self.fixups.append((self.emit('jmp', i, i + 2), nxt))
            return i + 3
        if t == 'break' and brk is not None:
            brk.append(self.emit('jmp', i, i + 1))
            return i + 2
        if t == 'continue' and cont is not None:
            idx = self.emit('jmp', i, i + 1, target=cont if isinstance(cont, int) else None)
            if not isinstance(cont, int):
                cont.append(idx)
            return i + 2
        # an expression statement (return included): up to ';' outside brackets
        j = i
        while j < len(toks) and toks[j][0] != ';':
            if toks[j][0] in OPEN:
                j = self.match[j]
            elif toks[j][0] in CLOSE:
                raise FlowError('stray ' + toks[j][0])
            j += 1
        self.emit('stmt', i, j + 1)
        if t == 'return':
            self.emit('ret', j, j)
        return j + 1

    def fix_breaks(self, multi, end):
        """break inside a switch body jumps past it (emitted with target None)."""
        for n in self.nodes[multi + 1:]:
            if n[0] == 'jmp' and n[3] is None:
                n[3] = end

    def successors(self, idx, key):
        kind, _, _, target, cond = self.nodes[idx]
        if kind == 'ret':
            return []
        if kind == 'jmp':
            return [target] if target is not None else []
        if kind == 'multi':
            return list(target)
        if kind == 'fork':
            held = null_test(cond, key)
            if held is True:        # if (ptl): the lock is held, the branch is taken
                return [idx + 1]
            if held is False:       # if (!ptl)
                return [target]
            return [idx + 1, target]
        return [idx + 1]


def null_test(cond, key):
    """True when cond tests key for non-NULL, False when for NULL, else None."""
    if cond is None:
        return None
    c = norm(cond)
    if c in (key, key + '!=NULL', 'likely(%s)' % key, 'unlikely(%s)' % key):
        return True
    if c in ('!' + key, key + '==NULL', '!(%s)' % key):
        return False
    return None


def flow_partners(code, start, end, sites):
    """Set .partners of each acquisition among sites (one function): the releases of the same
    lock that some path from it reaches before the lock is taken again or the function
    returns. Paths are those of the C statements (if/else, loops, switch, goto, return);
    conditions are not evaluated, except a test of the lock itself for NULL."""
    flow = Flow(code, start, end)
    spans = [(n[1], n[2]) for n in flow.nodes]

    def node_of(off):
        best = None
        for idx, (a, b) in enumerate(spans):
            if a <= off < b and (best is None or b - a < spans[best][1] - spans[best][0]):
                best = idx
        return best

    at = {}
    for s in sites:
        if s.op in ('acquire', 'release'):
            n = node_of(s.off)
            if n is None:
                raise FlowError('site outside the program')
            at.setdefault(n, []).append(s)
    for a in sites:
        if a.op != 'acquire':
            continue
        a.partners = []
        same = lambda s: s.family == a.family and s.key == a.key
        start_node = node_of(a.off)
        todo, seen = [(start_node, a.off)], set()
        while todo:
            n, after = todo.pop()
            if n >= len(flow.nodes):
                continue
            stop = False
            for s in sorted(at.get(n, ()), key=lambda s: s.off):
                if s is a or s.off <= after or not same(s):
                    continue
                if s.op == 'release':
                    if s not in a.partners:
                        a.partners.append(s)
                stop = True
                break
            if stop:
                continue
            for m in flow.successors(n, a.key):
                if m not in seen:
                    seen.add(m)
                    todo.append((m, -1))


# ---------------------------------------------------------------------------------------------
# Report


def unbalanced_pair(a, r):
    """Why the pair a, r is unbalanced, or None: one half traced and the other not, or both
    traced with different classes."""
    if a.traced != r.traced:
        return 'traced %s, raw %s' % (('acquire', 'release') if a.traced else ('release',
                                                                              'acquire'))
    if a.traced and a.cls and r.cls and a.cls != r.cls:
        return 'acquired as %s, released as %s' % (a.cls, r.cls)
    return None


def results(sites, traced):
    unbalanced = [(a, r) for a, r in pairs(sites) if unbalanced_pair(a, r)]
    untraced = [s for s in sites if not s.traced]
    unexplained = [s for s in untraced if exception_of(s) is None]
    missing = sorted(set(PRIMITIVES) - set(traced))
    return unbalanced, untraced, unexplained, missing


def wrap(text, width):
    """Lines of at most width characters, broken after ', '."""
    out, cur = [], ''
    for part in text.split(', '):
        if cur and len(cur) + len(part) + 2 > width:
            out.append(cur + ',')
            cur = part
        else:
            cur = cur + ', ' + part if cur else part
    return out + [cur]


def md(s):
    return s.replace('|', '\\|')


def report(sites, traced, out):
    unbalanced, untraced, unexplained, missing = results(sites, traced)
    all_pairs = pairs(sites)
    w = out.write
    n_traced = sum(1 for s in sites if s.traced)
    w('# Coverage of the lockstep kernel instrumentation\n\n')
    w('Generated by `tracer/coverage.py` from linux-source-6.12 with `patches/*.patch` applied;\n'
      'do not edit by hand (re-run: `python3 tracer/coverage.py -o docs/coverage.md`; the default\n'
      'test suite fails when this file is not what that prints). Line numbers are those of the\n'
      'patched tree.\n\n')
    w('## What is counted\n\n'
      'Every call site of the five lock kinds (mmap_lock, per-VMA lock, anon_vma rwsem,\n'
      'i_mmap_rwsem, page-table locks: PTE, PMD, PUD, hugetlb and `mm->page_table_lock`) in the\n'
      'directories of a kernel built for x86_64:\n\n' +
      ''.join('%s\n' % l for l in wrap(', '.join('`%s/`' % d for d in SCAN_DIRS), 88)) +
      '\nA grep of the whole tree found calls of the mm lock primitives only in the directories\n'
      'of the per-directory table below (the others are scanned so that a new call there is\n'
      'seen). Left out: the `arch/` directories of the other architectures (lockstep\'s kernel\n'
      'is built and tested for x86_64 only; their page-table code is not compiled), `tools/`\n'
      '(user-space copies of kernel headers), `samples/`, `Documentation/` and `scripts/`.\n\n'
      'A site is a call of a lock primitive or helper (`mmap_read_lock`, `pmd_lock`,\n'
      '`pte_unmap_unlock`, `huge_pte_unlock`, ...) or a raw lock call on one of these locks\n'
      '(`spin_lock(ptl)`, `spin_unlock(&mm->page_table_lock)`, `down_read(&vma->vm_lock->lock)`,\n'
      '...). Each is classified on its own:\n\n'
      '- a primitive call is traced when the primitive is: its definition performs its lock\n'
      '  operations only through traced calls (worked out to a fixed point);\n'
      '- a raw call is traced only when that call is the lock statement of a `lockstep_lock_*()`\n'
      '  hook for the same lock, directly follows a `lockstep_lock_release()` of the same lock,\n'
      '  or sits between `__lockstep_lock_acquire()` and `__lockstep_lock_acquired()`. Whether\n'
      '  the enclosing function has other hooks does not matter.\n\n'
      'Pairs: in each function, an acquisition is paired with every release of the same lock\n'
      '(same lock expression) that a path of the function\'s statements reaches from it before\n'
      'the lock is taken again or the function returns (if/else, loops, `switch`, `goto`,\n'
      '`return`; a test of the lock itself for NULL is followed, other conditions are not\n'
      'evaluated). Acquisitions through lock-returning helpers count (`pte_offset_map_lock`,\n'
      '`pmd_lock`, `pmd_trans_huge_lock`, `pud_lock`, `huge_pte_lock`,\n'
      '`folio_lock_anon_vma_read`, `lock_vma_under_rcu`, `page_vma_mapped_walk`,\n'
      '`folio_walk_start`, `follow_pfnmap_start`, ...). Inside a macro a release is paired\n'
      'with the nearest acquisition instead. A pair is unbalanced when one half is traced and\n'
      'the other is not (the trace would show a hold that never ends, or a release of a lock\n'
      'nobody holds), or when both halves are traced with different classes (a PMD lock\n'
      'released as a PTE lock): the loader keys a lock by address and class, so such a\n'
      'release ends no hold.\n\n'
      'Pairs are looked for inside one function (or macro). A lock taken in one function and\n'
      'dropped in another (the fault path\'s `vmf->ptl`, `migration_entry_wait_on_locked()`,\n'
      '`uffd_move_unlock()`) is not paired, but each half is still classified on its own: a\n'
      'raw half is an untraced site, which `--check` accepts only with one of the exceptions\n'
      'below.\n\n'
      'Not seen: calls through function pointers or built by token pasting; the hugetlb VMA lock\n'
      '(`hugetlb_vma_lock_*`, a rwsem of hugetlb\'s own, not one of the five kinds). All `#ifdef`\n'
      'branches are read as if compiled. Calls that only look a lock up (`pte_offset_map_nolock`,\n'
      '`pmd_lockptr`, `huge_pte_lockptr`) are not sites; the lock call that follows is. The\n'
      'class is compared only where a helper fixes it (`pte_*`, `pmd_*`, `pud_*`,\n'
      '`huge_pte_*`, `mm_page_table_*`, and the class argument of `double_pt_lock()`/\n'
      '`_unlock()` and `migration_entry_wait_on_locked()`); the walkers\' halves\n'
      '(`page_vma_mapped_walk`, `folio_walk_*`, `follow_pfnmap_*`) pick it at run time.\n\n')
    w('## Figures\n\n')
    w('| | count |\n|---|---|\n')
    w('| call sites | %d |\n' % len(sites))
    w('| traced | %d |\n' % n_traced)
    for name, _, _ in EXCEPTIONS:
        w('| untraced, exception `%s` | %d |\n' % (name, sum(1 for s in untraced
                                                            if exception_of(s) == name)))
    w('| untraced without a reason | %d |\n' % len(unexplained))
    w('| acquire/release pairs in one function | %d |\n' % len(all_pairs))
    w('| unbalanced pairs | %d |\n' % len(unbalanced))
    if missing:
        w('| primitives of the table without a definition | %d |\n' % len(missing))
    w('\n## Per kind\n\n| kind | sites | traced | raw calls | raw calls traced | untraced |\n'
      '|---|---|---|---|---|---|\n')
    for kind in KINDS:
        ks = [s for s in sites if s.kind == kind]
        raw = [s for s in ks if s.raw]
        w('| %s | %d | %d | %d | %d | %d |\n' % (kind, len(ks), sum(s.traced for s in ks),
                                                 len(raw), sum(s.traced for s in raw),
                                                 sum(not s.traced for s in ks)))
    w('\n## Per directory\n\n| directory | sites | traced | untraced |\n|---|---|---|---|\n')
    dirs = {}
    for s in sites:
        d = '/'.join(s.path.split('/')[:2]) if s.path.startswith('arch/') else s.path.split('/')[0]
        n, t = dirs.get(d, (0, 0))
        dirs[d] = (n + 1, t + s.traced)
    for d in sorted(dirs):
        n, t = dirs[d]
        w('| `%s/` | %d | %d | %d |\n' % (d, n, t, n - t))
    w('\n## Primitives\n\nTraced (their calls count as traced): %s.\n' %
      ', '.join('`%s`' % p for p in sorted(p for p, t in traced.items() if t)))
    nt = sorted(p for p, t in traced.items() if not t)
    w('\nNot traced: %s.\n' % (', '.join('`%s`' % p for p in nt) if nt else 'none'))
    if missing:
        w('\nWithout a definition in the tree: %s.\n' % ', '.join('`%s`' % p for p in missing))
    w('\n## Unbalanced pairs\n\n')
    if unbalanced:
        w('| function | acquire | traced | release | traced | why |\n|---|---|---|---|---|---|\n')
        for a, r in unbalanced:
            w('| %s | %s `%s` | %s | %s `%s` | %s | %s |\n'
              % (a.func, a.where(), a.call, yn(a), r.where(), r.call, yn(r),
                 unbalanced_pair(a, r)))
    else:
        w('None.\n')
    w('\n## Untraced sites\n\n')
    for name, _, reason in EXCEPTIONS:
        group = [s for s in untraced if exception_of(s) == name]
        w('### Exception `%s` (%d sites)\n\n%s.\n\n' % (name, len(group), reason))
        if group:
            w('| file:line | function | call |\n|---|---|---|\n')
            for s in group:
                w('| %s | %s | `%s` |\n' % (s.where(), s.func, md(s.text[:90])))
            w('\n')
    w('### Without a reason (%d sites)\n\n' % len(unexplained))
    if unexplained:
        w('| file:line | function | call |\n|---|---|---|\n')
        for s in unexplained:
            w('| %s | %s | `%s` |\n' % (s.where(), s.func, md(s.text[:90])))
    else:
        w('None.\n')
    w('\n## All call sites\n\n| file:line | function | call | lock | op | traced |\n'
      '|---|---|---|---|---|---|\n')
    for s in sorted(sites, key=lambda s: (s.path, s.line, s.call, s.key)):
        w('| %s | %s | `%s` | `%s` | %s | %s |\n' % (s.where(), s.func, s.call, md(s.key), s.op,
                                                    'yes' if s.traced else 'no: ' + s.how))


def yn(s):
    return 'yes' if s.traced else 'no (%s)' % s.how


def check(sites, traced, out):
    """Print every problem; return how many there are."""
    unbalanced, _, unexplained, missing = results(sites, traced)
    for a, r in unbalanced:
        out.write('unbalanced: %s: acquire %s %s() [%s] released at %s %s() [%s] (lock %s: %s)\n'
                  % (a.func, a.where(), a.call, 'traced' if a.traced else 'raw: ' + a.how,
                     r.where(), r.call, 'traced' if r.traced else 'raw: ' + r.how, a.key,
                     unbalanced_pair(a, r)))
    for s in unexplained:
        out.write('untraced without a reason: %s %s(): %s\n' % (s.where(), s.func, s.text))
    for p in missing:
        out.write('no definition of primitive %s in the scanned tree\n' % p)
    return len(unbalanced) + len(unexplained) + len(missing)


def table_current(table, path):
    """Whether path holds exactly table; prints the unified diff when not."""
    try:
        with open(path, encoding='utf-8') as f:
            old = f.read()
    except OSError as e:
        print('coverage.py: %s: %s' % (path, e.strerror))
        return False
    if old == table:
        return True
    sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), table.splitlines(True),
                                               path, 'generated from the patched tree'))
    print('coverage.py: %s is not current (regenerate: python3 tracer/coverage.py -o %s)'
          % (path, path))
    return False


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--tarball', default='/usr/src/linux-source-6.12.tar.xz')
    ap.add_argument('--patches', default=os.path.join(root, 'patches'))
    ap.add_argument('--cache', help='keep the patched tree here between runs')
    ap.add_argument('--tree', help='scan this directory as it is')
    ap.add_argument('-o', '--output', help='write the Markdown table here ("-": stdout)')
    ap.add_argument('--check', nargs='?', const='', metavar='FILE',
                    help='fail on unbalanced pairs or unexplained untraced sites; with FILE also '
                         'when FILE differs from the generated table')
    ap.add_argument('--diff', metavar='FILE',
                    help='fail, printing the diff, when FILE is not the generated table')
    args = ap.parse_args()
    if args.tree:
        tree = args.tree
        if not os.path.isdir(tree):
            sys.exit('coverage.py: %s: not a directory' % tree)
    else:
        if not os.path.exists(args.tarball):
            sys.exit('coverage.py: %s missing (apt-get install linux-source-6.12)' % args.tarball)
        patches = sorted(glob.glob(os.path.join(args.patches, '*.patch')))
        if not patches:
            sys.exit('coverage.py: no patches in %s' % args.patches)
        tmp = None
        if not args.cache:
            tmp = tempfile.TemporaryDirectory(prefix='lockstep-coverage.')
        try:
            tree = build_tree(args.tarball, patches, args.cache or tmp.name)
        except RuntimeError as e:
            sys.exit('coverage.py: %s' % e)
    sites, traced = scan(tree)
    buf = io.StringIO()
    report(sites, traced, buf)
    table = buf.getvalue()
    status = 0
    if args.output == '-' or (args.output is None and args.check is None and args.diff is None):
        sys.stdout.write(table)
    elif args.output:
        with open(args.output, 'w', encoding='utf-8') as f:
            f.write(table)
    problems = 0
    if args.check is not None:
        problems += check(sites, traced, sys.stdout)
    for against in filter(None, (args.check, args.diff)):
        problems += not table_current(table, against)
    if args.check is not None or args.diff:
        print('coverage.py: %d sites, %d traced, %d unbalanced pairs, %d problems'
              % (len(sites), sum(s.traced for s in sites), len(results(sites, traced)[0]),
                 problems))
        status = 1 if problems else 0
    return status


if __name__ == '__main__':
    sys.exit(main())
