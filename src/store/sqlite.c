/* The SQLite store backend. See docs/internals/store.md for the schema and
 * the rules (date_added, duplicates, conflicts, search). */
#include "base/common.h"
#include "base/buf.h"
#include "base/time.h"
#include "store/store_sqlite.h"

#include <limits.h>
#include <sys/stat.h>

#define BUSY_TIMEOUT_MS 5000
/* A writer's page cache. At 1M objects the random (id, version_ns) index
 * is ~72 MB and person_names(object_id) ~15 MB: with 64 MiB a batch kept
 * evicting, re-reading and re-writing their pages (1M import: 7.5 GB
 * written, 6.2 GB with 96 MiB; docs/internals/store.md). */
#define PAGE_CACHE_KIB 98304
#define PAGE_SIZE_NEW 16384 /* bytes, for a new file */
#define WAL_CHECKPOINT_BYTES (40 * 1024 * 1024)

#define QUERY_LIST_MAX 1000
#define QUERY_SQL_MAX (64 * 1024)
#define SEARCH_TEXT_MAX 1024
#define SEARCH_WORDS_MAX 32
#define NS_PER_SEC 1000000000LL

/* Columns every row-returning statement selects, in fill_row's order. */
#define ROW_COLUMNS                                                            \
	"o.id, o.type, o.version, o.spec_version, o.source, o.date_added,"     \
	" o.revoked, o.hash, o.json, o.meta"

/* Keeps only the newest version of each id. */
#define NEWEST_ONLY                                                            \
	"NOT EXISTS (SELECT 1 FROM objects n WHERE n.id = o.id"                \
	" AND n.version_ns > o.version_ns)"
#define OLDEST_ONLY                                                            \
	"NOT EXISTS (SELECT 1 FROM objects n WHERE n.id = o.id"                \
	" AND n.version_ns < o.version_ns)"

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_LAST_ADDED,
	ST_INSERT,
	ST_FIND,
	ST_FTS_INSERT,
	ST_OTHERS,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_LAST_ADDED] = "SELECT COALESCE(MAX(date_added), 0) FROM objects",
    [ST_INSERT] = "INSERT INTO objects (id, type, version, version_ns,"
		  " spec_version, revoked, source, hash, json, date_added,"
		  " meta)"
		  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
		  " ON CONFLICT (id, version_ns) DO NOTHING",
    [ST_FIND] = ("SELECT hash, version FROM objects"
		 " WHERE id = ?1 AND version_ns = ?2"),
    [ST_FTS_INSERT] = "INSERT INTO objects_fts (rowid, text) VALUES (?1, ?2)",
    [ST_OTHERS] = "SELECT version_ns FROM objects WHERE id = ?1"
		  " AND version_ns <> ?2 ORDER BY version_ns DESC LIMIT 1",
};

struct sq_store {
	struct store base; /* first, so a struct store * converts back */
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st[ST_COUNT];
	bool in_tx;	/* store_begin opened a transaction */
	bool tx_failed; /* an error rolled it back; only rollback is allowed */
	bool have_last; /* last_added is valid for the open transaction */
	bool bulk_tx;	/* the open transaction commits without syncing */
	bool unsynced;	/* a bulk commit may not be on disk yet */
	int64_t last_added;
	int ckpt_frames;	/* a checkpoint is due at this log size */
	struct sq_ckpt *ckpt;	/* background checkpoints, from the first
				 * bulk commit that asks for one */
	struct sq_index *index; /* sqlite_index.c's statements, lazily */
	struct store_stmt_cache *stmts; /* sqlite_stmt.c, lazily */
};

static struct sq_store *sq(struct store *s)
{
	return (struct sq_store *)s;
}

ac_rc store_sqlite_err(sqlite3 *db, int src, const char *path, const char *what,
		       struct ac_err *err)
{
	const char *msg = sqlite3_errstr(src);
	ac_rc rc;

	if (db && sqlite3_extended_errcode(db) == src)
		msg = sqlite3_errmsg(db);
	switch (src & 0xff) {
	case SQLITE_NOMEM:
		rc = AC_ERR_NOMEM;
		break;
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
		rc = AC_ERR_IO;
		break;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		rc = AC_ERR_PERM;
		break;
	case SQLITE_TOOBIG:
		rc = AC_ERR_LIMIT;
		break;
	default:
		rc = AC_ERR_STORE;
		break;
	}
	return ac_err_set(err, rc, "%s store '%s': %s", what, path, msg);
}

static ac_rc sq_err(struct sq_store *s, int src, const char *what,
		    struct ac_err *err)
{
	return store_sqlite_err(s->db, src, s->path, what, err);
}

/* Steps a cached statement that returns no rows, then resets it. */
static ac_rc step_done(struct sq_store *s, enum stmt_id id, const char *what,
		       struct ac_err *err)
{
	int src = sqlite3_step(s->st[id]);
	ac_rc rc = AC_OK;

