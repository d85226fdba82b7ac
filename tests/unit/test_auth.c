#include "base/common.h"
#include "auth/auth.h"
#include "base/time.h"
#include "crypto/keys.h"
#include "store/store.h"

#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#define PW "correct horse battery"
#define PW2 "another long password"

struct fixture {
	char dir[64];
	char path[96];
	struct store *s;
};

static void remove_store_files(const char *path)
{
	char p[128];
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ac_err err;

	assert_non_null(f);
	assert_int_equal(ac_crypto_init(&err), AC_OK);
	assert_int_equal(auth_set_pwhash_limits(crypto_pwhash_OPSLIMIT_MIN,
						crypto_pwhash_MEMLIMIT_MIN,
						&err),
			 AC_OK);
	snprintf(f->dir, sizeof(f->dir), "/tmp/accord-auth-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/s.db", f->dir);
	assert_int_equal(store_open(f->path, true, &f->s, &err), AC_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	remove_store_files(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Runs one SQL statement on the store file through a second connection. */
static void sql(const struct fixture *f, const char *stmt)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, stmt, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void add_alice(struct fixture *f)
{
	struct ac_err err;

	assert_int_equal(
	    auth_user_add(f->s, "alice", AUTH_ROLE_ANALYST, PW, &err), AC_OK);
}

static void make_token(struct fixture *f, const char *user, int64_t expires,
		       char tok[AUTH_TOKEN_BUF], char id[AUTH_TOKEN_ID_BUF])
{
	struct ac_err err;

	assert_int_equal(auth_token_create(f->s, user, expires, NULL, "triage",
					   tok, id, &err),
			 AC_OK);
}

/* ---- roles ---- */

static void roles_parse(void **state)
{
	enum auth_role r;
	struct ac_err err;
	(void)state;
	assert_int_equal(auth_role_parse("supervisor", &r, &err), AC_OK);
	assert_int_equal(r, AUTH_ROLE_SUPERVISOR);
	assert_string_equal(auth_role_name(AUTH_ROLE_AUDITOR), "auditor");
	assert_int_equal(auth_role_parse("Admin", &r, &err), AC_ERR_PARSE);
	assert_non_null(strstr(err.msg, "'Admin'"));
	assert_int_equal(auth_role_parse("", &r, &err), AC_ERR_PARSE);
	assert_int_equal(auth_role_parse(NULL, &r, &err), AC_ERR_PARSE);
}

static void role_mask_parse(void **state)
{
	char txt[AUTH_ROLE_MASK_STRLEN];
	auth_role_mask m = 99;
	struct ac_err err;
	(void)state;
	assert_int_equal(auth_role_mask_parse("analyst,supervisor", &m, &err),
			 AC_OK);
	assert_int_equal(m, AUTH_ROLE_BIT(AUTH_ROLE_ANALYST) |
				AUTH_ROLE_BIT(AUTH_ROLE_SUPERVISOR));
	assert_true(auth_role_mask_has(m, AUTH_ROLE_ANALYST));
	assert_false(auth_role_mask_has(m, AUTH_ROLE_ADMIN));
	assert_int_equal(auth_role_mask_parse(" admin , auditor ", &m, &err),
			 AC_OK);
	auth_role_mask_format(m, txt);
	assert_string_equal(txt, "admin,auditor");
	assert_int_equal(auth_role_mask_parse("", &m, &err), AC_OK);
	assert_int_equal(m, 0);
	m = 7;
	assert_int_equal(auth_role_mask_parse("analyst,boss", &m, &err),
			 AC_ERR_PARSE);
	assert_non_null(strstr(err.msg, "'boss'"));
	assert_int_equal(m, 7);
	assert_int_equal(auth_role_mask_parse("analyst,,admin", &m, &err),
			 AC_ERR_PARSE);
	assert_int_equal(auth_role_mask_parse("analyst,", &m, &err),
			 AC_ERR_PARSE);
	assert_int_equal(auth_role_mask_parse(",", &m, &err), AC_ERR_PARSE);
}

/* ---- users ---- */

static void schema_is_version_2(void **state)
{
	struct fixture *f = *state;
	sqlite3_stmt *st;
	sqlite3 *db;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 4);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void user_add_and_duplicate(void **state)
{
	struct fixture *f = *state;
	struct store_user u;
	struct ac_err err;

	add_alice(f);
	assert_int_equal(store_user_get(f->s, "alice", &u, &err), AC_OK);
	assert_string_equal(u.role, "analyst");
	assert_false(u.disabled);
	assert_true(u.created_us > 0);
	assert_non_null(strstr(u.pwhash, "$argon2id$"));
	assert_null(strstr(u.pwhash, PW));
	assert_int_equal(
	    auth_user_add(f->s, "alice", AUTH_ROLE_ADMIN, PW2, &err),
	    AC_ERR_EXISTS);
	assert_int_equal(store_user_get(f->s, "bob", &u, &err),
			 AC_ERR_NOTFOUND);
}

static void user_bad_names(void **state)
{
	static const char *const bad[] = {"",	 "Alice",  "a b",
					  "a/b", "al:ice", "\xc3\xa9t\xc3\xa9"};
	struct fixture *f = *state;
	char name[80];
	struct ac_err err;

	for (size_t i = 0; i < AC_ARRAY_LEN(bad); i++)
		assert_int_equal(
		    auth_user_add(f->s, bad[i], AUTH_ROLE_ANALYST, PW, &err),
		    AC_ERR_INVALID);
	assert_int_equal(auth_user_add(f->s, NULL, AUTH_ROLE_ANALYST, PW, &err),
			 AC_ERR_INVALID);
	memset(name, 'a', 65);
	name[65] = '\0';
	assert_int_equal(auth_user_add(f->s, name, AUTH_ROLE_ANALYST, PW, &err),
			 AC_ERR_INVALID);
	name[64] = '\0';
	assert_int_equal(auth_user_add(f->s, name, AUTH_ROLE_ANALYST, PW, &err),
			 AC_OK);
	assert_int_equal(
	    auth_user_add(f->s, "x.y_z-9", AUTH_ROLE_AUDITOR, PW, &err), AC_OK);
	assert_int_equal(
	    auth_user_add(f->s, "carol", AUTH_ROLE_COUNT, PW, &err),
	    AC_ERR_INVALID);
}

static void user_password_rules(void **state)
{
	struct fixture *f = *state;
	char big[AUTH_PASSWORD_MAX + 2];
	struct ac_err err;

	assert_int_equal(
	    auth_user_add(f->s, "bob", AUTH_ROLE_ANALYST, "elevenchars", &err),
	    AC_ERR_INVALID);
	assert_non_null(strstr(err.msg, "too short"));
	assert_int_equal(
	    auth_user_add(f->s, "bob", AUTH_ROLE_ANALYST, NULL, &err),
	    AC_ERR_INVALID);
	memset(big, 'p', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(
	    auth_user_add(f->s, "bob", AUTH_ROLE_ANALYST, big, &err),
	    AC_ERR_INVALID);
	assert_int_equal(
	    auth_user_add(f->s, "bob", AUTH_ROLE_ANALYST, "twelve chars", &err),
	    AC_OK);
}

static void basic_check(void **state)
{
	struct fixture *f = *state;
	struct auth_subject sub;
	struct ac_err err, err2;

	add_alice(f);
	assert_int_equal(auth_check_basic(f->s, "alice", PW, &sub, &err),
			 AC_OK);
	assert_string_equal(sub.user, "alice");
	assert_int_equal(sub.role, AUTH_ROLE_ANALYST);
	assert_string_equal(sub.token_id, "");
	assert_false(sub.is_partner);
	assert_int_equal(sub.reason, AUTH_REASON_OK);

	assert_int_equal(auth_check_basic(f->s, "alice", PW2, &sub, &err),
			 AC_ERR_PERM);
	assert_int_equal(sub.reason, AUTH_REASON_BAD_PASSWORD);
	assert_string_equal(sub.user, "");
	assert_int_equal(auth_check_basic(f->s, "nobody", PW, &sub, &err2),
			 AC_ERR_PERM);
	assert_int_equal(sub.reason, AUTH_REASON_UNKNOWN_USER);
	/* The client sees the same words either way. */
	assert_string_equal(err.msg, err2.msg);
	assert_null(strstr(err2.msg, "nobody"));
	assert_int_equal(auth_check_basic(f->s, "Bad Name", PW, &sub, &err),
			 AC_ERR_PERM);
	assert_int_equal(sub.reason, AUTH_REASON_MALFORMED);
	assert_int_equal(auth_check_basic(f->s, "alice", NULL, &sub, &err),
			 AC_ERR_PERM);
}

static void basic_password_change_and_disable(void **state)
{
	struct fixture *f = *state;
	struct auth_subject sub;
	struct ac_err err;

	add_alice(f);
	assert_int_equal(auth_user_set_password(f->s, "alice", PW2, &err),
			 AC_OK);
	assert_int_equal(auth_check_basic(f->s, "alice", PW, &sub, &err),
			 AC_ERR_PERM);
	assert_int_equal(auth_check_basic(f->s, "alice", PW2, &sub, &err),
			 AC_OK);
	assert_int_equal(auth_user_set_password(f->s, "alice", "short", &err),
			 AC_ERR_INVALID);
	assert_int_equal(auth_user_set_password(f->s, "nobody", PW2, &err),
			 AC_ERR_NOTFOUND);
	assert_int_equal(auth_user_disable(f->s, "alice", &err), AC_OK);
	assert_int_equal(auth_check_basic(f->s, "alice", PW2, &sub, &err),
			 AC_ERR_PERM);
	assert_int_equal(sub.reason, AUTH_REASON_USER_DISABLED);
	assert_string_equal(err.msg, "authentication failed");
	assert_int_equal(auth_user_disable(f->s, "nobody", &err),
			 AC_ERR_NOTFOUND);
}

/* ---- tokens ---- */

static void token_create_and_check(void **state)
{
	struct fixture *f = *state;
	char tok[AUTH_TOKEN_BUF], id[AUTH_TOKEN_ID_BUF];
	struct auth_subject sub;
	struct store_token t;
	struct ac_err err;

	add_alice(f);
	make_token(f, "alice", AUTH_EXPIRES_DEFAULT, tok, id);
	assert_int_equal(strlen(tok), AUTH_TOKEN_LEN);
	assert_int_equal(strncmp(tok, "acc_", 4), 0);
	assert_int_equal(strncmp(tok + 4, id, AUTH_TOKEN_ID_LEN), 0);
	assert_int_equal(tok[20], '_');
	assert_int_equal(strspn(id, "0123456789abcdef"), AUTH_TOKEN_ID_LEN);

	assert_int_equal(store_token_get(f->s, id, &t, &err), AC_OK);
	assert_int_equal(t.last_used_us, 0);
	assert_int_equal(t.expires_us - t.created_us,
			 AUTH_TOKEN_DEFAULT_LIFETIME_US);
	assert_string_equal(t.purpose, "triage");

	assert_int_equal(auth_check_bearer(f->s, tok, &sub, &err), AC_OK);
	assert_string_equal(sub.user, "alice");
	assert_int_equal(sub.role, AUTH_ROLE_ANALYST);
	assert_string_equal(sub.token_id, id);
	assert_string_equal(sub.purpose, "triage");
	assert_string_equal(sub.partner, "");
	assert_false(sub.is_partner);
	assert_int_equal(store_token_get(f->s, id, &t, &err), AC_OK);
	assert_true(t.last_used_us >= t.created_us);
}

static void token_partner_and_never(void **state)
{
	struct fixture *f = *state;
	char tok[AUTH_TOKEN_BUF], id[AUTH_TOKEN_ID_BUF];
	struct auth_subject sub;
	struct store_token t;
	struct ac_err err;

	add_alice(f);
	assert_int_equal(auth_token_create(f->s, "alice", AUTH_EXPIRES_NEVER,
					   "node-kz", NULL, tok, id, &err),
			 AC_OK);
	assert_int_equal(store_token_get(f->s, id, &t, &err), AC_OK);
	assert_int_equal(t.expires_us, 0);
	assert_int_equal(auth_check_bearer(f->s, tok, &sub, &err), AC_OK);
	assert_true(sub.is_partner);
	assert_string_equal(sub.partner, "node-kz");
	assert_string_equal(sub.purpose, "");
	assert_int_equal(auth_token_create(f->s, "alice", AUTH_EXPIRES_NEVER,
					   "Bad Partner", NULL, tok, id, &err),
			 AC_ERR_INVALID);
	assert_int_equal(auth_token_create(f->s, "alice", AUTH_EXPIRES_NEVER,
					   NULL, "bad\npurpose", tok, id, &err),
			 AC_ERR_INVALID);
	assert_string_equal(tok, "");
}

static void token_create_refusals(void **state)
{
	struct fixture *f = *state;
	char tok[AUTH_TOKEN_BUF], id[AUTH_TOKEN_ID_BUF];
	struct ac_err err;

	add_alice(f);
	assert_int_equal(
	    auth_token_create(f->s, "nobody", 0, NULL, NULL, tok, id, &err),
	    AC_ERR_NOTFOUND);
	assert_int_equal(
	    auth_token_create(f->s, "alice", 1000, NULL, NULL, tok, id, &err),
	    AC_ERR_INVALID);
	assert_non_null(strstr(err.msg, "past"));
	assert_int_equal(auth_user_disable(f->s, "alice", &err), AC_OK);
	assert_int_equal(
	    auth_token_create(f->s, "alice", 0, NULL, NULL, tok, id, &err),
	    AC_ERR_INVALID);
	assert_non_null(strstr(err.msg, "disabled"));
}

static void token_wrong_secret_and_unknown_id(void **state)
{
	struct fixture *f = *state;
	char tok[AUTH_TOKEN_BUF], id[AUTH_TOKEN_ID_BUF], bad[AUTH_TOKEN_BUF];
	struct auth_subject sub;
	struct ac_err err;

	add_alice(f);
	make_token(f, "alice", 0, tok, id);
	memcpy(bad, tok, sizeof(bad));
	bad[30] = bad[30] == 'A' ? 'B' : 'A';
	assert_int_equal(auth_check_bearer(f->s, bad, &sub, &err), AC_ERR_PERM);
	assert_int_equal(sub.reason, AUTH_REASON_BAD_SECRET);
	assert_string_equal(sub.user, "");
	assert_string_equal(err.msg, "authentication failed");

	memcpy(bad, tok, sizeof(bad));
	bad[4] = bad[4] == '0' ? '1' : '0';
	assert_int_equal(auth_check_bearer(f->s, bad, &sub, &err), AC_ERR_PERM);
	assert_int_equal(sub.reason, AUTH_REASON_UNKNOWN_TOKEN);
	assert_string_equal(err.msg, "authentication failed");
}

static void token_malformed(void **state)
{
	struct fixture *f = *state;
	char tok[AUTH_TOKEN_BUF], id[AUTH_TOKEN_ID_BUF], bad[AUTH_TOKEN_BUF];
	char huge[10000];
	struct auth_subject sub;
	struct ac_err err;

	add_alice(f);
	make_token(f, "alice", 0, tok, id);
	memset(huge, 'a', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	memcpy(huge, tok, AUTH_TOKEN_LEN);
	const char *cases[] = {"", huge, NULL, "acc_", "Bearer x"};
	for (size_t i = 0; i < AC_ARRAY_LEN(cases); i++) {
		assert_int_equal(auth_check_bearer(f->s, cases[i], &sub, &err),
				 AC_ERR_PERM);
		assert_int_equal(sub.reason, AUTH_REASON_MALFORMED);
	}
	/* Each position broken in turn: prefix, id case, separator, base64,
	 * length. */
	memcpy(bad, tok, sizeof(bad));
	bad[0] = 'x';
	assert_int_equal(auth_check_bearer(f->s, bad, &sub, &err), AC_ERR_PERM);
	assert_int_equal(sub.reason, AUTH_REASON_MALFORMED);
	memcpy(bad, tok, sizeof(bad));
	bad[5] = 'G';
	assert_int_equal(auth_check_bearer(f->s, bad, &sub, &err), AC_ERR_PERM);
	assert_int_equal(sub.reason, AUTH_REASON_MALFORMED);
	memcpy(bad, tok, sizeof(bad));
	bad[20] = '-';
	assert_int_equal(auth_check_bearer(f->s, bad, &sub, &err), AC_ERR_PERM);
	assert_int_equal(sub.reason, AUTH_REASON_MALFORMED);
	memcpy(bad, tok, sizeof(bad));
	bad[40] = '!';
	assert_int_equal(auth_check_bearer(f->s, bad, &sub, &err), AC_ERR_PERM);
	assert_int_equal(sub.reason, AUTH_REASON_MALFORMED);
	memcpy(bad, tok, sizeof(bad));
	bad[40] = '+'; /* standard base64, not base64url */
	assert_int_equal(auth_check_bearer(f->s, bad, &sub, &err), AC_ERR_PERM);
	assert_int_equal(sub.reason, AUTH_REASON_MALFORMED);
	memcpy(bad, tok, sizeof(bad));
	bad[AUTH_TOKEN_LEN - 1] = '\0';
	assert_int_equal(auth_check_bearer(f->s, bad, &sub, &err), AC_ERR_PERM);
	assert_int_equal(sub.reason, AUTH_REASON_MALFORMED);
	/* The original still works. */
	assert_int_equal(auth_check_bearer(f->s, tok, &sub, &err), AC_OK);
}

static void token_expired_revoked_disabled(void **state)
{
	struct fixture *f = *state;
	char t1[AUTH_TOKEN_BUF], t2[AUTH_TOKEN_BUF], t3[AUTH_TOKEN_BUF];
	char id1[AUTH_TOKEN_ID_BUF], id2[AUTH_TOKEN_ID_BUF];
	char id3[AUTH_TOKEN_ID_BUF], q[200];
	struct auth_subject sub;
	struct store_token t;
	struct ac_err err;

	add_alice(f);
	assert_int_equal(
	    auth_user_add(f->s, "bob", AUTH_ROLE_SUPERVISOR, PW, &err), AC_OK);
	make_token(f, "alice", 0, t1, id1);
	make_token(f, "alice", 0, t2, id2);
	make_token(f, "bob", 0, t3, id3);

	snprintf(q, sizeof(q),
		 "UPDATE tokens SET expires_us = 1000 WHERE id = '%s'", id1);
	sql(f, q);
	assert_int_equal(auth_check_bearer(f->s, t1, &sub, &err), AC_ERR_PERM);
	assert_int_equal(sub.reason, AUTH_REASON_TOKEN_EXPIRED);

	assert_int_equal(auth_check_bearer(f->s, t2, &sub, &err), AC_OK);
	assert_int_equal(auth_token_revoke(f->s, id2, &err), AC_OK);
	assert_int_equal(store_token_get(f->s, id2, &t, &err), AC_OK);
	assert_true(t.revoked_us > 0);
	assert_int_equal(auth_check_bearer(f->s, t2, &sub, &err), AC_ERR_PERM);
	assert_int_equal(sub.reason, AUTH_REASON_TOKEN_REVOKED);
	assert_string_equal(err.msg, "authentication failed");
	assert_int_equal(auth_token_revoke(f->s, id2, &err), AC_OK);
	assert_int_equal(auth_token_revoke(f->s, "0000000000000000", &err),
			 AC_ERR_NOTFOUND);
	assert_int_equal(auth_token_revoke(f->s, t3, &err), AC_ERR_INVALID);
	assert_null(strstr(err.msg, t3 + 21));

	assert_int_equal(auth_check_bearer(f->s, t3, &sub, &err), AC_OK);
	assert_int_equal(sub.role, AUTH_ROLE_SUPERVISOR);
	assert_int_equal(auth_user_disable(f->s, "bob", &err), AC_OK);
	assert_int_equal(auth_check_bearer(f->s, t3, &sub, &err), AC_ERR_PERM);
	assert_int_equal(sub.reason, AUTH_REASON_USER_DISABLED);
}

/* Reads a whole file (the store and its WAL) into a malloc'd buffer. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *data = NULL;
	long n;

	*len = 0;
	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 && (data = malloc((size_t)n + 1)))
		*len = fread(data, 1, (size_t)n, fp);
	fclose(fp);
	return data;
}

static void assert_not_in_file(const char *path, const void *needle, size_t n)
{
	size_t len;
	uint8_t *data = slurp(path, &len);

	if (data)
		assert_null(memmem(data, len, needle, n));
	free(data);
}

static void token_secret_never_stored(void **state)
{
	struct fixture *f = *state;
	char tok[AUTH_TOKEN_BUF], id[AUTH_TOKEN_ID_BUF], wal[128];
	uint8_t secret[AUTH_TOKEN_SECRET_BYTES];
	size_t n = 0;
	struct store_token t;
	struct ac_err err;

	add_alice(f);
	make_token(f, "alice", 0, tok, id);
	assert_int_equal(
	    sodium_base642bin(secret, sizeof(secret), tok + 21, 43, NULL, &n,
			      NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
	    0);
	assert_int_equal(n, sizeof(secret));
	assert_int_equal(store_token_get(f->s, id, &t, &err), AC_OK);
	assert_memory_not_equal(t.hash, secret, STORE_HASH_LEN);
	/* Unkeyed BLAKE2b of the secret is not what is stored either. */
	uint8_t plain[32];
	crypto_generichash(plain, 32, secret, 32, NULL, 0);
	assert_memory_not_equal(t.hash, plain, 32);

	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_not_in_file(f->path, tok + 21, 43);
	assert_not_in_file(wal, tok + 21, 43);
	assert_not_in_file(f->path, secret, sizeof(secret));
	assert_not_in_file(wal, secret, sizeof(secret));
	/* ...while the id is there, so the search does look. */
	size_t len;
	uint8_t *data = slurp(wal, &len);
	assert_non_null(data);
	assert_non_null(memmem(data, len, id, strlen(id)));
	free(data);
}

struct listed {
	int users, tokens;
	char first_user[80];
};

static int count_user(const struct store_user *u, void *ctx)
{
	struct listed *l = ctx;
	if (!l->users++)
		snprintf(l->first_user, sizeof(l->first_user), "%s", u->name);
	return 0;
}

static int count_token(const struct store_token *t, void *ctx)
{
	struct listed *l = ctx;
	(void)t;
	l->tokens++;
	return 0;
}

static void lists(void **state)
{
	struct fixture *f = *state;
	char tok[AUTH_TOKEN_BUF], id[AUTH_TOKEN_ID_BUF];
	struct listed l = {0, 0, ""};
	struct ac_err err;

	add_alice(f);
	assert_int_equal(
	    auth_user_add(f->s, "aaron", AUTH_ROLE_ADMIN, PW, &err), AC_OK);
	make_token(f, "alice", 0, tok, id);
	make_token(f, "alice", 0, tok, id);
	make_token(f, "aaron", 0, tok, id);
	assert_int_equal(store_user_list(f->s, count_user, &l, &err), AC_OK);
	assert_int_equal(l.users, 2);
	assert_string_equal(l.first_user, "aaron");
	assert_int_equal(store_token_list(f->s, NULL, count_token, &l, &err),
			 AC_OK);
	assert_int_equal(l.tokens, 3);
	l.tokens = 0;
	assert_int_equal(store_token_list(f->s, "alice", count_token, &l, &err),
			 AC_OK);
	assert_int_equal(l.tokens, 2);
	l.tokens = 0;
	assert_int_equal(
	    store_token_list(f->s, "nobody", count_token, &l, &err), AC_OK);
	assert_int_equal(l.tokens, 0);
}

/* ---- the Authorization header ---- */

static void header_basic(void **state)
{
	struct auth_credentials c;
	struct ac_err err;
	char hdr[200], b64[160];
	const char *pair = "alice:pa:ss word";
	(void)state;
	sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)pair,
			  strlen(pair), sodium_base64_VARIANT_ORIGINAL);
	snprintf(hdr, sizeof(hdr), "Basic %s", b64);
	assert_int_equal(auth_parse_authorization(hdr, &c, &err), AC_OK);
	assert_int_equal(c.scheme, AUTH_SCHEME_BASIC);
	assert_string_equal(c.user, "alice");
	assert_string_equal(c.password, "pa:ss word");
	snprintf(hdr, sizeof(hdr), "bAsIc   %s", b64);
	assert_int_equal(auth_parse_authorization(hdr, &c, &err), AC_OK);
	auth_credentials_wipe(&c);
	assert_string_equal(c.password, "");

	/* no colon */
	sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)"alice", 5,
			  sodium_base64_VARIANT_ORIGINAL);
	snprintf(hdr, sizeof(hdr), "Basic %s", b64);
	assert_int_equal(auth_parse_authorization(hdr, &c, &err), AC_ERR_PARSE);
	/* NUL inside */
	sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)"al\0ce:pw",
			  8, sodium_base64_VARIANT_ORIGINAL);
	snprintf(hdr, sizeof(hdr), "Basic %s", b64);
	assert_int_equal(auth_parse_authorization(hdr, &c, &err), AC_ERR_PARSE);
	/* bad base64: wrong alphabet, missing padding, trailing junk */
	assert_int_equal(
	    auth_parse_authorization("Basic YWxpY2U6cHc*", &c, &err),
	    AC_ERR_PARSE);
	assert_int_equal(
	    auth_parse_authorization("Basic YWxpY2U6cHc", &c, &err),
	    AC_ERR_PARSE);
	assert_int_equal(
	    auth_parse_authorization("Basic YWxpY2U6cHc= x", &c, &err),
	    AC_ERR_PARSE);
	assert_int_equal(
	    auth_parse_authorization("Basic YWxpY2U6cHc=", &c, &err), AC_OK);
	assert_string_equal(c.password, "pw");
	/* the message never quotes the credentials */
	assert_int_equal(auth_parse_authorization("Basic c2VjcmV0*", &c, &err),
			 AC_ERR_PARSE);
	assert_null(strstr(err.msg, "c2VjcmV0"));
}

