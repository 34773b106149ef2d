#!/usr/bin/env python3
"""coverage_classifier.py — TAP: tracer/coverage.py judges each lock call site on its own.

A synthetic source tree of a few functions, written the way the kernel writes them:
  * thp_walk() takes a PMD lock through the traced pmd_lock() and drops it on one path with
    a raw spin_unlock(): the unbalanced pair must be reported, with both lines;
  * pmd_alloc_like() (the shape of __pmd_alloc) has traced lock calls and a lockstep hook of
    its own (lockstep_event(obj_alloc)) and a raw release of an untraced pud_lock(): the raw
    release must count as untraced although its function has hooks, and the pair (both
    halves untraced) is not unbalanced;
  * raw_then_traced() takes a lock looked up with pmd_lockptr() with a raw spin_lock() and
    drops it through the traced pmd_unlock(): reported, the lock found through the variable;
  * mlock_like() (the shape of mlock_pte_range()) jumps from its THP branch, holding the PMD
    lock of pmd_trans_huge_lock(), to the PTE path's pte_spin_unlock(): both halves are
    traced, but with different classes, which the loader keys locks by; the pair must be
    reported, found by following the goto, and the PTE path's own pair must not;
  * release_other() emits the release of one lock and drops another raw: untraced;
  * good_walk() is balanced and must not be reported.
Then thp_walk() is fixed and its pair must be gone. The CLI (--check) must fail on the broken
tree and print the pair. Needs no kernel source.

usage: coverage_classifier.py SOURCE_ROOT
"""
import importlib.util
import os
import subprocess
import sys
import tempfile

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..')
SCRIPT = os.path.join(ROOT, 'tracer', 'coverage.py')

HEADER = r'''
#define lockstep_pmd_class 1
static __always_inline spinlock_t *pmd_lock(struct mm_struct *mm, pmd_t *pmd)
{
	spinlock_t *ptl = pmd_lockptr(mm, pmd);

	lockstep_lock_blocking(ptl, LOCKSTEP_PMD_PTL_CLASS, LOCKSTEP_WRITE,
			       virt_to_ptdesc(pmd), mm, _THIS_IP_,
			       spin_trylock(ptl), spin_lock(ptl));
	return ptl;
}

/* Release a lock taken by pmd_lock(). */
static __always_inline void pmd_unlock(spinlock_t *ptl)
{
	lockstep_lock_release(ptl, LOCKSTEP_PMD_PTL_CLASS, LOCKSTEP_WRITE,
			      _THIS_IP_);
	spin_unlock(ptl);
}

static inline spinlock_t *pmd_trans_huge_lock(pmd_t *pmd,
					       struct vm_area_struct *vma)
{
	spinlock_t *ptl = pmd_lock(vma->vm_mm, pmd);

	if (pmd_trans_huge(*pmd))
		return ptl;
	pmd_unlock(ptl);
	return NULL;
}

static __always_inline void pte_spin_unlock(spinlock_t *ptl)
{
	lockstep_lock_release(ptl, LOCKSTEP_PTE_PTL_CLASS, LOCKSTEP_WRITE,
			      _THIS_IP_);
	spin_unlock(ptl);
}

pte_t *__pte_offset_map_lock(struct mm_struct *mm, pmd_t *pmd,
			     unsigned long addr, spinlock_t **ptlp)
{
	spinlock_t *ptl = pte_lockptr(mm, pmd);

	lockstep_lock_blocking(ptl, LOCKSTEP_PTE_PTL_CLASS, LOCKSTEP_WRITE,
			       NULL, mm, _RET_IP_, spin_trylock(ptl), spin_lock(ptl));
	*ptlp = ptl;
	return pte_offset_map(pmd, addr);
}

static inline pte_t *pte_offset_map_lock(struct mm_struct *mm, pmd_t *pmd,
			unsigned long addr, spinlock_t **ptlp)
{
	return __pte_offset_map_lock(mm, pmd, addr, ptlp);
}

static inline spinlock_t *pud_lock(struct mm_struct *mm, pud_t *pud)
{
	spinlock_t *ptl = pud_lockptr(mm, pud);

	spin_lock(ptl);
	return ptl;
}

static __always_inline void mm_page_table_lock(struct mm_struct *mm)
{
	lockstep_lock_blocking(&mm->page_table_lock,
			       LOCKSTEP_CLASS_PAGE_TABLE_LOCK, LOCKSTEP_WRITE,
			       mm, mm, _THIS_IP_,
			       spin_trylock(&mm->page_table_lock),
			       spin_lock(&mm->page_table_lock));
}

static __always_inline void mm_page_table_unlock(struct mm_struct *mm)
{
	lockstep_lock_release(&mm->page_table_lock,
			      LOCKSTEP_CLASS_PAGE_TABLE_LOCK, LOCKSTEP_WRITE,
			      _THIS_IP_);
	spin_unlock(&mm->page_table_lock);
}
'''

