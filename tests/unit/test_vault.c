/* tests/unit/test_vault.c — the vault through its public API, with a real
 * SQLite data directory: encryption at rest (no plaintext anywhere on disk),
 * integrity (every flipped byte detected, rows moved between subjects
 * detected), crypto-shredding erasure (an old copy of the data store is
 * useless for the erased subject, still good for others), legal holds,
 * the receipt, key rotation, durability across kill -9, files, grants,
 * disclosures and bad input. */
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "util/clock.h"
#include "vault/vault_int.h"
#include "vault/vault.h"
#include "test_support.h"

/* A fresh data directory with a master key; returns its path (static). */
static const char *new_dir(void)
{
	static char dir[256];
	new_data_dir(dir);
	return dir;
}

/* The access the tests act with: the service, for the purpose that uses
 * the category in the AmberScript policy. */
static const struct vault_access *acc_for(const char *category)
{
	static struct vault_access a;
	const char *purpose = "essential.service";
	if (strcmp(category, "user.workplace") == 0)
		purpose = "essential.service.account";
	else if (strncmp(category, "user.financial", 14) == 0)
		purpose = "essential.legal_obligation.tax";
	a = (struct vault_access){"service", NULL, purpose, false, false, false, false};
	return &a;
}

static struct vault *open_vault(const char *dir)
{
	struct vault *v = NULL;
	assert_int_equal(vault_open(dir, policy, &v), VOW_OK);
	return v;
}

static void make_subject(struct vault *v, const char *email, char id[VOW_ID_LEN + 1])
{
	struct vault_subject_new in = {.email = email, .region = "NL", .locale = "nl-NL"};
	assert_int_equal(vault_subject_create(v, &in, id), VOW_OK);
}

static void put(struct vault *v, const char *id, const char *cat, const char *json)
{
	assert_int_equal(vault_record_put(v, acc_for(cat), id, cat, json, strlen(json)), VOW_OK);
}

static void expect_record(struct vault *v, const char *id, const char *cat, const char *json)
{
	char *val = NULL;
	size_t len = 0;
	assert_int_equal(vault_record_get(v, acc_for(cat), id, cat, &val, &len), VOW_OK);
	assert_int_equal(len, strlen(json));
	assert_memory_equal(val, json, len);
	vault_value_free(val, len);
}

static void write_file(struct vault *v, const char *subject, const char *cat,
                       const unsigned char *data, size_t len, char id[VOW_ID_LEN + 1])
{
	struct vault_file_writer *w = NULL;
	assert_int_equal(
	    vault_file_create(v, acc_for(cat), subject, cat, "interview.wav", "audio/wav", &w),
	    VOW_OK);
	/* odd-sized writes cross chunk boundaries */
	size_t off = 0, step = 7777;
	while (off < len) {
		size_t n = len - off < step ? len - off : step;
		assert_int_equal(vault_file_write(w, data + off, n), VOW_OK);
		off += n;
	}
	assert_int_equal(vault_file_finish(&w, id), VOW_OK);
	assert_null(w);
}

static vow_err read_file(struct vault *v, const char *id, unsigned char **out, size_t *len)
{
	struct vault_file_reader *r = NULL;
	struct vault_file_info info;
	vow_err err = vault_file_open(v, acc_for("user.content.audio"), id, &r, &info);
	if (err != VOW_OK)
		return err;
	size_t cap = info.size + 1, n = 0, got;
	unsigned char *buf = malloc(cap);
	assert_non_null(buf);
	unsigned char tmp[10000];
	while ((err = vault_file_read(r, tmp, sizeof(tmp), &got)) == VOW_OK && got > 0) {
		if (n + got > cap) {
			err = VOW_ERR_INTEGRITY;
			break;
		}
		memcpy(buf + n, tmp, got);
		n += got;
	}
	vault_file_close(&r);
	if (err != VOW_OK) {
		free(buf);
		return err;
	}
	*out = buf;
	*len = n;
	return VOW_OK;
}

static void fill(unsigned char *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1664525u + 1013904223u;
		p[i] = (unsigned char)(seed >> 24);
	}
}

/* ---- subjects ---- */

static void test_subjects(void **state)
{
	(void)state;
	struct vault *v = open_vault(new_dir());
	char a[VOW_ID_LEN + 1], b[VOW_ID_LEN + 1], found[VOW_ID_LEN + 1];
	struct vault_subject_new in = {.email = "  Anna.de.Vries@Example.NL ",
	                               .phone = "+31 (0)20-123 4567",
	                               .region = "NL",
	                               .birth_date = "1990-02-28",
	                               .locale = "nl-NL"};
	assert_int_equal(vault_subject_create(v, &in, a), VOW_OK);
	assert_true(id_valid(a));
	make_subject(v, "bob@example.com", b);
	assert_string_not_equal(a, b);
	/* lookup through the blind index, normalised */
	assert_int_equal(vault_subject_find(v, VAULT_BY_EMAIL, "anna.de.vries@example.nl", found),
	                 VOW_OK);
	assert_string_equal(found, a);
	assert_int_equal(vault_subject_find(v, VAULT_BY_PHONE, "0031 0 20 123 4567", found),
	                 VOW_OK);
	assert_string_equal(found, a);
	assert_int_equal(vault_subject_find(v, VAULT_BY_PHONE, "+31 20 123 4567", found),
	                 VOW_ERR_NOT_FOUND);
	assert_int_equal(vault_subject_find(v, VAULT_BY_PHONE, "+31 0 20 1234567", found), VOW_OK);
	assert_string_equal(found, a);
	assert_int_equal(vault_subject_find(v, VAULT_BY_EMAIL, "nobody@example.com", found),
	                 VOW_ERR_NOT_FOUND);
	/* read back */
	struct vault_subject s;
	assert_int_equal(vault_subject_get(v, a, &s), VOW_OK);
	assert_string_equal(s.email, "anna.de.vries@example.nl");
	assert_string_equal(s.phone, "+310201234567");
	assert_string_equal(s.birth_date, "1990-02-28");
	assert_string_equal(s.locale, "nl-NL");
	assert_string_equal(s.region, "NL");
	assert_int_equal(s.status, VAULT_ACTIVE);
	vault_subject_clear(&s);
	assert_null(s.email);
	/* one e-mail, one subject */
	struct vault_subject_new dup = {.email = "ANNA.DE.VRIES@example.nl"};
	char c[VOW_ID_LEN + 1];
	assert_int_equal(vault_subject_create(v, &dup, c), VOW_ERR_EXISTS);
	/* bad input */
	struct vault_subject_new bad[] = {
	    {.email = "not-an-email"}, {.email = "a@b@c.nl"},        {.email = "a b@c.nl"},
	    {.phone = "12"},           {.phone = "+31 abc"},         {.region = "XX"},
	    {.region = "nld"},         {.birth_date = "1990-02-30"}, {.age = -1},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vault_subject_create(v, &bad[i], c), VOW_ERR_INVALID);
	assert_int_equal(vault_subject_get(v, "../../etc/passwd", &s), VOW_ERR_NOT_FOUND);
	assert_int_equal(vault_subject_get(v, "0123456789abcdef0123456789abcdef", &s),
	                 VOW_ERR_NOT_FOUND);
	/* close */
	assert_int_equal(vault_subject_close(v, b), VOW_OK);
	assert_int_equal(vault_subject_get(v, b, &s), VOW_OK);
	assert_int_equal(s.status, VAULT_CLOSED);
	assert_true(s.closed_at > 0);
	vault_subject_clear(&s);
	assert_int_equal(vault_record_put(v, acc_for("user.name"), b, "user.name", "{}", 2),
	                 VOW_ERR_DENIED);
	vault_close(&v);
}

