/* Private to src/store: the SQLite backend and its schema migrations. */
#ifndef AC_STORE_SQLITE_H
#define AC_STORE_SQLITE_H

#include <sqlite3.h>
#include "store/store.h"

/* Opens the SQLite store at path (see store_open). */
ac_rc store_sqlite_open(const char *path, bool create, struct store **out,
			struct ac_err *err);

/* The schema version this code writes (PRAGMA user_version). */
int store_schema_version(void);

/* Brings db up to store_schema_version(), one transaction per migration.
 * Fails with AC_ERR_STORE if the file's version is newer than the code's, or
 * if it is an empty database and `create` is false. `path` is for messages. */
ac_rc store_schema_migrate(sqlite3 *db, const char *path, bool create,
			   struct ac_err *err);

/* Translates a SQLite result code into an ac_rc and the message
 * "<what> store '<path>': <sqlite message>", e.g. what = "cannot open".
 * Returns the ac_rc. */
ac_rc store_sqlite_err(sqlite3 *db, int rc, const char *path, const char *what,
		       struct ac_err *err);

/* After bulk commits the log grows to this many times the checkpoint size
 * (40 MiB, so up to 1.25 GiB) while a background thread copies it
 * (sqlite_ckpt.c); then the writer checkpoints in line, so the log
 * restarts. That in-line copy is about the last commit's pages, so fewer
 * restarts leave less of the copying to the storing thread (8: about half
 * of it at 1M objects). The file is cut back to twice the checkpoint size
 * after a restart. */
#define STORE_SQLITE_WAL_BULK_FACTOR 32
/* For tests: a checkpoint is due at this many pages of log. */
void store_sqlite_ckpt_frames(struct store *s, int frames);

/* Background checkpoints (sqlite_ckpt.c): a thread with its own connection
 * to path. sq_ckpt_start gives NULL when it cannot start one. */
struct sq_ckpt;
struct sq_ckpt *sq_ckpt_start(const char *path);
/* Asks for a PASSIVE checkpoint; returns at once. */
void sq_ckpt_request(struct sq_ckpt *c);
/* Waits until no checkpoint is asked for or running (c may be NULL). */
void sq_ckpt_wait(struct sq_ckpt *c);
/* Stops and frees the thread (c may be NULL). */
void sq_ckpt_stop(struct sq_ckpt *c);

/* The SQLite handle of an open SQLite store, for the other backend files
 * (sqlite_admin.c). Borrowed: valid until store_close. */
sqlite3 *store_sqlite_db(struct store *s);

/* Admin record operations (sqlite_admin.c), one line in sqlite_ops. */
ac_rc store_sqlite_user_add(struct store *s, const struct store_user *u,
			    struct ac_err *err);
ac_rc store_sqlite_user_get(struct store *s, const char *name,
			    struct store_user *out, struct ac_err *err);
ac_rc store_sqlite_user_list(struct store *s, store_user_cb cb, void *ctx,
			     struct ac_err *err);
ac_rc store_sqlite_user_set_password(struct store *s, const char *name,
				     const char *pwhash, struct ac_err *err);
ac_rc store_sqlite_user_disable(struct store *s, const char *name,
				struct ac_err *err);
ac_rc store_sqlite_token_add(struct store *s, const struct store_token *t,
			     struct ac_err *err);
ac_rc store_sqlite_token_get(struct store *s, const char *id,
			     struct store_token *out, struct ac_err *err);
ac_rc store_sqlite_token_revoke(struct store *s, const char *id,
				int64_t revoked_us, struct ac_err *err);
ac_rc store_sqlite_token_touch(struct store *s, const char *id,
			       int64_t used_us, struct ac_err *err);
ac_rc store_sqlite_token_list(struct store *s, const char *user,
			      store_token_cb cb, void *ctx,
			      struct ac_err *err);

/* TAXII record operations (sqlite_taxii.c), the `taxii` entry of
 * sqlite_ops. */
extern const struct store_taxii_ops store_sqlite_taxii_ops;
/* Partner and agreement operations (sqlite_partner.c). */
ac_rc store_sqlite_partner_add(struct store *s, const struct store_partner *p,
			       struct ac_err *err);
