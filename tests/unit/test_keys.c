#include "base/common.h"
#include "crypto/hash.h"
#include "crypto/keys.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

/* Per-test scratch directory with the two key file paths in it. */
struct scratch {
	char dir[64];
	char secret[128];
	char public[128];
};

static int scratch_setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/accord-keys-XXXXXX");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	snprintf(s->secret, sizeof(s->secret), "%s/node.key", s->dir);
	snprintf(s->public, sizeof(s->public), "%s/node.pub", s->dir);
	*state = s;
	return 0;
}

static int scratch_teardown(void **state)
{
	struct scratch *s = *state;
	DIR *d = opendir(s->dir);
	struct dirent *e;
	char path[384];

	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", s->dir,
				 e->d_name);
			unlink(path);
		}
	}
	if (d)
		closedir(d);
	rmdir(s->dir);
	free(s);
	return 0;
}

static mode_t file_mode(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Reads path into buf (NUL-terminated); returns the length. */
static size_t slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n;
}

static void spill(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, 0600), 0);
	close(fd);
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void save_fresh(struct scratch *s, struct ac_keys *k)
{
	struct ac_err err;

	assert_int_equal(ac_keys_generate(k, &err), AC_OK);
	assert_int_equal(ac_keys_save(k, s->secret, s->public, &err), AC_OK);
}

/* ---- hash ------------------------------------------------------------- */

/* Expected digests from python3 hashlib.blake2b(m, digest_size=32). */
static void blake2b_256_vectors(void **state)
{
	static const struct {
		const char *msg;
		const char *hex;
	} cases[] = {
	    {"", "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cd"
		 "f12fe3a8"},
	    {"abc", "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262"
		    "c8c068d52319"},
	    {"The quick brown fox jumps over the lazy dog",
	     "01718cec35cd3d796dd00020e0bfecb473ad23457d063b75eff29c0ffa"
	     "2e58a9"},
	};
	uint8_t h[AC_HASH_LEN];
	char hex[2 * AC_HASH_LEN + 1];
	(void)state;

	for (size_t i = 0; i < AC_ARRAY_LEN(cases); i++) {
		ac_hash(cases[i].msg, strlen(cases[i].msg), h);
		ac_hex(h, sizeof(h), hex);
		assert_string_equal(hex, cases[i].hex);
	}
	ac_hash("abd", 3, h);
	ac_hex(h, sizeof(h), hex);
	assert_string_not_equal(hex, cases[1].hex);
}

static void hex_encoding(void **state)
{
	static const uint8_t in[] = {0x00, 0x0f, 0xa5, 0xff};
	char out[9];
	(void)state;

	ac_hex(in, sizeof(in), out);
	assert_string_equal(out, "000fa5ff");
	ac_hex(in, 0, out);
	assert_string_equal(out, "");
}

/* ---- keys ------------------------------------------------------------- */

static void generate_gives_distinct_pairs(void **state)
{
	struct ac_keys a, b;
	struct ac_err err;
	(void)state;

	assert_int_equal(ac_crypto_init(&err), AC_OK);
	assert_int_equal(ac_crypto_init(&err), AC_OK);
	assert_int_equal(ac_keys_generate(&a, &err), AC_OK);
	assert_int_equal(ac_keys_generate(&b, &err), AC_OK);
	assert_memory_not_equal(a.sign_pk, b.sign_pk, sizeof(a.sign_pk));
	assert_memory_not_equal(a.box_pk, b.box_pk, sizeof(a.box_pk));
	ac_keys_wipe(&a);
	assert_true(all_zero(a.sign_sk, sizeof(a.sign_sk)));
	assert_true(all_zero(a.box_sk, sizeof(a.box_sk)));
	ac_keys_wipe(&b);
}

static void save_load_roundtrip(void **state)
{
	struct scratch *s = *state;
	struct ac_keys k, back;
	struct ac_err err;
	char text[1024];

	save_fresh(s, &k);
	assert_int_equal(ac_keys_load(&back, s->secret, s->public, &err),
			 AC_OK);
	assert_memory_equal(&k, &back, sizeof(k));
	slurp(s->secret, text, sizeof(text));
	assert_true(strncmp(text, "ed25519-secret ", 15) == 0);
	assert_non_null(strstr(text, "\nx25519-secret "));
	slurp(s->public, text, sizeof(text));
	assert_true(strncmp(text, "ed25519-public ", 15) == 0);
	assert_non_null(strstr(text, "\nx25519-public "));
	ac_keys_wipe(&k);
	ac_keys_wipe(&back);
}