static vow_err count_subject(void *ctx, const char *id, enum vault_subject_status st, int64_t at)
{
	(void)id;
	(void)st;
	(void)at;
	(*(int *)ctx)++;
	return VOW_OK;
}

static void test_subject_list(void **state)
{
	(void)state;
	struct vault *v = open_vault(new_dir());
	char id[VOW_ID_LEN + 1];
	for (int i = 0; i < 25; i++) {
		struct vault_subject_new in = {.region = "DE"};
		assert_int_equal(vault_subject_create(v, &in, id), VOW_OK);
	}
	int n = 0;
	assert_int_equal(vault_subject_list(v, NULL, 10, count_subject, &n), VOW_OK);
	assert_int_equal(n, 10);
	n = 0;
	assert_int_equal(vault_subject_list(v, NULL, 100, count_subject, &n), VOW_OK);
	assert_int_equal(n, 25);
	vault_close(&v);
}

/* ---- records ---- */

static vow_err collect_versions(void *ctx, int64_t version, int64_t at, const char *value,
                                size_t len)
{
	(void)at;
	json_t *arr = ctx;
	json_array_append_new(
	    arr, json_pack("{s:I, s:s#}", "v", (json_int_t)version, "value", value, (int)len));
	return VOW_OK;
}

static void test_records(void **state)
{
	(void)state;
	struct vault *v = open_vault(new_dir());
	char id[VOW_ID_LEN + 1];
	make_subject(v, "rec@example.com", id);
	put(v, id, "user.name", "{\"first\":\"Anna\",\"last\":\"de Vries\"}");
	expect_record(v, id, "user.name", "{\"first\":\"Anna\",\"last\":\"de Vries\"}");
	/* rectification keeps the history */
	put(v, id, "user.name", "{\"first\":\"Anna\",\"last\":\"de Vries-Jansen\"}");
	put(v, id, "user.name", "{\"first\":\"Anne\",\"last\":\"de Vries-Jansen\"}");
	expect_record(v, id, "user.name", "{\"first\":\"Anne\",\"last\":\"de Vries-Jansen\"}");
	json_t *hist = json_array();
	assert_int_equal(
	    vault_record_history(v, acc_for("user.name"), id, "user.name", collect_versions, hist),
	    VOW_OK);
	assert_int_equal(json_array_size(hist), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(hist, 0), "v")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(hist, 0), "value")),
	                    "{\"first\":\"Anna\",\"last\":\"de Vries\"}");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(hist, 2), "v")), 3);
	json_decref(hist);
	put(v, id, "user.contact.email", "\"rec@example.com\"");
	put(v, id, "user.workplace", "{\"sector\":\"journalism\"}");
	/* bad input, each with its own error, nothing changed */
	assert_int_equal(vault_record_put(v, acc_for("user.health_and_medical"), id,
	                                  "user.health_and_medical", "{}", 2),
	                 VOW_ERR_DENIED);
	assert_string_equal(vault_last_denial(v), "unknown_category");
	assert_int_equal(vault_record_put(v, acc_for("user.financial.credit_card"), id,
	                                  "user.financial.credit_card", "{}", 2),
	                 VOW_ERR_DENIED);
	assert_string_equal(vault_last_denial(v), "not_stored");
	assert_int_equal(vault_record_put(v, acc_for("user.name"), id, "user.name", "{\"a\":", 5),
	                 VOW_ERR_INVALID);
	assert_int_equal(
	    vault_record_put(v, acc_for("user.name"), id, "user.name", "{\"a\":1,\"a\":2}", 13),
	    VOW_ERR_INVALID);
	assert_int_equal(vault_record_put(v, acc_for("user.name"), id, "user.name", "\xff\xfe", 2),
	                 VOW_ERR_INVALID);
	size_t big = VAULT_MAX_VALUE + 1;
	char *huge = malloc(big);
	assert_non_null(huge);
	memset(huge, ' ', big);
	huge[0] = '"';
	huge[big - 1] = '"';
	assert_int_equal(vault_record_put(v, acc_for("user.name"), id, "user.name", huge, big),
	                 VOW_ERR_TOO_LARGE);
	free(huge);
	assert_int_equal(vault_record_put(v, acc_for("user.name"),
	                                  "0123456789abcdef0123456789abcdef", "user.name", "{}", 2),
	                 VOW_ERR_NOT_FOUND);
	expect_record(v, id, "user.name", "{\"first\":\"Anne\",\"last\":\"de Vries-Jansen\"}");
	char *val;
	size_t len;
	/* decided before anything is looked up: a purpose that does not use the
	 * category is refused whether a value exists or not */
	assert_int_equal(vault_record_get(v, acc_for("user.contact.phone_number"), id,
	                                  "user.contact.phone_number", &val, &len),
	                 VOW_ERR_DENIED);
	assert_string_equal(vault_last_denial(v), "category_not_in_purpose");
	assert_int_equal(
	    vault_record_get(v, acc_for("user.nonsense"), id, "user.nonsense", &val, &len),
	    VOW_ERR_DENIED);
	assert_string_equal(vault_last_denial(v), "unknown_category");
	/* delete */
	assert_int_equal(vault_record_delete(v, acc_for("user.workplace"), id, "user.workplace"),
	                 VOW_OK);
	assert_int_equal(
	    vault_record_get(v, acc_for("user.workplace"), id, "user.workplace", &val, &len),
	    VOW_ERR_NOT_FOUND);
	assert_int_equal(vault_record_delete(v, acc_for("user.workplace"), id, "user.workplace"),
	                 VOW_ERR_NOT_FOUND);
	vault_close(&v);
}

/* ---- nothing in plaintext on disk ---- */

static bool file_contains(const char *path, const char *needle)
{
	size_t len = 0;
	char *buf = slurp(path, &len);
	size_t nl = strlen(needle);
	bool found = false;
	for (size_t i = 0; !found && i + nl <= len; i++)
		found = memcmp(buf + i, needle, nl) == 0;
	free(buf);
	return found;
}

