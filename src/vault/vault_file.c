/* vault/vault_file.c — files streamed in and out in 64 KiB chunks, so memory
 * stays flat for any size. Each file has its own random key (wrapped by the
 * subject's key, bound to subject and file id) and is sealed with libsodium's
 * secretstream: a chunk cannot be altered, dropped, reordered or cut off
 * without the read failing. On disk: "VOWF", a version byte, the 24-byte
 * stream header, then the sealed chunks; the name, media type and size are
 * sealed in the file's row. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/clock.h"
#include "audit/audit.h"
#include "vault/vault_int.h"

#define FILE_MAGIC   "VOWF"
#define FILE_PREFIX  (4 + 1 + CRYPTO_STREAM_HEADER_BYTES)
#define SEALED_CHUNK (CRYPTO_STREAM_CHUNK + CRYPTO_STREAM_ABYTES)

struct vault_file_writer {
	struct vault *v;
	char role[129], actor[129], purpose[129];
	struct store_file row;
	char tmp[PATH_MAX], path[PATH_MAX];
	char name[256], media_type[128];
	char language[VOW_MAX_LANGUAGE + 1]; /* "" unknown */
	int fd;
	struct crypto_key *fkey;
	struct crypto_stream *st;
	unsigned char *buf; /* CRYPTO_STREAM_CHUNK plaintext, guarded */
	size_t buflen;
	unsigned char out[SEALED_CHUNK];
	uint64_t size;
};

struct vault_file_reader {
	int fd;
	struct crypto_stream *st;
	unsigned char in[SEALED_CHUNK];
	unsigned char *buf; /* CRYPTO_STREAM_CHUNK + 1 plaintext */
	size_t len, off;
	bool done;
};

static size_t fkey_ad(unsigned char ad[VAULT_AD_MAX], const char *subject, const char *id)
{
	return vault_ad(ad, "vow file key v1", subject, id, NULL, 0);
}

static size_t meta_ad(unsigned char ad[VAULT_AD_MAX], const char *subject, const char *id)
{
	return vault_ad(ad, "vow file meta v1", subject, id, NULL, 0);
}

static vow_err write_all(int fd, const void *p, size_t len)
{
	const unsigned char *b = p;
	while (len > 0) {
		ssize_t w = write(fd, b, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return VOW_ERR_IO;
		b += w;
		len -= (size_t)w;
	}
	return VOW_OK;
}

/* A name or media type: printable, capped; a name has no '/' either. */
static bool meta_text_ok(const char *s, size_t cap, bool slash_ok)
{
	if (s == NULL)
		return true;
	size_t n = strlen(s);
	if (n >= cap)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f || (s[i] == '/' && !slash_ok))
			return false;
	return true;
}

vow_err vault_file_create(struct vault *v, const struct vault_access *a, const char *subject,
                          const char *category, const char *name, const char *media_type,
                          struct vault_file_writer **out)
{
	bool export = a != NULL && a->rights && category != NULL &&
	              strcmp(category, VAULT_EXPORT_CATEGORY) == 0;
	if ((!export && vault_stored_category(v, category) == POLICY_NONE) ||
	    !meta_text_ok(name, 256, false) || !meta_text_ok(media_type, 128, true))
		return VOW_ERR_INVALID;
	struct store_subject srow = {0};
	/* a closed account's person may still ask for what is kept of them */
	vow_err err = vault_subject_row(v, subject, !export, &srow);
	store_blob_free(&srow.profile);
	if (err == VOW_OK)
		err = vault_check_op(v, a, OP_WRITE, subject, category, NULL, NULL, NULL, false,
		                     NULL);
	if (err != VOW_OK)
		return err;
	struct vault_file_writer *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return VOW_ERR_NOMEM;
	w->v = v;
	w->fd = -1;
	snprintf(w->role, sizeof(w->role), "%s", a->role);
	snprintf(w->actor, sizeof(w->actor), "%s", a->actor != NULL ? a->actor : "");
	snprintf(w->purpose, sizeof(w->purpose), "%s", a->purpose);
	id_new(w->row.id);
	snprintf(w->row.subject, sizeof(w->row.subject), "%s", subject);
	snprintf(w->row.category, sizeof(w->row.category), "%s", category);
	snprintf(w->name, sizeof(w->name), "%s", name != NULL ? name : "");
	snprintf(w->media_type, sizeof(w->media_type), "%s",
	         media_type != NULL ? media_type : "application/octet-stream");
	vault_file_path(v, w->row.id, w->path);
	snprintf(w->tmp, sizeof(w->tmp), "%s/files/%.2s", v->dir, w->row.id);
	if (mkdir(w->tmp, 0700) != 0 && errno != EEXIST)
		err = VOW_ERR_IO;
	snprintf(w->tmp, sizeof(w->tmp), "%s/files/%.2s/.%s.tmp", v->dir, w->row.id, w->row.id);
	w->buf = crypto_guarded_alloc(CRYPTO_STREAM_CHUNK);
	if (err == VOW_OK && w->buf == NULL)
		err = VOW_ERR_NOMEM;
	if (err == VOW_OK)
		err = crypto_key_generate(&w->fkey);
	unsigned char header[FILE_PREFIX];
	memcpy(header, FILE_MAGIC, 4);
	header[4] = CRYPTO_FORMAT_V1;
	if (err == VOW_OK)
		err = crypto_stream_seal_start(w->fkey, header + 5, &w->st);
	if (err == VOW_OK) {
		w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		err = w->fd < 0 ? VOW_ERR_IO : write_all(w->fd, header, sizeof(header));
	}
	if (err != VOW_OK) {
		vault_file_abort(&w);
		return err;
	}
	*out = w;
	return VOW_OK;
}

