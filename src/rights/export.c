/* rights/export.c — the access and portability export: a tar archive
 * (libarchive, pax) streamed straight into a sealed file of the subject,
 * so memory stays flat whatever the data's size:
 *
 *   manifest.json      what this is: request, subject, time, policy, contents
 *   profile.json       the contact details on file
 *   data/CATEGORY.json each record with its rectification history
 *   files.json         the files' names, types, sizes, categories
 *   files/ID-NAME      each file's bytes
 *   consents.json      the consent history, with evidence
 *   recipients.json    who received which data, when, on what basis, where
 *   purposes.json      why each category is held, and on what legal basis
 *   retention.json     when each item is due for deletion
 *
 * Portability (Art. 20) takes only data held on consent or a contract. */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consent/consent.h"
#include "crypto/crypto.h"
#include "rights/rights_int.h"
#include "util/clock.h"
#include "util/grow.h"

struct exporter {
	struct vault *v;
	struct archive *a;
	struct vault_file_writer *w;
	vow_err err; /* the first write error */
	const char *subject;
	bool portability;
	json_t *manifest_files;
	unsigned char *buf; /* one chunk for copying files */
};

static la_ssize_t write_cb(struct archive *a, void *ctx, const void *buf, size_t len)
{
	(void)a;
	struct exporter *x = ctx;
	vow_err err = vault_file_write(x->w, buf, len);
	if (err != VOW_OK) {
		x->err = err;
		return -1;
	}
	return (la_ssize_t)len;
}

/* Adds a regular file entry of size bytes named path; the data follows. */
static vow_err entry(struct exporter *x, const char *path, uint64_t size)
{
	struct archive_entry *e = archive_entry_new();
	if (e == NULL)
		return VOW_ERR_NOMEM;
	archive_entry_set_pathname(e, path);
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_mtime(e, (time_t)clock_now(), 0);
	int rc = archive_write_header(x->a, e);
	archive_entry_free(e);
	if (rc != ARCHIVE_OK)
		return x->err != VOW_OK ? x->err : VOW_ERR_IO;
	return json_array_append_new(x->manifest_files, json_string(path)) == 0 ? VOW_OK
	                                                                        : VOW_ERR_NOMEM;
}

static vow_err data(struct exporter *x, const void *p, size_t len)
{
	if (len > 0 && archive_write_data(x->a, p, len) != (la_ssize_t)len)
		return x->err != VOW_OK ? x->err : VOW_ERR_IO;
	return VOW_OK;
}

/* Writes doc (taken) as a JSON entry; its text is wiped after. */
static vow_err json_entry(struct exporter *x, const char *path, json_t *doc)
{
	char *text = doc != NULL ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(doc);
	if (text == NULL)
		return VOW_ERR_NOMEM;
	size_t len = strlen(text);
	vow_err err = entry(x, path, len);
	if (err == VOW_OK)
		err = data(x, text, len);
	crypto_wipe(text, len);
	free(text);
	return err;
}

static const char *basis_of(const struct policy *p, const char *purpose)
{
	uint32_t i = policy_purpose_find(p, purpose);
	return i != POLICY_NONE ? policy_basis_name(p->purposes[i].basis) : "unknown";
}

/* Whether an item written for purpose goes into a portability export. */
static bool portable(const struct policy *p, const char *purpose)
{
	uint32_t i = policy_purpose_find(p, purpose);
	return i != POLICY_NONE && rights_applies(RIGHT_PORTABILITY, p->purposes[i].basis, false);
}

/* The purpose an item was written for (from its due row), or "". */
static void purpose_of(struct vault *v, const char *subject, const char *category, const char *item,
                       char out[129])
{
	struct vault_due d;
	out[0] = '\0';
	if (vault_due_get(v, subject, category, item, &d) == VOW_OK)
		snprintf(out, 129, "%s", d.purpose);
}

/* ---- records ---- */

static vow_err version_cb(void *ctx, int64_t version, int64_t updated_at, const char *value,
                          size_t len)
{
	json_t *versions = ctx;
	char at[21];
	clock_format(updated_at, at);
	json_error_t e;
	json_t *val = json_loadb(value, len, JSON_DECODE_ANY, &e);
	json_t *o = json_pack("{s:I, s:s, s:o}", "version", (json_int_t)version, "written_at", at,
	                      "value", val != NULL ? val : json_null());
	return o != NULL && json_array_append_new(versions, o) == 0 ? VOW_OK : VOW_ERR_NOMEM;
}