static int scan_dir(const char *dir, const char *needle)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	int hits = 0, files = 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		struct stat st;
		assert_int_equal(lstat(path, &st), 0);
		if (S_ISDIR(st.st_mode))
			hits += scan_dir(path, needle);
		else if (S_ISREG(st.st_mode)) {
			files++;
			if (file_contains(path, needle)) {
				print_message("plaintext '%s' found in %s\n", needle, path);
				hits++;
			}
		}
	}
	closedir(d);
	return hits;
}

static void test_no_plaintext_on_disk(void **state)
{
	(void)state;
	const char *dir = new_dir();
	struct vault *v = open_vault(dir);
	char id[VOW_ID_LEN + 1], fid[VOW_ID_LEN + 1];
	make_subject(v, "marker-email-7f3a@example.org", id);
	put(v, id, "user.name", "{\"first\":\"MARKERNAME9\"}");
	put(v, id, "user.name", "{\"first\":\"MARKERNAME8\"}"); /* the history too */
	unsigned char data[200000];
	fill(data, sizeof(data), 42);
	memcpy(data + 70000, "MARKERFILE5", 11);
	write_file(v, id, "user.content.audio", data, sizeof(data), fid);
	vault_close(&v); /* also leave the WAL files as they are */
	v = open_vault(dir);
	static const char *const needles[] = {"marker-email-7f3a", "MARKERNAME9",   "MARKERNAME8",
	                                      "MARKERFILE5",       "interview.wav", "nl-NL"};
	for (size_t i = 0; i < sizeof(needles) / sizeof(needles[0]); i++)
		assert_int_equal(scan_dir(dir, needles[i]), 0);
	/* and everything still reads back */
	expect_record(v, id, "user.name", "{\"first\":\"MARKERNAME8\"}");
	unsigned char *back;
	size_t blen;
	assert_int_equal(read_file(v, fid, &back, &blen), VOW_OK);
	assert_int_equal(blen, sizeof(data));
	assert_memory_equal(back, data, blen);
	free(back);
	vault_close(&v);
}

/* ---- integrity ---- */

static sqlite3 *open_db(const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	return db;
}

static void sql_blob(sqlite3 *db, const char *q, const char *arg, unsigned char **out, int *len)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	*len = sqlite3_column_bytes(st, 0);
	*out = malloc((size_t)*len);
	memcpy(*out, sqlite3_column_blob(st, 0), (size_t)*len);
	sqlite3_finalize(st);
}

static void sql_set_blob(sqlite3 *db, const char *q, const unsigned char *b, int len,
                         const char *arg)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, b, len, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, arg, -1, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static void test_record_tamper(void **state)
{
	(void)state;
	const char *dir = new_dir();
	struct vault *v = open_vault(dir);
	char a[VOW_ID_LEN + 1], b[VOW_ID_LEN + 1];
	make_subject(v, "a@example.com", a);
	make_subject(v, "b@example.com", b);
	put(v, a, "user.name", "{\"first\":\"Ada\"}");
	put(v, b, "user.name", "{\"first\":\"Bea\"}");
	sqlite3 *db = open_db(dir, "data.db");
	unsigned char *orig;
	int len;
	sql_blob(db, "SELECT sealed FROM records WHERE subject=? AND category='user.name'", a,
	         &orig, &len);
	assert_int_equal(len, (int)(strlen("{\"first\":\"Ada\"}") + CRYPTO_SEAL_OVERHEAD));
	unsigned char *mod = malloc((size_t)len);
	char *val;
	size_t vlen;
	/* every single flipped byte is detected */
	for (int i = 0; i < len; i++) {
		memcpy(mod, orig, (size_t)len);
		mod[i] ^= 0x01;
		sql_set_blob(db,
		             "UPDATE records SET sealed=? WHERE subject=? AND category='user.name'",
		             mod, len, a);
		vow_err err =
		    vault_record_get(v, acc_for("user.name"), a, "user.name", &val, &vlen);
		assert_true(err == (i == 0 ? VOW_ERR_INVALID : VOW_ERR_INTEGRITY));
	}
	/* truncated */
	sql_set_blob(db, "UPDATE records SET sealed=? WHERE subject=? AND category='user.name'",
	             orig, len - 1, a);
	assert_int_equal(vault_record_get(v, acc_for("user.name"), a, "user.name", &val, &vlen),
	                 VOW_ERR_INTEGRITY);
	sql_set_blob(db, "UPDATE records SET sealed=? WHERE subject=? AND category='user.name'",
	             orig, 3, a);
	assert_int_equal(vault_record_get(v, acc_for("user.name"), a, "user.name", &val, &vlen),
	                 VOW_ERR_INTEGRITY);
	/* restored, it reads again */
	sql_set_blob(db, "UPDATE records SET sealed=? WHERE subject=? AND category='user.name'",
	             orig, len, a);
	expect_record(v, a, "user.name", "{\"first\":\"Ada\"}");
	/* a's ciphertext moved into b's row: refused, not decrypted as b's */
	sql_set_blob(db, "UPDATE records SET sealed=? WHERE subject=? AND category='user.name'",
	             orig, len, b);
	assert_int_equal(vault_record_get(v, acc_for("user.name"), b, "user.name", &val, &vlen),
	                 VOW_ERR_INTEGRITY);
	/* or into another category of a */
	put(v, a, "user.workplace", "{\"sector\":\"x\"}");
	sql_set_blob(db,
	             "UPDATE records SET sealed=? WHERE subject=? AND category='user.workplace'",
	             orig, len, a);
	assert_int_equal(
	    vault_record_get(v, acc_for("user.workplace"), a, "user.workplace", &val, &vlen),
	    VOW_ERR_INTEGRITY);
	free(orig);
	free(mod);
	sqlite3_close(db);
	vault_close(&v);
}