	if (src != SQLITE_DONE)
		rc = sq_err(s, src, what, err);
	sqlite3_reset(s->st[id]);
	return rc;
}

/* Ends whatever SQLite transaction is open, ignoring errors. */
static void rollback_quiet(struct sq_store *s)
{
	s->have_last = false;
	if (!sqlite3_get_autocommit(s->db))
		step_done(s, ST_ROLLBACK, "cannot roll back", NULL);
}

/* Commits; a failed commit is rolled back so nothing half-done remains. */
static ac_rc commit_raw(struct sq_store *s, struct ac_err *err)
{
	ac_rc rc = step_done(s, ST_COMMIT, "cannot commit to", err);

	s->have_last = false;
	if (rc)
		rollback_quiet(s);
	return rc;
}

/* Version timestamp → nanoseconds since the epoch; "" → 0. False if it is
 * not a timestamp or lies outside what 64-bit nanoseconds can hold
 * (1677..2262). */
static bool version_ns(const char *version, int64_t *out)
{
	struct ac_ts ts;

	if (version[0] == '\0') {
		*out = 0;
		return true;
	}
	if (!ac_ts_parse(version, &ts))
		return false;
	if (ts.sec >= INT64_MAX / NS_PER_SEC ||
	    ts.sec <= INT64_MIN / NS_PER_SEC)
		return false;
	*out = ts.sec * NS_PER_SEC + ts.nsec;
	return true;
}

static ac_rc check_obj(const struct store_obj *o, int64_t *vns,
		       struct ac_err *err)
{
	if (!o || !o->id || !o->type || !o->version || !o->spec_version ||
	    !o->source || !o->json)
		return ac_err_set(err, AC_ERR_USAGE,
				  "cannot store object: a required field is "
				  "missing");
	if (!o->id[0] || !o->type[0])
		return ac_err_set(err, AC_ERR_USAGE,
				  "cannot store object: empty id or type");
	if (o->json_len > (size_t)INT_MAX)
		return ac_err_set(err, AC_ERR_LIMIT,
				  "cannot store '%s': %zu bytes of json is too "
				  "large",
				  o->id, o->json_len);
	if (!version_ns(o->version, vns))
		return ac_err_set(err, AC_ERR_INVALID,
				  "cannot store '%s': version '%s' is not a "
				  "timestamp between 1678 and 2261",
				  o->id, o->version);
	return AC_OK;
}

static ac_rc load_last_added(struct sq_store *s, struct ac_err *err)
{
	sqlite3_stmt *st = s->st[ST_LAST_ADDED];
	int src = sqlite3_step(st);
	ac_rc rc = AC_OK;

	if (src == SQLITE_ROW) {
		s->last_added = sqlite3_column_int64(st, 0);
		s->have_last = true;
	} else {
		rc = sq_err(s, src, "cannot read", err);
	}
	sqlite3_reset(st);
	return rc;
}

/* The next date_added: the clock, but always after the last one stored. */
static int64_t next_added(const struct sq_store *s)
{
	int64_t now = ac_now_us();
	return now > s->last_added ? now : s->last_added + 1;
}

/* After the insert did nothing: the same version is there already. */
static ac_rc classify_existing(struct sq_store *s, const struct store_obj *o,
			       int64_t vns, enum store_put_result *res,
			       struct ac_err *err)
{
	sqlite3_stmt *st = s->st[ST_FIND];
	const void *hash;
	int src;
	ac_rc rc;

	sqlite3_bind_text(st, 1, o->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, vns);
	src = sqlite3_step(st);
	if (src != SQLITE_ROW) {
		rc = src == SQLITE_DONE
			 ? ac_err_set(err, AC_ERR_INTERNAL,
				      "store '%s': '%s' version '%s' "
				      "vanished during put",
				      s->path, o->id, o->version)
			 : sq_err(s, src, "cannot read", err);
		goto out;
	}
	hash = sqlite3_column_blob(st, 0);
	if (hash && sqlite3_column_bytes(st, 0) == STORE_HASH_LEN &&
	    memcmp(hash, o->hash, STORE_HASH_LEN) == 0) {
		*res = STORE_PUT_DUPLICATE;
		rc = AC_OK;
		goto out;
	}
	rc = ac_err_set(err, AC_ERR_CONFLICT,
			"cannot store '%s' version '%s': that version is "
			"already stored (as '%s') with other content",
			o->id, o->version,
			(const char *)sqlite3_column_text(st, 1));
out:
	sqlite3_reset(st);
	return rc;
}

static ac_rc index_text(struct sq_store *s, sqlite3_int64 rowid,
			const char *text, struct ac_err *err)
{
	sqlite3_stmt *st = s->st[ST_FTS_INSERT];

	sqlite3_bind_int64(st, 1, rowid);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	return step_done(s, ST_FTS_INSERT, "cannot index text in", err);
}

