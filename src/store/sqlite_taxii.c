/* TAXII records of the SQLite store (schema version 3): collections, inbox
 * membership, status resources, and deleting object versions together
 * with their full-text entries. See store.h. */
#include "base/common.h"
#include "base/time.h"
#include "store/store_sqlite.h"

#define DELETE_TEXT_MAX (1u << 20)

static ac_rc step_write(sqlite3 *db, sqlite3_stmt *st, struct ac_err *err)
{
	int src = sqlite3_step(st);

	if (src != SQLITE_DONE)
		return store_sqlite_db_err(db, src, "cannot write to", err);
	return AC_OK;
}

static void copy_column(sqlite3_stmt *st, int col, char *dst, size_t cap)
{
	const char *t = (const char *)sqlite3_column_text(st, col);

	snprintf(dst, cap, "%s", t ? t : "");
}

static ac_rc check_collection(const struct store_collection *c,
			      struct ac_err *err)
{
	if (!c->id[0] || !c->name[0] || !c->title[0])
		return ac_err_set(err, AC_ERR_USAGE,
				  "cannot add collection: id, name and title "
				  "are required");
	if (!store_sqlite_fits(c->id, sizeof(c->id)) || !store_sqlite_fits(c->name, sizeof(c->name)) ||
	    !store_sqlite_fits(c->title, sizeof(c->title)) ||
	    !store_sqlite_fits(c->description, sizeof(c->description)))
		return ac_err_set(err, AC_ERR_LIMIT,
				  "cannot add collection '%.64s': a field is "
				  "too long",
				  c->name);
	if ((unsigned)c->scope > STORE_SCOPE_INBOX)
		return ac_err_set(err, AC_ERR_USAGE,
				  "cannot add collection '%s': bad scope %d",
				  c->name, (int)c->scope);
	return AC_OK;
}

static ac_rc sq_collection_add(struct store *s,
			       const struct store_collection *c,
			       struct ac_err *err)
{
	static const char sql[] =
	    "INSERT INTO collections (id, name, title, description, scope,"
	    " read_roles, write_roles, created_us)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	rc = check_collection(c, err);
	if (!rc)
		rc = store_sqlite_prepare(db, sql, &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->description, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, (int)c->scope);
	sqlite3_bind_int64(st, 6, c->read_roles);
	sqlite3_bind_int64(st, 7, c->write_roles);
	sqlite3_bind_int64(st, 8, c->created_us ? c->created_us : ac_now_us());
	src = sqlite3_step(st);
	if ((src & 0xff) == SQLITE_CONSTRAINT)
		rc = ac_err_set(err, AC_ERR_EXISTS,
				"cannot add collection '%s': its name or id "
				"is taken",
				c->name);
	else if (src != SQLITE_DONE)
		rc = store_sqlite_db_err(db, src, "cannot write to", err);
out:
	sqlite3_finalize(st);
	return rc;
}

#define COLLECTION_COLUMNS                                                     \
	"id, name, title, description, scope, read_roles, write_roles,"        \
	" created_us"

static void read_collection(sqlite3_stmt *st, struct store_collection *c)
{
	int scope = sqlite3_column_int(st, 4);

	memset(c, 0, sizeof(*c));
	copy_column(st, 0, c->id, sizeof(c->id));
	copy_column(st, 1, c->name, sizeof(c->name));
	copy_column(st, 2, c->title, sizeof(c->title));
	copy_column(st, 3, c->description, sizeof(c->description));
	c->scope = scope >= 0 && scope <= STORE_SCOPE_INBOX
		       ? (enum store_scope)scope
		       : STORE_SCOPE_OWN;
	c->read_roles = (uint32_t)sqlite3_column_int64(st, 5);
	c->write_roles = (uint32_t)sqlite3_column_int64(st, 6);
	c->created_us = sqlite3_column_int64(st, 7);
}