static void flip_file_byte(const char *path, off_t at)
{
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	unsigned char c;
	assert_int_equal(pread(fd, &c, 1, at), 1);
	c ^= 0x80;
	assert_int_equal(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

static void test_file_tamper(void **state)
{
	(void)state;
	const char *dir = new_dir();
	struct vault *v = open_vault(dir);
	char a[VOW_ID_LEN + 1], b[VOW_ID_LEN + 1], fa[VOW_ID_LEN + 1], fb[VOW_ID_LEN + 1];
	make_subject(v, "fa@example.com", a);
	make_subject(v, "fb@example.com", b);
	size_t n = 3 * 65536 + 100;
	unsigned char *data = malloc(n), *back;
	size_t blen;
	fill(data, n, 7);
	write_file(v, a, "user.content.audio", data, n, fa);
	write_file(v, b, "user.content.audio", data, n, fb);
	char path[600], pathb[600];
	snprintf(path, sizeof(path), "%s/files/%.2s/%s", dir, fa, fa);
	snprintf(pathb, sizeof(pathb), "%s/files/%.2s/%s", dir, fb, fb);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	/* magic, version, header, each chunk's body and tag, the last chunk */
	off_t spots[] = {0,
	                 4,
	                 5,
	                 20,
	                 29,
	                 29 + 100,
	                 29 + 65536 + 5,
	                 29 + 65553 + 40000,
	                 29 + 2 * 65553 + 65540,
	                 st.st_size - 1};
	for (size_t i = 0; i < sizeof(spots) / sizeof(spots[0]); i++) {
		flip_file_byte(path, spots[i]);
		vow_err err = read_file(v, fa, &back, &blen);
		if (err == VOW_OK)
			free(back);
		assert_int_equal(err, VOW_ERR_INTEGRITY);
		flip_file_byte(path, spots[i]);
	}
	assert_int_equal(read_file(v, fa, &back, &blen), VOW_OK);
	assert_memory_equal(back, data, n);
	free(back);
	/* cut at a chunk boundary (the final chunk is missing) and mid-chunk */
	assert_int_equal(truncate(path, 29 + 65553), 0);
	assert_int_equal(read_file(v, fa, &back, &blen), VOW_ERR_INTEGRITY);
	assert_int_equal(truncate(path, 29 + 1000), 0);
	assert_int_equal(read_file(v, fa, &back, &blen), VOW_ERR_INTEGRITY);
	/* b's content in a's place: another key, refused */
	char cmd[1400];
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", pathb, path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(read_file(v, fa, &back, &blen), VOW_ERR_INTEGRITY);
	/* bytes appended after the final chunk */
	assert_int_equal(read_file(v, fb, &back, &blen), VOW_OK);
	free(back);
	int fd = open(pathb, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_equal(read_file(v, fb, &back, &blen), VOW_ERR_INTEGRITY);
	free(data);
	vault_close(&v);
}

static void test_file_sizes(void **state)
{
	(void)state;
	struct vault *v = open_vault(new_dir());
	char id[VOW_ID_LEN + 1], fid[VOW_ID_LEN + 1];
	make_subject(v, "sizes@example.com", id);
	size_t sizes[] = {0, 1, 65535, 65536, 65537, 2 * 65536, 1000003};
	unsigned char *data = malloc(1000003), *back;
	fill(data, 1000003, 99);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		write_file(v, id, "user.content.transcript", data, sizes[i], fid);
		size_t blen = 12345;
		assert_int_equal(read_file(v, fid, &back, &blen), VOW_OK);
		assert_int_equal(blen, sizes[i]);
		if (sizes[i] > 0)
			assert_memory_equal(back, data, sizes[i]);
		free(back);
	}
	struct vault_file_writer *w = NULL;
	assert_int_equal(
	    vault_file_create(v, acc_for("user.nonsense"), id, "user.nonsense", "x", "y", &w),
	    VOW_ERR_INVALID);
	assert_int_equal(vault_file_create(v, acc_for("user.content.audio"), id,
	                                   "user.content.audio", "../x", "y", &w),
	                 VOW_ERR_INVALID);
	assert_int_equal(vault_file_create(v, acc_for("user.financial.credit_card"), id,
	                                   "user.financial.credit_card", "x", "y", &w),
	                 VOW_ERR_INVALID);
	struct vault_file_reader *r = NULL;
	struct vault_file_info info;
	assert_int_equal(
	    vault_file_open(v, acc_for("user.content.audio"), "../../../etc/passwd", &r, &info),
	    VOW_ERR_NOT_FOUND);
	/* an abandoned write leaves nothing */
	assert_int_equal(vault_file_create(v, acc_for("user.content.audio"), id,
	                                   "user.content.audio", "x.wav", "audio/wav", &w),
	                 VOW_OK);
	assert_int_equal(vault_file_write(w, data, 1000), VOW_OK);
	vault_file_abort(&w);
	assert_null(w);
	free(data);
	vault_close(&v);
}

/* ---- erasure ---- */

static void copy_file(const char *from, const char *to)
{
	char cmd[2400];
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", from, to);
	assert_int_equal(system(cmd), 0);
}

static void test_erasure_shreds_old_copies(void **state)
{
	(void)state;
	const char *d = new_dir();
	char dir[256];
	snprintf(dir, sizeof(dir), "%s", d);
	struct vault *v = open_vault(dir);
	char a[VOW_ID_LEN + 1], b[VOW_ID_LEN + 1], fa[VOW_ID_LEN + 1], fb[VOW_ID_LEN + 1];
	make_subject(v, "erase-me@example.com", a);
	make_subject(v, "keep-me@example.com", b);
	put(v, a, "user.name", "{\"first\":\"Erin\"}");
	put(v, b, "user.name", "{\"first\":\"Kees\"}");
	unsigned char data[100000];
	fill(data, sizeof(data), 3);
	write_file(v, a, "user.content.audio", data, sizeof(data), fa);
	write_file(v, b, "user.content.audio", data, sizeof(data), fb);
	vault_close(&v);
	/* a backup of the whole directory */
	char backup[300];
	snprintf(backup, sizeof(backup), "%s-backup", dir);
	copy_file(dir, backup);
	v = open_vault(dir);
	char *receipt = NULL;
	assert_int_equal(vault_subject_erase(v, a, &receipt), VOW_OK);
	free(receipt);
	char *val;
	size_t len;
	assert_int_equal(vault_record_get(v, acc_for("user.name"), a, "user.name", &val, &len),
	                 VOW_ERR_NOT_FOUND);
	assert_int_equal(vault_subject_find(v, VAULT_BY_EMAIL, "erase-me@example.com", a),
	                 VOW_ERR_NOT_FOUND);
	vault_close(&v);
	/* the old data store and files beside the current key store */
	char p1[600], p2[600];
	snprintf(p1, sizeof(p1), "%s/data.db", backup);
	snprintf(p2, sizeof(p2), "%s/data.db", dir);
	copy_file(p1, p2);
	snprintf(p1, sizeof(p1), "%s/files/.", backup);
	snprintf(p2, sizeof(p2), "%s/files/", dir);
	copy_file(p1, p2);
	snprintf(p2, sizeof(p2), "%s/data.db-wal", dir);
	unlink(p2);
	snprintf(p2, sizeof(p2), "%s/data.db-shm", dir);
	unlink(p2);
	v = open_vault(dir);
	/* the erased subject's rows are back, but nothing of theirs decrypts */
	struct vault_subject s;
	assert_int_equal(vault_subject_get(v, a, &s), VOW_ERR_KEY);
	assert_int_equal(vault_record_get(v, acc_for("user.name"), a, "user.name", &val, &len),
	                 VOW_ERR_KEY);
	unsigned char *back;
	size_t blen;
	assert_int_equal(read_file(v, fa, &back, &blen), VOW_ERR_KEY);
	/* the other subject's data does */
	expect_record(v, b, "user.name", "{\"first\":\"Kees\"}");
	assert_int_equal(read_file(v, fb, &back, &blen), VOW_OK);
	assert_memory_equal(back, data, sizeof(data));
	free(back);
	assert_int_equal(vault_subject_get(v, b, &s), VOW_OK);
	assert_string_equal(s.email, "keep-me@example.com");
	vault_subject_clear(&s);
	vault_close(&v);
}

static void test_erasure_receipt_and_hold(void **state)
{
	(void)state;
	const char *dir = new_dir();
	struct vault *v = open_vault(dir);
	char a[VOW_ID_LEN + 1], f1[VOW_ID_LEN + 1], f2[VOW_ID_LEN + 1], g[VOW_ID_LEN + 1];
	make_subject(v, "receipt@example.com", a);
	put(v, a, "user.name", "{\"first\":\"R\"}");
	put(v, a, "user.name", "{\"first\":\"Ro\"}");
	put(v, a, "user.contact.email", "\"receipt@example.com\"");
	put(v, a, "user.financial.invoice", "{\"invoice\":\"2024-001\",\"amount\":120}");
	unsigned char data[5000];
	fill(data, sizeof(data), 11);
	write_file(v, a, "user.content.audio", data, sizeof(data), f1);
	write_file(v, a, "user.content.transcript", data, 100, f2);
	assert_int_equal(vault_grant_add(v, a, "transcriber-7", "user.content.audio", f1,
	                                 "essential.service.human_transcription",
	                                 clock_now() + 3600, g),
	                 VOW_OK);
	char *receipt = NULL;
	assert_int_equal(vault_subject_erase(v, a, &receipt), VOW_OK);
	assert_non_null(receipt);
	json_error_t jerr;
	json_t *r = json_loads(receipt, 0, &jerr);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "subject")), a);
	/* signed by the instance key; any change breaks the signature */
	char pk[65];
	assert_int_equal(vault_public_key(v, pk), VOW_OK);
	assert_int_equal(vault_signed_verify(receipt, strlen(receipt), pk), VOW_OK);
	char *forged = strdup(receipt);
	assert_non_null(forged);
	char *g1 = strstr(forged, "\"grants\":1");
	assert_non_null(g1);
	g1[9] = '0';
	assert_int_equal(vault_signed_verify(forged, strlen(forged), pk), VOW_ERR_INTEGRITY);
	free(forged);
	assert_int_equal(json_integer_value(json_object_get(r, "blind_index_entries")), 1);
	assert_int_equal(json_integer_value(json_object_get(r, "grants")), 1);
	/* destroyed: name (2 versions), email, audio file, transcript file */
	json_t *destroyed = json_object_get(r, "destroyed"), *e;
	size_t i;
	int recs = 0, versions = 0, files = 0;
	json_array_foreach(destroyed, i, e)
	{
		recs += (int)json_integer_value(json_object_get(e, "records"));
		versions += (int)json_integer_value(json_object_get(e, "record_versions"));
		files += (int)json_integer_value(json_object_get(e, "files"));
		if (strcmp(json_string_value(json_object_get(e, "category")), "user.name") == 0)
			assert_int_equal(json_integer_value(json_object_get(e, "record_versions")),
			                 2);
	}
	assert_int_equal(recs, 2);
	assert_int_equal(versions, 3);
	assert_int_equal(files, 2);
	/* kept: the invoice, under the tax hold, restricted */
	json_t *kept = json_object_get(r, "kept");
	assert_int_equal(json_array_size(kept), 1);
	json_t *k = json_array_get(kept, 0);
	assert_string_equal(json_string_value(json_object_get(k, "category")),
	                    "user.financial.invoice");
	assert_string_equal(json_string_value(json_object_get(k, "purpose")),
	                    "essential.legal_obligation.tax");
	assert_string_equal(json_string_value(json_object_get(k, "state")), "restricted");
	assert_non_null(strstr(json_string_value(json_object_get(k, "reason")), "tax"));
	/* never a value in the receipt */
	assert_null(strstr(receipt, "receipt@example.com"));
	assert_null(strstr(receipt, "2024-001"));
	json_decref(r);
	free(receipt);
	/* the held invoice still reads (for the tax purpose), and cannot change */
	expect_record(v, a, "user.financial.invoice", "{\"invoice\":\"2024-001\",\"amount\":120}");
	const char *inv = "{\"invoice\":\"x\"}";
	assert_int_equal(vault_record_put(v, acc_for("user.financial.invoice"), a,
	                                  "user.financial.invoice", inv, strlen(inv)),
	                 VOW_ERR_NOT_FOUND);
	struct vault_subject s;
	assert_int_equal(vault_subject_get(v, a, &s), VOW_OK);
	assert_int_equal(s.status, VAULT_ERASED);
	assert_null(s.email);
	char *none = NULL;
	assert_int_equal(vault_subject_erase(v, a, &none), VOW_ERR_NOT_FOUND);
	/* the file contents are gone from disk */
	char path[600];
	snprintf(path, sizeof(path), "%s/files/%.2s/%s", dir, f1, f1);
	struct stat st;
	assert_int_not_equal(stat(path, &st), 0);
	vault_close(&v);
}

