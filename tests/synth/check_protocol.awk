# check_protocol.awk — checks that a trace printed by `babeltrace2 --clock-cycles` follows the
# lock protocol of docs/trace-format.md, as lockstep-synth --generate promises:
# per-CPU timestamps strictly increasing; every lock_acquire answered by the same task's next
# lock event (lock_acquired on the same lock); releases LIFO per task; nothing held at the end;
# no read hold while a write hold of the same lock exists (and vice versa); no per-VMA read lock
# granted while the VMA is write-marked; every write-mark ends with a vma_unlock_all of its mm/seq;
# no lock attempt on a freed object, none granted on one waiting for its RCU free.
# Prints TAP-free summary lines "ok NAME" / "bad NAME: why" and counts "stat NAME N".
function field(name,    re, m) {
	re = "[{ ]" name " = [^,}]*"
	if (match($0, re)) {
		m = substr($0, RSTART + 1, RLENGTH - 1)
		sub("^" name " = ", "", m)
		return m
	}
	return ""
}
function bad(what) { if (!(what in badseen)) { badseen[what] = $0; nbad++ } }
/^\[/ {
	n++
	ts = substr($1, 2, length($1) - 2) + 0
	name = $3; sub(":$", "", name)
	cpu = field("cpu_id"); tid = field("tid")
	if ((cpu in last) && ts <= last[cpu]) bad("time not increasing on cpu " cpu)
	last[cpu] = ts
	events[name]++
	if (name == "lockstep_lock_acquire") {
		if (tid in pending) bad("acquire while an acquire is pending (tid " tid ")")
		pending[tid] = field("lock")
		pobj[tid] = field("obj")
		if (pobj[tid] in gone) bad("lock attempt on a freed object")
	} else if (name == "lockstep_lock_acquired") {
		lock = field("lock"); mode = field("mode")
		if (!(tid in pending) || pending[tid] != lock) bad("acquired without acquire (tid " tid ")")
		delete pending[tid]
		obj = pobj[tid]
		if (field("success") == 1) {
			if ((obj in gone) || (obj in dying)) bad("lock granted on a freed object")
			if (mode == 1 && (writer[lock] != "" || readers[lock] > 0)) bad("write hold while held")
			if (mode == 0 && writer[lock] != "") bad("read hold while write-held")
			if (field("class") == 1 && mode == 0 && (obj in marked)) bad("vma read lock on a write-marked vma")
			if (mode == 1) writer[lock] = tid; else readers[lock]++
			depth[tid]++
			stack[tid, depth[tid]] = lock
			if (field("reason") == 1) stats["contended"]++
		} else {
			stats["refused_reason_" field("reason")]++
		}
	} else if (name == "lockstep_lock_release") {
		lock = field("lock")
		if (depth[tid] < 1 || stack[tid, depth[tid]] != lock) bad("release not LIFO (tid " tid ")")
		else depth[tid]--
		if (field("mode") == 1) {
			if (writer[lock] != tid) bad("write release by non-holder")
			writer[lock] = ""
		} else {
			readers[lock]--
		}
	} else if (name == "lockstep_vma_write_mark") {
		marks[field("mm") "/" field("seq")]++
		marked[field("vma")] = field("mm") "/" field("seq")
	} else if (name == "lockstep_vma_unlock_all") {
		key = field("mm") "/" field("seq")
		delete marks[key]
		for (v in marked) if (marked[v] == key) delete marked[v]
	} else if (name == "lockstep_obj_alloc") {
		delete gone[field("obj")]; delete dying[field("obj")]
	} else if (name == "lockstep_obj_free") {
		if (field("deferred") == 1) dying[field("obj")] = 1; else gone[field("obj")] = 1
	} else if (name == "lockstep_obj_free_done") {
		if (!(field("obj") in dying)) bad("free_done without a deferred free")
		delete dying[field("obj")]; gone[field("obj")] = 1
	} else if (name == "sched_switch") {
		stats["sched_switch"]++
	}
}
END {
	for (t in pending) bad("acquire never answered (tid " t ")")
	for (t in depth) if (depth[t] != 0) bad("locks held at end (tid " t ")")
	for (k in marks) bad("vma write-mark never unlocked (mm/seq " k ")")
	print "stat events " n
	for (s in stats) print "stat " s " " stats[s]
	for (e in events) print "stat event_" e " " events[e]
	for (w in badseen) print "bad " w ": " badseen[w]
	if (nbad == 0) print "ok protocol"
}
