#!/usr/bin/env python3
"""test_fleet.py — TAP: lockstep over many traces, run as a user runs it, on real CTF traces
written by lockstep-synth (and the recorded samples).

usage: test_fleet.py MODE LOCKSTEP SYNTH SOURCE_ROOT
  cross    two traces each holding one half of an ABBA inversion: one cross-trace cycle from
           `check A B` (and from a directory of them, and with -j 2), none from either alone
  fleet    `fleet add` / `fleet check`: the same cycle, re-adding changes nothing (the file is
           byte-identical), merging fleet databases, bad input
  shuffle  50 inputs added in shuffled orders, by one process, by -j 2 workers, and as one-trace
           fleets merged in yet another order, give the same report
  diff     `diff` of each buggy/fixed scenario pair names the finding that disappeared (and,
           reversed, appeared); a plain vs an injected recording names the injected race's kind
"""
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

n = 0
failed = 0


def ok(cond, name, diag=None):
    global n, failed
    n += 1
    if cond:
        print(f"ok {n} - {name}")
    else:
        failed += 1
        print(f"not ok {n} - {name}")
        if diag:
            for line in str(diag).splitlines()[:25]:
                print(f"# {line}")


def run(*args):
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


mode, lockstep, synth, root = sys.argv[1:5]
tmp = tempfile.mkdtemp(prefix="lockstep-fleet-test.")
here = os.path.join(root, "tests", "fleet")
scenarios = os.path.join(root, "tests", "scenarios")


def synth_scn(scn, out):
    rc, o, e = run(synth, scn, "-o", out)
    if rc != 0:
        print(f"Bail out! lockstep-synth {scn}: {e.strip()}")
        sys.exit(1)
    return out


def check_json(*inputs, extra=()):
    rc, o, e = run(lockstep, "check", "--format", "json", "--no-store", *extra, *inputs)
    try:
        return rc, json.loads(o), e
    except ValueError:
        return rc, None, e + o


def cross_findings(doc):
    return doc["cross_trace"]["findings"] if doc else []


def halves():
    a = synth_scn(os.path.join(here, "abba-half-fault.scn"), os.path.join(tmp, "halves", "fault"))
    b = synth_scn(os.path.join(here, "abba-half-mprotect.scn"), os.path.join(tmp, "halves", "mprotect"))
    return a, b


def cycles(doc):
    return [f for f in doc["findings"] if f["kind"] == "lock-order"]