/* ---- key rotation ---- */

static void test_key_rotation(void **state)
{
	(void)state;
	const char *d = new_dir();
	char dir[256];
	snprintf(dir, sizeof(dir), "%s", d);
	struct vault *v = open_vault(dir);
	char a[VOW_ID_LEN + 1];
	make_subject(v, "rotate@example.com", a);
	put(v, a, "user.name", "{\"first\":\"Rota\"}");
	vault_close(&v);
	char keys[300], keys_backup[300], master[300], master_before[300];
	snprintf(keys, sizeof(keys), "%s/keys.db", dir);
	snprintf(keys_backup, sizeof(keys_backup), "%s/keys.db.bak", root);
	snprintf(master, sizeof(master), "%s/master.key", dir);
	snprintf(master_before, sizeof(master_before), "%s/master.key.before", root);
	copy_file(keys, keys_backup);
	copy_file(master, master_before);
	sqlite3 *db = open_db(dir, "data.db");
	unsigned char *sealed_before;
	int len_before;
	sql_blob(db, "SELECT sealed FROM records WHERE subject=?", a, &sealed_before, &len_before);
	sqlite3_close(db);

	char fp[17];
	assert_int_equal(vault_key_rotate(dir, fp), VOW_OK);
	assert_int_equal(strlen(fp), 16);
	/* the data was not touched, and still reads */
	db = open_db(dir, "data.db");
	unsigned char *sealed_after;
	int len_after;
	sql_blob(db, "SELECT sealed FROM records WHERE subject=?", a, &sealed_after, &len_after);
	sqlite3_close(db);
	assert_int_equal(len_before, len_after);
	assert_memory_equal(sealed_before, sealed_after, (size_t)len_before);
	free(sealed_before);
	free(sealed_after);
	v = open_vault(dir);
	expect_record(v, a, "user.name", "{\"first\":\"Rota\"}");
	char found[VOW_ID_LEN + 1];
	assert_int_equal(vault_subject_find(v, VAULT_BY_EMAIL, "rotate@example.com", found),
	                 VOW_OK);
	vault_close(&v);
	/* the old master key is gone: the file holds a different key */
	size_t l1, l2;
	char *k1 = slurp(master_before, &l1), *k2 = slurp(master, &l2);
	assert_int_equal(l1, l2);
	assert_memory_not_equal(k1, k2, l1);
	free(k1);
	free(k2);
	/* the key-store backup from before the rotation is useless now */
	char keys_wal[320];
	snprintf(keys_wal, sizeof(keys_wal), "%s-wal", keys);
	unlink(keys_wal);
	copy_file(keys_backup, keys);
	assert_int_not_equal(vault_open(dir, policy, &v), VOW_OK);
	assert_null(v);
}

