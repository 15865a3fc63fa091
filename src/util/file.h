/* util/file.h — reading and writing whole small files with caps. */
#ifndef VOW_UTIL_FILE_H
#define VOW_UTIL_FILE_H

#include <stddef.h>

#include "util/err.h"

/* Reads the file at path into a new NUL-terminated buffer (*out, *len).
 * VOW_ERR_TOO_LARGE if the file is larger than cap bytes, VOW_ERR_NOT_FOUND
 * if it does not exist, VOW_ERR_IO on other failures. The caller frees *out.
 * Out-parameters are written only on success. */
VOW_MUST_CHECK vow_err file_read_all(const char *path, size_t cap, char **out, size_t *len);

/* Creates path (which must not exist) with the given mode and writes len
 * bytes, then fsyncs it. VOW_ERR_EXISTS if it exists; VOW_ERR_IO otherwise. */
VOW_MUST_CHECK vow_err file_create(const char *path, unsigned mode, const void *data, size_t len);

#endif