def test_cross():
    a, b = halves()
    for t, want in ((a, []), (b, ["hierarchy/inversion"])):
        rc, doc, e = check_json(t)
        ok(doc is not None and cycles(doc) == [], f"{os.path.basename(t)} alone: no lock-order cycle", e)
        got = sorted(f["kind"] + "/" + f["rule"] for f in doc["findings"]) if doc else None
        ok(got == want, f"{os.path.basename(t)} alone: exactly {want or 'no finding'}", got)

    rc, doc, e = check_json(a, b)
    cross = cross_findings(doc)
    ok(rc == 1, f"check A B exits 1 on the cross-trace error (exit {rc})", e)
    ok(len(cross) == 1, f"check A B: exactly one cross-trace finding ({len(cross)})", json.dumps(cross)[:2000])
    if len(cross) != 1:
        return
    f = cross[0]
    ok(f["kind"] == "lock-order" and f["rule"] == "cross-trace-cycle" and f["severity"] == "error",
       "the finding is a lock-order cross-trace-cycle error", f)
    ok(f["classes"] == ["vma_lock", "anon_vma"], f"its classes are vma_lock, anon_vma ({f['classes']})")
    ok(sorted(f["tids"]) == [101, 7201], f"its tasks are 101 (trace A) and 7201 (trace B) ({f['tids']})")
    roles = [ev["role"] for ev in f["evidence"]]
    ok(len(roles) == 4 and sum(r.startswith(f"trace {a} ") for r in roles) == 2
       and sum(r.startswith(f"trace {b} ") for r in roles) == 2,
       "each edge's evidence names its trace (holds + requests per trace)", roles)
    sites = sorted(ev["ip"] for ev in f["evidence"])
    ok(sites == ["0xffffffff81001020", "0xffffffff81002010", "0xffffffff81003020", "0xffffffff81003030"],
       "the evidence has each edge's call sites", sites)
    ok("Edge 1, trace " + a in f["detail"] and "Edge 2, trace " + b in f["detail"]
       and "(fault-thread)" in f["detail"] and "(mprotect)" in f["detail"],
       "the detail gives each edge's trace and task names", f["detail"])
    names = [t["name"] for t in doc["traces"]]
    ok(names == [a, b], f"both traces reported, labelled by path ({names})")
    per = {t["name"]: [x["rule"] for x in t["report"]["findings"]] for t in doc["traces"]}
    ok(per == {a: [], b: ["inversion"]}, "per-trace findings as before, labelled by trace", per)

    rc, text, e = run(lockstep, "check", "--no-store", a, b)
    ok("=== trace 1 of 2: " + a in text and "=== trace 2 of 2: " + b in text
       and "lock-order/cross-trace-cycle" in text, "text report: a section per trace and the cross-trace cycle", text)

    rc2, doc2, e = check_json(b, a, extra=("-j", "2"))
    ok(doc2 is not None and cross_findings(doc2) == cross and doc2["traces"] == doc["traces"],
       "check -j 2 B A gives the same report", e)
    rc3, doc3, e = check_json(os.path.join(tmp, "halves"))
    ok(doc3 is not None and cross_findings(doc3) == cross, "check DIR (a directory of the two traces) gives the same cycle", e)
    rc4, doc4, e = check_json(a, a + ".lockstep.db")
    ok(doc4 is not None and len(doc4["traces"]) == 1 and cross_findings(doc4) == [],
       "a trace and its database are one trace (content hash): no cycle with itself", e)

    # a cycle one trace closes by itself is that trace's finding, not repeated as cross-trace
    whole = synth_scn(os.path.join(scenarios, "vma-anon-vma-inversion-buggy.scn"), os.path.join(tmp, "whole"))
    rc5, doc5, e = check_json(whole, a, b)
    per = {t["name"]: [x["rule"] for x in t["report"]["findings"]] for t in doc5["traces"]} if doc5 else {}
    ok(doc5 is not None and per.get(whole) == ["cycle"] and cross_findings(doc5) == [],
       "a cycle closed inside one trace stays that trace's finding: no cross-trace repeat", (per, cross_findings(doc5)))
    rc6, doc6, e = run(lockstep, "check", "--stats", "--no-store", whole, a, b)
    ok("2 class cycles in the joined graph" not in e and "1 closed by one trace alone, 0 cross-trace" in e,
       "--stats: the joined graph's one class cycle is counted as closed by one trace", e)

    rc, o, e = run(lockstep, "check", a, os.path.join(tmp, "nope"))
    ok(rc == 2 and len(e.strip().splitlines()) == 1 and "nope" in e, f"a missing input: one line naming it, exit 2 (exit {rc})", e)


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def fleet_json(db):
    rc, o, e = run(lockstep, "fleet", "check", "--format", "json", db)
    try:
        doc = json.loads(o)
    except ValueError:
        return rc, None, e
    doc.pop("title", None)
    return rc, doc, e


def test_fleet():
    a, b = halves()
    db = os.path.join(tmp, "f.db")
    rc, o, e = run(lockstep, "fleet", "add", db, a)
    ok(rc == 0 and f"added {a}" in o, f"fleet add A (exit {rc})", e + o)
    rc, doc, e = fleet_json(db)
    ok(rc == 0 and doc and cross_findings(doc) == [], "a fleet of A alone: no cross-trace cycle", e)
    rc, o, e = run(lockstep, "fleet", "add", db, b)
    ok(rc == 0 and "1 added" in o and "2 trace(s)" in o, "fleet add B: one trace added, two in the fleet", o + e)
    rc, doc, e = fleet_json(db)
    cross = cross_findings(doc)
    ok(rc == 1 and len(cross) == 1 and cross[0]["rule"] == "cross-trace-cycle",
       f"fleet check: the one cross-trace cycle, exit 1 (exit {rc})", e)
    rc2, doc2, e = check_json(a, b)
    ok(doc2 is not None and doc is not None and cross_findings(doc2) == cross and doc2["traces"] == doc["traces"],
       "fleet check reports what check A B reports")
    before = sha(db)
    rc, o, e = run(lockstep, "fleet", "add", db, a, b + ".lockstep.db")
    ok(rc == 0 and "0 added, 2 unchanged" in o, "re-adding A, and B as its database: 2 unchanged", o + e)
    ok(sha(db) == before, "the fleet database is byte-identical after the re-add")

    # one-trace fleets merged (what CI jobs ship) give the same fleet
    fa, fb, merged = (os.path.join(tmp, x) for x in ("a.fleet.db", "b.fleet.db", "merged.db"))
    run(lockstep, "fleet", "add", fa, a)
    run(lockstep, "fleet", "add", fb, b)
    rc, o, e = run(lockstep, "fleet", "add", merged, fb, fa)
    ok(rc == 0 and "2 trace(s)" in o, "fleet add of two one-trace fleet databases merges them", o + e)
    rc, doc3, e = fleet_json(merged)
    ok(doc3 == doc, "the merged fleet reports exactly what the fleet built trace by trace does")

    # bad input: one line naming the file, non-zero exit, nothing lost
    notfleet = a + ".lockstep.db"
    rc, o, e = run(lockstep, "fleet", "check", notfleet)
    ok(rc == 2 and len(e.strip().splitlines()) == 1 and notfleet in e and "not a lockstep fleet database" in e,
       f"fleet check on a trace database: one line naming it, exit 2 (exit {rc})", e)
    broken = os.path.join(tmp, "broken")
    os.makedirs(broken)
    open(os.path.join(broken, "metadata"), "w").write("/* CTF 1.8 */ garbage\n")
    before = sha(db)
    rc, o, e = run(lockstep, "fleet", "add", db, broken)
    ok(rc == 2 and broken in e and len(e.strip().splitlines()) == 1, f"fleet add of a broken trace: one line naming it, exit 2 (exit {rc})", e)
    ok(sha(db) == before, "the fleet is unchanged by the failed add")
    rc, o, e = run(lockstep, "fleet", "check", os.path.join(tmp, "absent.db"))
    ok(rc == 2 and "absent.db" in e and not os.path.exists(os.path.join(tmp, "absent.db")),
       "fleet check of a missing fleet: exit 2, nothing created", e)


