/* util/id.h — random identifiers. */
#ifndef VOW_UTIL_ID_H
#define VOW_UTIL_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VOW_ID_LEN 32 /* 16 random bytes as lowercase hex */

/* Writes a new random id (VOW_ID_LEN hex digits and a NUL) to out. */
void id_new(char out[VOW_ID_LEN + 1]);

/* Writes n bytes of b as 2n lowercase hex digits and a NUL to out. */
void hex_encode(const void *b, size_t n, char *out);

/* True when s is exactly VOW_ID_LEN lowercase hex digits (so it is safe in
 * a path and a log line). */
bool id_valid(const char *s);

#endif