ac_rc store_sqlite_partner_get(struct store *s, const char *name,
			       struct store_partner *out, struct ac_err *err);
ac_rc store_sqlite_partner_list(struct store *s, store_partner_cb cb,
				void *ctx, struct ac_err *err);
ac_rc store_sqlite_agreement_set(struct store *s,
				 const struct store_agreement *a,
				 struct ac_err *err);
ac_rc store_sqlite_agreement_get(struct store *s, const char *partner,
				 struct store_agreement *out,
				 struct ac_err *err);
ac_rc store_sqlite_agreement_list(struct store *s, store_agreement_cb cb,
				  void *ctx, struct ac_err *err);

/* Identifier index operations (sqlite_index.c), the `index` entry of
 * sqlite_ops. Their cached statements hang off the store in the slot below
 * and are freed with store_sqlite_index_free when the store closes. */
struct sq_index;
extern const struct store_index_ops store_sqlite_index_ops;
struct sq_index **store_sqlite_index_slot(struct store *s);
void store_sqlite_index_free(struct sq_index *ix);

/* Person name operations (sqlite_names.c), the `names` entry of
 * sqlite_ops. */
extern const struct store_names_ops store_sqlite_names_ops;

#define STORE_SQLITE_ADMIN_OPS                                                 \
	.user_add = store_sqlite_user_add,                                     \
	.user_get = store_sqlite_user_get,                                     \
	.user_list = store_sqlite_user_list,                                   \
	.user_set_password = store_sqlite_user_set_password,                   \
	.user_disable = store_sqlite_user_disable,                             \
	.token_add = store_sqlite_token_add,                                   \
	.token_get = store_sqlite_token_get,                                   \
	.token_revoke = store_sqlite_token_revoke,                             \
	.token_touch = store_sqlite_token_touch,                               \
	.token_list = store_sqlite_token_list,                                 \
	.partner_add = store_sqlite_partner_add,                               \
	.partner_get = store_sqlite_partner_get,                               \
	.partner_list = store_sqlite_partner_list,                             \
	.agreement_set = store_sqlite_agreement_set,                           \
	.agreement_get = store_sqlite_agreement_get,                           \
	.agreement_list = store_sqlite_agreement_list

/* ---- helpers shared by the SQLite record modules (sqlite_util.c) ---- */

/* The file name of db, or ":memory:". */
const char *store_sqlite_path(sqlite3 *db);
/* store_sqlite_err with db's own path. */
ac_rc store_sqlite_db_err(sqlite3 *db, int src, const char *what,
			  struct ac_err *err);
/* sqlite3_prepare_v2 with the error translated. */
ac_rc store_sqlite_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st,
			   struct ac_err *err);
/* Steps a write keyed by a partner name: a foreign-key failure is
 * AC_ERR_NOTFOUND "cannot WHAT: no such partner 'PARTNER'", any other
 * failure the database error "cannot WHAT in store ...". */
ac_rc store_sqlite_step_for_partner(sqlite3 *db, sqlite3_stmt *st,
				    const char *what, const char *partner,
				    struct ac_err *err);
/* True if s fits a field of cap bytes (with its NUL). */
bool store_sqlite_fits(const char *s, size_t cap);
/* Copies text column col into dst (cap bytes); NULL reads as "".
 * AC_ERR_LIMIT when it does not fit. */
ac_rc store_sqlite_column_text(sqlite3_stmt *st, int col, char *dst,
			       size_t cap, struct ac_err *err);

/* Cached prepared statements (sqlite_stmt.c), keyed by SQL text, hung off
 * the store in the slot below and freed when the store closes. get hands
 * out a statement (reset, no bindings) that no one else is using;
 * put gives it back (resets it, or finalises one that is not cached). */
struct store_stmt_cache;
struct store_stmt_cache **store_sqlite_stmt_slot(struct store *s);
ac_rc store_sqlite_stmt_get(struct store *s, const char *sql, size_t len,
			    sqlite3_stmt **out, struct ac_err *err);
void store_sqlite_stmt_put(struct store *s, sqlite3_stmt *st);
void store_sqlite_stmt_free(struct store_stmt_cache *c);

#endif