static void header_schemes_and_sizes(void **state)
{
	struct auth_credentials c;
	struct ac_err err;
	char *huge;
	(void)state;
	assert_int_equal(auth_parse_authorization("Bearer acc_x", &c, &err),
			 AC_OK);
	assert_int_equal(c.scheme, AUTH_SCHEME_BEARER);
	assert_string_equal(c.token, "acc_x");
	assert_int_equal(auth_parse_authorization("BEARER acc_x", &c, &err),
			 AC_OK);
	assert_int_equal(auth_parse_authorization("Digest acc_x", &c, &err),
			 AC_ERR_PARSE);
	assert_int_equal(auth_parse_authorization("Bearerx acc_x", &c, &err),
			 AC_ERR_PARSE);
	assert_int_equal(auth_parse_authorization("Bearer", &c, &err),
			 AC_ERR_PARSE);
	assert_int_equal(auth_parse_authorization("Bearer   ", &c, &err),
			 AC_ERR_PARSE);
	assert_int_equal(auth_parse_authorization("", &c, &err), AC_ERR_PARSE);
	assert_int_equal(auth_parse_authorization(NULL, &c, &err),
			 AC_ERR_PARSE);
	assert_int_equal(auth_parse_authorization("Bearer a b", &c, &err),
			 AC_ERR_PARSE);
	assert_int_equal(auth_parse_authorization("Bearer a\tb", &c, &err),
			 AC_ERR_PARSE);

	huge = malloc(AUTH_HEADER_MAX + 100);
	assert_non_null(huge);
	memcpy(huge, "Bearer ", 7);
	memset(huge + 7, 'a', AUTH_HEADER_MAX + 50);
	huge[AUTH_HEADER_MAX + 57] = '\0';
	assert_int_equal(auth_parse_authorization(huge, &c, &err),
			 AC_ERR_LIMIT);
	huge[7 + AUTH_TOKEN_LEN + 1] = '\0';
	assert_int_equal(auth_parse_authorization(huge, &c, &err),
			 AC_ERR_LIMIT);
	huge[7 + AUTH_TOKEN_LEN] = '\0';
	assert_int_equal(auth_parse_authorization(huge, &c, &err), AC_OK);
	memcpy(huge, "Basic  ", 7);
	memset(huge + 7, 'a', AUTH_HEADER_MAX);
	huge[AUTH_HEADER_MAX - 4] = '\0';
	assert_int_equal(auth_parse_authorization(huge, &c, &err),
			 AC_ERR_LIMIT);
	free(huge);
}

