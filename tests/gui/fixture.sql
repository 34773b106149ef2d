-- fixture.sql — a tiny, hand-checked lockstep database (docs/schema.md) for the
-- viewer tests. Two processes, three tasks, one contended mmap_lock, one refused per-VMA read
-- lock, one VMA freed, one anon_vma held at the end. Times are ns; the trace spans 1000..10000.
--
--   tid 101 (pid 100, fault-thread)  mmap_lock read  [1000, 4000)   pte_lock write [1500, 2500)
--   tid 102 (pid 100, fault-worker)  vma_lock read trylock refused at 5000 (vma_write_marked)
--                                    anon_vma write [8000, end)  held at end
--   tid 201 (pid 200, munmap)        mmap_lock write requested 2000, waits until 4000 (contended
--                                    behind 101's read), held until 7000; frees VMA 0x...a000 at
--                                    6000; phase munmap [1900, 7100)
-- The finding (when the findings table is present) names 201 waiting on 101.
PRAGMA journal_mode=OFF;
BEGIN;
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE enums(field TEXT, value INTEGER, name TEXT);
CREATE TABLE event_types(id INTEGER PRIMARY KEY, name TEXT UNIQUE, in_contract INTEGER);
-- The raw events are written as rows of fixture_events; the test packs them into event_chunks /
-- event_data (ls_store_pack_rows) and drops the table, as a load would have packed them.
CREATE TABLE event_chunks(first_id INTEGER PRIMARY KEY, n INTEGER NOT NULL, first_ns INTEGER NOT NULL,
  last_ns INTEGER NOT NULL, types INTEGER NOT NULL);
CREATE TABLE event_data(first_id INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE fixture_events(id INTEGER PRIMARY KEY, t_ns INTEGER, cpu INTEGER, tid INTEGER, type INTEGER,
  lock INTEGER, class INTEGER, mode INTEGER, trylock INTEGER, success INTEGER, reason INTEGER,
  obj INTEGER, kind INTEGER, mm INTEGER, vma INTEGER, seq INTEGER, addr INTEGER, start_addr INTEGER,
  end_addr INTEGER, deferred INTEGER, result INTEGER, phase INTEGER, begin INTEGER, ip INTEGER,
  payload TEXT);
CREATE TABLE tasks(tid INTEGER PRIMARY KEY, pid INTEGER, comm TEXT, first_ns INTEGER, last_ns INTEGER,
  events INTEGER);
CREATE TABLE locks(id INTEGER PRIMARY KEY, addr INTEGER, class INTEGER, obj INTEGER, mm INTEGER,
  first_ns INTEGER, last_ns INTEGER, acquisitions INTEGER, contentions INTEGER);
CREATE TABLE objects(id INTEGER PRIMARY KEY, addr INTEGER, kind INTEGER, mm INTEGER, start_addr INTEGER,
  end_addr INTEGER, alloc_ns INTEGER, alloc_tid INTEGER, alloc_ip INTEGER, detach_ns INTEGER,
  detach_tid INTEGER, detach_ip INTEGER, free_ns INTEGER, free_tid INTEGER, free_ip INTEGER,
  deferred INTEGER, free_done_ns INTEGER);
CREATE TABLE holds(id INTEGER PRIMARY KEY, lock_id INTEGER, lock INTEGER, class INTEGER, mode INTEGER,
  tid INTEGER, trylock INTEGER, requested_ns INTEGER, acquired_ns INTEGER, released_ns INTEGER,
  outcome TEXT, reason INTEGER, request_ip INTEGER, acquired_ip INTEGER, release_ip INTEGER,
  request_event INTEGER, release_event INTEGER, parent_id INTEGER, obj INTEGER, mm INTEGER);
CREATE TABLE waits(id INTEGER PRIMARY KEY, hold_id INTEGER, lock_id INTEGER, lock INTEGER, class INTEGER,
  mode INTEGER, tid INTEGER, begin_ns INTEGER, end_ns INTEGER, duration_ns INTEGER, offcpu_ns INTEGER,
  outcome TEXT);
CREATE TABLE phases(id INTEGER PRIMARY KEY, tid INTEGER, mm INTEGER, phase INTEGER, begin_ns INTEGER,
  end_ns INTEGER);
CREATE TABLE event_blocks(first_id INTEGER PRIMARY KEY, t_ns INTEGER);
CREATE TABLE unmatched_releases(event_id INTEGER PRIMARY KEY, lock_id INTEGER NOT NULL, t_ns INTEGER NOT NULL, tid INTEGER, lock INTEGER NOT NULL, class INTEGER NOT NULL, mode INTEGER NOT NULL, ip INTEGER);
-- schema 5: call stacks (lockstep record --callstack); the fixture has none
CREATE TABLE stacks(id INTEGER PRIMARY KEY, depth INTEGER NOT NULL, truncated INTEGER NOT NULL, events INTEGER NOT NULL);
CREATE TABLE stack_frames(stack_id INTEGER NOT NULL, depth INTEGER NOT NULL, addr INTEGER NOT NULL, PRIMARY KEY(stack_id, depth)) WITHOUT ROWID;
CREATE TABLE event_stacks(event_id INTEGER PRIMARY KEY, t_ns INTEGER NOT NULL, tid INTEGER, type INTEGER NOT NULL, stack_id INTEGER NOT NULL);
INSERT INTO event_blocks VALUES (0, 1000);
CREATE TABLE discarded(id INTEGER PRIMARY KEY, what TEXT, cpu INTEGER, begin_ns INTEGER, end_ns INTEGER,
  count INTEGER);
-- schema 6: the fixture records no sched_switch, so no CPU runs
CREATE TABLE cpu_runs(id INTEGER PRIMARY KEY, cpu INTEGER NOT NULL, tid INTEGER NOT NULL, begin_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL, switched_in INTEGER NOT NULL, end_state INTEGER);

INSERT INTO enums VALUES ('class',0,'mmap_lock'),('class',1,'vma_lock'),('class',2,'anon_vma'),
  ('class',3,'i_mmap'),('class',4,'pte_lock'),('class',5,'pmd_lock'),('class',6,'page_table_lock'),
  ('mode',0,'read'),('mode',1,'write'),
  ('kind',0,'mm'),('kind',1,'vma'),('kind',2,'anon_vma'),('kind',3,'pte_table'),('kind',4,'pmd_table'),
  ('kind',5,'address_space'),
  ('reason',0,'none'),('reason',1,'contended'),('reason',2,'vma_write_marked'),('reason',3,'vma_detached'),
  ('reason',4,'overflow'),('result',0,'locked'),('result',1,'miss'),('result',2,'abort'),
  ('phase',0,'fault'),('phase',1,'munmap');
INSERT INTO event_types VALUES (1,'lockstep_lock_acquire',1),(2,'lockstep_lock_acquired',1),
  (3,'lockstep_lock_release',1),(4,'lockstep_lock_downgrade',1),(5,'lockstep_vma_write_mark',1),
  (6,'lockstep_vma_unlock_all',1),(7,'lockstep_obj_alloc',1),(8,'lockstep_obj_detach',1),
  (9,'lockstep_obj_free',1),(10,'lockstep_obj_free_done',1),(11,'lockstep_vma_lookup',1),
  (12,'lockstep_phase',1),(20,'sched_switch',1);

-- mm 0x...1000 (its mmap_lock is the mm), vma 0x...a000, pte table 0x...c000, anon_vma 0x...b000
INSERT INTO fixture_events(id,t_ns,cpu,tid,type,lock,class,mode,trylock,success,reason,obj,kind,mm,vma,seq,
  addr,start_addr,end_addr,deferred,result,phase,begin,ip,payload) VALUES
 (0, 1000,0,101,1, -131391639515136,0,0,0,NULL,NULL,-131391639515136,NULL,-131391639515136,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,-2128281584,NULL),
 (1, 1000,0,101,2, -131391639515136,0,0,NULL,1,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,-2128281584,NULL),
 (2, 1500,0,101,1, -131391639470080,4,1,0,NULL,NULL,-131391639470080,NULL,-131391639515136,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,-2128281328,NULL),
 (3, 1500,0,101,2, -131391639470080,4,1,NULL,1,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,-2128281328,NULL),
 (4, 1900,1,201,12,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,-131391639515136,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1,1,-2128270000,NULL),
 (5, 2000,1,201,1, -131391639515136,0,1,0,NULL,NULL,-131391639515136,NULL,-131391639515136,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,-2128269824,NULL),
 (6, 2500,0,101,3, -131391639470080,4,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,-2128281300,NULL),
 (7, 4000,0,101,3, -131391639515136,0,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,-2128281500,NULL),
 (8, 4000,1,201,2, -131391639515136,0,1,NULL,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,-2128269824,NULL),
 (9, 5000,2,102,1, -131391639478272,1,0,1,NULL,NULL,-131391639478272,NULL,-131391639515136,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,-2128281000,NULL),
 (10,5000,2,102,2, -131391639478272,1,0,NULL,0,2,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,-2128281000,NULL),
 (11,6000,1,201,9, NULL,NULL,NULL,NULL,NULL,NULL,-131391639478272,1,-131391639515136,NULL,NULL,NULL,NULL,NULL,0,NULL,NULL,NULL,-2128269500,NULL),
 (12,7000,1,201,3, -131391639515136,0,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,-2128269400,NULL),
 (13,7100,1,201,12,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,-131391639515136,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1,0,-2128269300,NULL),
 (14,8000,2,102,1, -131391639474176,2,1,0,NULL,NULL,-131391639474176,NULL,-131391639515136,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,-2128280000,NULL),
 (15,8000,2,102,2, -131391639474176,2,1,NULL,1,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,-2128280000,NULL),
 (16,10000,0,101,20,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'prev_comm=fault-thread prev_tid=101 prev_state=0 next_comm=swapper next_tid=0');

INSERT INTO tasks VALUES (101,100,'fault-thread',1000,10000,7),(102,100,'fault-worker',5000,8000,4),
  (201,200,'munmap',1900,7100,6);
INSERT INTO locks VALUES (1,-131391639515136,0,-131391639515136,-131391639515136,1000,7000,2,1),
  (2,-131391639470080,4,-131391639470080,-131391639515136,1500,2500,1,0),
  (3,-131391639478272,1,-131391639478272,-131391639515136,5000,5000,1,0),
  (4,-131391639474176,2,-131391639474176,-131391639515136,8000,8000,1,0);
INSERT INTO objects VALUES (1,-131391639478272,1,-131391639515136,140000000000000,140000000004096,
  NULL,NULL,NULL,NULL,NULL,NULL,6000,201,-2128269500,0,NULL);
INSERT INTO holds VALUES
 (1,1,-131391639515136,0,0,101,0,1000,1000,4000,'released',0,-2128281584,-2128281584,-2128281500,0,7,NULL,-131391639515136,-131391639515136),
 (2,2,-131391639470080,4,1,101,0,1500,1500,2500,'released',0,-2128281328,-2128281328,-2128281300,2,6,NULL,-131391639470080,-131391639515136),
 (3,1,-131391639515136,0,1,201,0,2000,4000,7000,'released',1,-2128269824,-2128269824,-2128269400,5,12,NULL,-131391639515136,-131391639515136),
 (4,3,-131391639478272,1,0,102,1,5000,NULL,NULL,'failed',2,-2128281000,NULL,NULL,9,NULL,NULL,-131391639478272,-131391639515136),
 (5,4,-131391639474176,2,1,102,0,8000,8000,NULL,'held-at-end',0,-2128280000,-2128280000,NULL,14,NULL,NULL,-131391639474176,-131391639515136);
INSERT INTO waits VALUES (1,3,1,-131391639515136,0,1,201,2000,4000,2000,1500,'released');
INSERT INTO phases VALUES (1,201,-131391639515136,1,1900,7100);

INSERT INTO meta VALUES ('schema_version','6'),('tool_version','0.1.0'),('source','/fixture'),
  ('loaded_at','2026-11-25T00:00:00Z'),('event_count','17'),('t_begin_ns','1000'),('t_end_ns','10000'),
  ('discarded_events','0'),('discarded_packets','0');
CREATE INDEX holds_lock ON holds(lock_id, requested_ns);
CREATE INDEX holds_tid ON holds(tid, requested_ns);
CREATE INDEX waits_lock ON waits(lock_id);
CREATE INDEX objects_addr ON objects(addr);
INSERT INTO meta VALUES ('load_complete','1');
COMMIT;