/* ---- durability: kill -9 in the middle of a write loop ---- */

static void test_kill9_durability(void **state)
{
	(void)state;
	const char *d = new_dir();
	char dir[256];
	snprintf(dir, sizeof(dir), "%s", d);
	struct vault *v = open_vault(dir);
	char a[VOW_ID_LEN + 1];
	make_subject(v, "durable@example.com", a);
	vault_close(&v);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		struct vault *cv = NULL;
		if (vault_open(dir, policy, &cv) != VOW_OK)
			_exit(2);
		for (uint32_t i = 1;; i++) {
			char json[64];
			int n = snprintf(json, sizeof(json), "{\"n\":%u}", i);
			/* the same category is rewritten: the history grows too */
			if (vault_record_put(cv, acc_for("user.name"), a, "user.name", json,
			                     (size_t)n) != VOW_OK)
				_exit(3);
			if (write(fds[1], &i, sizeof(i)) != sizeof(i))
				_exit(4);
		}
	}
	close(fds[1]);
	uint32_t acked = 0, x;
	while (acked < 150 && read(fds[0], &x, sizeof(x)) == sizeof(x))
		acked = x;
	kill(pid, SIGKILL);
	/* drain what was acknowledged before the kill landed */
	while (read(fds[0], &x, sizeof(x)) == sizeof(x))
		acked = x;
	close(fds[0]);
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFSIGNALED(st));
	assert_true(acked >= 150);
	v = open_vault(dir);
	char *val;
	size_t len;
	assert_int_equal(vault_record_get(v, acc_for("user.name"), a, "user.name", &val, &len),
	                 VOW_OK);
	unsigned n = 0;
	assert_int_equal(sscanf(val, "{\"n\":%u}", &n), 1);
	vault_value_free(val, len);
	/* every acknowledged put is there: the last one or a later one */
	assert_true(n >= acked);
	json_t *hist = json_array();
	assert_int_equal(
	    vault_record_history(v, acc_for("user.name"), a, "user.name", collect_versions, hist),
	    VOW_OK);
	assert_int_equal(json_array_size(hist), n);
	json_decref(hist);
	vault_close(&v);
}

/* ---- grants and disclosures ---- */

static void test_grants(void **state)
{
	(void)state;
	struct vault *v = open_vault(new_dir());
	char a[VOW_ID_LEN + 1], b[VOW_ID_LEN + 1], f[VOW_ID_LEN + 1], g[VOW_ID_LEN + 1],
	    g2[VOW_ID_LEN + 1];
	make_subject(v, "granted@example.com", a);
	make_subject(v, "other@example.com", b);
	unsigned char data[10];
	fill(data, sizeof(data), 1);
	write_file(v, a, "user.content.audio", data, sizeof(data), f);
	clock_set_fixed(1700000000);
	const char *purpose = "essential.service.human_transcription";
	assert_int_equal(
	    vault_grant_add(v, a, "transcriber-7", "user.content.audio", f, purpose, 1700003600, g),
	    VOW_OK);
	assert_true(vault_grant_active(v, "transcriber-7", a, "user.content.audio", f, purpose,
	                               1700000001));
	/* another transcriber, another subject, another purpose, another file: no */
	assert_false(vault_grant_active(v, "transcriber-8", a, "user.content.audio", f, purpose,
	                                1700000001));
	assert_false(vault_grant_active(v, "transcriber-7", b, "user.content.audio", f, purpose,
	                                1700000001));
	assert_false(vault_grant_active(v, "transcriber-7", a, "user.content.audio", f,
	                                "train_ai_system", 1700000001));
	assert_false(vault_grant_active(v, "transcriber-7", a, "user.content.audio", NULL, purpose,
	                                1700000001));
	assert_false(vault_grant_active(v, "transcriber-7", a, "user.content.transcript", f,
	                                purpose, 1700000001));
	/* until the assignment ends */
	assert_false(vault_grant_active(v, "transcriber-7", a, "user.content.audio", f, purpose,
	                                1700003600));
	/* a grant on the whole category covers every file of it; revocable */
	assert_int_equal(
	    vault_grant_add(v, a, "transcriber-9", "user.content", NULL, purpose, 1700003600, g2),
	    VOW_OK);
	assert_true(vault_grant_active(v, "transcriber-9", a, "user.content.transcript", NULL,
	                               purpose, 1700000100));
	assert_int_equal(vault_grant_revoke(v, g2), VOW_OK);
	assert_false(vault_grant_active(v, "transcriber-9", a, "user.content.transcript", NULL,
	                                purpose, 1700000100));
	assert_int_equal(vault_grant_revoke(v, g2), VOW_ERR_NOT_FOUND);
	/* bad grants */
	assert_int_equal(
	    vault_grant_add(v, a, "t", "user.content.audio", f, purpose, 1699999999, g),
	    VOW_ERR_INVALID);
	assert_int_equal(
	    vault_grant_add(v, a, "t/../x", "user.content.audio", f, purpose, 1700003600, g),
	    VOW_ERR_INVALID);
	assert_int_equal(vault_grant_add(v, a, "t", "user.nonsense", NULL, purpose, 1700003600, g),
	                 VOW_ERR_INVALID);
	assert_int_equal(
	    vault_grant_add(v, a, "t", "user.content.audio", NULL, "nope", 1700003600, g),
	    VOW_ERR_INVALID);
	assert_int_equal(
	    vault_grant_add(v, b, "t", "user.content.audio", f, purpose, 1700003600, g),
	    VOW_ERR_INVALID);
	clock_set_real();
	vault_close(&v);
}