static vow_err flush_chunk(struct vault_file_writer *w, bool last)
{
	vow_err err = crypto_stream_seal_chunk(w->st, w->buf, w->buflen, last, w->out);
	if (err == VOW_OK)
		err = write_all(w->fd, w->out, w->buflen + CRYPTO_STREAM_ABYTES);
	crypto_wipe(w->buf, CRYPTO_STREAM_CHUNK);
	w->buflen = 0;
	return err;
}

vow_err vault_file_write(struct vault_file_writer *w, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	while (len > 0) {
		if (w->buflen == CRYPTO_STREAM_CHUNK) {
			/* a full chunk is sealed only once more data proves it is not the last */
			vow_err err = flush_chunk(w, false);
			if (err != VOW_OK)
				return err;
		}
		size_t n = CRYPTO_STREAM_CHUNK - w->buflen;
		if (n > len)
			n = len;
		memcpy(w->buf + w->buflen, p, n);
		w->buflen += n;
		w->size += n;
		p += n;
		len -= n;
	}
	return VOW_OK;
}

static vow_err sync_dir(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return VOW_ERR_IO;
	int r = fsync(fd);
	close(fd);
	return r == 0 ? VOW_OK : VOW_ERR_IO;
}

vow_err vault_file_finish(struct vault_file_writer **wp, char id[VOW_ID_LEN + 1])
{
	struct vault_file_writer *w = *wp;
	struct vault *v = w->v;
	vow_err err = flush_chunk(w, true);
	if (err == VOW_OK && fsync(w->fd) != 0)
		err = VOW_ERR_IO;
	if (err == VOW_OK) {
		err = close(w->fd) == 0 ? VOW_OK : VOW_ERR_IO;
		w->fd = -1;
	}
	if (err == VOW_OK && rename(w->tmp, w->path) != 0)
		err = VOW_ERR_IO;
	if (err == VOW_OK)
		err = sync_dir(w->path);
	/* the row: wrapped file key and sealed metadata */
	const struct crypto_key *skey = NULL;
	if (err == VOW_OK)
		err = vault_key(v, w->row.subject, KEY_SUBJECT, &skey);
	unsigned char wrapped[CRYPTO_WRAPPED_BYTES], ad[VAULT_AD_MAX];
	if (err == VOW_OK)
		err = crypto_key_wrap(skey, w->fkey, ad, fkey_ad(ad, w->row.subject, w->row.id),
		                      wrapped);
	char *meta = NULL;
	if (err == VOW_OK) {
		json_t *m = json_pack("{s:s, s:s, s:I, s:s?}", "name", w->name, "media_type",
		                      w->media_type, "size", (json_int_t)w->size, "language",
		                      w->language[0] ? w->language : NULL);
		meta = m != NULL ? json_dumps(m, JSON_COMPACT) : NULL;
		json_decref(m);
		err = meta == NULL ? VOW_ERR_NOMEM : VOW_OK;
	}
	if (err == VOW_OK) {
		size_t mlen = strlen(meta);
		w->row.meta.len = mlen + CRYPTO_SEAL_OVERHEAD;
		w->row.meta.p = malloc(w->row.meta.len);
		err = w->row.meta.p == NULL
		          ? VOW_ERR_NOMEM
		          : crypto_seal(skey, meta, mlen, ad,
		                        meta_ad(ad, w->row.subject, w->row.id), w->row.meta.p);
		crypto_wipe(meta, mlen);
	}
	free(meta);
	if (err == VOW_OK) {
		w->row.created_at = clock_now();
		w->row.key_kind = KEY_SUBJECT;
		w->row.file_key.p = wrapped;
		w->row.file_key.len = sizeof(wrapped);
		err = v->ops->begin(v->data);
		if (err == VOW_OK) {
			err = v->ops->file_insert(v->data, &w->row);
			if (err == VOW_OK)
				err = vault_due_item(v, w->row.subject, w->row.category, w->row.id,
				                     w->purpose, w->row.created_at, true);
			if (err == VOW_OK) {
				struct audit_event ev = {.role = w->role,
				                         .actor = w->actor,
				                         .action = "file.create",
				                         .subject = w->row.subject,
				                         .category = w->row.category,
				                         .purpose = w->purpose,
				                         .result = "ok"};
				err = audit_change(v, &ev);
			}
			err = vault_commit(v, err);
		}
		w->row.file_key.p = NULL;
	}
	if (err == VOW_OK) {
		memcpy(id, w->row.id, VOW_ID_LEN + 1);
	} else {
		(void)unlink(w->path);
	}
	vault_file_abort(wp);
	return err;
}