static void modes_ignore_umask(void **state)
{
	struct scratch *s = *state;
	struct ac_keys k;
	mode_t old = umask(0);

	save_fresh(s, &k);
	umask(old);
	assert_int_equal(file_mode(s->secret), 0600);
	assert_int_equal(file_mode(s->public), 0644);
	unlink(s->secret);
	unlink(s->public);

	old = umask(0277);
	save_fresh(s, &k);
	umask(old);
	assert_int_equal(file_mode(s->secret), 0600);
	assert_int_equal(file_mode(s->public), 0644);
	ac_keys_wipe(&k);
}

static void refuses_to_overwrite(void **state)
{
	struct scratch *s = *state;
	struct ac_keys k;
	struct ac_err err;
	char text[64];

	spill(s->secret, "precious", 8);
	assert_int_equal(ac_keys_generate(&k, &err), AC_OK);
	assert_int_equal(ac_keys_save(&k, s->secret, s->public, &err),
			 AC_ERR_EXISTS);
	assert_non_null(strstr(err.msg, s->secret));
	slurp(s->secret, text, sizeof(text));
	assert_string_equal(text, "precious");
	assert_false(exists(s->public));

	/* The public file exists: the new secret file must not stay. */
	unlink(s->secret);
	spill(s->public, "other", 5);
	assert_int_equal(ac_keys_save(&k, s->secret, s->public, &err),
			 AC_ERR_EXISTS);
	assert_false(exists(s->secret));
	slurp(s->public, text, sizeof(text));
	assert_string_equal(text, "other");
	ac_keys_wipe(&k);
}

static void refuses_open_secret_file(void **state)
{
	struct scratch *s = *state;
	struct ac_keys k;
	struct ac_err err;

	save_fresh(s, &k);
	assert_int_equal(chmod(s->secret, 0644), 0);
	assert_int_equal(ac_keys_load(&k, s->secret, s->public, &err),
			 AC_ERR_PERM);
	assert_non_null(strstr(err.msg, s->secret));
	assert_non_null(strstr(err.msg, "chmod 600"));
	assert_true(all_zero(k.sign_sk, sizeof(k.sign_sk)));
	assert_int_equal(chmod(s->secret, 0640), 0);
	assert_int_equal(ac_keys_load(&k, s->secret, s->public, &err),
			 AC_ERR_PERM);
	assert_int_equal(chmod(s->secret, 0400), 0);
	assert_int_equal(ac_keys_load(&k, s->secret, s->public, &err), AC_OK);
	ac_keys_wipe(&k);
}

