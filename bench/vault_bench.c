/* bench/vault_bench.c — the vault against plain SQLite and plain file I/O,
 * measured in the same run on the same machine.
 *
 *   records: encrypted 1 KiB put (one commit each, and batched 1,000 per
 *            commit) and get, against the same schema in plain SQLite with
 *            the same pragmas and no encryption;
 *   files:   sealing and opening a file of SIZE bytes against plain write and
 *            read of the same bytes, with the peak RSS of each (in a child);
 *   erasure: a subject with 1 record against one with 100,000 record
 *            versions and the SIZE-byte file: time until unreadable (the key
 *            step) and until fully purged.
 *
 * usage: vault_bench DIR [FILE_MIB]   (DIR: an empty scratch directory) */
#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "audit/audit.h"
#include "vault/vault.h"
#include "bench_util.h"


#define CHECK(x)                                                                                   \
	do {                                                                                       \
		vow_err e_ = (x);                                                                  \
		if (e_ != VOW_OK)                                                                  \
			die(#x, (int)e_);                                                          \
	} while (0)

static char value[1100];
static size_t value_len;

/* the categories customer support uses in the AmberScript policy */
static const char *const cats[] = {"user.name",
                                   "user.contact.email",
                                   "user.contact.phone_number",
                                   "user.content.communications",
                                   "user.content.communications.call_recording",
                                   "user.behavior.purchase_history"};
static const struct vault_access service = {"service", NULL,  "essential.service",
                                            false,     false, false, false};
static const struct vault_access account = {"service", NULL,  "essential.service.account",
                                            false,     false, false, false};
static const struct vault_access support = {
    "service", NULL, "essential.service.operations.support", false, false, false, false};

/* ---- plain SQLite baseline: the same records table, no encryption ---- */

static sqlite3 *plain_open(const char *path)
{
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("sqlite3_open", 0);
	sqlite3_exec(
	    db,
	    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; PRAGMA "
	    "cache_size=-16384;"
	    "CREATE TABLE records(subject TEXT NOT NULL, category TEXT NOT NULL, id TEXT NOT NULL,"
	    " version INTEGER NOT NULL, updated_at INTEGER NOT NULL, key_kind INTEGER NOT NULL,"
	    " held_until INTEGER NOT NULL, sealed BLOB NOT NULL, PRIMARY KEY(subject, category));",
	    NULL, NULL, NULL);
	return db;
}

static void plain_put(sqlite3 *db, sqlite3_stmt *st, const char *subject)
{
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, "user.name", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, 1);
	sqlite3_bind_int64(st, 5, 0);
	sqlite3_bind_int(st, 6, 0);
	sqlite3_bind_int64(st, 7, 0);
	sqlite3_bind_blob(st, 8, value, (int)value_len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		die("plain insert", sqlite3_errcode(db));
}

struct rates {
	double put_single, put_batch, get;
};

static struct rates bench_plain(const char *dir, char (*ids)[VOW_ID_LEN + 1], int n, int single)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/plain.db", dir);
	sqlite3 *db = plain_open(path);
	sqlite3_stmt *ins, *get;
	sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO records VALUES(?,?,?,?,?,?,?,?)", -1, &ins,
	                   NULL);
	sqlite3_prepare_v2(db, "SELECT sealed FROM records WHERE subject=? AND category=?", -1,
	                   &get, NULL);
	struct rates r;
	double t = now_s();
	for (int i = 0; i < single; i++)
		plain_put(db, ins, ids[i]);
	r.put_single = single / (now_s() - t);
	t = now_s();
	for (int i = 0; i < n; i += 1000) {
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		for (int k = i; k < i + 1000 && k < n; k++)
			plain_put(db, ins, ids[k]);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	r.put_batch = n / (now_s() - t);
	t = now_s();
	size_t sum = 0;
	for (int i = 0; i < n; i++) {
		sqlite3_reset(get);
		sqlite3_bind_text(get, 1, ids[(i * 7919) % n], -1, SQLITE_STATIC);
		sqlite3_bind_text(get, 2, "user.name", -1, SQLITE_STATIC);
		if (sqlite3_step(get) != SQLITE_ROW)
			die("plain get", i);
		char *copy = malloc((size_t)sqlite3_column_bytes(get, 0) + 1);
		memcpy(copy, sqlite3_column_blob(get, 0), (size_t)sqlite3_column_bytes(get, 0));
		sum += (size_t)copy[0];
		free(copy);
	}
	r.get = n / (now_s() - t);
	sqlite3_finalize(ins);
	sqlite3_finalize(get);
	sqlite3_close(db);
	return r;
}