static vow_err collect_disclosure(void *ctx, const struct vault_disclosure *d)
{
	json_array_append_new(ctx,
	                      json_pack("{s:s, s:s, s:s, s:s}", "recipient", d->recipient, "basis",
	                                d->basis, "transfer", d->transfer, "country", d->country));
	return VOW_OK;
}

static void test_disclosures(void **state)
{
	(void)state;
	struct vault *v = open_vault(new_dir());
	char a[VOW_ID_LEN + 1], id[VOW_ID_LEN + 1];
	make_subject(v, "disclosed@example.com", a);
	struct vault_access fraud = {"service", NULL, "essential.fraud_detection", false, false,
	                             false,     false};
	struct vault_access ht = {
	    "service", NULL, "essential.service.human_transcription", false, false, false, false};
	assert_int_equal(
	    vault_disclosure_record(v, &fraud, a, "stripe", "user.contact.email", NULL, id),
	    VOW_OK);
	assert_int_equal(vault_disclosure_record(v, &ht, a, "transcription_partners_intl",
	                                         "user.content.audio", "en", id),
	                 VOW_OK);
	assert_int_equal(
	    vault_disclosure_record(v, &fraud, a, "nobody", "user.contact.email", NULL, id),
	    VOW_ERR_INVALID);
	/* decided first: Dutch audio never leaves the EEA, and Stripe gets no audio */
	assert_int_equal(vault_disclosure_record(v, &ht, a, "transcription_partners_intl",
	                                         "user.content.audio", "nl", id),
	                 VOW_ERR_DENIED);
	assert_string_equal(vault_last_denial(v), "region_not_allowed");
	assert_int_equal(
	    vault_disclosure_record(v, &fraud, a, "stripe", "user.content.audio", NULL, id),
	    VOW_ERR_DENIED);
	assert_string_equal(vault_last_denial(v), "category_not_in_purpose");
	json_t *arr = json_array();
	assert_int_equal(vault_disclosure_list(v, a, collect_disclosure, arr), VOW_OK);
	assert_int_equal(json_array_size(arr), 2);
	json_t *first = json_array_get(arr, 0);
	assert_string_equal(json_string_value(json_object_get(first, "recipient")), "stripe");
	assert_string_equal(json_string_value(json_object_get(first, "basis")),
	                    "legitimate_interest");
	assert_string_equal(json_string_value(json_object_get(first, "transfer")), "dpf");
	assert_string_equal(json_string_value(json_object_get(first, "country")), "US");
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 1), "transfer")),
	                    "scc");
	json_decref(arr);
	vault_close(&v);
}

static void test_normalize(void **state)
{
	(void)state;
	char out[VAULT_MAX_PROFILE_FIELD];
	assert_int_equal(vault_normalize(VAULT_BY_EMAIL, " Jo@Example.COM\t", out, sizeof(out)),
	                 VOW_OK);
	assert_string_equal(out, "jo@example.com");
	assert_int_equal(vault_normalize(VAULT_BY_PHONE, "0031 20 123 45 67", out, sizeof(out)),
	                 VOW_OK);
	assert_string_equal(out, "+31201234567");
	assert_int_equal(vault_normalize(VAULT_BY_PHONE, "(020) 123-4567", out, sizeof(out)),
	                 VOW_OK);
	assert_string_equal(out, "0201234567");
	assert_int_equal(vault_normalize(VAULT_BY_EMAIL, "nodomain@", out, sizeof(out)),
	                 VOW_ERR_INVALID);
	assert_int_equal(vault_normalize(VAULT_BY_EMAIL, "@x.nl", out, sizeof(out)),
	                 VOW_ERR_INVALID);
	assert_int_equal(vault_normalize(VAULT_BY_EMAIL, "a@localhost", out, sizeof(out)),
	                 VOW_ERR_INVALID);
	assert_int_equal(vault_normalize(VAULT_BY_PHONE, "+1234567890123456", out, sizeof(out)),
	                 VOW_ERR_INVALID);
	assert_int_equal(vault_normalize(VAULT_BY_EMAIL, "", out, sizeof(out)), VOW_ERR_INVALID);
}

/* Found by fuzzing (tests/fuzz/fuzz_normalize.c): an international "00"
 * prefix behind a separator was kept as digits, so "(0031) 20 ..." and
 * "0031 20 ..." got different blind indexes, and the normal form
 * "0031201234567" normalised again to "+31201234567". */
static void test_normalize_phone_prefix_grouped(void **state)
{
	(void)state;
	char out[VAULT_MAX_PROFILE_FIELD], again[VAULT_MAX_PROFILE_FIELD];
	assert_int_equal(vault_normalize(VAULT_BY_PHONE, "(0031) 20 123 45 67", out, sizeof(out)),
	                 VOW_OK);
	assert_string_equal(out, "+31201234567");
	assert_int_equal(vault_normalize(VAULT_BY_PHONE, "/00123457", out, sizeof(out)), VOW_OK);
	assert_int_equal(vault_normalize(VAULT_BY_PHONE, out, again, sizeof(again)), VOW_OK);
	assert_string_equal(out, again);
	/* the prefix is not a digit of the number: 6 digits after it at least */
	assert_int_equal(vault_normalize(VAULT_BY_PHONE, "(00) 12345", out, sizeof(out)),
	                 VOW_ERR_INVALID);
}

static void test_wrong_master_key(void **state)
{
	(void)state;
	const char *d = new_dir();
	char dir[256];
	snprintf(dir, sizeof(dir), "%s", d);
	struct vault *v = open_vault(dir);
	vault_close(&v);
	char key[300];
	snprintf(key, sizeof(key), "%s/master.key", dir);
	assert_int_equal(unlink(key), 0);
	assert_int_equal(vault_open(dir, policy, &v), VOW_ERR_KEY);
	assert_int_equal(crypto_master_key_create(key), VOW_OK);
	assert_int_equal(vault_open(dir, policy, &v), VOW_ERR_KEY);
	assert_null(v);
}

/* An erasure through one handle reaches the key caches of the others in
 * the process (vow serve has one handle per thread). */
static void test_erasure_reaches_other_handles(void **state)
{
	(void)state;
	char dir[256];
	new_data_dir(dir);
	struct vault *a = NULL, *b = NULL;
	assert_int_equal(vault_open(dir, policy, &a), VOW_OK);
	assert_int_equal(vault_open(dir, policy, &b), VOW_OK);
	struct vault_subject_new in = {.email = "two@example.nl", .region = "NL", .age = 30};
	char id[VOW_ID_LEN + 1];
	assert_int_equal(vault_subject_create(a, &in, id), VOW_OK);
	const struct crypto_key *k = NULL;
	assert_int_equal(vault_key(b, id, KEY_SUBJECT, &k), VOW_OK); /* b caches it */
	char *receipt = NULL;
	assert_int_equal(vault_subject_erase(a, id, &receipt), VOW_OK);
	free(receipt);
	assert_int_equal(vault_key(b, id, KEY_SUBJECT, &k), VOW_ERR_NOT_FOUND);
	vault_close(&a);
	vault_close(&b);
}