struct cats {
	char (*v)[129];
	size_t n, cap;
};

static vow_err category_cb(void *ctx, const char *category, int64_t version, int64_t updated_at,
                           bool held)
{
	(void)version;
	(void)updated_at;
	(void)held;
	struct cats *c = ctx;
	if (grow(&c->v, c->n, &c->cap, sizeof(*c->v)) != VOW_OK)
		return VOW_ERR_NOMEM;
	snprintf(c->v[c->n++], 129, "%s", category);
	return VOW_OK;
}

static vow_err records(struct exporter *x, json_t *purposes)
{
	const struct policy *p = vault_policy(x->v);
	struct cats c = {0};
	vow_err err = vault_record_categories_held(x->v, x->subject, category_cb, &c);
	for (size_t i = 0; err == VOW_OK && i < c.n; i++) {
		char purpose[129], path[300];
		purpose_of(x->v, x->subject, c.v[i], "", purpose);
		if (x->portability && !portable(p, purpose))
			continue;
		uint32_t ci = policy_category_find(p, c.v[i]);
		json_t *versions = json_array();
		if (ci != POLICY_NONE && p->categories[ci].intake == INTAKE_HASH) {
			/* only a one-way hash is held: it is not the person's data to
			 * read back, and handing it out would expose it to cracking */
			err = versions == NULL ||
			              json_array_append_new(
			                  versions,
			                  json_pack("{s:s}", "note",
			                            "kept only as a one-way hash (Argon2id), which is "
			                            "not included")) != 0
			          ? VOW_ERR_NOMEM
			          : VOW_OK;
		} else {
			err = versions != NULL ? vault_record_history(x->v, &rights_access, x->subject,
			                                              c.v[i], version_cb, versions)
			                       : VOW_ERR_NOMEM;
		}
		if (err != VOW_OK) {
			json_decref(versions);
			break;
		}
		const char *name = ci != POLICY_NONE && p->categories[ci].name != NULL
		                       ? p->categories[ci].name
		                       : c.v[i];
		snprintf(path, sizeof(path), "data/%s.json", c.v[i]);
		err = json_entry(x, path,
		                 json_pack("{s:s, s:s, s:s, s:s, s:o}", "category", c.v[i], "name",
		                           name, "purpose", purpose, "basis", basis_of(p, purpose),
		                           "versions", versions));
		if (err == VOW_OK && json_object_get(purposes, c.v[i]) == NULL)
			err = json_object_set_new(purposes, c.v[i], json_null()) == 0
			          ? VOW_OK
			          : VOW_ERR_NOMEM;
	}
	free(c.v);
	return err;
}

/* ---- files ---- */

struct file_list {
	struct vault_file_info *v;
	size_t n, cap;
};

static vow_err file_cb(void *ctx, const struct vault_file_info *f)
{
	struct file_list *l = ctx;
	if (grow(&l->v, l->n, &l->cap, sizeof(*l->v)) != VOW_OK)
		return VOW_ERR_NOMEM;
	l->v[l->n++] = *f;
	return VOW_OK;
}

static void safe_name(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *p = in; *p && n + 1 < cap; p++)
		out[n++] = (*p == '/' || (unsigned char)*p < ' ') ? '_' : *p;
	out[n] = '\0';
}

static vow_err copy_file(struct exporter *x, const struct vault_file_info *f)
{
	struct vault_file_reader *r = NULL;
	struct vault_file_info info;
	vow_err err = vault_file_open(x->v, &rights_access, f->id, &r, &info);
	char name[200], path[300];
	safe_name(info.name[0] ? info.name : "file", name, sizeof(name));
	snprintf(path, sizeof(path), "files/%s-%s", f->id, name);
	if (err == VOW_OK)
		err = entry(x, path, info.size);
	uint64_t copied = 0;
	while (err == VOW_OK) {
		size_t n = 0;
		err = vault_file_read(r, x->buf, CRYPTO_STREAM_CHUNK, &n);
		if (err != VOW_OK || n == 0)
			break;
		err = data(x, x->buf, n);
		copied += n;
	}
	crypto_wipe(x->buf, CRYPTO_STREAM_CHUNK);
	vault_file_close(&r);
	if (err == VOW_OK && copied != info.size)
		err = VOW_ERR_INTEGRITY;
	return err;
}