static struct rates bench_vault(struct vault *v, char (*ids)[VOW_ID_LEN + 1], int n, int single)
{
	struct rates r;
	double t = now_s();
	for (int i = 0; i < single; i++)
		CHECK(vault_record_put(v, &service, ids[i], "user.name", value, value_len));
	r.put_single = single / (now_s() - t);
	t = now_s();
	for (int i = 0; i < n; i += 1000) {
		CHECK(vault_batch_begin(v));
		for (int k = i; k < i + 1000 && k < n; k++)
			CHECK(vault_record_put(v, &account, ids[k], "user.workplace", value,
			                       value_len));
		CHECK(vault_batch_commit(v));
	}
	r.put_batch = n / (now_s() - t);
	t = now_s();
	for (int i = 0; i < n; i++) {
		char *val;
		size_t len;
		CHECK(vault_record_get(v, &account, ids[(i * 7919) % n], "user.workplace", &val,
		                       &len));
		vault_value_free(val, len);
	}
	r.get = n / (now_s() - t);
	return r;
}

/* ---- files ---- */

struct io {
	double write_mbs, read_mbs;
	long write_rss_kb, read_rss_kb;
};

struct file_job {
	const char *dir;
	const struct policy *policy;
	const char *subject;
	char *file_id; /* shared memory */
	const char *plain_path;
	size_t size;
};

static unsigned char chunk[1 << 20];

static void job_vault_write(void *arg)
{
	struct file_job *j = arg;
	struct vault *v;
	CHECK(vault_open(j->dir, j->policy, &v));
	struct vault_file_writer *w;
	CHECK(vault_file_create(v, &service, j->subject, "user.content.audio", "big.wav",
	                        "audio/wav", &w));
	for (size_t off = 0; off < j->size; off += sizeof(chunk))
		CHECK(vault_file_write(w, chunk, sizeof(chunk)));
	CHECK(vault_file_finish(&w, j->file_id));
	vault_close(&v);
}

static void job_vault_read(void *arg)
{
	struct file_job *j = arg;
	struct vault *v;
	CHECK(vault_open(j->dir, j->policy, &v));
	struct vault_file_reader *r;
	struct vault_file_info info;
	CHECK(vault_file_open(v, &service, j->file_id, &r, &info));
	size_t n, total = 0;
	while (vault_file_read(r, chunk, sizeof(chunk), &n) == VOW_OK && n > 0)
		total += n;
	if (total != j->size)
		die("short read", 0);
	vault_file_close(&r);
	vault_close(&v);
}

static void job_plain_write(void *arg)
{
	struct file_job *j = arg;
	int fd = open(j->plain_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	for (size_t off = 0; off < j->size; off += sizeof(chunk))
		if (write(fd, chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk))
			die("plain write", 0);
	fsync(fd);
	close(fd);
}

static void job_plain_read(void *arg)
{
	struct file_job *j = arg;
	int fd = open(j->plain_path, O_RDONLY);
	ssize_t n;
	size_t total = 0;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		total += (size_t)n;
	close(fd);
	if (total != j->size)
		die("plain short read", 0);
}

static void drop_cache_hint(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd >= 0) {
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
	}
}