/* ---- lookups by a keyed index; values wiped when released ---- */

static int blind_rows(const char *dir, const unsigned char h[32])
{
	sqlite3 *db = open_db(dir, "data.db");
	sqlite3_stmt *st;
	assert_int_equal(
	    sqlite3_prepare_v2(db, "SELECT count(*) FROM blind_index WHERE hash = ?", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_blob(st, 1, h, 32, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* The blind index holds a keyed hash of the normalised e-mail address and
 * phone number: the address alone does not find its row (so a copy of
 * data.db cannot be searched for a known address), the vault's key does. */
static void test_blind_index_keyed(void **state)
{
	(void)state;
	const char *dir = new_dir();
	struct vault *v = open_vault(dir);
	char id[VOW_ID_LEN + 1], found[VOW_ID_LEN + 1];
	struct vault_subject_new in = {
	    .email = "Blind@Example.org", .phone = "+31 6 1234 5678", .region = "NL"};
	assert_int_equal(vault_subject_create(v, &in, id), VOW_OK);
	assert_int_equal(vault_subject_find(v, VAULT_BY_EMAIL, "blind@example.org", found), VOW_OK);
	assert_string_equal(found, id);
	assert_int_equal(vault_subject_find(v, VAULT_BY_PHONE, "+31612345678", found), VOW_OK);
	static const char *const values[][2] = {
	    {"vow blind index email v1", "blind@example.org"},
	    {"vow blind index phone v1", "+31612345678"},
	    {"", "blind@example.org"},
	    {"", "+31612345678"},
	};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		unsigned char h[32];
		crypto_digest(values[i][0], values[i][1], strlen(values[i][1]), h);
		if (blind_rows(dir, h) != 0)
			fail_msg("the blind index holds an unkeyed hash of %s", values[i][1]);
	}
	vault_close(&v);
}

/* A decrypted value is wiped when released: the memory it occupied, handed
 * out again by malloc, no longer holds it. (Under AddressSanitizer freed
 * memory is quarantined, not handed out again: there this checks nothing.) */
static void test_value_wiped_when_freed(void **state)
{
	(void)state;
	struct vault *v = open_vault(new_dir());
	char id[VOW_ID_LEN + 1], json[512];
	make_subject(v, "wiped@example.org", id);
	int n = snprintf(json, sizeof(json), "{\"first\":\"%0400d WIPEMARK-5c1e\"}", 7);
	put(v, id, "user.name", json);
	char *val = NULL;
	size_t len = 0;
	assert_int_equal(vault_record_get(v, acc_for("user.name"), id, "user.name", &val, &len),
	                 VOW_OK);
	assert_int_equal(len, (size_t)n);
	assert_non_null(strstr(val, "WIPEMARK-5c1e"));
	vault_value_free(val, len);
	unsigned char *again = malloc(len + 1); /* the same size: glibc reuses the block */
	assert_non_null(again);
	bool found = false;
	for (size_t i = 16; i + 13 <= len; i++)
		found |= memcmp(again + i, "WIPEMARK-5c1e", 13) == 0;
	free(again);
	assert_false(found);
	vault_close(&v);
}

/* A record row moved to another category of the same person (its id and
 * version kept) is refused: the ciphertext is bound to its category. */
static void test_record_moved_category(void **state)
{
	(void)state;
	const char *dir = new_dir();
	struct vault *v = open_vault(dir);
	char a[VOW_ID_LEN + 1];
	make_subject(v, "moved@example.com", a);
	put(v, a, "user.name", "{\"first\":\"Ada\"}");
	sqlite3 *db = open_db(dir, "data.db");
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "UPDATE records SET category='user.workplace' WHERE "
	                                    "subject=? AND category='user.name'",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_finalize(st);
	sqlite3_close(db);
	char *val = NULL;
	size_t vlen = 0;
	assert_int_equal(
	    vault_record_get(v, acc_for("user.workplace"), a, "user.workplace", &val, &vlen),
	    VOW_ERR_INTEGRITY);
	vault_close(&v);
}

/* Bytes after the final chunk are refused also when that chunk is full
 * (then they are not read with it, and only the end check sees them). */
static void test_file_trailing_bytes(void **state)
{
	(void)state;
	const char *dir = new_dir();
	struct vault *v = open_vault(dir);
	char a[VOW_ID_LEN + 1];
	make_subject(v, "trailing@example.com", a);
	static const size_t sizes[] = {0, 1, 65536, 2 * 65536};
	unsigned char *data = malloc(2 * 65536), *back;
	fill(data, 2 * 65536, 9);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char f[VOW_ID_LEN + 1], path[600];
		size_t blen;
		write_file(v, a, "user.content.audio", data, sizes[i], f);
		assert_int_equal(read_file(v, f, &back, &blen), VOW_OK);
		assert_int_equal(blen, sizes[i]);
		free(back);
		snprintf(path, sizeof(path), "%s/files/%.2s/%s", dir, f, f);
		int fd = open(path, O_WRONLY | O_APPEND);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "x", 1), 1);
		close(fd);
		vow_err err = read_file(v, f, &back, &blen);
		if (err == VOW_OK)
			free(back);
		if (err != VOW_ERR_INTEGRITY)
			fail_msg("a byte after a %zu-byte file's final chunk was accepted", sizes[i]);
	}
	free(data);
	vault_close(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_subjects),
	    cmocka_unit_test(test_subject_list),
	    cmocka_unit_test(test_records),
	    cmocka_unit_test(test_no_plaintext_on_disk),
	    cmocka_unit_test(test_record_tamper),
	    cmocka_unit_test(test_file_tamper),
	    cmocka_unit_test(test_file_sizes),
	    cmocka_unit_test(test_erasure_shreds_old_copies),
	    cmocka_unit_test(test_erasure_receipt_and_hold),
	    cmocka_unit_test(test_key_rotation),
	    cmocka_unit_test(test_kill9_durability),
	    cmocka_unit_test(test_grants),
	    cmocka_unit_test(test_disclosures),
	    cmocka_unit_test(test_normalize),
	    cmocka_unit_test(test_normalize_phone_prefix_grouped),
	    cmocka_unit_test(test_wrong_master_key),
	    cmocka_unit_test(test_erasure_reaches_other_handles),
	    cmocka_unit_test(test_blind_index_keyed),
	    cmocka_unit_test(test_value_wiped_when_freed),
	    cmocka_unit_test(test_record_moved_category),
	    cmocka_unit_test(test_file_trailing_bytes),
	};
	return cmocka_run_group_tests_name("vault", tests, setup, teardown);
}
