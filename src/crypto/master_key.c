/* crypto/master_key.c — the instance master key: create, load, wipe. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto_int.h"
#include "util/file.h"

#define KEY_FILE_HEADER "vow-master-key-v1 "
#define KEY_FILE_BYTES  (sizeof(KEY_FILE_HEADER) - 1 + 2 * CRYPTO_MASTER_KEY_BYTES + 1)

/* The master key given in VOW_MASTER_KEY, moved on first use out of the
 * process environment (its bytes there wiped, the variable removed, so a
 * child process or /proc/PID/environ no longer shows it) into guarded,
 * locked memory, where it stays for the life of the process. */
static pthread_mutex_t env_lock = PTHREAD_MUTEX_INITIALIZER;
static char *env_hex; /* sodium_malloc'd, or NULL */
static size_t env_hexlen;
static bool env_taken;

/* Takes VOW_MASTER_KEY if it is set. Call with env_lock held. */
static void env_take(void)
{
	char *e = getenv("VOW_MASTER_KEY");
	if (e == NULL)
		return;
	size_t n = strlen(e);
	char *copy = sodium_malloc(n + 1);
	if (copy != NULL)
		memcpy(copy, e, n + 1);
	sodium_memzero(e, n);
	(void)unsetenv("VOW_MASTER_KEY");
	if (env_hex != NULL)
		sodium_free(env_hex);
	env_hex = copy;
	env_hexlen = copy != NULL ? n : 0;
	env_taken = true;
}

bool crypto_master_key_from_env(void)
{
	pthread_mutex_lock(&env_lock);
	env_take();
	bool taken = env_taken;
	pthread_mutex_unlock(&env_lock);
	return taken;
}

void crypto_master_key_env_clear(void)
{
	pthread_mutex_lock(&env_lock);
	if (env_hex != NULL)
		sodium_free(env_hex);
	env_hex = NULL;
	env_hexlen = 0;
	env_taken = false;
	pthread_mutex_unlock(&env_lock);
}

vow_err crypto_init(void)
{
	static bool registered;
	if (sodium_init() < 0)
		return VOW_ERR_CRYPTO;
	if (!registered && atexit(crypto_master_key_env_clear) == 0)
		registered = true;
	return VOW_OK;
}

vow_err crypto_master_key_create(const char *path)
{
	unsigned char *key = sodium_malloc(CRYPTO_MASTER_KEY_BYTES);
	char *text = sodium_malloc(KEY_FILE_BYTES + 1);
	vow_err err = VOW_ERR_NOMEM;
	if (key == NULL || text == NULL)
		goto out;
	randombytes_buf(key, CRYPTO_MASTER_KEY_BYTES);
	memcpy(text, KEY_FILE_HEADER, sizeof(KEY_FILE_HEADER) - 1);
	sodium_bin2hex(text + sizeof(KEY_FILE_HEADER) - 1, 2 * CRYPTO_MASTER_KEY_BYTES + 1, key,
	               CRYPTO_MASTER_KEY_BYTES);
	text[KEY_FILE_BYTES - 1] = '\n';
	err = file_create(path, 0600, text, KEY_FILE_BYTES);
out:
	if (key != NULL)
		sodium_free(key); /* sodium_free wipes before releasing */
	if (text != NULL)
		sodium_free(text);
	return err;
}

vow_err crypto_key_from(const unsigned char *bytes, size_t len, struct crypto_key **out)
{
	struct crypto_key *k = calloc(1, sizeof(*k));
	if (k == NULL)
		return VOW_ERR_NOMEM;
	k->bytes = sodium_malloc(len);
	if (k->bytes == NULL) {
		free(k);
		return VOW_ERR_NOMEM;
	}
	if (bytes != NULL)
		memcpy(k->bytes, bytes, len);
	else
		randombytes_buf(k->bytes, len);
	k->len = len;
	(void)sodium_mprotect_readonly(k->bytes);
	*out = k;
	return VOW_OK;
}

static vow_err key_from_hex(const char *hex, size_t hexlen, struct crypto_key **out)
{
	unsigned char *bin = sodium_malloc(CRYPTO_MASTER_KEY_BYTES);
	if (bin == NULL)
		return VOW_ERR_NOMEM;
	size_t got = 0;
	vow_err err = VOW_ERR_KEY;
	if (hexlen == 2 * CRYPTO_MASTER_KEY_BYTES &&
	    sodium_hex2bin(bin, CRYPTO_MASTER_KEY_BYTES, hex, hexlen, NULL, &got, NULL) == 0 &&
	    got == CRYPTO_MASTER_KEY_BYTES)
		err = crypto_key_from(bin, CRYPTO_MASTER_KEY_BYTES, out);
	sodium_free(bin);
	return err;
}

vow_err crypto_master_key_load(const char *path, struct crypto_key **out)
{
	pthread_mutex_lock(&env_lock);
	env_take();
	if (env_taken) {
		vow_err err =
		    env_hex != NULL ? key_from_hex(env_hex, env_hexlen, out) : VOW_ERR_NOMEM;
		pthread_mutex_unlock(&env_lock);
		return err;
	}
	pthread_mutex_unlock(&env_lock);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? VOW_ERR_NOT_FOUND : VOW_ERR_IO;
	struct stat st;
	char *text = sodium_malloc(KEY_FILE_BYTES + 1);
	vow_err err = VOW_ERR_KEY;
	if (text == NULL) {
		err = VOW_ERR_NOMEM;
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		err = VOW_ERR_IO;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 || st.st_size != (off_t)KEY_FILE_BYTES)
		goto out; /* group/other access or wrong size: refuse */
	size_t got = 0;
	while (got < KEY_FILE_BYTES) {
		ssize_t r = read(fd, text + got, KEY_FILE_BYTES - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = VOW_ERR_IO;
			goto out;
		}
		got += (size_t)r;
	}
	if (memcmp(text, KEY_FILE_HEADER, sizeof(KEY_FILE_HEADER) - 1) != 0 ||
	    text[KEY_FILE_BYTES - 1] != '\n')
		goto out;
	err = key_from_hex(text + sizeof(KEY_FILE_HEADER) - 1, 2 * CRYPTO_MASTER_KEY_BYTES, out);
out:
	if (text != NULL)
		sodium_free(text);
	close(fd);
	return err;
}

void crypto_key_free(struct crypto_key **k)
{
	if (k == NULL || *k == NULL)
		return;
	if ((*k)->bytes != NULL)
		sodium_free((*k)->bytes);
	free(*k);
	*k = NULL;
}

void crypto_key_fingerprint(const struct crypto_key *k, char out[17])
{
	unsigned char h[8];
	static const unsigned char ctx[] = "vow key fingerprint v1";
	crypto_generichash(h, sizeof(h), ctx, sizeof(ctx) - 1, k->bytes, k->len);
	sodium_bin2hex(out, 17, h, sizeof(h));
	sodium_memzero(h, sizeof(h));
}
