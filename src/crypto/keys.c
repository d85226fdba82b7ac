#include "base/common.h"
#include "crypto/keys.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

/* Both key files are a few hundred bytes; anything larger is not ours. */
#define KEYS_FILE_MAX 4096
#define KEYS_B64_MAX                                                           \
	sodium_base64_ENCODED_LEN(crypto_sign_SECRETKEYBYTES,                  \
				  sodium_base64_VARIANT_ORIGINAL)

/* One "label <base64>" line of a key file and where it lives in ac_keys. */
struct key_field {
	const char *label;
	size_t offset;
	size_t len;
};

static const struct key_field secret_fields[] = {
    {"ed25519-secret", offsetof(struct ac_keys, sign_sk),
     crypto_sign_SECRETKEYBYTES},
    {"x25519-secret", offsetof(struct ac_keys, box_sk),
     crypto_box_SECRETKEYBYTES},
};

static const struct key_field public_fields[] = {
    {"ed25519-public", offsetof(struct ac_keys, sign_pk),
     crypto_sign_PUBLICKEYBYTES},
    {"x25519-public", offsetof(struct ac_keys, box_pk),
     crypto_box_PUBLICKEYBYTES},
};

#define FIELD_COUNT 2

static atomic_bool sodium_ready;

ac_rc ac_crypto_init(struct ac_err *err)
{
	if (atomic_load_explicit(&sodium_ready, memory_order_acquire))
		return AC_OK;
	/* sodium_init() serialises concurrent callers itself. */
	if (sodium_init() < 0)
		return ac_err_set(err, AC_ERR_CRYPTO,
				  "cannot initialise libsodium");
	atomic_store_explicit(&sodium_ready, true, memory_order_release);
	return AC_OK;
}

ac_rc ac_keys_generate(struct ac_keys *k, struct ac_err *err)
{
	ac_rc rc = ac_crypto_init(err);

	if (rc)
		return rc;
	if (crypto_sign_keypair(k->sign_pk, k->sign_sk) != 0 ||
	    crypto_box_keypair(k->box_pk, k->box_sk) != 0) {
		ac_keys_wipe(k);
		return ac_err_set(err, AC_ERR_CRYPTO,
				  "cannot generate key pairs");
	}
	return AC_OK;
}

void ac_keys_wipe(struct ac_keys *k)
{
	sodium_memzero(k->sign_sk, sizeof(k->sign_sk));
	sodium_memzero(k->box_sk, sizeof(k->box_sk));
}

/* ---- saving ----------------------------------------------------------- */

/* Writes the "label <base64>\n" lines of fields into text (size cap). */
static size_t format_fields(const struct ac_keys *k,
			    const struct key_field *fields, char *text,
			    size_t cap)
{
	char b64[KEYS_B64_MAX];
	size_t len = 0;

	for (size_t i = 0; i < FIELD_COUNT; i++) {
		const unsigned char *bin =
		    (const unsigned char *)k + fields[i].offset;
		sodium_bin2base64(b64, sizeof(b64), bin, fields[i].len,
				  sodium_base64_VARIANT_ORIGINAL);
		len += (size_t)snprintf(text + len, cap - len, "%s %s\n",
					fields[i].label, b64);
	}
	sodium_memzero(b64, sizeof(b64));
	return len;
}

static ac_rc create_exclusive(const char *path, mode_t mode, int *fd,
			      struct ac_err *err)
{
	*fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (*fd < 0) {
		if (errno == EEXIST)
			return ac_err_set(err, AC_ERR_EXISTS,
					  "refusing to overwrite '%s': it "
					  "already exists",
					  path);
		return ac_err_set(err, AC_ERR_IO, "cannot create '%s': %s",
				  path, strerror(errno));
	}
	/* The umask may have taken bits away (or, at 0, left too many). */
	if (fchmod(*fd, mode) != 0)
		return ac_err_set(err, AC_ERR_IO, "cannot chmod '%s': %s", path,
				  strerror(errno));
	return AC_OK;
}

