/* util/file.c — capped whole-file reads and exclusive creates. */
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

vow_err file_read_all(const char *path, size_t cap, char **out, size_t *len)
{
	vow_err err = VOW_ERR_IO;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? VOW_ERR_NOT_FOUND : VOW_ERR_IO;
	struct stat st;
	if (fstat(fd, &st) != 0)
		goto out_close;
	if (!S_ISREG(st.st_mode)) {
		err = VOW_ERR_INVALID;
		goto out_close;
	}
	if ((unsigned long long)st.st_size > cap) {
		err = VOW_ERR_TOO_LARGE;
		goto out_close;
	}
	/* Read up to cap+1 bytes: the file may grow between fstat and read. */
	size_t want = (size_t)st.st_size + 1, got = 0;
	buf = malloc(want + 1);
	if (buf == NULL) {
		err = VOW_ERR_NOMEM;
		goto out_close;
	}
	for (;;) {
		ssize_t r = read(fd, buf + got, want - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto out_free;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got == want) {
			if (got > cap) {
				err = VOW_ERR_TOO_LARGE;
				goto out_free;
			}
			size_t nwant = want * 2 > cap + 1 ? cap + 1 : want * 2;
			char *nbuf = realloc(buf, nwant + 1);
			if (nbuf == NULL) {
				err = VOW_ERR_NOMEM;
				goto out_free;
			}
			buf = nbuf;
			want = nwant;
		}
	}
	buf[got] = '\0';
	close(fd);
	*out = buf;
	*len = got;
	return VOW_OK;
out_free:
	free(buf);
out_close:
	close(fd);
	return err;
}

vow_err file_create(const char *path, unsigned mode, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return errno == EEXIST ? VOW_ERR_EXISTS : VOW_ERR_IO;
	const unsigned char *p = data;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		(void)unlink(path);
		return VOW_ERR_IO;
	}
	return VOW_OK;
fail:
	close(fd);
	(void)unlink(path);
	return VOW_ERR_IO;
}
