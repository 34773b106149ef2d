/* keymap.h — an open-addressing hash map from a pair of u64 (an address and a qualifier: a
 * lock class, a tid …) to a pointer. The loader keys its per-lock, per-task and per-object state
 * by such pairs; nothing here knows what they mean. */
#ifndef LOCKSTEP_KEYMAP_H
#define LOCKSTEP_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ls_keymap ls_keymap;

/* Returns a new empty map, NULL on allocation failure. Free with ls_keymap_free(). */
ls_keymap *ls_keymap_new(void);

/* Frees the map; values are the caller's (free them first, e.g. with ls_keymap_foreach). */
void ls_keymap_free(ls_keymap *map);

/* The value stored for (a, b), NULL when absent. */
void *ls_keymap_get(const ls_keymap *map, uint64_t a, uint64_t b);

/* Stores value (not NULL) for (a, b), replacing any previous one. Returns false on allocation
 * failure. */
bool ls_keymap_put(ls_keymap *map, uint64_t a, uint64_t b, void *value);

/* Removes (a, b) if present. */
void ls_keymap_remove(ls_keymap *map, uint64_t a, uint64_t b);

size_t ls_keymap_count(const ls_keymap *map);

/* Calls fn for every entry, in no particular order. The map must not change meanwhile. */
void ls_keymap_foreach(const ls_keymap *map, void (*fn)(void *user, uint64_t a, uint64_t b, void *value),
		       void *user);

#endif