static ac_rc sq_collection_get(struct store *s, const char *id_or_name,
			       struct store_collection *out, struct ac_err *err)
{
	static const char sql[] = "SELECT " COLLECTION_COLUMNS
				  " FROM collections WHERE id = ?1 OR name = ?1"
				  " ORDER BY id = ?1 DESC LIMIT 1";
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	rc = store_sqlite_prepare(db, sql, &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, id_or_name, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		read_collection(st, out);
	else if (src == SQLITE_DONE)
		rc = ac_err_set(err, AC_ERR_NOTFOUND, "no collection '%.100s'",
				id_or_name);
	else
		rc = store_sqlite_db_err(db, src, "cannot read", err);
out:
	sqlite3_finalize(st);
	return rc;
}

static ac_rc sq_collection_list(struct store *s, store_collection_cb cb,
				void *ctx, struct ac_err *err)
{
	static const char sql[] =
	    "SELECT " COLLECTION_COLUMNS " FROM collections ORDER BY rowid";
	sqlite3 *db = store_sqlite_db(s);
	struct store_collection c;
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	rc = store_sqlite_prepare(db, sql, &st, err);
	if (rc)
		goto out;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		read_collection(st, &c);
		if (cb(&c, ctx))
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = store_sqlite_db_err(db, src, "cannot read", err);
out:
	sqlite3_finalize(st);
	return rc;
}

static ac_rc sq_member_add(struct store *s, const char *collection_id,
			   const char *object_id, struct ac_err *err)
{
	static const char sql[] = "INSERT OR IGNORE INTO collection_members"
				  " (collection_id, object_id) VALUES (?1, ?2)";
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	rc = store_sqlite_prepare(db, sql, &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, collection_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, object_id, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	if ((src & 0xff) == SQLITE_CONSTRAINT)
		rc = ac_err_set(err, AC_ERR_NOTFOUND,
				"cannot record '%.100s' in collection "
				"'%.40s': no such collection",
				object_id, collection_id);
	else if (src != SQLITE_DONE)
		rc = store_sqlite_db_err(db, src, "cannot write to", err);
out:
	sqlite3_finalize(st);
	return rc;
}

static ac_rc sq_status_put(struct store *s, const char *id, const char *json,
			   size_t len, struct ac_err *err)
{
	static const char sql[] =
	    "INSERT INTO statuses (id, json, updated_us) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT (id) DO UPDATE SET json = excluded.json,"
	    " updated_us = excluded.updated_us";
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;

	if (len > INT32_MAX)
		return ac_err_set(err, AC_ERR_LIMIT,
				  "status '%.40s' is too large", id);
	rc = store_sqlite_prepare(db, sql, &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, json, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, ac_now_us());
	rc = step_write(db, st, err);
out:
	sqlite3_finalize(st);
	return rc;
}

static ac_rc sq_status_get(struct store *s, const char *id, struct ac_buf *out,
			   struct ac_err *err)
{
	static const char sql[] = "SELECT json FROM statuses WHERE id = ?1";
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	rc = store_sqlite_prepare(db, sql, &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		rc = ac_buf_add(out, sqlite3_column_text(st, 0),
				(size_t)sqlite3_column_bytes(st, 0));
		if (rc)
			ac_err_set(err, rc, "status '%.40s' does not fit", id);
	} else if (src == SQLITE_DONE) {
		rc = ac_err_set(err, AC_ERR_NOTFOUND, "no status '%.40s'", id);
	} else {
		rc = store_sqlite_db_err(db, src, "cannot read", err);
	}
out:
	sqlite3_finalize(st);
	return rc;
}

/* ---- deleting versions ---- */

struct doomed {
	char *version;
	char *json;
	size_t json_len;
};

struct doomed_list {
	struct doomed *v;
	size_t n, cap;
	bool nomem;
};

static int collect_doomed(const struct store_row *row, void *ctx)
{
	struct doomed_list *l = ctx;
	struct doomed *d;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct doomed *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			l->nomem = true;
			return 1;
		}
		l->v = v;
		l->cap = cap;
	}
	d = &l->v[l->n];
	d->version = strdup(row->version);
	d->json = strndup(row->json, row->json_len);
	d->json_len = row->json_len;
	if (!d->version || !d->json) {
		free(d->version);
		free(d->json);
		l->nomem = true;
		return 1;
	}
	l->n++;
	return 0;
}

static void doomed_release(struct doomed_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].version);
		free(l->v[i].json);
	}
	free(l->v);
}

/* Removes one version's FTS entry (the 'delete' command of a contentless
 * table needs the exact indexed text) and then its row. */