/* Writes a public key file holding the given public keys. */
static void write_public(const char *path, const unsigned char *sign_pk,
			 const unsigned char *box_pk)
{
	char a[64], b[64], text[256];

	sodium_bin2base64(a, sizeof(a), sign_pk, crypto_sign_PUBLICKEYBYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b, sizeof(b), box_pk, crypto_box_PUBLICKEYBYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	snprintf(text, sizeof(text), "ed25519-public %s\nx25519-public %s\n", a,
		 b);
	spill(path, text, strlen(text));
}

/* A secret file with (part of) the public file of another node. */
static void refuses_mismatched_public_keys(void **state)
{
	struct scratch *s = *state;
	struct ac_keys mine, other, k;
	struct ac_err err;

	save_fresh(s, &mine);
	assert_int_equal(ac_keys_generate(&other, &err), AC_OK);
	write_public(s->public, mine.sign_pk, mine.box_pk);
	assert_int_equal(ac_keys_load(&k, s->secret, s->public, &err), AC_OK);

	write_public(s->public, mine.sign_pk, other.box_pk);
	assert_int_equal(ac_keys_load(&k, s->secret, s->public, &err),
			 AC_ERR_CRYPTO);
	assert_non_null(strstr(err.msg, "do not belong"));
	assert_true(all_zero(k.box_sk, sizeof(k.box_sk)));
	assert_true(all_zero(k.sign_sk, sizeof(k.sign_sk)));

	write_public(s->public, other.sign_pk, mine.box_pk);
	assert_int_equal(ac_keys_load(&k, s->secret, s->public, &err),
			 AC_ERR_CRYPTO);
	ac_keys_wipe(&mine);
	ac_keys_wipe(&other);
}

/* Secret keys whose embedded Ed25519 public half was tampered with. */
static void refuses_inconsistent_secret_key(void **state)
{
	struct scratch *s = *state;
	struct ac_keys k;
	struct ac_err err;

	assert_int_equal(ac_keys_generate(&k, &err), AC_OK);
	k.sign_sk[40] ^= 1;
	assert_int_equal(ac_keys_save(&k, s->secret, s->public, &err), AC_OK);
	assert_int_equal(ac_keys_load(&k, s->secret, s->public, &err),
			 AC_ERR_CRYPTO);
}

static void refuses_corrupted_files(void **state)
{
	struct scratch *s = *state;
	struct ac_keys k;
	struct ac_err err;
	char good[1024], bad[1024], *p;
	size_t n;

	save_fresh(s, &k);
	n = slurp(s->secret, good, sizeof(good));

	/* Truncated in the middle of the second line. */
	spill(s->secret, good, n - 20);
	assert_int_equal(ac_keys_load(&k, s->secret, s->public, &err),
			 AC_ERR_PARSE);
	/* Only the first line. */
	p = strchr(good, '\n');
	spill(s->secret, good, (size_t)(p - good + 1));
	assert_int_equal(ac_keys_load(&k, s->secret, s->public, &err),
			 AC_ERR_PARSE);
	assert_non_null(strstr(err.msg, "x25519-secret"));
	/* Empty file. */
	spill(s->secret, "", 0);
	assert_int_equal(ac_keys_load(&k, s->secret, s->public, &err),
			 AC_ERR_PARSE);
	/* A character that is not base64. */
	memcpy(bad, good, n);
	bad[20] = '!';
	spill(s->secret, bad, n);
	assert_int_equal(ac_keys_load(&k, s->secret, s->public, &err),
			 AC_ERR_PARSE);
	/* Valid base64 of other key bytes: the pairs no longer match. */
	memcpy(bad, good, n);
	bad[20] = bad[20] == 'A' ? 'B' : 'A';
	spill(s->secret, bad, n);
	assert_int_equal(ac_keys_load(&k, s->secret, s->public, &err),
			 AC_ERR_CRYPTO);
	/* The same line twice, an unknown line. */
	snprintf(bad, sizeof(bad), "%.*s%s", (int)(p - good + 1), good, good);
	spill(s->secret, bad, strlen(bad));
	assert_int_equal(ac_keys_load(&k, s->secret, s->public, &err),
			 AC_ERR_PARSE);
	snprintf(bad, sizeof(bad), "%srsa-secret AAAA\n", good);
	spill(s->secret, bad, strlen(bad));
	assert_int_equal(ac_keys_load(&k, s->secret, s->public, &err),
			 AC_ERR_PARSE);
	/* Far too large. */
	memset(bad, 'A', sizeof(bad));
	spill(s->secret, bad, sizeof(bad));
	for (int i = 0; i < 4; i++) {
		int fd = open(s->secret, O_WRONLY | O_APPEND);
		assert_true(write(fd, bad, sizeof(bad)) > 0);
		close(fd);
	}
	assert_int_equal(ac_keys_load(&k, s->secret, s->public, &err),
			 AC_ERR_LIMIT);
	/* And the good file still loads. */
	spill(s->secret, good, n);
	assert_int_equal(ac_keys_load(&k, s->secret, s->public, &err), AC_OK);
	ac_keys_wipe(&k);
}

static void missing_files(void **state)
{
	struct scratch *s = *state;
	struct ac_keys k;
	struct ac_err err;

	assert_int_equal(ac_keys_load(&k, s->secret, s->public, &err),
			 AC_ERR_NOTFOUND);
	save_fresh(s, &k);
	unlink(s->public);
	assert_int_equal(ac_keys_load(&k, s->secret, s->public, &err),
			 AC_ERR_NOTFOUND);
	assert_non_null(strstr(err.msg, s->public));
	assert_true(all_zero(k.sign_sk, sizeof(k.sign_sk)));
}

/* No message may carry key material. */
static void messages_hold_no_secrets(void **state)
{
	struct scratch *s = *state;
	struct ac_keys k;
	struct ac_err err;
	char good[1024], b64[128], *sp, *nl;

	save_fresh(s, &k);
	slurp(s->secret, good, sizeof(good));
	sp = strchr(good, ' ');
	nl = strchr(good, '\n');
	snprintf(b64, sizeof(b64), "%.*s", (int)(nl - sp - 1), sp + 1);
	/* Break the second line so the parser reports on the file. */
	nl[1] = 'X';
	spill(s->secret, good, strlen(good));
	assert_int_equal(ac_keys_load(&k, s->secret, s->public, &err),
			 AC_ERR_PARSE);
	assert_null(strstr(err.msg, b64));
	assert_null(strstr(err.msg, "=="));
}

#define SCRATCH_TEST(f)                                                        \
	cmocka_unit_test_setup_teardown(f, scratch_setup, scratch_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(blake2b_256_vectors),
	    cmocka_unit_test(hex_encoding),
	    cmocka_unit_test(generate_gives_distinct_pairs),
	    SCRATCH_TEST(save_load_roundtrip),
	    SCRATCH_TEST(modes_ignore_umask),
	    SCRATCH_TEST(refuses_to_overwrite),
	    SCRATCH_TEST(refuses_open_secret_file),
	    SCRATCH_TEST(refuses_mismatched_public_keys),
	    SCRATCH_TEST(refuses_inconsistent_secret_key),
	    SCRATCH_TEST(refuses_corrupted_files),
	    SCRATCH_TEST(missing_files),
	    SCRATCH_TEST(messages_hold_no_secrets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