/* One insert; only when it does nothing, one lookup. Runs inside a
 * transaction. */
static ac_rc put_row(struct sq_store *s, const struct store_obj *o, int64_t vns,
		     enum store_put_result *res, struct ac_err *err)
{
	sqlite3_stmt *st = s->st[ST_INSERT];
	int64_t added;
	ac_rc rc;

	if (!s->have_last) {
		rc = load_last_added(s, err);
		if (rc)
			return rc;
	}
	added = next_added(s);
	sqlite3_bind_text(st, 1, o->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, o->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, o->version, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, vns);
	sqlite3_bind_text(st, 5, o->spec_version, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, o->revoked ? 1 : 0);
	sqlite3_bind_text(st, 7, o->source, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, o->hash, STORE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, o->json, (int)o->json_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, added);
	if (o->meta)
		sqlite3_bind_text(st, 11, o->meta, (int)o->meta_len,
				  SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 11);
	rc = step_done(s, ST_INSERT, "cannot write to", err);
	if (rc)
		return rc;
	if (sqlite3_changes(s->db) == 0)
		return classify_existing(s, o, vns, res, err);
	s->last_added = added;
	if (o->text && o->text[0]) {
		rc = index_text(s, sqlite3_last_insert_rowid(s->db), o->text,
				err);
		if (rc)
			return rc;
	}
	*res = STORE_PUT_NEW;
	return AC_OK;
}

static ac_rc sq_put(struct store *base, const struct store_obj *o,
		    enum store_put_result *res, struct ac_err *err)
{
	struct sq_store *s = sq(base);
	enum store_put_result ignored;
	bool implicit = !s->in_tx;
	int64_t vns = 0;
	ac_rc rc;

	if (!res)
		res = &ignored;
	rc = check_obj(o, &vns, err);
	if (rc)
		return rc;
	if (s->tx_failed)
		return ac_err_set(err, AC_ERR_STORE,
				  "cannot write to store '%s': an earlier "
				  "error rolled the transaction back; roll "
				  "back and start again",
				  s->path);
	if (implicit) {
		rc = step_done(s, ST_BEGIN, "cannot begin a transaction in",
			       err);
		if (rc)
			return rc;
	}
	rc = put_row(s, o, vns, res, err);
	if (rc && rc != AC_ERR_CONFLICT) {
		/* A half-done put must not be committed later. */
		rollback_quiet(s);
		s->tx_failed = s->in_tx;
		return rc;
	}
	if (implicit) {
		if (rc)
			rollback_quiet(s);
		else
			rc = commit_raw(s, err);
	}
	return rc;
}

static ac_rc sq_cache_limit(struct store *base, size_t kib,
			    struct ac_err *err)
{
	struct sq_store *s = sq(base);
	char pragma[64];
	int src;

	if (kib < 64 || kib > PAGE_CACHE_KIB)
		return ac_err_set(err, AC_ERR_USAGE,
				  "cannot set the page cache of store '%s' to "
				  "%zu KiB (64 to %d)",
				  s->path, kib, PAGE_CACHE_KIB);
	snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = -%zu;", kib);
	src = sqlite3_exec(s->db, pragma, NULL, NULL, NULL);
	return src == SQLITE_OK ? AC_OK
				: sq_err(s, src, "cannot configure", err);
}

/* One probe of the (id, version_ns) index: the newest other version. */
static ac_rc sq_other_versions(struct store *base, const char *id,
			       const char *version, bool *newer, bool *others,
			       struct ac_err *err)
{
	struct sq_store *s = sq(base);
	sqlite3_stmt *st = s->st[ST_OTHERS];
	int64_t vns = 0;
	int src;

	if (!version_ns(version, &vns))
		return ac_err_set(err, AC_ERR_INVALID,
				  "cannot compare versions of '%s': '%s' is "
				  "not a timestamp between 1678 and 2261",
				  id, version);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, vns);
	src = sqlite3_step(st);
	*others = src == SQLITE_ROW;
	*newer = *others && sqlite3_column_int64(st, 0) > vns;
	sqlite3_reset(st);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return sq_err(s, src, "cannot read", err);
	return AC_OK;
}

static ac_rc sq_begin(struct store *base, struct ac_err *err)
{
	struct sq_store *s = sq(base);
	ac_rc rc;

	if (s->in_tx)
		return ac_err_set(err, AC_ERR_USAGE,
				  "cannot begin a transaction in store '%s': "
				  "one is already open",
				  s->path);
	rc = step_done(s, ST_BEGIN, "cannot begin a transaction in", err);
	if (rc)
		return rc;
	s->in_tx = true;
	s->tx_failed = false;
	s->have_last = false;
	return AC_OK;
}

/* Back to full syncs after a bulk transaction (committed: it may still be
 * only in the OS's cache). */