void vault_file_abort(struct vault_file_writer **wp)
{
	if (wp == NULL || *wp == NULL)
		return;
	struct vault_file_writer *w = *wp;
	if (w->fd >= 0)
		close(w->fd);
	(void)unlink(w->tmp);
	crypto_stream_free(&w->st);
	crypto_key_free(&w->fkey);
	crypto_guarded_free(w->buf);
	crypto_wipe(w->out, sizeof(w->out));
	store_blob_free(&w->row.meta);
	free(w);
	*wp = NULL;
}

vow_err vault_file_set_language(struct vault_file_writer *w, const char *tag)
{
	if (!vault_language_valid(tag))
		return vault_refuse(
		    w->v, VOW_ERR_INVALID, NULL,
		    "language: a BCP 47 tag such as nl or nl-NL (at most 35 bytes)");
	snprintf(w->language, sizeof(w->language), "%s", tag);
	return VOW_OK;
}

bool vault_language_valid(const char *tag)
{
	size_t n = tag != NULL ? strlen(tag) : 0;
	if (n < 2 || n > VOW_MAX_LANGUAGE)
		return false;
	size_t seg = 0, first = 0;
	for (size_t i = 0; i <= n; i++) {
		char c = tag[i];
		if (c == '\0' || c == '-') {
			if (seg == 0 || seg > 8 || (first == 0 && (seg < 2 || seg > 3 + 5)))
				return false;
			first++;
			seg = 0;
			continue;
		}
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		bool digit = c >= '0' && c <= '9';
		if (!alpha && !(digit && first > 0))
			return false;
		seg++;
	}
	return true;
}

/* ---- reading ---- */

static vow_err open_meta(struct vault *v, const struct store_file *row,
                         const struct crypto_key *key, struct vault_file_info *info)
{
	memset(info, 0, sizeof(*info));
	memcpy(info->id, row->id, sizeof(info->id));
	memcpy(info->subject, row->subject, sizeof(info->subject));
	snprintf(info->category, sizeof(info->category), "%s", row->category);
	info->created_at = row->created_at;
	if (row->meta.len < CRYPTO_SEAL_OVERHEAD || row->meta.len > 4096)
		return VOW_ERR_INTEGRITY;
	char plain[4096];
	unsigned char ad[VAULT_AD_MAX];
	(void)v;
	vow_err err = crypto_open(key, row->meta.p, row->meta.len, ad,
	                          meta_ad(ad, row->subject, row->id), (unsigned char *)plain);
	if (err != VOW_OK)
		return err;
	size_t plen = row->meta.len - CRYPTO_SEAL_OVERHEAD;
	json_t *m = json_loadb(plain, plen, 0, NULL);
	crypto_wipe(plain, plen);
	if (m == NULL)
		return VOW_ERR_INTEGRITY;
	const char *name = json_string_value(json_object_get(m, "name"));
	const char *type = json_string_value(json_object_get(m, "media_type"));
	const char *lang = json_string_value(json_object_get(m, "language"));
	snprintf(info->name, sizeof(info->name), "%s", name != NULL ? name : "");
	snprintf(info->media_type, sizeof(info->media_type), "%s", type != NULL ? type : "");
	snprintf(info->language, sizeof(info->language), "%s", lang != NULL ? lang : "");
	info->size = (uint64_t)json_integer_value(json_object_get(m, "size"));
	json_decref(m);
	return VOW_OK;
}

