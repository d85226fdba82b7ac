/* Users, roles, password hashes and API tokens (see auth.h and
 * docs/internals/auth.md). */
#include "base/common.h"
#include "auth/auth.h"
#include "base/time.h"

#include <pthread.h>
#include <sodium.h>
#include <strings.h>

#define TOKEN_PREFIX "acc_"
#define TOKEN_PREFIX_LEN 4
#define TOKEN_SECRET_B64_LEN 43
#define TOUCH_INTERVAL_US (60LL * 1000000)
#define ID_RETRIES 3
#define US_PER_SEC 1000000LL
#define EXPIRES_DIGITS_MAX 6
#define BASIC_PAIR_MAX (AUTH_USER_MAX + 1 + AUTH_PASSWORD_MAX)
#define BASIC_B64_MAX ((BASIC_PAIR_MAX + 2) / 3 * 4)

static const char *const role_names[AUTH_ROLE_COUNT] = {
    [AUTH_ROLE_ANALYST] = "analyst",
    [AUTH_ROLE_SUPERVISOR] = "supervisor",
    [AUTH_ROLE_ADMIN] = "admin",
    [AUTH_ROLE_AUDITOR] = "auditor",
};

static const char *const reason_names[] = {
    [AUTH_REASON_OK] = "ok",
    [AUTH_REASON_MALFORMED] = "malformed",
    [AUTH_REASON_UNKNOWN_USER] = "unknown_user",
    [AUTH_REASON_BAD_PASSWORD] = "bad_password",
    [AUTH_REASON_UNKNOWN_TOKEN] = "unknown_token",
    [AUTH_REASON_BAD_SECRET] = "bad_secret",
    [AUTH_REASON_TOKEN_EXPIRED] = "token_expired",
    [AUTH_REASON_TOKEN_REVOKED] = "token_revoked",
    [AUTH_REASON_USER_DISABLED] = "user_disabled",
    [AUTH_REASON_BAD_RECORD] = "bad_record",
    [AUTH_REASON_STORE] = "store",
};

static unsigned long long pwhash_ops = AUTH_PWHASH_OPSLIMIT;
static size_t pwhash_mem = AUTH_PWHASH_MEMLIMIT;

/* ---- roles ---- */

const char *auth_role_name(enum auth_role r)
{
	if ((unsigned)r >= AUTH_ROLE_COUNT)
		return "unknown";
	return role_names[r];
}

/* Role by the len bytes at s. */
static bool role_lookup(const char *s, size_t len, enum auth_role *out)
{
	for (int r = 0; r < AUTH_ROLE_COUNT; r++) {
		if (strlen(role_names[r]) == len &&
		    memcmp(role_names[r], s, len) == 0) {
			*out = (enum auth_role)r;
			return true;
		}
	}
	return false;
}

