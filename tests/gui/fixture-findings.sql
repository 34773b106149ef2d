-- fixture-findings.sql — two findings for fixture.sql, in the tables liblockstep's findings.c
-- writes (docs/schema.md): a writer waiting behind a reader, and a VMA freed right after a
-- per-VMA read lock on it was refused.
CREATE TABLE findings(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, rule TEXT NOT NULL,
  severity TEXT NOT NULL, summary TEXT NOT NULL, detail TEXT, t_begin_ns INTEGER,
  t_end_ns INTEGER, count INTEGER NOT NULL, tids TEXT NOT NULL, classes TEXT NOT NULL,
  objects TEXT NOT NULL);
CREATE TABLE finding_evidence(id INTEGER PRIMARY KEY, finding_id INTEGER NOT NULL
  REFERENCES findings(id), seq INTEGER NOT NULL, t_ns INTEGER, tid INTEGER,
  event_id INTEGER, event TEXT, lock INTEGER, class INTEGER, mode INTEGER, ip INTEGER,
  obj INTEGER, role TEXT, end_ns INTEGER, trylock INTEGER NOT NULL DEFAULT 0);
CREATE INDEX finding_evidence_finding ON finding_evidence(finding_id, seq);
CREATE TABLE finding_instances(id INTEGER PRIMARY KEY, finding_id INTEGER NOT NULL
  REFERENCES findings(id), seq INTEGER NOT NULL, t_begin_ns INTEGER, t_end_ns INTEGER,
  tids TEXT NOT NULL, obj INTEGER, obj_alloc_ns INTEGER, events INTEGER NOT NULL);
CREATE INDEX finding_instances_finding ON finding_instances(finding_id, seq);
INSERT INTO findings VALUES
 (1,'writer-starvation','writer-wait','warning','munmap/201 waited 2.000 us for mmap_lock write behind a reader',
  NULL,2000,4000,1,'201,101','mmap_lock','0xffff888000001000'),
 (2,'uaf-window','free-after-refused-read','error','VMA 0xffff88800000a000 freed 1.000 us after a refused per-VMA read lock',
  'fault-worker/102 looked the VMA up under RCU; munmap/201 freed it without RCU deferral.',5000,6000,1,'102,201','vma_lock',
  '0xffff88800000a000');
INSERT INTO finding_evidence(finding_id,seq,t_ns,tid,event_id,event,lock,class,mode,ip,obj,role) VALUES
 (1,0,1000,101,1,'lockstep_lock_acquired',-131391639515136,0,0,-2128412656,NULL,'holds'),
 (1,1,2000,201,5,'lockstep_lock_acquire',-131391639515136,0,1,NULL,NULL,'requests'),
 (1,2,4000,201,8,'lockstep_lock_acquired',-131391639515136,0,1,NULL,NULL,'acquires'),
 (2,0,5000,102,10,'lockstep_lock_acquired',-131391639478272,1,0,NULL,-131391639478272,'refused'),
 (2,1,6000,201,11,'lockstep_obj_free',NULL,NULL,NULL,NULL,-131391639478272,'freed');
