/* Partners and agreements in the SQLite store (schema version 4, see
 * store.h). Statements are prepared per call: these records are rare. */
#include "base/common.h"
#include "store/store_sqlite.h"

#define PARTNER_COLUMNS "name, identity_id, title, created_us"
#define AGREEMENT_COLUMNS                                                      \
	"partner, areas, max_tlp, retention_days, valid_from_us,"              \
	" valid_until_us, onward_sharing, updated_us"

static ac_rc read_partner(sqlite3_stmt *st, struct store_partner *p,
			  struct ac_err *err)
{
	ac_rc rc;

	memset(p, 0, sizeof(*p));
	rc = store_sqlite_column_text(st, 0, p->name, sizeof(p->name), err);
	if (!rc)
		rc = store_sqlite_column_text(st, 1, p->identity_id, sizeof(p->identity_id),
				 err);
	if (!rc)
		rc = store_sqlite_column_text(st, 2, p->title, sizeof(p->title), err);
	p->created_us = sqlite3_column_int64(st, 3);
	return rc;
}

static ac_rc read_agreement(sqlite3_stmt *st, struct store_agreement *a,
			    struct ac_err *err)
{
	ac_rc rc;

	memset(a, 0, sizeof(*a));
	rc = store_sqlite_column_text(st, 0, a->partner, sizeof(a->partner), err);
	if (!rc)
		rc = store_sqlite_column_text(st, 1, a->areas, sizeof(a->areas), err);
	if (!rc)
		rc = store_sqlite_column_text(st, 2, a->max_tlp, sizeof(a->max_tlp), err);
	a->retention_days = sqlite3_column_int(st, 3);
	a->valid_from_us = sqlite3_column_int64(st, 4);
	a->valid_until_us = sqlite3_column_int64(st, 5);
	if (!rc)
		rc = store_sqlite_column_text(st, 6, a->onward_sharing,
				 sizeof(a->onward_sharing), err);
	a->updated_us = sqlite3_column_int64(st, 7);
	return rc;
}

ac_rc store_sqlite_partner_add(struct store *s, const struct store_partner *p,
			       struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	if (!store_sqlite_fits(p->name, sizeof(p->name)) ||
	    !store_sqlite_fits(p->identity_id, sizeof(p->identity_id)) ||
	    !store_sqlite_fits(p->title, sizeof(p->title)))
		return ac_err_set(err, AC_ERR_LIMIT,
				  "cannot add partner: a field is not "
				  "terminated");
	rc = store_sqlite_prepare(db,
		     "INSERT INTO partners (" PARTNER_COLUMNS
		     ") VALUES (?1, ?2, ?3, ?4)",
		     &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, p->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->identity_id, -1, SQLITE_STATIC);
	if (p->title[0])
		sqlite3_bind_text(st, 3, p->title, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, p->created_us);
	src = sqlite3_step(st);
	if (src == SQLITE_CONSTRAINT_PRIMARYKEY)
		rc = ac_err_set(err, AC_ERR_EXISTS,
				"cannot add partner '%s': the name is taken",
				p->name);
	else if (src != SQLITE_DONE)
		rc = store_sqlite_db_err(db, src, "cannot add a partner to", err);
out:
	sqlite3_finalize(st);
	return rc;
}

/* Runs a one-row lookup by key into read(). */
static ac_rc get_one(struct store *s, const char *sql, const char *key,
		     const char *what, void *out,
		     ac_rc (*read)(sqlite3_stmt *, void *, struct ac_err *),
		     struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	rc = store_sqlite_prepare(db, sql, &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		rc = read(st, out, err);
	else if (src == SQLITE_DONE)
		rc = ac_err_set(err, AC_ERR_NOTFOUND, "no %s '%.64s'", what,
				key);
	else
		rc = store_sqlite_db_err(db, src, "cannot read from", err);
out:
	sqlite3_finalize(st);
	return rc;
}

static ac_rc read_partner_v(sqlite3_stmt *st, void *out, struct ac_err *err)
{
	return read_partner(st, out, err);
}

static ac_rc read_agreement_v(sqlite3_stmt *st, void *out, struct ac_err *err)
{
	return read_agreement(st, out, err);
}

ac_rc store_sqlite_partner_get(struct store *s, const char *name,
			       struct store_partner *out, struct ac_err *err)
{
	return get_one(s,
		       "SELECT " PARTNER_COLUMNS
		       " FROM partners WHERE name = ?1",
		       name, "partner", out, read_partner_v, err);
}

ac_rc store_sqlite_agreement_get(struct store *s, const char *partner,
				 struct store_agreement *out,
				 struct ac_err *err)
{
	return get_one(s,
		       "SELECT " AGREEMENT_COLUMNS
		       " FROM agreements WHERE partner = ?1",
		       partner, "agreement with partner", out,
		       read_agreement_v, err);
}

ac_rc store_sqlite_partner_list(struct store *s, store_partner_cb cb,
				void *ctx, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	struct store_partner p;
	sqlite3_stmt *st = NULL;
	int src = SQLITE_DONE;
	ac_rc rc;

	rc = store_sqlite_prepare(db, "SELECT " PARTNER_COLUMNS " FROM partners ORDER BY name",
		     &st, err);
	while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
		rc = read_partner(st, &p, err);
		if (!rc && cb(&p, ctx))
			goto out;
	}
	if (!rc && src != SQLITE_DONE)
		rc = store_sqlite_db_err(db, src, "cannot list the partners of", err);
out:
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_sqlite_agreement_list(struct store *s, store_agreement_cb cb,
				  void *ctx, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	struct store_agreement a;
	sqlite3_stmt *st = NULL;
	int src = SQLITE_DONE;
	ac_rc rc;

	rc = store_sqlite_prepare(db,
		     "SELECT " AGREEMENT_COLUMNS
		     " FROM agreements ORDER BY partner",
		     &st, err);
	while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
		rc = read_agreement(st, &a, err);
		if (!rc && cb(&a, ctx))
			goto out;
	}
	if (!rc && src != SQLITE_DONE)
		rc = store_sqlite_db_err(db, src, "cannot list the agreements of", err);
out:
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_sqlite_agreement_set(struct store *s,
				 const struct store_agreement *a,
				 struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;

	if (!store_sqlite_fits(a->partner, sizeof(a->partner)) ||
	    !store_sqlite_fits(a->areas, sizeof(a->areas)) ||
	    !store_sqlite_fits(a->max_tlp, sizeof(a->max_tlp)) ||
	    !store_sqlite_fits(a->onward_sharing, sizeof(a->onward_sharing)))
		return ac_err_set(err, AC_ERR_LIMIT,
				  "cannot set agreement: a field is not "
				  "terminated");
	rc = store_sqlite_prepare(db,
		     "INSERT OR REPLACE INTO agreements (" AGREEMENT_COLUMNS
		     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
		     &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, a->partner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->areas, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->max_tlp, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, a->retention_days);
	sqlite3_bind_int64(st, 5, a->valid_from_us);
	sqlite3_bind_int64(st, 6, a->valid_until_us);
	sqlite3_bind_text(st, 7, a->onward_sharing, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, a->updated_us);
	rc = store_sqlite_step_for_partner(db, st, "set an agreement",
					   a->partner, err);
out:
	sqlite3_finalize(st);
	return rc;
}