def test_shuffle():
    a, b = halves()
    inputs = [a, b]
    for i in range(48):
        out = os.path.join(tmp, "many", f"gen{i:02d}")
        rc, o, e = run(synth, "--generate", "1500", "--seed", str(100 + i), "--tasks", "6", "--cpus", "2", "-o", out)
        if rc != 0:
            print(f"Bail out! lockstep-synth --generate: {e.strip()}")
            sys.exit(1)
        inputs.append(out)
    ok(len(inputs) == 50, "50 inputs: the two ABBA halves and 48 generated workloads")
    rng = random.Random(11)
    reports = []
    for k, (jobs, how) in enumerate(((1, "one add"), (2, "-j 2"), (1, "one add per trace"), (1, "merged one-trace fleets"))):
        order = inputs[:]
        rng.shuffle(order)
        db = os.path.join(tmp, f"shuffle{k}.db")
        if how == "one add per trace":
            rcs = [run(lockstep, "fleet", "add", "-q", db, x)[0] for x in order]
            rc = max(rcs)
        elif how == "merged one-trace fleets":
            parts = []
            for j, x in enumerate(order):
                p = os.path.join(tmp, f"part{j:02d}.fleet.db")
                run(lockstep, "fleet", "add", "-q", p, x)
                parts.append(p)
            rng.shuffle(parts)
            rc, o, e = run(lockstep, "fleet", "add", "-q", db, *parts)
        else:
            rc, o, e = run(lockstep, "fleet", "add", "-q", "-j", jobs, db, *order)
        rcc, doc, e = fleet_json(db)
        ok(rc == 0 and doc is not None and len(doc["traces"]) == 50, f"fleet built by {how} in a shuffled order holds 50 traces", e)
        rct, text, e = run(lockstep, "fleet", "check", db)
        reports.append((doc, text.split("\n", 1)[1] if "\n" in text else text))
    first = reports[0]
    ok(len(cross_findings(first[0])) == 1, "the 50-trace fleet has the one cross-trace cycle of the two halves",
       json.dumps(cross_findings(first[0]))[:1500])
    for k in range(1, len(reports)):
        ok(reports[k][0] == first[0], f"shuffled build {k + 1}: JSON report identical to the first")
        ok(reports[k][1] == first[1], f"shuffled build {k + 1}: text report identical to the first")
    rc, doc, e = check_json(*inputs)
    if doc:
        doc.pop("title", None)
    ok(doc == first[0], "check over the 50 inputs reports what the fleet database does", e)


def expects(path):
    out = []
    for line in open(path):
        m = re.match(r"# expect: (\S+) (\S+) (\S+) classes=(\S*)", line)
        if m:
            out.append((m.group(1), m.group(2), m.group(4)))
    return out


def diff_json(a, b):
    rc, o, e = run(lockstep, "diff", "--format", "json", a, b)
    try:
        return rc, json.loads(o), e
    except ValueError:
        return rc, None, e + o


