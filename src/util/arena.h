/* util/arena.h — a bump allocator with a hard cap.
 *
 * Used for immutable snapshots (the compiled policy): everything is
 * allocated from one arena and freed at once. The cap bounds the memory a
 * hostile input can make vow spend. */
#ifndef VOW_UTIL_ARENA_H
#define VOW_UTIL_ARENA_H

#include <stddef.h>

struct arena;

/* A new arena that will refuse to grow past cap bytes. NULL on ENOMEM. */
struct arena *arena_new(size_t cap);

/* Frees every block of *a and sets *a to NULL. NULL-safe. */
void arena_free(struct arena **a);

/* n zeroed bytes aligned for any type, or NULL when out of memory or over
 * the cap. Valid until arena_free. */
void *arena_alloc(struct arena *a, size_t n);

/* Copies len bytes of s and a terminating NUL. NULL on failure. */
char *arena_strndup(struct arena *a, const char *s, size_t len);

/* Bytes handed out so far. */
size_t arena_used(const struct arena *a);

#endif