static void end_bulk(struct sq_store *s, bool committed)
{
	if (!s->bulk_tx)
		return;
	s->bulk_tx = false;
	s->unsynced = s->unsynced || committed;
	/* cannot fail outside a transaction; if it did, store_sync still
	 * syncs and the next bulk begin sets it again */
	sqlite3_exec(s->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
}

/* A bulk transaction commits with synchronous=NORMAL (the pragma cannot
 * change inside a transaction, so it is set around it): the commit is
 * atomic and survives the process, and store_sync later makes it survive
 * the machine. */
static ac_rc sq_begin_bulk(struct store *base, struct ac_err *err)
{
	struct sq_store *s = sq(base);
	ac_rc rc;
	int src;

	if (s->in_tx)
		return sq_begin(base, err); /* its usage error */
	src = sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL", NULL, NULL,
			   NULL);
	if (src != SQLITE_OK)
		return sq_err(s, src, "cannot configure", err);
	s->bulk_tx = true;
	rc = sq_begin(base, err);
	if (rc)
		end_bulk(s, false);
	return rc;
}

/* Syncs the write-ahead log, where every commit since the last checkpoint
 * is (a checkpoint syncs what it copies); without one open, a checkpoint
 * does it. */
static ac_rc sq_sync(struct store *base, struct ac_err *err)
{
	struct sq_store *s = sq(base);
	sqlite3_file *wal = NULL;
	int src;

	if (!s->unsynced)
		return AC_OK;
	src = sqlite3_file_control(s->db, "main", SQLITE_FCNTL_JOURNAL_POINTER,
				   &wal);
	if (src == SQLITE_OK && wal && wal->pMethods)
		src = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
	else
		src = sqlite3_wal_checkpoint_v2(s->db, "main",
						SQLITE_CHECKPOINT_FULL, NULL,
						NULL);
	if (src != SQLITE_OK)
		return sq_err(s, src, "cannot sync", err);
	s->unsynced = false;
	return AC_OK;
}

static ac_rc sq_commit(struct store *base, struct ac_err *err)
{
	struct sq_store *s = sq(base);
	bool failed = s->tx_failed;
	ac_rc rc;

	if (!s->in_tx)
		return ac_err_set(err, AC_ERR_USAGE,
				  "cannot commit to store '%s': no transaction "
				  "is open",
				  s->path);
	s->in_tx = false;
	s->tx_failed = false;
	if (failed) {
		end_bulk(s, false);
		return ac_err_set(err, AC_ERR_STORE,
				  "cannot commit to store '%s': an earlier "
				  "error rolled the transaction back",
				  s->path);
	}
	rc = commit_raw(s, err);
	end_bulk(s, rc == AC_OK);
	return rc;
}

static ac_rc sq_rollback(struct store *base, struct ac_err *err)
{
	struct sq_store *s = sq(base);
	ac_rc rc;

	if (!s->in_tx)
		return ac_err_set(err, AC_ERR_USAGE,
				  "cannot roll back store '%s': no transaction "
				  "is open",
				  s->path);
	s->in_tx = false;
	s->tx_failed = false;
	s->have_last = false;
	rc = sqlite3_get_autocommit(s->db)
		 ? AC_OK
		 : step_done(s, ST_ROLLBACK, "cannot roll back", err);
	end_bulk(s, false);
	return rc;
}

/* Fills row from a statement selecting ROW_COLUMNS. */
static ac_rc fill_row(struct sq_store *s, sqlite3_stmt *st,
		      struct store_row *row, struct ac_err *err)
{
	const void *hash;

	row->id = (const char *)sqlite3_column_text(st, 0);
	row->type = (const char *)sqlite3_column_text(st, 1);
	row->version = (const char *)sqlite3_column_text(st, 2);
	row->spec_version = (const char *)sqlite3_column_text(st, 3);
	row->source = (const char *)sqlite3_column_text(st, 4);
	row->date_added_us = sqlite3_column_int64(st, 5);
	row->revoked = sqlite3_column_int(st, 6) != 0;
	hash = sqlite3_column_blob(st, 7);
	if (!hash || sqlite3_column_bytes(st, 7) != STORE_HASH_LEN)
		return ac_err_set(err, AC_ERR_STORE,
				  "cannot read store '%s': bad hash in a row",
				  s->path);
	memcpy(row->hash, hash, STORE_HASH_LEN);
	row->json = (const char *)sqlite3_column_text(st, 8);
	row->json_len = (size_t)sqlite3_column_bytes(st, 8);
	row->meta = (const char *)sqlite3_column_text(st, 9);
	row->meta_len = row->meta ? (size_t)sqlite3_column_bytes(st, 9) : 0;
	if (!row->id || !row->type || !row->version || !row->spec_version ||
	    !row->source || !row->json)
		return ac_err_set(err, AC_ERR_NOMEM,
				  "cannot read store '%s': out of memory",
				  s->path);
	return AC_OK;
}

