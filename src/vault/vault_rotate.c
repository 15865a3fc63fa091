/* vault/vault_rotate.c — master key rotation: every wrapped key is
 * re-wrapped under a new master key in one key-store transaction; the data
 * is not touched. Then the old key file is overwritten and replaced. If the
 * process dies between the commit and the replacement, vault_open finishes
 * the job (the key store records which master key it is wrapped under). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/file.h"
#include "audit/audit.h"
#include "vault/vault_int.h"
#include "util/grow.h"

struct rows {
	struct store_key *v;
	size_t n, cap;
};

static vow_err collect(void *ctx, const void *rowp)
{
	struct rows *r = ctx;
	const struct store_key *k = rowp;
	if (grow(&r->v, r->n, &r->cap, sizeof(*r->v)) != VOW_OK)
		return VOW_ERR_NOMEM;
	struct store_key *dst = &r->v[r->n];
	memset(dst, 0, sizeof(*dst));
	memcpy(dst->owner, k->owner, sizeof(dst->owner));
	dst->kind = k->kind;
	dst->wrapped.p = malloc(k->wrapped.len ? k->wrapped.len : 1);
	if (dst->wrapped.p == NULL)
		return VOW_ERR_NOMEM;
	memcpy(dst->wrapped.p, k->wrapped.p, k->wrapped.len);
	dst->wrapped.len = k->wrapped.len;
	r->n++;
	return VOW_OK;
}

/* Overwrites the old key file in place with zeros and syncs it, so the old
 * key does not survive in the file's blocks after the rename. */
static void scrub(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	unsigned char zero[128] = {0};
	ssize_t w = write(fd, zero, sizeof(zero));
	(void)w;
	(void)fsync(fd);
	close(fd);
}

vow_err vault_key_rotate(const char *dir, char fingerprint_out[17])
{
	if (crypto_master_key_from_env())
		return VOW_ERR_KEY; /* the key is not ours to replace: rotate it where it is kept */
	struct vault *v = NULL;
	vow_err err = vault_open(dir, NULL, &v);
	if (err != VOW_OK)
		return err;
	char cur[PATH_MAX], next[PATH_MAX];
	snprintf(cur, sizeof(cur), "%s/master.key", v->dir);
	snprintf(next, sizeof(next), "%s/master.key.next", v->dir);
	struct crypto_key *nk = NULL;
	struct rows rows = {0};
	/* recorded and checkpointed under the old key, before it goes */
	struct audit_event ev = {.role = "admin", .action = "key.rotate", .result = "ok"};
	err = audit_change(v, &ev);
	if (err == VOW_OK)
		err = audit_flush(v, true);
	if (err == VOW_OK)
		audit_disable(v); /* the handle's master key is about to be retired */
	if (err == VOW_OK)
		err = crypto_master_key_create(next);
	if (err == VOW_OK)
		err = crypto_master_key_load(next, &nk);
	if (err == VOW_OK)
		err = v->ops->begin(v->keys);
	if (err == VOW_OK) {
		err = v->ops->key_list(v->keys, collect, &rows);
		unsigned char ad[VAULT_AD_MAX];
		for (size_t i = 0; err == VOW_OK && i < rows.n; i++) {
			struct store_key *k = &rows.v[i];
			size_t adlen = vault_ad(ad, "vow key v1", k->owner, NULL, NULL, k->kind);
			struct crypto_key *plain = NULL;
			err = k->wrapped.len == CRYPTO_WRAPPED_BYTES
			          ? crypto_key_unwrap(v->master, k->wrapped.p, ad, adlen, &plain)
			          : VOW_ERR_INTEGRITY;
			if (err == VOW_OK)
				err = crypto_key_wrap(nk, plain, ad, adlen, k->wrapped.p);
			crypto_key_free(&plain);
			if (err == VOW_OK)
				err = v->ops->key_put(v->keys, k);
		}
		char fp[17];
		crypto_key_fingerprint(nk, fp);
		if (err == VOW_OK)
			err = v->ops->meta_set(v->keys, "master_fingerprint", fp);
		if (err == VOW_OK)
			err = v->ops->commit(v->keys);
		if (err != VOW_OK)
			v->ops->rollback(v->keys);
		if (err == VOW_OK)
			err = v->ops->checkpoint(v->keys);
		if (err == VOW_OK)
			memcpy(fingerprint_out, fp, 17);
	}
	if (err == VOW_OK) {
		scrub(cur);
		if (rename(next, cur) != 0)
			err = VOW_ERR_IO; /* vault_open completes it */
	} else {
		(void)unlink(next);
	}
	for (size_t i = 0; i < rows.n; i++)
		store_blob_free(&rows.v[i].wrapped);
	free(rows.v);
	crypto_key_free(&nk);
	vault_close(&v);
	return err;
}

/* ---- the data directory's lock ---- */

vow_err vault_dir_lock(const char *dir, int *fd, long *holder)
{
	*fd = -1;
	if (holder != NULL)
		*holder = 0;
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/serve.lock", dir) >= (int)sizeof(path))
		return VOW_ERR_INVALID;
	int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f < 0)
		return errno == ENOENT ? VOW_ERR_NOT_FOUND : VOW_ERR_IO;
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		vow_err err = errno == EWOULDBLOCK ? VOW_ERR_EXISTS : VOW_ERR_IO;
		char buf[32] = "";
		ssize_t n = pread(f, buf, sizeof(buf) - 1, 0);
		if (holder != NULL && n > 0) {
			buf[n] = '\0';
			*holder = strtol(buf, NULL, 10);
		}
		close(f);
		return err;
	}
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(f, 0) != 0 || pwrite(f, pid, (size_t)n, 0) != n) {
		close(f);
		return VOW_ERR_IO;
	}
	*fd = f;
	return VOW_OK;
}

void vault_dir_unlock(int *fd)
{
	if (fd != NULL && *fd >= 0) {
		if (ftruncate(*fd, 0) != 0) {
			/* the pid stays in the file: harmless, the lock is what counts */
		}
		close(*fd); /* releases the flock */
		*fd = -1;
	}
}