/* Writes all of text, syncs and closes fd (which is -1 afterwards). */
static ac_rc write_and_close(int *fd, const char *path, const char *text,
			     size_t len, struct ac_err *err)
{
	size_t done = 0;
	int rc;

	while (done < len) {
		ssize_t n = write(*fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ac_err_set(
			    err, AC_ERR_IO, "cannot write '%s': %s", path,
			    n < 0 ? strerror(errno) : "no progress");
		done += (size_t)n;
	}
	if (fsync(*fd) != 0)
		return ac_err_set(err, AC_ERR_IO, "cannot sync '%s': %s", path,
				  strerror(errno));
	rc = close(*fd);
	*fd = -1;
	if (rc != 0)
		return ac_err_set(err, AC_ERR_IO, "cannot close '%s': %s", path,
				  strerror(errno));
	return AC_OK;
}

ac_rc ac_keys_save(const struct ac_keys *k, const char *secret_path,
		   const char *public_path, struct ac_err *err)
{
	char text[512];
	int sfd = -1, pfd = -1;
	bool made_secret = false, made_public = false;
	size_t len;
	ac_rc rc;

	rc = create_exclusive(secret_path, 0600, &sfd, err);
	made_secret = sfd >= 0;
	if (rc)
		goto out;
	rc = create_exclusive(public_path, 0644, &pfd, err);
	made_public = pfd >= 0;
	if (rc)
		goto out;
	len = format_fields(k, secret_fields, text, sizeof(text));
	rc = write_and_close(&sfd, secret_path, text, len, err);
	if (rc)
		goto out;
	len = format_fields(k, public_fields, text, sizeof(text));
	rc = write_and_close(&pfd, public_path, text, len, err);
out:
	sodium_memzero(text, sizeof(text));
	if (sfd >= 0)
		close(sfd);
	if (pfd >= 0)
		close(pfd);
	if (rc && made_secret)
		unlink(secret_path);
	if (rc && made_public)
		unlink(public_path);
	return rc;
}

/* ---- loading ---------------------------------------------------------- */

/* Reads the regular file at path (at most KEYS_FILE_MAX - 1 bytes) into
 * text; with secret set, refuses modes that let group or others in. */
static ac_rc read_key_file(const char *path, bool secret, char *text,
			   size_t *len, struct ac_err *err)
{
	struct stat st;
	ac_rc rc = AC_OK;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*len = 0;
	if (fd < 0)
		return ac_err_set(
		    err, errno == ENOENT ? AC_ERR_NOTFOUND : AC_ERR_IO,
		    "cannot open key file '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = ac_err_set(err, AC_ERR_IO,
				"key file '%s' is not a regular file", path);
		goto out;
	}
	if (secret && (st.st_mode & 077)) {
		rc = ac_err_set(err, AC_ERR_PERM,
				"secret key file '%s' is accessible by group "
				"or others (mode %04o); run 'chmod 600 %s'",
				path, (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, text + *len, KEYS_FILE_MAX - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ac_err_set(err, AC_ERR_IO,
					"cannot read key file '%s': %s", path,
					strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
		if (*len == KEYS_FILE_MAX) {
			rc = ac_err_set(err, AC_ERR_LIMIT,
					"key file '%s' is larger than %d bytes",
					path, KEYS_FILE_MAX - 1);
			goto out;
		}
	}
out:
	close(fd);
	return rc;
}

static const struct key_field *find_field(const struct key_field *fields,
					  const char *label, size_t len)
{
	for (size_t i = 0; i < FIELD_COUNT; i++)
		if (strlen(fields[i].label) == len &&
		    memcmp(fields[i].label, label, len) == 0)
			return &fields[i];
	return NULL;
}

/* Decodes one "label <base64>" line into its place in k. */
static ac_rc parse_line(const char *line, size_t len,
			const struct key_field *fields, bool seen[FIELD_COUNT],
			struct ac_keys *k, const char *path, struct ac_err *err)
{
	const char *space = memchr(line, ' ', len), *end;
	const struct key_field *f;
	size_t binlen = 0;

	f = space ? find_field(fields, line, (size_t)(space - line)) : NULL;
	if (!f)
		return ac_err_set(err, AC_ERR_PARSE,
				  "key file '%s' has a line that is not "
				  "'<kind> <base64>' with a known kind",
				  path);
	if (seen[f - fields])
		return ac_err_set(err, AC_ERR_PARSE,
				  "key file '%s' has '%s' twice", path,
				  f->label);
	seen[f - fields] = true;
	space++;
	if (sodium_base642bin((unsigned char *)k + f->offset, f->len, space,
			      (size_t)(line + len - space), NULL, &binlen, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != line + len || binlen != f->len)
		return ac_err_set(err, AC_ERR_PARSE,
				  "key file '%s': '%s' is not %zu bytes of "
				  "base64 (corrupted or truncated?)",
				  path, f->label, f->len);
	return AC_OK;
}

static ac_rc parse_fields(const char *text, size_t len,
			  const struct key_field *fields, struct ac_keys *k,
			  const char *path, struct ac_err *err)
{
	bool seen[FIELD_COUNT] = {false};
	size_t pos = 0;
	ac_rc rc;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;

		if (end > pos && (rc = parse_line(text + pos, end - pos, fields,
						  seen, k, path, err)))
			return rc;
		pos = end + 1;
	}
	for (size_t i = 0; i < FIELD_COUNT; i++)
		if (!seen[i])
			return ac_err_set(err, AC_ERR_PARSE,
					  "key file '%s' lacks its '%s' line "
					  "(truncated?)",
					  path, fields[i].label);
	return AC_OK;
}

/* The public keys must be the ones the secret keys derive. */
static bool keys_match(const struct ac_keys *k)
{
	unsigned char seed[crypto_sign_SEEDBYTES];
	unsigned char sign_pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sign_sk[crypto_sign_SECRETKEYBYTES];
	unsigned char box_pk[crypto_box_PUBLICKEYBYTES];
	bool ok;

	crypto_sign_ed25519_sk_to_seed(seed, k->sign_sk);
	ok = crypto_sign_seed_keypair(sign_pk, sign_sk, seed) == 0 &&
	     sodium_memcmp(sign_sk, k->sign_sk, sizeof(sign_sk)) == 0 &&
	     sodium_memcmp(sign_pk, k->sign_pk, sizeof(sign_pk)) == 0 &&
	     crypto_scalarmult_base(box_pk, k->box_sk) == 0 &&
	     sodium_memcmp(box_pk, k->box_pk, sizeof(box_pk)) == 0;
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sign_sk, sizeof(sign_sk));
	return ok;
}

ac_rc ac_keys_load(struct ac_keys *k, const char *secret_path,
		   const char *public_path, struct ac_err *err)
{
	char text[KEYS_FILE_MAX];
	size_t len = 0;
	ac_rc rc;

	memset(k, 0, sizeof(*k));
	if ((rc = ac_crypto_init(err)))
		return rc;
	rc = read_key_file(secret_path, true, text, &len, err);
	if (!rc)
		rc =
		    parse_fields(text, len, secret_fields, k, secret_path, err);
	sodium_memzero(text, sizeof(text));
	if (rc)
		goto out;
	rc = read_key_file(public_path, false, text, &len, err);
	if (!rc)
		rc =
		    parse_fields(text, len, public_fields, k, public_path, err);
	if (rc)
		goto out;
	if (!keys_match(k))
		rc = ac_err_set(err, AC_ERR_CRYPTO,
				"the public keys in '%s' do not belong to the "
				"secret keys in '%s'",
				public_path, secret_path);
out:
	if (rc)
		ac_keys_wipe(k);
	return rc;
}
