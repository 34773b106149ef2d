/* lifetimes.h — object lifetimes (mm, VMA, anon_vma, page tables, address spaces) from
 * obj_alloc / obj_detach / obj_free / obj_free_done, written as `objects` rows. */
#ifndef LOCKSTEP_LIFETIMES_H
#define LOCKSTEP_LIFETIMES_H

#include "ctf.h"
#include "error.h"
#include "store.h"

typedef struct ls_lifetimes ls_lifetimes;

/* New tracker writing into `store` (borrowed). NULL on allocation failure. */
ls_lifetimes *ls_lifetimes_new(ls_store *store);
void ls_lifetimes_free(ls_lifetimes *lt);

/* Takes in one event; only obj_* events matter. A new alloc at an address whose previous
 * lifetime is still open ends that lifetime (its row is written as it stands). */
ls_status ls_lifetimes_feed(ls_lifetimes *lt, const ls_event *ev, ls_error *err);

/* Writes the lifetimes still in memory. */
ls_status ls_lifetimes_finish(ls_lifetimes *lt, ls_error *err);

#endif
