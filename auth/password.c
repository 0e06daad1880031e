#include "password.h"

#include <errno.h>
#include <semaphore.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "random.h"

enum { OPSLIMIT = 2, MEMLIMIT = 19 * 1024 * 1024, WAIT_SECONDS = 15 };

static sem_t slots;
static int initialised;
static char dummy_hash[PASSWORD_HASH_MAX];

static int slot_acquire(void)
{
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += WAIT_SECONDS;
	while (sem_timedwait(&slots, &deadline) != 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

int password_init(int concurrency)
{
	if (concurrency < 1)
		concurrency = 1;
	if (sem_init(&slots, 0, (unsigned)concurrency) != 0)
		return -1;
	initialised = 1;
	char random_pw[33];
	rand_hex(random_pw, 16);
	if (password_hash(random_pw, dummy_hash) != PASSWORD_OK)
		return -1;
	return 0;
}

void password_shutdown(void)
{
	if (initialised)
		sem_destroy(&slots);
	initialised = 0;
}

enum password_result password_hash(const char *pw, char out[PASSWORD_HASH_MAX])
{
	if (slot_acquire() != 0)
		return PASSWORD_BUSY;
	char enc[crypto_pwhash_STRBYTES];
	int rc = crypto_pwhash_str_alg(enc, pw, strlen(pw), OPSLIMIT, MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13);
	sem_post(&slots);
	if (rc != 0 || strlen(enc) >= PASSWORD_HASH_MAX)
		return PASSWORD_BUSY; /* out of memory: as good as busy for the caller */
	memcpy(out, enc, strlen(enc) + 1);
	return PASSWORD_OK;
}

enum password_result password_verify(const char *hash, const char *pw)
{
	if (slot_acquire() != 0)
		return PASSWORD_BUSY;
	int rc = crypto_pwhash_str_verify(hash ? hash : dummy_hash, pw, strlen(pw));
	sem_post(&slots);
	return hash && rc == 0 ? PASSWORD_OK : PASSWORD_MISMATCH;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

const char *password_policy_check(const char *pw, const char *username)
{
	size_t n = utf8_chars(pw);
	if (n < PASSWORD_MIN_CHARS)
		return "密码至少 10 个字符";
	if (n > PASSWORD_MAX_CHARS)
		return "密码最多 128 个字符";
	if (username && strcasecmp(pw, username) == 0)
		return "密码不能与用户名相同";
	return NULL;
}
