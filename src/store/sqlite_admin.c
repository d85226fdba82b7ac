/* Admin records of the SQLite store: the users and tokens tables of schema
 * version 2 (see store.h). Statements are prepared per call: these are
 * rare next to object reads and writes. */
#include "base/common.h"
#include "store/store_sqlite.h"

#define USER_COLUMNS "name, role, pwhash, created_us, disabled"
#define TOKEN_COLUMNS                                                          \
	"id, user, hash, created_us, expires_us, revoked_us, partner,"         \
	" purpose, last_used_us"

static ac_rc read_user(sqlite3_stmt *st, struct store_user *u,
		       struct ac_err *err)
{
	ac_rc rc;

	memset(u, 0, sizeof(*u));
	rc = store_sqlite_column_text(st, 0, u->name, sizeof(u->name), err);
	if (!rc)
		rc = store_sqlite_column_text(st, 1, u->role, sizeof(u->role), err);
	if (!rc)
		rc = store_sqlite_column_text(st, 2, u->pwhash, sizeof(u->pwhash), err);
	u->created_us = sqlite3_column_int64(st, 3);
	u->disabled = sqlite3_column_int(st, 4) != 0;
	return rc;
}

static ac_rc read_token(sqlite3_stmt *st, struct store_token *t,
			struct ac_err *err)
{
	const void *hash;
	ac_rc rc;

	memset(t, 0, sizeof(*t));
	rc = store_sqlite_column_text(st, 0, t->id, sizeof(t->id), err);
	if (!rc)
		rc = store_sqlite_column_text(st, 1, t->user, sizeof(t->user), err);
	hash = sqlite3_column_blob(st, 2);
	if (!rc && (!hash || sqlite3_column_bytes(st, 2) != STORE_HASH_LEN))
		rc =
		    ac_err_set(err, AC_ERR_STORE,
			       "store: token '%s' has a malformed hash", t->id);
	if (!rc)
		memcpy(t->hash, hash, STORE_HASH_LEN);
	t->created_us = sqlite3_column_int64(st, 3);
	t->expires_us = sqlite3_column_int64(st, 4);
	t->revoked_us = sqlite3_column_int64(st, 5);
	if (!rc)
		rc = store_sqlite_column_text(st, 6, t->partner, sizeof(t->partner), err);
	if (!rc)
		rc = store_sqlite_column_text(st, 7, t->purpose, sizeof(t->purpose), err);
	t->last_used_us = sqlite3_column_int64(st, 8);
	return rc;
}

/* Runs a prepared write; AC_ERR_NOTFOUND if it changed no row. */
static ac_rc run_write(sqlite3 *db, sqlite3_stmt *st, const char *what,
		       const char *subject, struct ac_err *err)
{
	int src = sqlite3_step(st);

	if (src != SQLITE_DONE)
		return store_sqlite_db_err(db, src, "cannot write to", err);
	if (sqlite3_changes(db) == 0)
		return ac_err_set(err, AC_ERR_NOTFOUND, "no %s '%s'", what,
				  subject);
	return AC_OK;
}