/* Steps st to the end (or until cb asks to stop), handing rows to cb. */
static ac_rc emit_rows(struct sq_store *s, sqlite3_stmt *st, store_row_cb cb,
		       void *ctx, struct ac_err *err)
{
	struct store_row row;
	ac_rc rc;
	int src;

	for (;;) {
		src = sqlite3_step(st);
		if (src == SQLITE_DONE)
			return AC_OK;
		if (src != SQLITE_ROW)
			return sq_err(s, src, "cannot read", err);
		rc = fill_row(s, st, &row, err);
		if (rc)
			return rc;
		if (cb(&row, ctx))
			return AC_OK;
	}
}

static ac_rc check_list(const char *const *list, size_t n, const char *what,
			struct ac_err *err)
{
	if (n > QUERY_LIST_MAX)
		return ac_err_set(err, AC_ERR_LIMIT,
				  "query has %zu %s; at most %d are allowed", n,
				  what, QUERY_LIST_MAX);
	if (n && !list)
		return ac_err_set(err, AC_ERR_USAGE, "query %s list is NULL",
				  what);
	for (size_t i = 0; i < n; i++)
		if (!list[i])
			return ac_err_set(err, AC_ERR_USAGE,
					  "query %s entry %zu is NULL", what,
					  i);
	return AC_OK;
}

static ac_rc check_query(const struct store_query *q, int64_t *at_ns,
			 struct ac_err *err)
{
	ac_rc rc;

	rc = check_list(q->ids, q->nids, "ids", err);
	if (!rc)
		rc = check_list(q->types, q->ntypes, "types", err);
	if (!rc)
		rc = check_list(q->spec_versions, q->nspec_versions,
				"spec versions", err);
	if (!rc)
		rc = check_list(q->at_versions, q->nat_versions, "versions",
				err);
	if (rc)
		return rc;
	for (size_t i = 0; i < q->nat_versions; i++)
		if (!version_ns(q->at_versions[i], &at_ns[i]))
			return ac_err_set(err, AC_ERR_PARSE,
					  "query version '%s' is not a "
					  "timestamp",
					  q->at_versions[i]);
	return AC_OK;
}

static ac_rc add_in(struct ac_buf *sql, const char *column, size_t n)
{
	ac_rc rc = ac_buf_addf(sql, " AND %s IN (", column);

	for (size_t i = 0; i < n && !rc; i++)
		rc = ac_buf_adds(sql, i ? ",?" : "?");
	if (!rc)
		rc = ac_buf_addc(sql, ')');
	return rc;
}

/* Which version conditions apply: ALL wins; with neither bits nor exact
 * versions, the newest. */
static unsigned version_bits(const struct store_query *q)
{
	if (q->versions & STORE_VERSIONS_ALL)
		return STORE_VERSIONS_ALL;
	if (!q->versions && !q->nat_versions)
		return STORE_VERSIONS_LAST;
	return q->versions & (STORE_VERSIONS_LAST | STORE_VERSIONS_FIRST);
}

static ac_rc add_version_cond(struct ac_buf *sql, const struct store_query *q)
{
	unsigned bits = version_bits(q);
	const char *sep = "";
	ac_rc rc = AC_OK;

	if (bits & STORE_VERSIONS_ALL)
		return AC_OK;
	rc = ac_buf_adds(sql, " AND (");
	if (!rc && (bits & STORE_VERSIONS_LAST)) {
		rc = ac_buf_adds(sql, NEWEST_ONLY);
		sep = " OR ";
	}
	if (!rc && (bits & STORE_VERSIONS_FIRST)) {
		rc = ac_buf_addf(sql, "%s" OLDEST_ONLY, sep);
		sep = " OR ";
	}
	if (!rc && q->nat_versions) {
		rc = ac_buf_addf(sql, "%so.version_ns IN (", sep);
		for (size_t i = 0; i < q->nat_versions && !rc; i++)
			rc = ac_buf_adds(sql, i ? ",?" : "?");
		if (!rc)
			rc = ac_buf_addc(sql, ')');
	}
	if (!rc)
		rc = ac_buf_addc(sql, ')');
	return rc;
}