static vow_err files(struct exporter *x, json_t *purposes)
{
	const struct policy *p = vault_policy(x->v);
	struct file_list l = {0};
	vow_err err = vault_file_list(x->v, x->subject, file_cb, &l);
	json_t *meta = json_array();
	if (meta == NULL)
		err = VOW_ERR_NOMEM;
	for (size_t i = 0; err == VOW_OK && i < l.n; i++) {
		char purpose[129], at[21];
		purpose_of(x->v, x->subject, l.v[i].category, l.v[i].id, purpose);
		if (x->portability && !portable(p, purpose))
			continue;
		clock_format(l.v[i].created_at, at);
		json_t *o =
		    json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s}", "id", l.v[i].id,
		              "category", l.v[i].category, "name", l.v[i].name, "media_type",
		              l.v[i].media_type, "size", (json_int_t)l.v[i].size, "created_at", at,
		              "purpose", purpose, "basis", basis_of(p, purpose));
		err = o != NULL && json_array_append_new(meta, o) == 0 ? VOW_OK : VOW_ERR_NOMEM;
		if (err == VOW_OK)
			err = copy_file(x, &l.v[i]);
		if (err == VOW_OK && json_object_get(purposes, l.v[i].category) == NULL)
			err = json_object_set_new(purposes, l.v[i].category, json_null()) == 0
			          ? VOW_OK
			          : VOW_ERR_NOMEM;
	}
	free(l.v);
	if (err == VOW_OK)
		return json_entry(x, "files.json", meta);
	json_decref(meta);
	return err;
}

/* ---- what was done with it ---- */

static vow_err consent_cb(void *ctx, const struct consent_event *e)
{
	static const char *const states[] = {"none", "given", "refused", "withdrawn"};
	char at[21];
	clock_format(e->at, at);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "purpose", e->purpose, "state",
	                      (unsigned)e->state < 4 ? states[e->state] : "unknown", "at", at,
	                      "method", e->method, "policy_version", e->policy_version,
	                      "against_gpc", e->against_gpc, "terms_current", e->terms_current);
	return o != NULL && json_array_append_new(ctx, o) == 0 ? VOW_OK : VOW_ERR_NOMEM;
}

struct disc_ctx {
	const struct policy *p;
	json_t *list;
};

static vow_err disclosure_cb(void *ctx, const struct vault_disclosure *d)
{
	struct disc_ctx *c = ctx;
	uint32_t i = policy_recipient_find(c->p, d->recipient);
	char at[21];
	clock_format(d->at, at);
	json_t *o = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "recipient", d->recipient, "name",
	    i != POLICY_NONE && c->p->recipients[i].name != NULL ? c->p->recipients[i].name
	                                                         : d->recipient,
	    "category", d->category, "purpose", d->purpose, "basis", d->basis, "transfer",
	    d->transfer, "country", d->country, "at", at);
	return o != NULL && json_array_append_new(c->list, o) == 0 ? VOW_OK : VOW_ERR_NOMEM;
}

static vow_err due_cb(void *ctx, const struct vault_due *d)
{
	char due[21] = "";
	if (d->due_at != 0)
		clock_format(d->due_at, due);
	json_t *o = json_pack("{s:s, s:s, s:s?, s:b}", "category", d->category, "item", d->item,
	                      "deleted_on", d->due_at != 0 ? due : NULL, "legal_hold", d->held);
	return o != NULL && json_array_append_new(ctx, o) == 0 ? VOW_OK : VOW_ERR_NOMEM;
}