def test_diff():
    pairs = sorted(f[:-len("-buggy.scn")] for f in os.listdir(scenarios) if f.endswith("-buggy.scn")
                   and os.path.exists(os.path.join(scenarios, f[:-len("-buggy.scn")] + "-fixed.scn")))
    ok(len(pairs) >= 10, f"{len(pairs)} buggy/fixed scenario pairs")
    for p in pairs:
        bscn, fscn = (os.path.join(scenarios, f"{p}-{v}.scn") for v in ("buggy", "fixed"))
        bt = synth_scn(bscn, os.path.join(tmp, "pairs", p + "-buggy"))
        ft = synth_scn(fscn, os.path.join(tmp, "pairs", p + "-fixed"))
        gone = [x for x in expects(bscn) if x not in expects(fscn)]
        rc, d, e = diff_json(bt, ft)
        ok(rc == 0 and d is not None and d["format"] == "lockstep-diff", f"{p}: diff exits 0 with a JSON diff", e)
        if not d:
            continue
        disappeared = [(f["kind"], f["rule"], ",".join(f["classes"])) for f in d["findings"] if f["change"] == "disappeared"]
        ok(gone and all((k, r) in [(x[0], x[1]) for x in disappeared] for k, r, _ in gone),
           f"{p}: the buggy finding(s) {[g[0] + '/' + g[1] for g in gone]} disappeared", disappeared)
        rc, d2, e = diff_json(ft, bt)
        appeared = [(f["kind"], f["rule"]) for f in d2["findings"] if f["change"] == "appeared"] if d2 else []
        ok(all((k, r) in appeared for k, r, _ in gone), f"{p}: reversed, they appeared", appeared)
        rc, text, e = run(lockstep, "diff", bt, ft)
        ok(all(re.search(rf"^disappeared +\[\w+\] {re.escape(k)}/{re.escape(r)} ", text, re.M) for k, r, _ in gone),
           f"{p}: the text names the finding that disappeared", text[:1500])
        ok(d["classes"] and all(set(r) >= {"a", "b", "change"} for r in d["classes"]) and d["sites"],
           f"{p}: per-class and per-site rows with both sides and the change")

    # a plain and an injected recording of the same workload
    rec = os.path.join(root, "samples", "recorded")
    plain, injected, kind = "oom_mrelease", "exit_mmap_race", "uaf-window"
    manifest = os.path.join(rec, "MANIFEST.json")
    if os.path.exists(manifest):
        m = json.load(open(manifest))
        for name, v in sorted(m.items()):
            if str(v.get("kernel", "")).startswith("inject:"):
                kinds = [k for k, want in v.get("expect", {}).items() if want and "/" not in k]
                twins = [p for p, w in sorted(m.items()) if w.get("kernel") == "plain"
                         and w.get("workload") == v.get("workload")]
                if kinds and twins:
                    plain, injected, kind = twins[0], name, kinds[0]
                    break
    if not (os.path.isdir(os.path.join(rec, plain)) and os.path.isdir(os.path.join(rec, injected))):
        print(f"ok {n + 1} # SKIP recorded pair {plain} / {injected} not in samples/recorded")
        return
    copies = []
    for name in (plain, injected):
        dst = os.path.join(tmp, "recorded", name)
        shutil.copytree(os.path.join(rec, name), dst, symlinks=False)
        copies.append(dst)
    rc, d, e = diff_json(*copies)
    appeared = [f for f in d["findings"] if f["change"] == "appeared"] if d else []
    ok(any(f["kind"] == kind for f in appeared), f"recorded {plain} -> {injected}: a {kind} finding appeared",
       [(f["kind"], f["rule"]) for f in (d["findings"] if d else [])])
    ok(d and not any(f["kind"] == kind and f["change"] != "appeared" for f in d["findings"]),
       f"recorded: the {kind} finding is not in the plain recording")
    ok(d and any(r["site"] and "+0x" in r["site"] for r in d["sites"]), "recorded: call sites named from symbols.map")
    rc, d2, e = diff_json(copies[1], copies[0])
    ok(d2 and any(f["kind"] == kind and f["change"] == "disappeared" for f in d2["findings"]),
       f"recorded {injected} -> {plain}: the {kind} finding disappeared")


try:
    {"cross": test_cross, "fleet": test_fleet, "shuffle": test_shuffle, "diff": test_diff}[mode]()
finally:
    shutil.rmtree(tmp, ignore_errors=True)
print(f"1..{n}")
sys.exit(1 if failed else 0)
