/* grow.h — growing a malloc'd array: the one helper every module that collects rows uses. */
#ifndef LOCKSTEP_GROW_H
#define LOCKSTEP_GROW_H

#include <stdbool.h>
#include <stddef.h>

/* Makes *items (an array of *cap elements of `size` bytes, or NULL) hold at least `need`
 * elements, doubling (from 8) so appends cost O(1) amortised. On failure *items and *cap are
 * unchanged and false is returned. The caller owns *items and frees it with free(). */
bool ls_grow(void **items, size_t *cap, size_t need, size_t size);

#endif