int main(int argc, char **argv)
{
	bench_name = "vault_bench";
	if (argc < 2) {
		fputs("usage: vault_bench DIR [FILE_MIB]\n", stderr);
		return 2;
	}
	const char *dir = argv[1];
	size_t mib = argc > 2 ? (size_t)atol(argv[2]) : 1024;
	CHECK(crypto_init());
	struct policy_diags d = {0};
	struct policy *p;
	CHECK(policy_load_file("examples/policies/amberscript.yaml", &p, &d));
	char path[4200];
	snprintf(path, sizeof(path), "%s/master.key", dir);
	CHECK(crypto_master_key_create(path));
	snprintf(path, sizeof(path), "%s/plain.bin", dir);
	char pad[1017];
	memset(pad, 'a', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	value_len =
	    (size_t)snprintf(value, sizeof(value), "{\"v\":\"%s\"}", pad); /* 1 KiB of JSON */
	crypto_random(chunk, sizeof(chunk));

	/* the two subjects erasure is measured on, made first */
	struct vault *v;
	CHECK(vault_open(dir, p, &v));
	char big[VOW_ID_LEN + 1], small[VOW_ID_LEN + 1];
	struct vault_subject_new in = {.email = "big@example.com", .region = "NL"};
	CHECK(vault_subject_create(v, &in, big));
	in.email = "small@example.com";
	CHECK(vault_subject_create(v, &in, small));
	CHECK(vault_record_put(v, &service, small, "user.name", value, value_len));
	vault_close(&v);

	/* files, while this process is still small: each job runs in a child,
	 * so its peak RSS is its own; 64 MiB and SIZE show whether it grows */
	char *file_id = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (file_id == MAP_FAILED)
		die("mmap", 0);
	size_t sizes[2] = {64, mib};
	for (int k = 0; k < 2; k++) {
		struct file_job job = {dir, p, big, file_id, path, sizes[k] << 20};
		long rss_vw, rss_vr, rss_pw, rss_pr;
		double pw = in_child(job_plain_write, &job, &rss_pw);
		drop_cache_hint(path);
		double pr = in_child(job_plain_read, &job, &rss_pr);
		double vw = in_child(job_vault_write, &job, &rss_vw);
		char fpath[4300];
		snprintf(fpath, sizeof(fpath), "%s/files/%.2s/%s", dir, file_id, file_id);
		drop_cache_hint(fpath);
		double vr = in_child(job_vault_read, &job, &rss_vr);
		double size_mb = (double)(sizes[k] << 20) / 1e6;
		printf("files (%zu MiB)\n", sizes[k]);
		printf("  write: vault %7.1f MB/s (peak RSS %ld KiB)  plain %7.1f MB/s (peak RSS "
		       "%ld KiB)  ratio %.2f\n",
		       size_mb / vw, rss_vw, size_mb / pw, rss_pw, pw / vw);
		printf("  read:  vault %7.1f MB/s (peak RSS %ld KiB)  plain %7.1f MB/s (peak RSS "
		       "%ld KiB)  ratio %.2f\n",
		       size_mb / vr, rss_vr, size_mb / pr, rss_pr, pr / vr);
		unlink(path);
	}

	CHECK(vault_open(dir, p, &v));
	if (getenv("VOW_BENCH_AUDIT_OFF") != NULL)
		audit_disable(v);
	int n = 20000, single = 1000;
	char(*ids)[VOW_ID_LEN + 1] = calloc((size_t)n, sizeof(*ids));
	CHECK(vault_batch_begin(v));
	for (int i = 0; i < n; i++) {
		struct vault_subject_new sin = {.region = "NL"};
		CHECK(vault_subject_create(v, &sin, ids[i]));
	}
	CHECK(vault_batch_commit(v));
	struct rates plain = bench_plain(dir, ids, n, single);
	struct rates enc = bench_vault(v, ids, n, single);
	printf("records (1 KiB values, %d subjects)\n", n);
	printf("  put, one commit each: vault %8.0f/s  plain SQLite %8.0f/s  ratio %.2f\n",
	       enc.put_single, plain.put_single, enc.put_single / plain.put_single);
	printf("  put, 1,000 per commit: vault %8.0f/s  plain SQLite %8.0f/s  ratio %.2f\n",
	       enc.put_batch, plain.put_batch, enc.put_batch / plain.put_batch);
	printf("  get:                   vault %8.0f/s  plain SQLite %8.0f/s  ratio %.2f\n",
	       enc.get, plain.get, enc.get / plain.get);

	/* the big subject: 100,000 record versions over 6 categories */
	for (int i = 0; i < 100000; i += 1000) {
		CHECK(vault_batch_begin(v));
		for (int k = i; k < i + 1000; k++)
			CHECK(vault_record_put(v, &support, big, cats[k % 6], value, value_len));
		CHECK(vault_batch_commit(v));
	}
	vault_close(&v);

	/* erasure */
	CHECK(vault_open(dir, p, &v));
	const char *who[2] = {small, big};
	const char *label[2] = {"1 record", "100,000 record versions + files"};
	printf("erasure\n");
	for (int i = 0; i < 2; i++) {
		char *receipt = NULL;
		double t = now_s();
		CHECK(vault_subject_erase(v, who[i], &receipt));
		double total = (now_s() - t) * 1e3;
		json_t *r = json_loads(receipt, 0, NULL);
		json_t *timing = json_object_get(r, "timing");
		printf("  %-36s unreadable after %8.2f ms, purged after %9.2f ms (call %9.2f ms)\n",
		       label[i], json_real_value(json_object_get(timing, "unreadable_after_ms")),
		       json_real_value(json_object_get(timing, "purged_after_ms")), total);
		json_decref(r);
		free(receipt);
	}
	vault_close(&v);
	munmap(file_id, 4096);
	free(ids);
	policy_free(&p);
	return 0;
}