WALK = r'''
/* "spin_unlock(ptl)" in a comment is no call. */
static int thp_walk(struct mm_struct *mm, pmd_t *pmd)
{
	spinlock_t *ptl = pmd_lock(mm, pmd);

	if (pmd_none(*pmd)) {
		spin_unlock(ptl);	/* THP_RAW_RELEASE */
		return 0;
	}
	pmd_unlock(ptl);
	return 1;
}

static void good_walk(struct mm_struct *mm, pmd_t *pmd)
{
	spinlock_t *ptl;

	ptl = pmd_lock(mm, pmd);
	pmd_unlock(ptl);
}

int pmd_alloc_like(struct mm_struct *mm, pud_t *pud)
{
	spinlock_t *ptl;

	mm_page_table_lock(mm);
	mm_page_table_unlock(mm);
	lockstep_event(obj_alloc, pud, LOCKSTEP_KIND_PMD_TABLE, mm, 0, 0, _THIS_IP_);
	ptl = pud_lock(mm, pud);
	spin_unlock(ptl);	/* PUD_RAW_RELEASE */
	return 0;
}

static int mlock_like(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr)
{
	spinlock_t *ptl;
	pte_t *pte;

	ptl = pmd_trans_huge_lock(pmd, vma);	/* THP_ACQUIRE */
	if (ptl) {
		if (pmd_none(*pmd))
			goto out;
		goto out;
	}
	pte = pte_offset_map_lock(vma->vm_mm, pmd, addr, &ptl);	/* PTE_ACQUIRE */
	if (!pte)
		return 0;
	pte_unmap(pte);
out:
	pte_spin_unlock(ptl);	/* SHARED_RELEASE */
	return 0;
}

static void release_other(spinlock_t *ptl, spinlock_t *other_ptl)
{
	lockstep_lock_release(ptl, LOCKSTEP_PTE_PTL_CLASS, LOCKSTEP_WRITE, _THIS_IP_);
	spin_unlock(other_ptl);	/* OTHER_RELEASE */
}

static void raw_then_traced(struct mm_struct *mm, pmd_t *pmd)
{
	spinlock_t *lock = pmd_lockptr(mm, pmd);

	spin_lock(lock);	/* RAW_ACQUIRE */
	pmd_unlock(lock);	/* TRACED_RELEASE */
}
'''

results = []


def check(ok, name, diag=None):
    results.append((bool(ok), name, diag))


def line_of(text, marker):
    for i, line in enumerate(text.split('\n'), 1):
        if marker in line:
            return i
    raise AssertionError(marker)


def write_tree(top, walk):
    os.makedirs(os.path.join(top, 'include', 'linux'))
    os.makedirs(os.path.join(top, 'mm'))
    with open(os.path.join(top, 'include', 'linux', 'mm.h'), 'w') as f:
        f.write(HEADER)
    with open(os.path.join(top, 'mm', 'walk.c'), 'w') as f:
        f.write(walk)


