/* tests/fuzz/fuzz_support.h — helpers shared by the fuzz targets that need
 * a data directory (header-only: each target is one translation unit).
 *
 * A target makes one temporary root in LLVMFuzzerInitialize, prepares a
 * pristine data directory in it once, and gives every input a fresh copy
 * (so inputs do not depend on each other and a crash reproduces alone).
 * The root is removed when the process exits normally, and by
 * scripts/fuzz.sh after a crash (the target prints its path). */
#ifndef VOW_FUZZ_SUPPORT_H
#define VOW_FUZZ_SUPPORT_H

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* in memory where there is a tmpfs: no input waits for a disk sync */
static char fuzz_root[64];

/* Removes the tree at path (nothing if it is missing). */
static inline void fuzz_remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (d == NULL)
			abort();
		for (struct dirent *e; (e = readdir(d)) != NULL;) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char sub[PATH_MAX];
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			fuzz_remove_tree(sub);
		}
		closedir(d);
	}
	if (remove(path) != 0) {
		fprintf(stderr, "fuzz: cannot remove %s\n", path);
		abort();
	}
}

static void fuzz_at_exit(void)
{
	fuzz_remove_tree(fuzz_root);
}

/* Makes the temporary root (once) and registers its removal at exit. */
static inline const char *fuzz_root_make(void)
{
	snprintf(fuzz_root, sizeof(fuzz_root), "/dev/shm/vow-fuzz-XXXXXX");
	if (mkdtemp(fuzz_root) == NULL) {
		snprintf(fuzz_root, sizeof(fuzz_root), "/tmp/vow-fuzz-XXXXXX");
		if (mkdtemp(fuzz_root) == NULL) {
			perror("fuzz: mkdtemp");
			abort();
		}
	}
	atexit(fuzz_at_exit);
	/* scripts/fuzz.sh removes it after a crash, when atexit does not run */
	fprintf(stderr, "fuzz: temporary directory %s\n", fuzz_root);
	return fuzz_root;
}

static inline void fuzz_copy_file(const char *from, const char *to, mode_t mode)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0777);
	if (in < 0 || out < 0) {
		fprintf(stderr, "fuzz: cannot copy %s to %s\n", from, to);
		abort();
	}
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0)
			abort();
		if (n == 0)
			break;
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));
			if (w <= 0)
				abort();
			done += w;
		}
	}
	close(in);
	close(out);
}

/* Copies the directory tree from (regular files and directories) to to,
 * which must not exist. */
static inline void fuzz_copy_tree(const char *from, const char *to)
{
	struct stat st;
	if (stat(from, &st) != 0 || mkdir(to, st.st_mode & 0777) != 0) {
		fprintf(stderr, "fuzz: cannot copy %s to %s\n", from, to);
		abort();
	}
	DIR *d = opendir(from);
	if (d == NULL)
		abort();
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char a[PATH_MAX], b[PATH_MAX];
		snprintf(a, sizeof(a), "%s/%s", from, e->d_name);
		snprintf(b, sizeof(b), "%s/%s", to, e->d_name);
		if (lstat(a, &st) != 0)
			abort();
		if (S_ISDIR(st.st_mode))
			fuzz_copy_tree(a, b);
		else if (S_ISREG(st.st_mode))
			fuzz_copy_file(a, b, st.st_mode);
	}
	closedir(d);
}

/* A fresh copy of the pristine directory base at work (replacing it). */
static inline void fuzz_fresh_copy(const char *base, const char *work)
{
	fuzz_remove_tree(work);
	fuzz_copy_tree(base, work);
}

#endif
