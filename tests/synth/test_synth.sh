#!/bin/sh
# test_synth.sh — lockstep-synth round trips, read back with the real babeltrace2 CLI (TAP).
#
# usage: test_synth.sh MODE LOCKSTEP_SYNTH BABELTRACE2 TESTS_DIR
#   MODE scenario: tests/scenarios/synth-roundtrip.scn written and read back field by field,
#                  --enums labels, the discarded-events warning, malformed scenarios, --force.
#   MODE generate: --generate output: protocol (check_protocol.awk), packet sizes, determinism.
set -u
mode=$1 synth=$2 bt=$3 tests=$4
scn=$tests/scenarios/synth-roundtrip.scn
checker=$tests/synth/check_protocol.awk
work=$(mktemp -d "${TMPDIR:-/tmp}/lockstep-synth-test.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/../tap.sh"
has() { grep -F -q -- "$2" "$1"; } # has FILE TEXT
events() { grep -c '^\[' "$1"; }

scenario_tests() {
	"$synth" "$scn" -o "$work/rt" 2>"$work/rt.err"
	result $? "roundtrip_scenario_writes_trace" "$(cat "$work/rt.err")"
	[ -f "$work/rt/metadata" ] && [ -f "$work/rt/channel0_0" ] && [ -f "$work/rt/channel0_1" ]
	result $? "roundtrip_one_stream_file_per_cpu_and_metadata" "$(ls "$work/rt" 2>&1)"

	"$bt" "$work/rt" >"$work/rt.txt" 2>"$work/rt.warn"
	result $? "roundtrip_babeltrace2_reads_it" "$(cat "$work/rt.warn")"
	[ "$(events "$work/rt.txt")" -eq 16 ]
	result $? "roundtrip_event_count_16" "got $(events "$work/rt.txt")"

	sed -n 's/^\[[^]]*\] ([^)]*) \([A-Za-z0-9_]*\):.*/\1/p' "$work/rt.txt" | tr '\n' ' ' >"$work/names"
	want="lockstep_lock_acquire lockstep_lock_acquired lockstep_vma_lookup lockstep_phase lockstep_lock_acquire lockstep_lock_acquired lockstep_vma_write_mark lockstep_lock_acquire lockstep_lock_acquired sched_switch lockstep_lock_acquire lockstep_lock_acquired lockstep_vma_unlock_all lockstep_lock_release my_probe_event sched_waking "
	[ "$(cat "$work/names")" = "$want" ]
	result $? "roundtrip_event_names_in_time_order" "got: $(cat "$work/names")"

	has "$work/rt.txt" '[00:00:00.000001000] (+?.?????????) lockstep_lock_acquire: { cpu_id = 0 }, { tid = 101, pid = 100, procname = "fault-thread" }, { lock = 0xFFFF888000100000, class = 1, mode = 0, trylock = 1, obj = 0xFFFF888000100000, mm = 0xFFFF888000001000, ip = 0xFFFFFFFF81230010 }'
	result $? "roundtrip_acquire_fields_and_contexts_exact" "$(head -1 "$work/rt.txt")"
	has "$work/rt.txt" 'lockstep_lock_acquired: { cpu_id = 0 }, { tid = 101, pid = 100, procname = "fault-thread" }, { lock = 0xFFFF888000100000, class = 1, mode = 0, success = 1, reason = 0, ip = 0x0 }'
	result $? "roundtrip_missing_contract_fields_are_zero"
	has "$work/rt.txt" '[00:00:00.000002000] (+0.000000800) lockstep_phase: { cpu_id = 1 }, { tid = 201, pid = 100, procname = "mprotect" }, { mm = 0xFFFF888000001000, name = 3, begin = 1, ip = 0x0 }'
	result $? "roundtrip_time_suffix_us_and_cpu_from_event_line"
	has "$work/rt.txt" 'class = 0, mode = 1, success = 1, reason = 1, ip = 0x0 }'
	result $? "roundtrip_numeric_and_label_enum_values"
	has "$work/rt.txt" 'success = 0, reason = 2, ip = 0x0 }'
	result $? "roundtrip_refused_vma_write_marked"
	has "$work/rt.txt" '[00:00:00.000002600] (+0.000000100) sched_switch: { cpu_id = 0 }, { tid = 101, pid = 100, procname = "fault-thread" }, { prev_comm = "fault-thread", prev_tid = 101, prev_state = 0, next_comm = "swapper/0", next_tid = 0 }'
	result $? "roundtrip_sched_switch_strings_and_sorting"
	has "$work/rt.txt" '[00:00:00.001000000] (+0.000993800) sched_waking: { cpu_id = 1 }, { tid = 201, pid = 100, procname = "mprotect" }, { comm = "fault-thread", tid = 101, target_cpu = 0 }'
	result $? "roundtrip_sched_waking_time_suffix_ms"
	has "$work/rt.txt" 'my_probe_event: { cpu_id = 1 }, { tid = 201, pid = 100, procname = "mprotect" }, { value = 42, note = "hello" }'
	result $? "roundtrip_foreign_event_number_and_string"
	has "$work/rt.txt" 'lockstep_vma_write_mark: { cpu_id = 1 }, { tid = 201, pid = 100, procname = "mprotect" }, { mm = 0xFFFF888000001000, vma = 0xFFFF888000200000, seq = 7, ip = 0xFFFFFFFF81240020 }'
	result $? "roundtrip_vma_write_mark_fields"

	has "$work/rt.warn" 'WARNING: Tracer discarded 3 events between [00:00:00.000003100] and [00:00:00.000005000]' &&
		has "$work/rt.warn" 'channel0_1'
	result $? "roundtrip_discarded_events_warning_on_cpu1" "$(cat "$work/rt.warn")"

	"$synth" --enums "$scn" -o "$work/en" 2>"$work/en.err" && "$bt" "$work/en" >"$work/en.txt" 2>/dev/null
	result $? "enums_trace_reads_back" "$(cat "$work/en.err")"
	has "$work/en.txt" 'class = ( "vma_lock" : container = 1 ), mode = ( "read" : container = 0 ), trylock = 1'
	result $? "enums_class_and_mode_labels"
	has "$work/en.txt" 'reason = ( "vma_write_marked" : container = 2 )' &&
		has "$work/en.txt" 'name = ( "mprotect" : container = 3 )' &&
		has "$work/en.txt" 'result = ( "locked" : container = 0 )'
	result $? "enums_reason_phase_result_labels"

	"$synth" "$scn" -o "$work/rt" 2>"$work/exists.err"
	[ $? -ne 0 ] && has "$work/exists.err" "not empty"
	result $? "existing_nonempty_dir_refused" "$(cat "$work/exists.err")"
	"$synth" --force "$scn" -o "$work/rt" 2>"$work/force.err" && [ -f "$work/rt/metadata" ]
	result $? "existing_dir_replaced_with_force" "$(cat "$work/force.err")"
	[ -z "$(ls -d "$work"/rt.synth-tmp-* 2>/dev/null)" ]
	result $? "no_temporary_directory_left"

	malformed 'unknown_field_for_contract_event' 3 "unknown field 'bogus' for event lockstep_lock_acquire" \
		't=10 tid=1 lock_acquire lock=1 bogus=3'
	malformed 'bad_enum_label' 3 "bad value 'nope' for class" 't=10 tid=1 lock_acquire class=nope'
	malformed 'undeclared_tid' 3 "tid 7 has no 'task' line" 't=10 tid=7 lock_release lock=1'
	malformed 'bad_time_suffix' 3 "bad time '10h'" 't=10h tid=1 lock_release lock=1'
	malformed 'garbage_line' 3 "expected 'task', 'discarded'" 'hello world'
	malformed 'discarded_without_count' 3 "discarded needs cpu=N t=TIME count=N" 'discarded cpu=0 t=5'
	malformed 'duplicate_field' 3 "field 'lock' given twice" 't=10 tid=1 lock_release lock=1 lock=2'

	"$synth" --help >/dev/null && "$synth" --version | grep -q '^lockstep-synth [0-9]'
	result $? "help_and_version"
	"$synth" -o "$work/nothing" 2>/dev/null
	[ $? -eq 2 ] && [ ! -e "$work/nothing" ]
	result $? "missing_input_is_usage_error_2"
}

# malformed NAME LINE MESSAGE STATEMENT: a scenario whose line LINE is STATEMENT must fail with
# exit 2, "FILE:LINE: ...MESSAGE" on stderr and no output directory.
malformed() {
	f=$work/$1.scn
	printf '# %s\ntask tid=1 pid=1 comm=t\n%s\n' "$1" "$4" >"$f"
	"$synth" "$f" -o "$work/$1.out" 2>"$work/$1.err"
	rc=$?
	[ $rc -eq 2 ] && grep -q -F -- "$f:$2: " "$work/$1.err" && has "$work/$1.err" "$3" &&
		[ ! -e "$work/$1.out" ]
	result $? "malformed_scenario_$1_exits_2_with_file_line" "rc=$rc: $(cat "$work/$1.err")"
}

generate_tests() {
	"$synth" --generate 60000 --seed 7 --tasks 12 --cpus 3 -o "$work/g" 2>"$work/g.err"
	result $? "generate_writes_trace" "$(cat "$work/g.err")"
	"$bt" --clock-cycles "$work/g" >"$work/g.txt" 2>"$work/g.warn"
	result $? "generate_babeltrace2_reads_it" "$(head -5 "$work/g.warn")"
	[ "$(events "$work/g.txt")" -ge 60000 ]
	result $? "generate_at_least_n_events" "got $(events "$work/g.txt")"
	[ ! -s "$work/g.warn" ]
	result $? "generate_no_warnings" "$(head -5 "$work/g.warn")"

	awk -f "$checker" "$work/g.txt" >"$work/g.check"
	has "$work/g.check" "ok protocol"
	result $? "generate_protocol_pairing_lifo_exclusion_time" "$(grep '^bad' "$work/g.check")"
	stat() { sed -n "s/^stat $1 //p" "$work/g.check"; }
	for s in contended refused_reason_2 event_sched_switch event_sched_waking \
		event_lockstep_vma_write_mark event_lockstep_vma_unlock_all event_lockstep_obj_free_done \
		event_lockstep_vma_lookup event_lockstep_phase event_sched_process_exit; do
		v=$(stat "$s")
		[ -n "$v" ] && [ "$v" -gt 0 ]
		result $? "generate_workload_has_$s" "$(cat "$work/g.check")"
	done
	[ "$(grep -c 'procname = "kswapd0"' "$work/g.txt")" -gt 0 ] &&
		[ "$(grep -c 'cpu_id = 2 }' "$work/g.txt")" -gt 0 ]
	result $? "generate_reclaim_task_and_all_cpus"
	grep -q 'lockstep_phase: .* name = 5, begin = 1' "$work/g.txt" &&
		grep -q 'deferred = 0' "$work/g.txt" && grep -q 'prev_state = 128' "$work/g.txt"
	result $? "generate_ends_with_exit_mmap_and_task_exit"

	"$synth" --generate 60000 --seed 7 --tasks 12 --cpus 3 -o "$work/g2" 2>/dev/null &&
		"$bt" --clock-cycles "$work/g2" 2>/dev/null | cmp -s - "$work/g.txt"
	result $? "generate_deterministic_for_a_seed"
	"$synth" --generate 60000 --seed 8 --tasks 12 --cpus 3 -o "$work/g3" 2>/dev/null &&
		! "$bt" --clock-cycles "$work/g3" 2>/dev/null | cmp -s - "$work/g.txt"
	result $? "generate_seed_changes_the_workload"

	# one CPU, so packets fill: at most 4096 events each, ordered, and more than one of them
	"$synth" --generate 20000 --cpus 1 --tasks 4 --enums -o "$work/p" 2>/dev/null &&
		"$bt" -c sink.text.details --params compact=true,with-metadata=false "$work/p" \
			>"$work/p.txt" 2>/dev/null
	result $? "generate_enums_single_cpu_reads_back"
	awk '/Packet beginning/ { p++; if (open) bad = 1; open = 1; e = 0 }
	     / Event `/ { e++; if (!open) bad = 1; if (e > 4096) bad = 1 }
	     /Packet end/ { if (!open) bad = 1; open = 0 }
	     END { exit (bad || p < 5) }' "$work/p.txt"
	result $? "generate_packets_of_at_most_4096_events" "$(grep -c 'Packet beginning' "$work/p.txt") packets"
}

case $mode in
scenario) scenario_tests ;;
generate) generate_tests ;;
*) echo "Bail out! unknown mode $mode"; exit 1 ;;
esac
echo "1..$n"
tap_done