static ac_rc delete_one(sqlite3 *db, const char *id, const struct doomed *d,
			store_text_fn text, struct ac_buf *words,
			struct ac_err *err)
{
	static const char find[] =
	    "SELECT rowid FROM objects WHERE id = ?1 AND version = ?2";
	static const char fts[] = "INSERT INTO objects_fts (objects_fts, rowid,"
				  " text) VALUES ('delete', ?1, ?2)";
	static const char del[] = "DELETE FROM objects WHERE rowid = ?1";
	sqlite3_stmt *st = NULL;
	sqlite3_int64 rowid;
	ac_rc rc;
	int src;

	rc = store_sqlite_prepare(db, find, &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, d->version, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	if (src != SQLITE_ROW) {
		rc = src == SQLITE_DONE ? AC_OK
					: store_sqlite_db_err(db, src, "cannot read", err);
		goto out;
	}
	rowid = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	ac_buf_reset(words);
	rc = text(d->json, d->json_len, words);
	if (rc) {
		ac_err_set(err, rc,
			   "cannot delete '%.100s': cannot compute its "
			   "search text",
			   id);
		goto out;
	}
	if (words->len) {
		rc = store_sqlite_prepare(db, fts, &st, err);
		if (rc)
			goto out;
		sqlite3_bind_int64(st, 1, rowid);
		sqlite3_bind_text(st, 2, words->data, (int)words->len,
				  SQLITE_STATIC);
		rc = step_write(db, st, err);
		sqlite3_finalize(st);
		st = NULL;
		if (rc)
			goto out;
	}
	rc = store_sqlite_prepare(db, del, &st, err);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, rowid);
	rc = step_write(db, st, err);
out:
	sqlite3_finalize(st);
	return rc;
}

/* Inbox membership is by id: it goes when the last version goes. */
static ac_rc forget_members(sqlite3 *db, const char *id, struct ac_err *err)
{
	static const char sql[] =
	    "DELETE FROM collection_members WHERE object_id = ?1"
	    " AND NOT EXISTS (SELECT 1 FROM objects WHERE id = ?1)";
	sqlite3_stmt *st = NULL;
	ac_rc rc = store_sqlite_prepare(db, sql, &st, err);

	if (!rc) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		rc = step_write(db, st, err);
	}
	sqlite3_finalize(st);
	return rc;
}

static ac_rc exec_sql(sqlite3 *db, const char *sql, const char *what,
		      struct ac_err *err)
{
	int src = sqlite3_exec(db, sql, NULL, NULL, NULL);

	return src == SQLITE_OK ? AC_OK : store_sqlite_db_err(db, src, what, err);
}

static ac_rc sq_delete_versions(struct store *s, const struct store_query *q,
				store_text_fn text, uint64_t *deleted,
				struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	struct doomed_list l = {0};
	struct ac_buf words = AC_BUF_INIT(DELETE_TEXT_MAX);
	bool own_tx = sqlite3_get_autocommit(db) != 0;
	ac_rc rc;

	*deleted = 0;
	if (q->nids != 1 || !q->ids || !q->ids[0] || !text)
		return ac_err_set(err, AC_ERR_USAGE,
				  "deleting versions needs exactly one object "
				  "id and a text function");
	if (own_tx) {
		rc = exec_sql(db, "BEGIN IMMEDIATE",
			      "cannot begin a transaction in", err);
		if (rc)
			return rc;
	}
	rc = s->ops->query(s, q, collect_doomed, &l, err);
	if (!rc && l.nomem)
		rc = ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	for (size_t i = 0; !rc && i < l.n; i++)
		rc = delete_one(db, q->ids[0], &l.v[i], text, &words, err);
	if (!rc)
		rc = forget_members(db, q->ids[0], err);
	if (own_tx) {
		if (!rc)
			rc = exec_sql(db, "COMMIT", "cannot commit to", err);
		if (rc && !sqlite3_get_autocommit(db))
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	if (!rc)
		*deleted = l.n;
	doomed_release(&l);
	ac_buf_release(&words);
	return rc;
}

const struct store_taxii_ops store_sqlite_taxii_ops = {
    .collection_add = sq_collection_add,
    .collection_get = sq_collection_get,
    .collection_list = sq_collection_list,
    .member_add = sq_member_add,
    .status_put = sq_status_put,
    .status_get = sq_status_get,
    .delete_versions = sq_delete_versions,
};