static vow_err row_key(struct vault *v, const struct store_file *row, const struct crypto_key **key)
{
	vow_err err =
	    vault_key(v, row->subject, row->key_kind == KEY_HOLD ? KEY_HOLD : KEY_SUBJECT, key);
	return err == VOW_ERR_NOT_FOUND ? VOW_ERR_KEY : err;
}

static vow_err read_full(int fd, unsigned char *p, size_t want, size_t *got)
{
	*got = 0;
	while (*got < want) {
		ssize_t r = read(fd, p + *got, want - *got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return VOW_ERR_IO;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return VOW_OK;
}

vow_err vault_file_meta(struct vault *v, const char *id, struct vault_file_info *info)
{
	if (!id_valid(id))
		return VOW_ERR_NOT_FOUND;
	struct store_file row = {0};
	vow_err err = v->ops->file_get(v->data, id, &row);
	const struct crypto_key *key = NULL;
	if (err == VOW_OK)
		err = row_key(v, &row, &key);
	if (err == VOW_OK)
		err = open_meta(v, &row, key, info);
	store_blob_free(&row.file_key);
	store_blob_free(&row.meta);
	return err;
}

vow_err vault_file_open(struct vault *v, const struct vault_access *a, const char *id,
                        struct vault_file_reader **out, struct vault_file_info *info)
{
	if (!id_valid(id))
		return VOW_ERR_NOT_FOUND;
	struct store_file row = {0};
	vow_err err = v->ops->file_get(v->data, id, &row);
	if (err != VOW_OK)
		return err;
	const struct crypto_key *skey = NULL;
	struct crypto_key *fkey = NULL;
	struct vault_file_reader *r = NULL;
	err = vault_check(v, a, row.subject, row.category, row.id, NULL, NULL,
	                  row.key_kind == KEY_HOLD, NULL);
	if (err == VOW_OK)
		err = row_key(v, &row, &skey);
	if (err == VOW_OK)
		err = open_meta(v, &row, skey, info);
	unsigned char ad[VAULT_AD_MAX];
	if (err == VOW_OK)
		err = row.file_key.len == CRYPTO_WRAPPED_BYTES
		          ? crypto_key_unwrap(skey, row.file_key.p, ad,
		                              fkey_ad(ad, row.subject, row.id), &fkey)
		          : VOW_ERR_INTEGRITY;
	if (err == VOW_OK) {
		r = calloc(1, sizeof(*r));
		if (r != NULL) {
			r->fd = -1;
			r->buf = crypto_guarded_alloc(CRYPTO_STREAM_CHUNK + 1);
		}
		err = r == NULL || r->buf == NULL ? VOW_ERR_NOMEM : VOW_OK;
	}
	char path[PATH_MAX];
	vault_file_path(v, id, path);
	if (err == VOW_OK) {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		err = r->fd < 0 ? (errno == ENOENT ? VOW_ERR_INTEGRITY : VOW_ERR_IO) : VOW_OK;
	}
	unsigned char prefix[FILE_PREFIX];
	size_t got = 0;
	if (err == VOW_OK)
		err = read_full(r->fd, prefix, sizeof(prefix), &got);
	if (err == VOW_OK && (got != sizeof(prefix) || memcmp(prefix, FILE_MAGIC, 4) != 0 ||
	                      prefix[4] != CRYPTO_FORMAT_V1))
		err = VOW_ERR_INTEGRITY;
	if (err == VOW_OK)
		err = crypto_stream_open_start(fkey, prefix + 5, &r->st);
	crypto_key_free(&fkey);
	store_blob_free(&row.file_key);
	store_blob_free(&row.meta);
	if (err != VOW_OK) {
		vault_file_close(&r);
		return err;
	}
	*out = r;
	return VOW_OK;
}

vow_err vault_file_read(struct vault_file_reader *r, void *buf, size_t cap, size_t *n)
{
	*n = 0;
	while (r->off == r->len) {
		if (r->done) {
			/* nothing may follow the final chunk */
			unsigned char extra;
			size_t got = 0;
			vow_err err = read_full(r->fd, &extra, 1, &got);
			if (err != VOW_OK)
				return err;
			return got == 0 ? VOW_OK : VOW_ERR_INTEGRITY;
		}
		size_t got = 0;
		vow_err err = read_full(r->fd, r->in, SEALED_CHUNK, &got);
		if (err != VOW_OK)
			return err;
		if (got == 0)
			return VOW_ERR_INTEGRITY; /* cut off before the final chunk */
		bool last = false;
		err = crypto_stream_open_chunk(r->st, r->in, got, r->buf, &r->len, &last);
		if (err != VOW_OK)
			return err;
		r->off = 0;
		r->done = last;
		if (!last && got != SEALED_CHUNK)
			return VOW_ERR_INTEGRITY;
	}
	size_t k = r->len - r->off;
	if (k > cap)
		k = cap;
	memcpy(buf, r->buf + r->off, k);
	r->off += k;
	*n = k;
	return VOW_OK;
}

void vault_file_close(struct vault_file_reader **rp)
{
	if (rp == NULL || *rp == NULL)
		return;
	struct vault_file_reader *r = *rp;
	if (r->fd >= 0)
		close(r->fd);
	crypto_stream_free(&r->st);
	crypto_guarded_free(r->buf);
	free(r);
	*rp = NULL;
}

struct list_ctx {
	struct vault *v;
	vault_file_fn cb;
	void *ctx;
};

static vow_err list_one(void *ctx, const void *rowp)
{
	struct list_ctx *l = ctx;
	const struct store_file *brief = rowp;
	if (strcmp(brief->category, VAULT_EXPORT_CATEGORY) == 0)
		return VOW_OK; /* an export is not the person's data */
	struct store_file row = {0};
	vow_err err = l->v->ops->file_get(l->v->data, brief->id, &row);
	const struct crypto_key *key = NULL;
	struct vault_file_info info;
	if (err == VOW_OK)
		err = row_key(l->v, &row, &key);
	if (err == VOW_OK)
		err = open_meta(l->v, &row, key, &info);
	store_blob_free(&row.file_key);
	store_blob_free(&row.meta);
	if (err == VOW_OK)
		err = l->cb(l->ctx, &info);
	return err;
}

vow_err vault_file_list(struct vault *v, const char *subject, vault_file_fn cb, void *ctx)
{
	if (!id_valid(subject))
		return VOW_ERR_NOT_FOUND;
	struct list_ctx l = {v, cb, ctx};
	return v->ops->file_list(v->data, subject, list_one, &l);
}

vow_err vault_file_delete(struct vault *v, const struct vault_access *a, const char *id)
{
	if (!id_valid(id))
		return VOW_ERR_NOT_FOUND;
	struct store_file row = {0};
	vow_err err = v->ops->file_get(v->data, id, &row);
	if (err == VOW_OK)
		err = vault_check_op(v, a, OP_DELETE, row.subject, row.category, row.id, NULL, NULL,
		                     row.key_kind == KEY_HOLD, NULL);
	if (err == VOW_OK && row.key_kind == KEY_HOLD)
		err = vault_refuse(v, VOW_ERR_DENIED, "legal_hold",
		                   "the file is kept only for a legal obligation");
	store_blob_free(&row.file_key);
	store_blob_free(&row.meta);
	if (err == VOW_OK) {
		err = v->ops->begin(v->data);
		if (err == VOW_OK) {
			err = v->ops->file_delete(v->data, id);
			if (err == VOW_OK)
				err = vault_due_forget(v, row.subject, row.category, id);
			if (err == VOW_OK) {
				struct audit_event ev = {.role = a->role,
				                         .actor = a->actor,
				                         .action = "file.delete",
				                         .subject = row.subject,
				                         .category = row.category,
				                         .purpose = a->purpose,
				                         .result = "ok"};
				err = audit_change(v, &ev);
			}
			err = vault_commit(v, err);
		}
	}
	if (err == VOW_OK) {
		char path[PATH_MAX];
		vault_file_path(v, id, path);
		if (unlink(path) != 0 && errno != ENOENT)
			err = VOW_ERR_IO;
	}
	return err;
}