/* Builds the query SQL; bind_query binds in exactly this order. */
static ac_rc build_query(struct ac_buf *sql, const struct store_query *q)
{
	ac_rc rc =
	    ac_buf_adds(sql, "SELECT " ROW_COLUMNS " FROM objects o WHERE 1");

	if (!rc && q->nids)
		rc = add_in(sql, "o.id", q->nids);
	if (!rc && q->ntypes)
		rc = add_in(sql, "o.type", q->ntypes);
	if (!rc && q->nspec_versions)
		rc = add_in(sql, "o.spec_version", q->nspec_versions);
	if (!rc && q->source)
		rc = ac_buf_adds(sql, " AND o.source = ?");
	if (!rc && q->source_prefix)
		rc = ac_buf_adds(sql, " AND instr(o.source, ?) = 1");
	if (!rc && q->collection_id)
		rc = ac_buf_adds(sql, " AND EXISTS (SELECT 1 FROM"
				      " collection_members m WHERE"
				      " m.collection_id = ? AND"
				      " m.object_id = o.id)");
	if (!rc && q->added_after_us)
		rc = ac_buf_adds(sql, " AND o.date_added > ?");
	if (!rc && q->added_before_us)
		rc = ac_buf_adds(sql, " AND o.date_added <= ?");
	if (!rc)
		rc = add_version_cond(sql, q);
	if (!rc)
		rc = ac_buf_adds(sql, " ORDER BY o.date_added");
	if (!rc && q->limit)
		rc = ac_buf_adds(sql, " LIMIT ?");
	return rc;
}

static void bind_texts(sqlite3_stmt *st, int *idx, const char *const *list,
		       size_t n)
{
	for (size_t i = 0; i < n; i++)
		sqlite3_bind_text(st, (*idx)++, list[i], -1, SQLITE_STATIC);
}

static int64_t limit_value(size_t limit)
{
	return limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit;
}

static void bind_query(sqlite3_stmt *st, const struct store_query *q,
		       const int64_t *at_ns)
{
	int idx = 1;

	bind_texts(st, &idx, q->ids, q->nids);
	bind_texts(st, &idx, q->types, q->ntypes);
	bind_texts(st, &idx, q->spec_versions, q->nspec_versions);
	if (q->source)
		sqlite3_bind_text(st, idx++, q->source, -1, SQLITE_STATIC);
	if (q->source_prefix)
		sqlite3_bind_text(st, idx++, q->source_prefix, -1,
				  SQLITE_STATIC);
	if (q->collection_id)
		sqlite3_bind_text(st, idx++, q->collection_id, -1,
				  SQLITE_STATIC);
	if (q->added_after_us)
		sqlite3_bind_int64(st, idx++, q->added_after_us);
	if (q->added_before_us)
		sqlite3_bind_int64(st, idx++, q->added_before_us);
	if (!(version_bits(q) & STORE_VERSIONS_ALL))
		for (size_t i = 0; i < q->nat_versions; i++)
			sqlite3_bind_int64(st, idx++, at_ns[i]);
	if (q->limit)
		sqlite3_bind_int64(st, idx++, limit_value(q->limit));
}

static ac_rc sq_query(struct store *base, const struct store_query *q,
		      store_row_cb cb, void *ctx, struct ac_err *err)
{
	struct sq_store *s = sq(base);
	struct ac_buf sql = AC_BUF_INIT(QUERY_SQL_MAX);
	int64_t at_ns[QUERY_LIST_MAX];
	sqlite3_stmt *st = NULL;
	ac_rc rc;

	rc = check_query(q, at_ns, err);
	if (rc)
		goto out;
	rc = build_query(&sql, q);
	if (rc) {
		ac_err_set(err, rc, "cannot query store '%s': query too large",
			   s->path);
		goto out;
	}
	rc = store_sqlite_stmt_get(base, sql.data, sql.len, &st, err);
	if (rc)
		goto out;
	bind_query(st, q, at_ns);
	rc = emit_rows(s, st, cb, ctx, err);
out:
	store_sqlite_stmt_put(base, st);
	ac_buf_release(&sql);
	return rc;
}

/* Turns user text into an FTS5 query of quoted strings (implicit AND), so
 * no character the user types is ever read as query syntax. */
static ac_rc search_expr(const char *text, struct ac_buf *out,
			 struct ac_err *err)
{
	size_t words = 0;
	ac_rc rc = AC_OK;
	const char *p = text;

	if (strlen(text) > SEARCH_TEXT_MAX)
		return ac_err_set(err, AC_ERR_LIMIT,
				  "search text is longer than %d bytes",
				  SEARCH_TEXT_MAX);
	while (*p && !rc) {
		size_t n;

		p += strspn(p, " \t\r\n\f\v");
		n = strcspn(p, " \t\r\n\f\v");
		if (!n)
			break;
		if (++words > SEARCH_WORDS_MAX)
			return ac_err_set(err, AC_ERR_LIMIT,
					  "search text has more than %d words",
					  SEARCH_WORDS_MAX);
		rc = ac_buf_adds(out, words > 1 ? " \"" : "\"");
		for (size_t i = 0; i < n && !rc; i++)
			rc = p[i] == '"' ? ac_buf_adds(out, "\"\"")
					 : ac_buf_addc(out, p[i]);
		if (!rc)
			rc = ac_buf_addc(out, '"');
		p += n;
	}
	if (rc)
		return ac_err_set(err, rc, "search text is too long");
	if (!words)
		return ac_err_set(err, AC_ERR_USAGE,
				  "search text is empty; give at least one "
				  "word");
	return AC_OK;
}

