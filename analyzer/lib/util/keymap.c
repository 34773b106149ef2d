/* keymap.c — linear probing with backward-shift deletion (no tombstones), load factor ≤ 1/2. */
#include "keymap.h"

#include <stdlib.h>

struct slot {
	uint64_t a, b;
	void *value; /* NULL: empty */
};

struct ls_keymap {
	struct slot *slots;
	size_t mask;
	size_t count;
};

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t x = a ^ (b * 0x9e3779b97f4a7c15ull);
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

ls_keymap *ls_keymap_new(void)
{
	ls_keymap *map = calloc(1, sizeof(*map));

	if (!map)
		return NULL;
	map->slots = calloc(64, sizeof(struct slot));
	if (!map->slots) {
		free(map);
		return NULL;
	}
	map->mask = 63;
	return map;
}

void ls_keymap_free(ls_keymap *map)
{
	if (!map)
		return;
	free(map->slots);
	free(map);
}

static size_t find(const ls_keymap *map, uint64_t a, uint64_t b)
{
	size_t i = mix(a, b) & map->mask;

	while (map->slots[i].value && (map->slots[i].a != a || map->slots[i].b != b))
		i = (i + 1) & map->mask;
	return i;
}

void *ls_keymap_get(const ls_keymap *map, uint64_t a, uint64_t b)
{
	return map->slots[find(map, a, b)].value;
}

static bool grow(ls_keymap *map)
{
	size_t old_size = map->mask + 1;
	struct slot *old = map->slots;
	struct slot *slots = calloc(old_size * 2, sizeof(*slots));

	if (!slots)
		return false;
	map->slots = slots;
	map->mask = old_size * 2 - 1;
	for (size_t i = 0; i < old_size; i++)
		if (old[i].value)
			map->slots[find(map, old[i].a, old[i].b)] = old[i];
	free(old);
	return true;
}

bool ls_keymap_put(ls_keymap *map, uint64_t a, uint64_t b, void *value)
{
	size_t i;

	if ((map->count + 1) * 2 > map->mask + 1 && !grow(map))
		return false;
	i = find(map, a, b);
	if (!map->slots[i].value)
		map->count++;
	map->slots[i] = (struct slot){ a, b, value };
	return true;
}

void ls_keymap_remove(ls_keymap *map, uint64_t a, uint64_t b)
{
	size_t i = find(map, a, b), j = i;

	if (!map->slots[i].value)
		return;
	map->slots[i].value = NULL;
	map->count--;
	/* Backward shift: move later members of the probe run into the hole when their home slot
	 * is not between the hole and their position. */
	for (;;) {
		size_t home;

		j = (j + 1) & map->mask;
		if (!map->slots[j].value)
			break;
		home = mix(map->slots[j].a, map->slots[j].b) & map->mask;
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			map->slots[i] = map->slots[j];
			map->slots[j].value = NULL;
			i = j;
		}
	}
}

size_t ls_keymap_count(const ls_keymap *map)
{
	return map->count;
}

void ls_keymap_foreach(const ls_keymap *map, void (*fn)(void *, uint64_t, uint64_t, void *), void *user)
{
	for (size_t i = 0; i <= map->mask; i++)
		if (map->slots[i].value)
			fn(user, map->slots[i].a, map->slots[i].b, map->slots[i].value);
}