def main():
    spec = importlib.util.spec_from_file_location('coverage', SCRIPT)
    cov = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cov)

    with tempfile.TemporaryDirectory(prefix='lockstep-classifier.') as tmp:
        broken = os.path.join(tmp, 'broken')
        write_tree(broken, WALK)
        sites, traced = cov.scan(broken)
        unbalanced, _, unexplained, _ = cov.results(sites, traced)
        pairs = {(a.func, a.line, a.call, r.line, r.call) for a, r in unbalanced}

        acq = line_of(WALK, 'spinlock_t *ptl = pmd_lock(mm, pmd);')
        rel = line_of(WALK, 'THP_RAW_RELEASE')
        check((('thp_walk', acq, 'pmd_lock', rel, 'spin_unlock')) in pairs,
              'traced pmd_lock() released by a raw spin_unlock() is an unbalanced pair',
              sorted(pairs))
        check(not any(p[0] == 'good_walk' for p in pairs),
              'pmd_lock() released by pmd_unlock() is balanced', sorted(pairs))
        check(('raw_then_traced', line_of(WALK, 'RAW_ACQUIRE'), 'spin_lock',
               line_of(WALK, 'TRACED_RELEASE'), 'pmd_unlock') in pairs,
              'raw spin_lock() of a pmd_lockptr() lock released by pmd_unlock() is unbalanced',
              sorted(pairs))

        thp = ('mlock_like', line_of(WALK, 'THP_ACQUIRE'), 'pmd_trans_huge_lock',
               line_of(WALK, 'SHARED_RELEASE'), 'pte_spin_unlock')
        why = [cov.unbalanced_pair(a, r) for a, r in unbalanced
               if (a.func, a.line, a.call, r.line, r.call) == thp]
        check(why == ['acquired as pmd_lock, released as pte_lock'],
              'a PMD lock reaching a PTE-class release through a goto is unbalanced',
              (why, sorted(pairs)))
        check(not any(p[0] == 'mlock_like' and p[1] == line_of(WALK, 'PTE_ACQUIRE')
                      for p in pairs),
              'the PTE path of the same function, released with its class, is balanced',
              sorted(pairs))

        pud_rel = [s for s in sites if s.path == 'mm/walk.c' and
                   s.line == line_of(WALK, 'PUD_RAW_RELEASE')]
        check(len(pud_rel) == 1 and not pud_rel[0].traced,
              'a raw unlock in a function with lockstep hooks is still untraced',
              [(s.where(), s.traced, s.how) for s in pud_rel])
        other = [s for s in sites if s.line == line_of(WALK, 'OTHER_RELEASE')]
        check(len(other) == 1 and not other[0].traced,
              'a raw unlock after the release hook of another lock is untraced',
              [(s.where(), s.traced, s.how) for s in other])
        check(traced.get('pud_lock') is False and traced.get('pmd_lock') is True,
              'primitives are traced by their definition (pmd_lock yes, raw pud_lock no)',
              traced)
        check(not any(p[0] == 'pmd_alloc_like' for p in pairs),
              'an untraced acquire released untraced is not unbalanced', sorted(pairs))
        check(any(s.line == line_of(WALK, 'PUD_RAW_RELEASE') for s in unexplained) and
              not any(s.line == 2 for s in sites),
              'the raw release is listed as untraced without a reason; comments are no calls',
              [(s.where(), s.how) for s in unexplained])

        r = subprocess.run([sys.executable, SCRIPT, '--tree', broken, '--check'],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        want = ('unbalanced: thp_walk: acquire mm/walk.c:%d pmd_lock() [traced] released at '
                'mm/walk.c:%d spin_unlock()' % (acq, rel))
        check(r.returncode == 1 and want in r.stdout,
              'coverage.py --check fails and names both halves with file:line',
              r.stdout[-2000:])

        fixed = os.path.join(tmp, 'fixed')
        write_tree(fixed, WALK.replace('spin_unlock(ptl);\t/* THP_RAW_RELEASE */',
                                       'pmd_unlock(ptl);\t/* THP_RAW_RELEASE */')
                   .replace('\t\tgoto out;\n\t}', '\t\tpmd_unlock(ptl);\n\t\treturn 0;\n\t}')
                   .replace('\t\t\tgoto out;\n', '\t\t\tgoto thp_out;\n')
                   .replace('\t\tpmd_unlock(ptl);\n\t\treturn 0;\n\t}',
                            'thp_out:\n\t\tpmd_unlock(ptl);\n\t\treturn 0;\n\t}'))
        sites, traced = cov.scan(fixed)
        unbalanced = cov.results(sites, traced)[0]
        check(not any(a.func == 'thp_walk' for a, _ in unbalanced),
              'with the release through pmd_unlock() thp_walk() is balanced',
              [(a.where(), r.where()) for a, r in unbalanced])
        check(not any(a.func == 'mlock_like' for a, _ in unbalanced),
              'with its own pmd_unlock() the THP branch of mlock_like() is balanced',
              [(a.where(), r.where()) for a, r in unbalanced])

    print('1..%d' % len(results))
    for i, (ok, name, diag) in enumerate(results, 1):
        print('%s %d - %s' % ('ok' if ok else 'not ok', i, name))
        if not ok and diag is not None:
            for line in str(diag).splitlines()[:20]:
                print('# ' + line)
    return 0 if all(ok for ok, _, _ in results) else 1


if __name__ == '__main__':
    sys.exit(main())