ac_rc auth_role_parse(const char *s, enum auth_role *out, struct ac_err *err)
{
	if (s && strlen(s) <= STORE_ROLE_MAX && role_lookup(s, strlen(s), out))
		return AC_OK;
	return ac_err_set(err, AC_ERR_PARSE,
			  "unknown role '%.*s'; roles are analyst, "
			  "supervisor, admin, auditor",
			  STORE_ROLE_MAX, s ? s : "");
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

ac_rc auth_role_mask_parse(const char *list, auth_role_mask *out,
			   struct ac_err *err)
{
	auth_role_mask m = 0;
	const char *p = list;
	enum auth_role r;

	if (!list)
		return ac_err_set(err, AC_ERR_USAGE, "no role list given");
	while (*p && is_space(*p))
		p++;
	while (*p) {
		const char *start, *end;

		while (is_space(*p))
			p++;
		start = p;
		while (*p && *p != ',')
			p++;
		end = p;
		while (end > start && is_space(end[-1]))
			end--;
		if (end == start)
			return ac_err_set(err, AC_ERR_PARSE,
					  "empty role in list '%.200s'", list);
		if (!role_lookup(start, (size_t)(end - start), &r))
			return ac_err_set(
			    err, AC_ERR_PARSE,
			    "unknown role '%.*s' in list; roles "
			    "are analyst, supervisor, admin, "
			    "auditor",
			    (int)(end - start > 64 ? 64 : end - start), start);
		m |= AUTH_ROLE_BIT(r);
		if (*p == ',' && !*++p)
			return ac_err_set(err, AC_ERR_PARSE,
					  "empty role in list '%.200s'", list);
	}
	*out = m;
	return AC_OK;
}

void auth_role_mask_format(auth_role_mask m, char out[AUTH_ROLE_MASK_STRLEN])
{
	size_t n = 0;

	out[0] = '\0';
	for (int r = 0; r < AUTH_ROLE_COUNT; r++) {
		if (!(m & AUTH_ROLE_BIT(r)))
			continue;
		n += (size_t)snprintf(out + n, AUTH_ROLE_MASK_STRLEN - n,
				      "%s%s", n ? "," : "", role_names[r]);
	}
}

bool auth_role_mask_has(auth_role_mask m, enum auth_role r)
{
	return (unsigned)r < AUTH_ROLE_COUNT && (m & AUTH_ROLE_BIT(r));
}

const char *auth_reason_name(enum auth_reason r)
{
	if ((unsigned)r >= AC_ARRAY_LEN(reason_names) || !reason_names[r])
		return "unknown";
	return reason_names[r];
}

/* ---- passwords ---- */

ac_rc auth_set_pwhash_limits(unsigned long long opslimit, size_t memlimit,
			     struct ac_err *err)
{
	if (opslimit < crypto_pwhash_OPSLIMIT_MIN ||
	    memlimit < crypto_pwhash_MEMLIMIT_MIN ||
	    opslimit > crypto_pwhash_OPSLIMIT_MAX)
		return ac_err_set(err, AC_ERR_USAGE,
				  "argon2id limits %llu/%zu are outside "
				  "libsodium's range",
				  opslimit, memlimit);
	pwhash_ops = opslimit;
	pwhash_mem = memlimit;
	return AC_OK;
}

bool auth_user_name_valid(const char *name)
{
	size_t n = name ? strnlen(name, AUTH_USER_MAX + 1) : 0;

	if (n == 0 || n > AUTH_USER_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static ac_rc check_name(const char *name, struct ac_err *err)
{
	if (auth_user_name_valid(name))
		return AC_OK;
	return ac_err_set(err, AC_ERR_INVALID,
			  "bad user name '%.64s': use 1 to %d characters of "
			  "a-z, 0-9, '.', '_' and '-'",
			  name ? name : "", AUTH_USER_MAX);
}

/* Hashes password into out; checks its length first. */
static ac_rc hash_password(const char *name, const char *password,
			   char out[STORE_PWHASH_MAX + 1], struct ac_err *err)
{
	size_t n = password ? strnlen(password, AUTH_PASSWORD_MAX + 1) : 0;

	if (n < AUTH_PASSWORD_MIN)
		return ac_err_set(err, AC_ERR_INVALID,
				  "password for '%s' is too short: use at "
				  "least %d bytes",
				  name, AUTH_PASSWORD_MIN);
	if (n > AUTH_PASSWORD_MAX)
		return ac_err_set(err, AC_ERR_INVALID,
				  "password for '%s' is too long: at most %d "
				  "bytes",
				  name, AUTH_PASSWORD_MAX);
	if (crypto_pwhash_str(out, password, n, pwhash_ops, pwhash_mem) != 0)
		return ac_err_set(err, AC_ERR_NOMEM,
				  "cannot hash the password for '%s': out of "
				  "memory",
				  name);
	return AC_OK;
}

ac_rc auth_user_add(struct store *s, const char *name, enum auth_role role,
		    const char *password, struct ac_err *err)
{
	struct store_user u;
	ac_rc rc;

	memset(&u, 0, sizeof(u));
	rc = check_name(name, err);
	if (rc)
		return rc;
	if ((unsigned)role >= AUTH_ROLE_COUNT)
		return ac_err_set(err, AC_ERR_INVALID,
				  "cannot add user '%s': bad role %d", name,
				  (int)role);
	rc = hash_password(name, password, u.pwhash, err);
	if (rc)
		goto out;
	snprintf(u.name, sizeof(u.name), "%s", name);
	snprintf(u.role, sizeof(u.role), "%s", role_names[role]);
	u.created_us = ac_now_us();
	rc = store_user_add(s, &u, err);
out:
	sodium_memzero(&u, sizeof(u));
	return rc;
}

ac_rc auth_user_set_password(struct store *s, const char *name,
			     const char *password, struct ac_err *err)
{
	char pwhash[STORE_PWHASH_MAX + 1];
	struct store_user u;
	ac_rc rc;

	rc = check_name(name, err);
	if (!rc)
		rc = store_user_get(s, name, &u, err);
	if (!rc)
		rc = hash_password(name, password, pwhash, err);
	if (!rc)
		rc = store_user_set_password(s, name, pwhash, err);
	sodium_memzero(&u, sizeof(u));
	sodium_memzero(pwhash, sizeof(pwhash));
	return rc;
}

ac_rc auth_user_disable(struct store *s, const char *name, struct ac_err *err)
{
	ac_rc rc = check_name(name, err);

	return rc ? rc : store_user_disable(s, name, err);
}

/* ---- tokens ---- */

/* BLAKE2b-256 of the secret, keyed with the token id. The secret is 256
 * random bits, so nobody can brute-force it and a slow password hash would
 * only cost every request time; keying with the id makes the stored hash
 * specific to its row. */
static void token_hash(const uint8_t secret[AUTH_TOKEN_SECRET_BYTES],
		       const char id[AUTH_TOKEN_ID_LEN],
		       uint8_t out[STORE_HASH_LEN])
{
	crypto_generichash(out, STORE_HASH_LEN, secret, AUTH_TOKEN_SECRET_BYTES,
			   (const unsigned char *)id, AUTH_TOKEN_ID_LEN);
}

static bool is_hex_id(const char *s, size_t n)
{
	if (n != AUTH_TOKEN_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Splits "acc_<id>_<secret>" strictly; false on any deviation. */
static bool token_split(const char *token, char id[AUTH_TOKEN_ID_BUF],
			uint8_t secret[AUTH_TOKEN_SECRET_BYTES])
{
	const char *b64, *end = NULL;
	size_t bin_len = 0;

	if (!token || strnlen(token, AUTH_TOKEN_LEN + 1) != AUTH_TOKEN_LEN)
		return false;
	b64 = token + TOKEN_PREFIX_LEN + AUTH_TOKEN_ID_LEN + 1;
	if (memcmp(token, TOKEN_PREFIX, TOKEN_PREFIX_LEN) != 0 ||
	    !is_hex_id(token + TOKEN_PREFIX_LEN, AUTH_TOKEN_ID_LEN) ||
	    token[TOKEN_PREFIX_LEN + AUTH_TOKEN_ID_LEN] != '_')
		return false;
	if (sodium_base642bin(secret, AUTH_TOKEN_SECRET_BYTES, b64,
			      TOKEN_SECRET_B64_LEN, NULL, &bin_len, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    bin_len != AUTH_TOKEN_SECRET_BYTES ||
	    end != b64 + TOKEN_SECRET_B64_LEN)
		return false;
	memcpy(id, token + TOKEN_PREFIX_LEN, AUTH_TOKEN_ID_LEN);
	id[AUTH_TOKEN_ID_LEN] = '\0';
	return true;
}

static ac_rc check_purpose(const char *purpose, struct ac_err *err)
{
	size_t n = strnlen(purpose, AUTH_PURPOSE_MAX + 1);

	if (n > AUTH_PURPOSE_MAX)
		return ac_err_set(err, AC_ERR_INVALID,
				  "token purpose is too long: at most %d bytes",
				  AUTH_PURPOSE_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)purpose[i] < 0x20 || purpose[i] == 0x7f)
			return ac_err_set(err, AC_ERR_INVALID,
					  "token purpose contains a control "
					  "character");
	return AC_OK;
}

/* Fills the parts of t that do not depend on the random values. */
static ac_rc token_fill(struct store *s, const char *user, int64_t expires_us,
			const char *partner, const char *purpose,
			struct store_token *t, struct ac_err *err)
{
	struct store_user u;
	int64_t now = ac_now_us();
	ac_rc rc;

	rc = check_name(user, err);
	if (!rc && partner && !auth_user_name_valid(partner))
		rc = ac_err_set(err, AC_ERR_INVALID, "bad partner name '%.64s'",
				partner);
	if (!rc && purpose)
		rc = check_purpose(purpose, err);
	if (!rc && expires_us != AUTH_EXPIRES_DEFAULT &&
	    expires_us != AUTH_EXPIRES_NEVER && expires_us <= now)
		rc = ac_err_set(err, AC_ERR_INVALID,
				"cannot create a token for '%s': its expiry "
				"is in the past",
				user);
	if (!rc)
		rc = store_user_get(s, user, &u, err);
	if (rc)
		goto out;
	if (u.disabled) {
		rc = ac_err_set(err, AC_ERR_INVALID,
				"cannot create a token for '%s': the user is "
				"disabled",
				user);
		goto out;
	}
	snprintf(t->user, sizeof(t->user), "%s", user);
	snprintf(t->partner, sizeof(t->partner), "%s", partner ? partner : "");
	snprintf(t->purpose, sizeof(t->purpose), "%s", purpose ? purpose : "");
	t->created_us = now;
	if (expires_us == AUTH_EXPIRES_DEFAULT)
		t->expires_us = now + AUTH_TOKEN_DEFAULT_LIFETIME_US;
	else if (expires_us == AUTH_EXPIRES_NEVER)
		t->expires_us = 0;
	else
		t->expires_us = expires_us;
out:
	sodium_memzero(&u, sizeof(u));
	return rc;
}

ac_rc auth_token_create(struct store *s, const char *user, int64_t expires_us,
			const char *partner, const char *purpose,
			char token_out[AUTH_TOKEN_BUF],
			char id_out[AUTH_TOKEN_ID_BUF], struct ac_err *err)
{
	uint8_t secret[AUTH_TOKEN_SECRET_BYTES];
	char b64[TOKEN_SECRET_B64_LEN + 1];
	uint8_t idbin[AUTH_TOKEN_ID_LEN / 2];
	struct store_token t;
	ac_rc rc;

	memset(&t, 0, sizeof(t));
	token_out[0] = '\0';
	id_out[0] = '\0';
	rc = token_fill(s, user, expires_us, partner, purpose, &t, err);
	if (rc)
		goto out;
	/* A fresh random id per try; a clash with 64 random bits is rare. */
	for (int i = 0; i < ID_RETRIES; i++) {
		randombytes_buf(idbin, sizeof(idbin));
		randombytes_buf(secret, sizeof(secret));
		sodium_bin2hex(t.id, sizeof(t.id), idbin, sizeof(idbin));
		token_hash(secret, t.id, t.hash);
		rc = store_token_add(s, &t, err);
		if (rc != AC_ERR_EXISTS)
			break;
	}
	if (rc)
		goto out;
	sodium_bin2base64(b64, sizeof(b64), secret, sizeof(secret),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(token_out, AUTH_TOKEN_BUF, TOKEN_PREFIX "%s_%s", t.id, b64);
	snprintf(id_out, AUTH_TOKEN_ID_BUF, "%s", t.id);
out:
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(b64, sizeof(b64));
	sodium_memzero(&t, sizeof(t));
	return rc;
}

ac_rc auth_token_revoke(struct store *s, const char *id, struct ac_err *err)
{
	/* Never echo a malformed id: it may be a pasted token. */
	if (!id || !is_hex_id(id, strnlen(id, AUTH_TOKEN_ID_LEN + 1)))
		return ac_err_set(err, AC_ERR_INVALID,
				  "not a token id: expected %d lower-case "
				  "hex digits",
				  AUTH_TOKEN_ID_LEN);
	return store_token_revoke(s, id, ac_now_us(), err);
}

/* ---- checks ---- */

static ac_rc deny(struct auth_subject *out, enum auth_reason why,
		  struct ac_err *err)
{
	memset(out, 0, sizeof(*out));
	out->reason = why;
	return ac_err_set(err, AC_ERR_PERM, "authentication failed");
}

/* A store failure: keep its code and message, note the reason. */
static ac_rc store_failed(struct auth_subject *out, ac_rc rc)
{
	memset(out, 0, sizeof(*out));
	out->reason = AUTH_REASON_STORE;
	return rc;
}

/* Fills out from an enabled user; denies a disabled or unusable one. */
static ac_rc admit_user(const struct store_user *u, struct auth_subject *out,
			struct ac_err *err)
{
	enum auth_role role = AUTH_ROLE_ANALYST;

	if (u->disabled)
		return deny(out, AUTH_REASON_USER_DISABLED, err);
	if (auth_role_parse(u->role, &role, NULL))
		return deny(out, AUTH_REASON_BAD_RECORD, err);
	snprintf(out->user, sizeof(out->user), "%s", u->name);
	out->role = role;
	out->reason = AUTH_REASON_OK;
	return AC_OK;
}

ac_rc auth_check_bearer(struct store *s, const char *token,
			struct auth_subject *out, struct ac_err *err)
{
	uint8_t secret[AUTH_TOKEN_SECRET_BYTES];
	uint8_t hash[STORE_HASH_LEN];
	char id[AUTH_TOKEN_ID_BUF];
	struct store_token t;
	struct store_user u;
	int64_t now = ac_now_us();
	ac_rc rc;

	memset(&u, 0, sizeof(u));
	memset(out, 0, sizeof(*out));
	if (!token_split(token, id, secret)) {
		rc = deny(out, AUTH_REASON_MALFORMED, err);
		goto out;
	}
	token_hash(secret, id, hash);
	rc = store_token_get(s, id, &t, err);
	if (rc == AC_ERR_NOTFOUND) {
		rc = deny(out, AUTH_REASON_UNKNOWN_TOKEN, err);
		goto out;
	}
	if (rc) {
		rc = store_failed(out, rc);
		goto out;
	}
	/* The secret first: only its holder learns (in logs) anything more. */
	if (sodium_memcmp(hash, t.hash, STORE_HASH_LEN) != 0)
		rc = deny(out, AUTH_REASON_BAD_SECRET, err);
	else if (t.revoked_us != 0)
		rc = deny(out, AUTH_REASON_TOKEN_REVOKED, err);
	else if (t.expires_us != 0 && now >= t.expires_us)
		rc = deny(out, AUTH_REASON_TOKEN_EXPIRED, err);
	if (rc)
		goto out;
	rc = store_user_get(s, t.user, &u, err);
	if (rc == AC_ERR_NOTFOUND)
		rc = deny(out, AUTH_REASON_UNKNOWN_USER, err);
	else if (rc)
		rc = store_failed(out, rc);
	else
		rc = admit_user(&u, out, err);
	if (rc)
		goto out;
	snprintf(out->token_id, sizeof(out->token_id), "%s", t.id);
	snprintf(out->partner, sizeof(out->partner), "%s", t.partner);
	snprintf(out->purpose, sizeof(out->purpose), "%s", t.purpose);
	out->is_partner = t.partner[0] != '\0';
	/* Best effort and at most once a minute: a lost update only makes
	 * last_used_us older. */
	if (now - t.last_used_us >= TOUCH_INTERVAL_US)
		store_token_touch(s, t.id, now, NULL);
out:
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(&u, sizeof(u));
	return rc;
}

/* A hash of a random password at the current cost, verified against when
 * the user does not exist so that costs the same as a wrong password. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static bool dummy_ok;
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_hash(void)
{
	char pw[33];

	randombytes_buf(pw, sizeof(pw) - 1);
	for (size_t i = 0; i < sizeof(pw) - 1; i++)
		pw[i] = (char)('a' + (unsigned char)pw[i] % 26);
	pw[sizeof(pw) - 1] = '\0';
	dummy_ok = crypto_pwhash_str(dummy_hash, pw, strlen(pw), pwhash_ops,
				     pwhash_mem) == 0;
	sodium_memzero(pw, sizeof(pw));
}

static void dummy_verify(const char *password, size_t n)
{
	volatile int sink = 0;

	pthread_once(&dummy_once, make_dummy_hash);
	if (dummy_ok)
		sink = crypto_pwhash_str_verify(dummy_hash, password, n);
	(void)sink;
}

ac_rc auth_check_basic(struct store *s, const char *user, const char *password,
		       struct auth_subject *out, struct ac_err *err)
{
	struct store_user u;
	size_t n;
	ac_rc rc;

	memset(&u, 0, sizeof(u));
	memset(out, 0, sizeof(*out));
	n = password ? strnlen(password, AUTH_PASSWORD_MAX + 1) : 0;
	if (!auth_user_name_valid(user) || !password || n > AUTH_PASSWORD_MAX)
		return deny(out, AUTH_REASON_MALFORMED, err);
	rc = store_user_get(s, user, &u, err);
	if (rc == AC_ERR_NOTFOUND) {
		dummy_verify(password, n);
		rc = deny(out, AUTH_REASON_UNKNOWN_USER, err);
	} else if (rc) {
		rc = store_failed(out, rc);
	} else if (crypto_pwhash_str_verify(u.pwhash, password, n) != 0) {
		rc = deny(out, AUTH_REASON_BAD_PASSWORD, err);
	} else {
		rc = admit_user(&u, out, err);
	}
	sodium_memzero(&u, sizeof(u));
	return rc;
}

/* ---- the Authorization header ---- */

void auth_credentials_wipe(struct auth_credentials *c)
{
	if (c)
		sodium_memzero(c, sizeof(*c));
}

static ac_rc parse_basic(const char *b64, size_t len,
			 struct auth_credentials *out, struct ac_err *err)
{
	char pair[BASIC_PAIR_MAX + 1];
	const char *end = NULL;
	const char *colon;
	size_t n = 0, user_len;
	ac_rc rc = AC_OK;

	if (len > BASIC_B64_MAX)
		return ac_err_set(err, AC_ERR_LIMIT,
				  "basic credentials are too long");
	if (sodium_base642bin((unsigned char *)pair, BASIC_PAIR_MAX, b64, len,
			      NULL, &n, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != b64 + len) {
		rc = ac_err_set(err, AC_ERR_PARSE,
				"basic credentials are not valid base64");
		goto out;
	}
	pair[n] = '\0';
	colon = memchr(pair, ':', n);
	if (memchr(pair, '\0', n) || !colon) {
		rc = ac_err_set(err, AC_ERR_PARSE,
				"basic credentials are not 'user:password'");
		goto out;
	}
	user_len = (size_t)(colon - pair);
	if (user_len > AUTH_USER_MAX || n - user_len - 1 > AUTH_PASSWORD_MAX) {
		rc = ac_err_set(err, AC_ERR_LIMIT,
				"basic user name or password is too long");
		goto out;
	}
	out->scheme = AUTH_SCHEME_BASIC;
	memcpy(out->user, pair, user_len);
	out->user[user_len] = '\0';
	memcpy(out->password, colon + 1, n - user_len - 1);
	out->password[n - user_len - 1] = '\0';
out:
	sodium_memzero(pair, sizeof(pair));
	return rc;
}

static ac_rc parse_bearer(const char *tok, size_t len,
			  struct auth_credentials *out, struct ac_err *err)
{
	if (len > AUTH_TOKEN_LEN)
		return ac_err_set(err, AC_ERR_LIMIT,
				  "bearer token is too long");
	out->scheme = AUTH_SCHEME_BEARER;
	memcpy(out->token, tok, len);
	out->token[len] = '\0';
	return AC_OK;
}

static bool scheme_is(const char *s, size_t len, const char *name)
{
	return strlen(name) == len && strncasecmp(s, name, len) == 0;
}

ac_rc auth_parse_authorization(const char *header, struct auth_credentials *out,
			       struct ac_err *err)
{
	const char *p, *cred;
	size_t len, scheme_len, cred_len;
	ac_rc rc;

	if (!out)
		return ac_err_set(err, AC_ERR_USAGE, "no credentials given");
	memset(out, 0, sizeof(*out));
	if (!header)
		return ac_err_set(err, AC_ERR_PARSE, "no authorization header");
	len = strnlen(header, AUTH_HEADER_MAX + 1);
	if (len > AUTH_HEADER_MAX)
		return ac_err_set(err, AC_ERR_LIMIT,
				  "authorization header is too long");
	for (p = header; *p && *p != ' '; p++)
		;
	scheme_len = (size_t)(p - header);
	while (*p == ' ')
		p++;
	cred = p;
	cred_len = len - (size_t)(cred - header);
	if (cred_len == 0 || cred == header + scheme_len)
		return ac_err_set(err, AC_ERR_PARSE,
				  "authorization header has no credentials");
	for (size_t i = 0; i < cred_len; i++)
		if ((unsigned char)cred[i] <= 0x20 || cred[i] == 0x7f)
			return ac_err_set(err, AC_ERR_PARSE,
					  "authorization credentials contain "
					  "a space or control character");
	if (scheme_is(header, scheme_len, "basic"))
		rc = parse_basic(cred, cred_len, out, err);
	else if (scheme_is(header, scheme_len, "bearer"))
		rc = parse_bearer(cred, cred_len, out, err);
	else
		rc = ac_err_set(err, AC_ERR_PARSE,
				"unsupported authorization scheme; use Basic "
				"or Bearer");
	if (rc)
		auth_credentials_wipe(out);
	return rc;
}

/* ---- expiry ---- */

static ac_rc parse_relative(const char *s, int64_t now_us, int64_t *out,
			    struct ac_err *err)
{
	size_t digits = strspn(s, "0123456789");
	int64_t n = 0, unit;

	if (digits == 0 || digits > EXPIRES_DIGITS_MAX || s[digits] == '\0' ||
	    s[digits + 1] != '\0')
		return ac_err_set(err, AC_ERR_PARSE,
				  "bad expiry '%.64s': use e.g. 30d, 12h, 90m, "
				  "2027-01-01T00:00:00Z or never",
				  s);
	switch (s[digits]) {
	case 'd':
		unit = 86400 * US_PER_SEC;
		break;
	case 'h':
		unit = 3600 * US_PER_SEC;
		break;
	case 'm':
		unit = 60 * US_PER_SEC;
		break;
	default:
		return ac_err_set(err, AC_ERR_PARSE,
				  "bad expiry unit in '%.64s': use d, h or m",
				  s);
	}
	for (size_t i = 0; i < digits; i++)
		n = n * 10 + (s[i] - '0');
	if (n == 0)
		return ac_err_set(err, AC_ERR_INVALID,
				  "expiry '%.64s' is not in the future", s);
	*out = now_us + n * unit;
	return AC_OK;
}

ac_rc auth_parse_expires(const char *s, int64_t now_us, int64_t *out,
			 struct ac_err *err)
{
	struct ac_ts ts;

	if (!s)
		return ac_err_set(err, AC_ERR_USAGE, "no expiry given");
	if (!strcmp(s, "never")) {
		*out = AUTH_EXPIRES_NEVER;
		return AC_OK;
	}
	if (s[0] >= '0' && s[0] <= '9' && !strchr(s, '-'))
		return parse_relative(s, now_us, out, err);
	if (!ac_ts_parse(s, &ts) || ts.sec <= 0 ||
	    ts.sec >= INT64_MAX / US_PER_SEC - 1)
		return ac_err_set(err, AC_ERR_PARSE,
				  "bad expiry '%.64s': use e.g. 30d, 12h, 90m, "
				  "2027-01-01T00:00:00Z or never",
				  s);
	*out = ts.sec * US_PER_SEC + ts.nsec / 1000;
	if (*out <= now_us)
		return ac_err_set(err, AC_ERR_INVALID,
				  "expiry '%.64s' is not in the future", s);
	return AC_OK;
}