static ac_rc sq_search(struct store *base, const char *text, size_t limit,
		       store_row_cb cb, void *ctx, struct ac_err *err)
{
	static const char sql[] =
	    "SELECT " ROW_COLUMNS " FROM objects_fts"
	    " JOIN objects o ON o.rowid = objects_fts.rowid"
	    " WHERE objects_fts MATCH ?1 AND " NEWEST_ONLY
	    " ORDER BY objects_fts.rank, o.date_added LIMIT ?2";
	struct sq_store *s = sq(base);
	struct ac_buf expr =
	    AC_BUF_INIT(SEARCH_TEXT_MAX * 2 + 3 * SEARCH_WORDS_MAX);
	sqlite3_stmt *st = NULL;
	int src;
	ac_rc rc;

	if (!text)
		return ac_err_set(err, AC_ERR_USAGE, "search text is missing");
	rc = search_expr(text, &expr, err);
	if (rc)
		goto out;
	src = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (src != SQLITE_OK) {
		rc = sq_err(s, src, "cannot search", err);
		goto out;
	}
	sqlite3_bind_text(st, 1, expr.data, (int)expr.len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit ? limit_value(limit) : -1);
	rc = emit_rows(s, st, cb, ctx, err);
out:
	sqlite3_finalize(st);
	ac_buf_release(&expr);
	return rc;
}

static ac_rc sq_stats(struct store *base, store_stats_cb cb, void *ctx,
		      struct ac_err *err)
{
	static const char sql[] = "SELECT type, COUNT(DISTINCT id), COUNT(*)"
				  " FROM objects GROUP BY type ORDER BY type";
	struct sq_store *s = sq(base);
	struct store_type_count c;
	sqlite3_stmt *st = NULL;
	ac_rc rc = AC_OK;
	int src;