static void expires_parsing(void **state)
{
	const int64_t now = 1800000000LL * 1000000;
	const int64_t day = 86400LL * 1000000;
	struct ac_err err;
	int64_t t;
	(void)state;
	assert_int_equal(auth_parse_expires("30d", now, &t, &err), AC_OK);
	assert_int_equal(t, now + 30 * day);
	assert_int_equal(auth_parse_expires("12h", now, &t, &err), AC_OK);
	assert_int_equal(t, now + day / 2);
	assert_int_equal(auth_parse_expires("never", now, &t, &err), AC_OK);
	assert_int_equal(t, AUTH_EXPIRES_NEVER);
	assert_int_equal(
	    auth_parse_expires("2037-01-01T00:00:00Z", now, &t, &err), AC_OK);
	assert_int_equal(t, 2114380800LL * 1000000);
	assert_int_equal(
	    auth_parse_expires("2020-01-01T00:00:00Z", now, &t, &err),
	    AC_ERR_INVALID);
	assert_int_equal(auth_parse_expires("0d", now, &t, &err),
			 AC_ERR_INVALID);
	static const char *const bad[] = {"",	 "30",	  "30x",
					  "d",	 "30dd",  "9999999d",
					  "-5d", "Never", "2037-01-01"};
	for (size_t i = 0; i < AC_ARRAY_LEN(bad); i++)
		assert_int_equal(auth_parse_expires(bad[i], now, &t, &err),
				 AC_ERR_PARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(roles_parse),
	    cmocka_unit_test(role_mask_parse),
	    cmocka_unit_test_setup_teardown(schema_is_version_2, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(user_add_and_duplicate, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(user_bad_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(user_password_rules, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(basic_check, setup, teardown),
	    cmocka_unit_test_setup_teardown(basic_password_change_and_disable,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(token_create_and_check, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(token_partner_and_never, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(token_create_refusals, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(token_wrong_secret_and_unknown_id,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(token_malformed, setup, teardown),
	    cmocka_unit_test_setup_teardown(token_expired_revoked_disabled,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(token_secret_never_stored, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(lists, setup, teardown),
	    cmocka_unit_test(header_basic),
	    cmocka_unit_test(header_schemes_and_sizes),
	    cmocka_unit_test(expires_parsing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