ac_rc store_sqlite_user_add(struct store *s, const struct store_user *u,
			    struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	if (!store_sqlite_fits(u->name, sizeof(u->name)) ||
	    !store_sqlite_fits(u->role, sizeof(u->role)) ||
	    !store_sqlite_fits(u->pwhash, sizeof(u->pwhash)))
		return ac_err_set(err, AC_ERR_LIMIT,
				  "cannot add user: a field is not terminated");
	rc = store_sqlite_prepare(db,
		     "INSERT INTO users (" USER_COLUMNS
		     ") VALUES (?1, ?2, ?3, ?4, ?5)",
		     &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, u->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, u->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, u->pwhash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, u->created_us);
	sqlite3_bind_int(st, 5, u->disabled ? 1 : 0);
	src = sqlite3_step(st);
	if (src == SQLITE_CONSTRAINT_PRIMARYKEY)
		rc = ac_err_set(err, AC_ERR_EXISTS,
				"cannot add user '%s': the name is taken",
				u->name);
	else if (src != SQLITE_DONE)
		rc = store_sqlite_db_err(db, src, "cannot add a user to", err);
out:
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_sqlite_user_get(struct store *s, const char *name,
			    struct store_user *out, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	rc = store_sqlite_prepare(db, "SELECT " USER_COLUMNS " FROM users WHERE name = ?1",
		     &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		rc = read_user(st, out, err);
	else if (src == SQLITE_DONE)
		rc = ac_err_set(err, AC_ERR_NOTFOUND, "no user '%s'", name);
	else
		rc = store_sqlite_db_err(db, src, "cannot read a user from", err);
out:
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_sqlite_user_list(struct store *s, store_user_cb cb, void *ctx,
			     struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	struct store_user u;
	sqlite3_stmt *st = NULL;
	int src = SQLITE_DONE;
	ac_rc rc;

	rc = store_sqlite_prepare(db, "SELECT " USER_COLUMNS " FROM users ORDER BY name",
		     &st, err);
	while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
		rc = read_user(st, &u, err);
		if (!rc && cb(&u, ctx))
			goto out;
	}
	if (!rc && src != SQLITE_DONE)
		rc = store_sqlite_db_err(db, src, "cannot list the users of", err);
out:
	memset(&u, 0, sizeof(u));
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_sqlite_user_set_password(struct store *s, const char *name,
				     const char *pwhash, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;

	if (!store_sqlite_fits(pwhash, STORE_PWHASH_MAX + 1))
		return ac_err_set(err, AC_ERR_LIMIT,
				  "cannot set the password of '%s': the hash "
				  "is too long",
				  name);
	rc = store_sqlite_prepare(db, "UPDATE users SET pwhash = ?2 WHERE name = ?1", &st,
		     err);
	if (!rc) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, pwhash, -1, SQLITE_STATIC);
		rc = run_write(db, st, "user", name, err);
	}
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_sqlite_user_disable(struct store *s, const char *name,
				struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;

	rc = store_sqlite_prepare(db, "UPDATE users SET disabled = 1 WHERE name = ?1", &st,
		     err);
	if (!rc) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		rc = run_write(db, st, "user", name, err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Binds text, or NULL for "". */
static void bind_optional(sqlite3_stmt *st, int idx, const char *text)
{
	if (text[0])
		sqlite3_bind_text(st, idx, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, idx);
}

static bool token_fits(const struct store_token *t)
{
	return store_sqlite_fits(t->id, sizeof(t->id)) && store_sqlite_fits(t->user, sizeof(t->user)) &&
	       store_sqlite_fits(t->partner, sizeof(t->partner)) &&
	       store_sqlite_fits(t->purpose, sizeof(t->purpose));
}

ac_rc store_sqlite_token_add(struct store *s, const struct store_token *t,
			     struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	if (!token_fits(t))
		return ac_err_set(err, AC_ERR_LIMIT,
				  "cannot add token: a field is not "
				  "terminated");
	rc = store_sqlite_prepare(db,
		     "INSERT INTO tokens (" TOKEN_COLUMNS
		     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		     &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, t->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, t->user, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, t->hash, STORE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, t->created_us);
	sqlite3_bind_int64(st, 5, t->expires_us);
	sqlite3_bind_int64(st, 6, t->revoked_us);
	bind_optional(st, 7, t->partner);
	bind_optional(st, 8, t->purpose);
	sqlite3_bind_int64(st, 9, t->last_used_us);
	src = sqlite3_step(st);
	if (src == SQLITE_CONSTRAINT_PRIMARYKEY)
		rc =
		    ac_err_set(err, AC_ERR_EXISTS,
			       "cannot add token '%s': the id is taken", t->id);
	else if (src == SQLITE_CONSTRAINT_FOREIGNKEY)
		rc = ac_err_set(err, AC_ERR_NOTFOUND,
				"cannot add a token for '%s': no such user",
				t->user);
	else if (src != SQLITE_DONE)
		rc = store_sqlite_db_err(db, src, "cannot add a token to", err);
out:
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_sqlite_token_get(struct store *s, const char *id,
			     struct store_token *out, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	rc = store_sqlite_prepare(db, "SELECT " TOKEN_COLUMNS " FROM tokens WHERE id = ?1",
		     &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		rc = read_token(st, out, err);
	else if (src == SQLITE_DONE)
		rc = ac_err_set(err, AC_ERR_NOTFOUND, "no token '%s'", id);
	else
		rc = store_sqlite_db_err(db, src, "cannot read a token from", err);
out:
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_sqlite_token_revoke(struct store *s, const char *id,
				int64_t revoked_us, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;

	/* The CASE keeps the first revocation time but still counts the row
	 * as changed, so only a missing id is NOTFOUND. */
	rc = store_sqlite_prepare(db,
		     "UPDATE tokens SET revoked_us = CASE WHEN revoked_us = 0"
		     " THEN ?2 ELSE revoked_us END WHERE id = ?1",
		     &st, err);
	if (!rc) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, revoked_us);
		rc = run_write(db, st, "token", id, err);
	}
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_sqlite_token_touch(struct store *s, const char *id, int64_t used_us,
			       struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	rc = store_sqlite_prepare(db,
		     "UPDATE tokens SET last_used_us = ?2"
		     " WHERE id = ?1 AND last_used_us < ?2",
		     &st, err);
	if (!rc) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, used_us);
		src = sqlite3_step(st);
		if (src != SQLITE_DONE)
			rc = store_sqlite_db_err(db, src, "cannot record token use in", err);
	}
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_sqlite_token_list(struct store *s, const char *user,
			      store_token_cb cb, void *ctx, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	struct store_token t;
	sqlite3_stmt *st = NULL;
	int src = SQLITE_DONE;
	ac_rc rc;

	rc = store_sqlite_prepare(db,
		     "SELECT " TOKEN_COLUMNS " FROM tokens"
		     " WHERE ?1 IS NULL OR user = ?1 ORDER BY created_us, id",
		     &st, err);
	if (!rc && user)
		sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
		rc = read_token(st, &t, err);
		if (!rc && cb(&t, ctx))
			goto out;
	}
	if (!rc && src != SQLITE_DONE)
		rc = store_sqlite_db_err(db, src, "cannot list the tokens of", err);
out:
	memset(&t, 0, sizeof(t));
	sqlite3_finalize(st);
	return rc;
}