	src = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	while (src == SQLITE_OK || src == SQLITE_ROW) {
		src = sqlite3_step(st);
		if (src != SQLITE_ROW)
			break;
		c.type = (const char *)sqlite3_column_text(st, 0);
		c.objects = (uint64_t)sqlite3_column_int64(st, 1);
		c.versions = (uint64_t)sqlite3_column_int64(st, 2);
		if (!c.type) {
			rc = ac_err_set(
			    err, AC_ERR_NOMEM,
			    "cannot count store '%s': out of memory", s->path);
			goto out;
		}
		if (cb(&c, ctx))
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = sq_err(s, src, "cannot count", err);
out:
	sqlite3_finalize(st);
	return rc;
}

static void sq_close(struct store *base)
{
	struct sq_store *s = sq(base);

	if (!s)
		return;
	for (size_t i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	store_sqlite_index_free(s->index);
	store_sqlite_stmt_free(s->stmts);
	sq_ckpt_stop(s->ckpt);
	/* An open transaction is rolled back by closing; what bulk commits
	 * left unsynced is synced (the last connection's checkpoint would,
	 * but others may still be open). */
	if (s->db)
		sq_sync(base, NULL);
	sqlite3_close_v2(s->db);
	free(s->path);
	free(s);
}

static const struct store_ops sqlite_ops = {
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .begin_bulk = sq_begin_bulk,
    .cache_limit = sq_cache_limit,
    .sync = sq_sync,
    .rollback = sq_rollback,
    .put = sq_put,
    .query = sq_query,
    .search = sq_search,
    .stats = sq_stats,
    .other_versions = sq_other_versions,
    STORE_SQLITE_ADMIN_OPS,
    .taxii = &store_sqlite_taxii_ops,
    .index = &store_sqlite_index_ops,
    .names = &store_sqlite_names_ops,
};

void store_sqlite_ckpt_frames(struct store *s, int frames)
{
	sq(s)->ckpt_frames = frames;
}

sqlite3 *store_sqlite_db(struct store *s)
{
	return sq(s)->db;
}

struct store_stmt_cache **store_sqlite_stmt_slot(struct store *s)
{
	return &sq(s)->stmts;
}

struct sq_index **store_sqlite_index_slot(struct store *s)
{
	return &sq(s)->index;
}

static ac_rc check_exists(const char *path, struct ac_err *err)
{
	struct stat sb;

	if (stat(path, &sb) == 0)
		return AC_OK;
	if (errno == ENOENT)
		return ac_err_set(err, AC_ERR_NOTFOUND,
				  "cannot open store '%s': no such file", path);
	return ac_err_set(err, AC_ERR_IO, "cannot open store '%s': %s", path,
			  strerror(errno));
}

/* After each commit (in place of SQLite's automatic checkpoints): a bulk
 * commit leaves the checkpoint to the background thread until the log
 * reaches its bound; anything else checkpoints in line, as SQLite would. */
static int wal_hook(void *ctx, sqlite3 *db, const char *name, int frames)
{
	struct sq_store *s = ctx;

	if (frames < s->ckpt_frames)
		return SQLITE_OK;
	if (s->bulk_tx && frames < s->ckpt_frames * STORE_SQLITE_WAL_BULK_FACTOR) {
		if (!s->ckpt)
			s->ckpt = sq_ckpt_start(s->path);
		if (s->ckpt) {
			sq_ckpt_request(s->ckpt);
			return SQLITE_OK;
		}
	}
	/* a background checkpoint still running would make this one busy */
	sq_ckpt_wait(s->ckpt);
	sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL,
				  NULL);
	return SQLITE_OK;
}

/* A checkpoint every WAL_CHECKPOINT_BYTES of WAL, whatever the file's
 * page size (wal_hook). */
static int set_autocheckpoint(struct sq_store *s)
{
	sqlite3_stmt *st = NULL;
	int src = sqlite3_prepare_v2(s->db, "PRAGMA page_size", -1, &st, NULL);
	int size = 4096;
	char sql[64];

	if (src == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_int(st, 0) > 0)
		size = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (src != SQLITE_OK)
		return src;
	s->ckpt_frames = WAL_CHECKPOINT_BYTES / size;
	sqlite3_wal_hook(s->db, wal_hook, s);
	snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit = %d;",
		 2 * WAL_CHECKPOINT_BYTES);
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

/* 16 KiB pages for a new file (an existing one keeps its own: SQLite
 * ignores the pragma then); WAL, full fsync at commit, foreign keys, a
 * large page cache; reads through mmap (64 MiB: mapped pages count as
 * resident memory, and a 1 GB import must stay well under 256 MiB) and
 * checkpoints every 40 MiB of WAL (wal_hook). */
static ac_rc configure(struct sq_store *s, struct ac_err *err)
{
	static const char pragmas[] = "PRAGMA synchronous = FULL;"
				      "PRAGMA foreign_keys = ON;"
				      "PRAGMA temp_store = MEMORY;"
				      "PRAGMA mmap_size = 67108864;";
	char pragma[64];
	sqlite3_stmt *st = NULL;
	const char *mode;
	ac_rc rc = AC_OK;
	int src;

	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	snprintf(pragma, sizeof(pragma), "PRAGMA page_size = %d;",
		 PAGE_SIZE_NEW);
	src = sqlite3_exec(s->db, pragma, NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		rc = sq_err(s, src, "cannot configure", err);
		goto out;
	}
	src = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st,
				 NULL);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	if (src != SQLITE_ROW) {
		rc = sq_err(s, src, "cannot open", err);
		goto out;
	}
	mode = (const char *)sqlite3_column_text(st, 0);
	if (!mode || strcmp(mode, "wal") != 0) {
		rc =
		    ac_err_set(err, AC_ERR_STORE,
			       "cannot open store '%s': write-ahead logging is "
			       "not available there",
			       s->path);
		goto out;
	}
	snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = -%d;",
		 PAGE_CACHE_KIB);
	src = sqlite3_exec(s->db, pragmas, NULL, NULL, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_exec(s->db, pragma, NULL, NULL, NULL);
	if (src == SQLITE_OK)
		src = set_autocheckpoint(s);
	if (src != SQLITE_OK)
		rc = sq_err(s, src, "cannot configure", err);
out:
	sqlite3_finalize(st);
	return rc;
}

static ac_rc prepare_all(struct sq_store *s, struct ac_err *err)
{
	for (size_t i = 0; i < ST_COUNT; i++) {
		int src = sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
					     SQLITE_PREPARE_PERSISTENT,
					     &s->st[i], NULL);
		if (src != SQLITE_OK)
			return sq_err(s, src, "cannot prepare statements for",
				      err);
	}
	return AC_OK;
}

ac_rc store_sqlite_open(const char *path, bool create, struct store **out,
			struct ac_err *err)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	struct sq_store *s = NULL;
	ac_rc rc;
	int src;

	*out = NULL;
	if (!create) {
		rc = check_exists(path, err);
		if (rc)
			return rc;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		rc = ac_err_set(err, AC_ERR_NOMEM,
				"cannot open store '%s': out of memory", path);
		goto out;
	}
	s->base.ops = &sqlite_ops;
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	src = sqlite3_open_v2(path, &s->db, flags, NULL);
	if (src != SQLITE_OK) {
		rc = sq_err(s, src, "cannot open", err);
		goto out;
	}
	rc = configure(s, err);
	if (!rc)
		rc = store_schema_migrate(s->db, path, create, err);
	if (!rc)
		rc = prepare_all(s, err);
	if (!rc)
		*out = &s->base;
out:
	if (rc)
		sq_close(s ? &s->base : NULL);
	return rc;
}