/* For each category held: the purposes that use it, with basis and retention. */
static json_t *purposes_doc(const struct policy *p, json_t *held)
{
	json_t *out = json_object();
	const char *cat;
	json_t *unused;
	json_object_foreach(held, cat, unused)
	{
		uint32_t c = policy_category_find(p, cat);
		json_t *list = json_array();
		for (uint32_t i = 0; c != POLICY_NONE && list != NULL && i < p->n_purposes; i++) {
			const struct policy_purpose *pu = &p->purposes[i];
			for (uint32_t k = 0; k < pu->categories.n; k++) {
				if (!taxonomy_key_covers(p->categories[pu->categories.v[k]].key,
				                         cat))
					continue;
				if (json_array_append_new(
				        list, json_pack("{s:s, s:s?, s:s}", "purpose", pu->key,
				                        "name", pu->name, "basis",
				                        policy_basis_name(pu->basis))) != 0) {
					json_decref(list);
					list = NULL;
				}
				break;
			}
		}
		if (out == NULL || list == NULL || json_object_set_new(out, cat, list) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static vow_err profile(struct exporter *x)
{
	struct vault_subject s;
	vow_err err = vault_subject_get(x->v, x->subject, &s);
	if (err != VOW_OK)
		return err;
	json_t *o =
	    json_pack("{s:s, s:s?, s:s?, s:s, s:s?, s:s?}", "id", s.id, "email", s.email, "phone",
	              s.phone, "region", s.region, "birth_date", s.birth_date, "locale", s.locale);
	vault_subject_clear(&s);
	return json_entry(x, "profile.json", o);
}

vow_err rights_export_write(struct vault *v, const char *subject, const char *request,
                            bool portability, char file_id[VOW_ID_LEN + 1])
{
	struct exporter x = {.v = v, .subject = subject, .portability = portability};
	char name[64];
	snprintf(name, sizeof(name), "export-%.32s.tar", request);
	vow_err err = vault_file_create(v, &rights_access, subject, VAULT_EXPORT_CATEGORY, name,
	                                "application/x-tar", &x.w);
	if (err != VOW_OK)
		return err;
	x.manifest_files = json_array();
	x.buf = malloc(CRYPTO_STREAM_CHUNK);
	x.a = archive_write_new();
	if (x.manifest_files == NULL || x.buf == NULL || x.a == NULL ||
	    archive_write_set_format_pax_restricted(x.a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(x.a, CRYPTO_STREAM_CHUNK) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(x.a, 1) != ARCHIVE_OK ||
	    archive_write_open(x.a, &x, NULL, write_cb, NULL) != ARCHIVE_OK)
		err = VOW_ERR_NOMEM;
	json_t *held = json_object();
	if (held == NULL)
		err = VOW_ERR_NOMEM;
	const struct policy *p = vault_policy(v);
	if (err == VOW_OK && !portability)
		err = profile(&x);
	if (err == VOW_OK)
		err = records(&x, held);
	if (err == VOW_OK)
		err = files(&x, held);
	if (err == VOW_OK && !portability) {
		json_t *list = json_array();
		err = list != NULL ? consent_history(v, subject, consent_cb, list) : VOW_ERR_NOMEM;
		if (err == VOW_OK)
			err = json_entry(&x, "consents.json", list);
		else
			json_decref(list);
		struct disc_ctx dc = {p, json_array()};
		if (err == VOW_OK)
			err = dc.list != NULL
			          ? vault_disclosure_list(v, subject, disclosure_cb, &dc)
			          : VOW_ERR_NOMEM;
		if (err == VOW_OK)
			err = json_entry(&x, "recipients.json", dc.list);
		else
			json_decref(dc.list);
		if (err == VOW_OK)
			err = json_entry(&x, "purposes.json", purposes_doc(p, held));
		json_t *due = json_array();
		if (err == VOW_OK)
			err = due != NULL ? vault_due_subject(v, subject, due_cb, due)
			                  : VOW_ERR_NOMEM;
		if (err == VOW_OK)
			err = json_entry(&x, "retention.json", due);
		else
			json_decref(due);
	}
	if (err == VOW_OK) {
		char at[21];
		clock_format(clock_now(), at);
		json_t *files_list = x.manifest_files;
		x.manifest_files = json_array(); /* the manifest lists what came before it */
		err = json_entry(&x, "manifest.json",
		                 json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:o}", "format",
		                           "vow export v1", "request", request, "subject", subject,
		                           "right", portability ? "portability" : "access",
		                           "generated_at", at, "policy_version",
		                           p != NULL ? p->version : NULL, "entries", files_list));
	}
	json_decref(held);
	if (x.a != NULL) {
		if (err == VOW_OK && archive_write_close(x.a) != ARCHIVE_OK)
			err = x.err != VOW_OK ? x.err : VOW_ERR_IO;
		archive_write_free(x.a);
	}
	json_decref(x.manifest_files);
	free(x.buf);
	if (err != VOW_OK) {
		vault_file_abort(&x.w);
		return err;
	}
	return vault_file_finish(&x.w, file_id);
}
