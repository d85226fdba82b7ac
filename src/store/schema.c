/* Schema versions of the SQLite store. PRAGMA user_version holds the version
 * of the file; each migration moves it up by one inside its own transaction,
 * so a crash leaves the file at some whole version. Append new migrations;
 * never edit one that has shipped. */
#include "base/common.h"
#include "store/store_sqlite.h"

struct migration {
	int version;
	const char *sql;
};

static const char schema_v1[] =
    "CREATE TABLE objects ("
    " rowid INTEGER PRIMARY KEY,"
    " id TEXT NOT NULL,"
    " type TEXT NOT NULL,"
    " version TEXT NOT NULL,"
    " version_ns INTEGER NOT NULL,"
    " spec_version TEXT NOT NULL,"
    " revoked INTEGER NOT NULL CHECK (revoked IN (0, 1)),"
    " source TEXT NOT NULL,"
    " hash BLOB NOT NULL CHECK (length(hash) = 32),"
    " json TEXT NOT NULL,"
    " date_added INTEGER NOT NULL,"
    " UNIQUE (id, version_ns));"
    "CREATE UNIQUE INDEX objects_date_added ON objects(date_added);"
    "CREATE INDEX objects_type_added ON objects(type, date_added);"
    "CREATE VIRTUAL TABLE objects_fts USING fts5(text, content='',"
    " tokenize='unicode61 remove_diacritics 2');";

/* Users and API tokens (src/auth). Token times are microseconds, 0 for
 * "none"; the hash column holds a keyed hash of the secret only. */
static const char schema_v2[] =
    "CREATE TABLE users ("
    " name TEXT PRIMARY KEY,"
    " role TEXT NOT NULL,"
    " pwhash TEXT NOT NULL,"
    " created_us INTEGER NOT NULL,"
    " disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)));"
    "CREATE TABLE tokens ("
    " id TEXT PRIMARY KEY,"
    " user TEXT NOT NULL REFERENCES users(name),"
    " hash BLOB NOT NULL CHECK (length(hash) = 32),"
    " created_us INTEGER NOT NULL,"
    " expires_us INTEGER NOT NULL DEFAULT 0,"
    " revoked_us INTEGER NOT NULL DEFAULT 0,"
    " partner TEXT NULL,"
    " purpose TEXT NULL,"
    " last_used_us INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX tokens_user ON tokens(user, created_us);";

/* TAXII: collections (a view over the store by scope), the objects written
 * into inbox collections (by object id, so all versions belong), and the
 * status resources of TAXII POSTs. */
static const char schema_v3[] =
    "CREATE TABLE collections ("
    " id TEXT PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " title TEXT NOT NULL,"
    " description TEXT NOT NULL DEFAULT '',"
    " scope INTEGER NOT NULL CHECK (scope BETWEEN 0 AND 3),"
    " read_roles INTEGER NOT NULL,"
    " write_roles INTEGER NOT NULL,"
    " created_us INTEGER NOT NULL);"
    "CREATE TABLE collection_members ("
    " collection_id TEXT NOT NULL REFERENCES collections(id),"
    " object_id TEXT NOT NULL,"
    " PRIMARY KEY (collection_id, object_id)) WITHOUT ROWID;"
    "CREATE INDEX collection_members_object ON collection_members(object_id);"
    "CREATE TABLE statuses ("
    " id TEXT PRIMARY KEY,"
    " json TEXT NOT NULL,"
    " updated_us INTEGER NOT NULL);";

/* Partner agencies and the sharing agreement with each (src/policy).
 * areas is a comma-separated list of the area vocabulary; times are
 * microseconds. */
static const char schema_v4[] =
    "CREATE TABLE partners ("
    " name TEXT PRIMARY KEY,"
    " identity_id TEXT NOT NULL,"
    " title TEXT NULL,"
    " created_us INTEGER NOT NULL);"
    "CREATE TABLE agreements ("
    " partner TEXT PRIMARY KEY REFERENCES partners(name),"
    " areas TEXT NOT NULL,"
    " max_tlp TEXT NOT NULL,"
    " retention_days INTEGER NOT NULL DEFAULT 0,"
    " valid_from_us INTEGER NOT NULL,"
    " valid_until_us INTEGER NOT NULL,"
    " onward_sharing TEXT NOT NULL CHECK (onward_sharing IN ('none', 'green')),"
    " updated_us INTEGER NOT NULL);";

/* Identifier index and correlations (src/index). identifiers: one row per
 * (kind, value, object, source), one B-tree (WITHOUT ROWID) so that each
 * new identifier dirties as few pages as possible; ord is the address of IP kinds, for block
 * containment. correlations: one row per match between two (object,
 * source) pairs; score 1 for exact, below 1 for weaker matches. alerts:
 * one per correlation across sources. common_values: values that stopped
 * correlating because they occur too often. */
static const char schema_v5[] =
    "CREATE TABLE identifiers ("
    " kind TEXT NOT NULL,"
    " value TEXT NOT NULL,"
    " object_id TEXT NOT NULL,"
    " source TEXT NOT NULL,"
    " valid INTEGER NOT NULL CHECK (valid IN (0, 1)),"
    " ord BLOB NULL,"
    " created_us INTEGER NOT NULL,"
    " PRIMARY KEY (kind, value, object_id, source)) WITHOUT ROWID;"
    "CREATE INDEX identifiers_ord ON identifiers(kind, ord)"
    " WHERE ord IS NOT NULL;"
    "CREATE TABLE correlations ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL,"
    " value TEXT NOT NULL,"
    " object_a TEXT NOT NULL,"
    " source_a TEXT NOT NULL,"
    " object_b TEXT NOT NULL,"
    " source_b TEXT NOT NULL,"
    " created_us INTEGER NOT NULL,"
    " score REAL NOT NULL CHECK (score > 0 AND score <= 1),"
    " UNIQUE (kind, value, object_a, source_a, object_b, source_b));"
    "CREATE INDEX correlations_a ON correlations(object_a);"
    "CREATE INDEX correlations_b ON correlations(object_b);"
    "CREATE TABLE alerts ("
    " id INTEGER PRIMARY KEY,"
    " correlation_id INTEGER NOT NULL UNIQUE REFERENCES correlations(id),"
    " created_us INTEGER NOT NULL,"
    " acked_us INTEGER NOT NULL DEFAULT 0,"
    " acked_by TEXT NULL);"
    "CREATE INDEX alerts_created ON alerts(created_us);"
    "CREATE TABLE common_values ("
    " kind TEXT NOT NULL,"
    " value TEXT NOT NULL,"
    " count INTEGER NOT NULL,"
    " listed_us INTEGER NOT NULL,"
    " PRIMARY KEY (kind, value)) WITHOUT ROWID;";

#define PERSON_EXT "extension-definition--f6847bb6-02c2-41de-957f-cda80662ccdb"

/* Version 6: person_names, the names of each person object, from which
 * every process rebuilds its in-memory name index (src/names/service.c).
 * AUTOINCREMENT: ids are never reused, so "rows after id N" is exact;
 * person_names_state counts deletions and names the store. The persons
 * already stored get their rows here (the same names as
 * names_of_person). */
static const char schema_v6[] =
    "CREATE TABLE person_names ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " object_id TEXT NOT NULL,"
    " source TEXT NOT NULL,"
    " name TEXT NOT NULL,"
    " created_us INTEGER NOT NULL);"
    "CREATE INDEX person_names_object ON person_names(object_id);"
    "CREATE TABLE person_names_state ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " deletions INTEGER NOT NULL,"
    " store_uid TEXT NOT NULL);"
    "INSERT INTO person_names_state VALUES"
    " (1, 0, lower(hex(randomblob(16))));"
    /* persons stored before version 6: the names names_of_person takes
     * from the newest version of each person identity */
    "WITH p AS (SELECT o.id, o.source, o.json FROM objects o"
    "  WHERE o.type = 'identity' AND o.version_ns ="
    "  (SELECT MAX(version_ns) FROM objects WHERE id = o.id) AND"
    "  (json_extract(o.json, '$.identity_class') = 'individual' OR"
    "   json_type(o.json, '$.extensions.\"" PERSON_EXT "\"') = 'object')),"
    " v AS (SELECT p.id, p.source, json_extract(p.json, '$.name') AS name,"
    "  0 AS ord, json_type(p.json, '$.name') AS t FROM p"
    "  UNION ALL SELECT p.id, p.source, a.value, 1000 + a.key, a.type"
    "  FROM p, json_each(p.json, '$.aliases') a"
    "  WHERE json_type(p.json, '$.aliases') = 'array'"
    "  UNION ALL SELECT p.id, p.source, a.value, 2000 + a.key, a.type"
    "  FROM p, json_each(p.json, '$.x_aliases') a"
    "  WHERE json_type(p.json, '$.x_aliases') = 'array'"
    "  UNION ALL SELECT p.id, p.source, json_extract(e.value, '$.value'),"
    "  3000 + e.key, json_type(e.value, '$.value')"
    "  FROM p, json_each(p.json, '$.extensions.\"" PERSON_EXT "\".names') e"
    "  WHERE json_type(p.json, '$.extensions.\"" PERSON_EXT "\".names')"
    "  = 'array' AND coalesce(json_extract(e.value, '$.kind'), '')"
    "  NOT IN ('given', 'family', 'patronymic'))"
    " INSERT INTO person_names (object_id, source, name, created_us)"
    " SELECT id, source, name,"
    " CAST(strftime('%s', 'now') AS INTEGER) * 1000000"
    " FROM (SELECT id, source, name, ROW_NUMBER() OVER"
    "  (PARTITION BY id ORDER BY ord) AS n FROM"
    "  (SELECT id, source, name, MIN(ord) AS ord FROM v"
    "   WHERE t = 'text' AND name <> '' AND"
    "   length(CAST(name AS BLOB)) <= 512 GROUP BY id, name))"
    " WHERE n <= 64 ORDER BY id, n;";

/* Federation (src/federation): how to reach each partner node (its TAXII
 * API root, TLS key pin and Ed25519 signing key from its card) and, per
 * partner and collection, how far pulling got. collection '' holds the
 * partner-wide outcome of the last pull. */
static const char schema_v7[] =
    "CREATE TABLE partner_links ("
    " name TEXT PRIMARY KEY REFERENCES partners(name),"
    " url TEXT NOT NULL,"
    " pin TEXT NOT NULL,"
    " sign_pk BLOB NOT NULL CHECK (length(sign_pk) = 32),"
    " created_us INTEGER NOT NULL);"
    "CREATE TABLE sync_state ("
    " partner TEXT NOT NULL REFERENCES partners(name),"
    " collection TEXT NOT NULL,"
    " watermark TEXT NOT NULL DEFAULT '',"
    " last_attempt_us INTEGER NOT NULL DEFAULT 0,"
    " last_success_us INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT NOT NULL DEFAULT '',"
    " received INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (partner, collection)) WITHOUT ROWID;";

/* Erasure removes an object's index rows by object id. */
static const char schema_v8[] =
    "CREATE INDEX identifiers_object ON identifiers(object_id);";

/* Push (src/federation/push.c) and the sync loop of `accord serve`: per
 * partner link the pull and push intervals in seconds (0 = off), and per
 * partner how far pushing got: the date_added (us) of the last local row
 * covered by an acknowledged batch, the outcome of the last push, counts. */
static const char schema_v9[] =
    "ALTER TABLE partner_links ADD COLUMN"
    " pull_interval_s INTEGER NOT NULL DEFAULT 60;"
    "ALTER TABLE partner_links ADD COLUMN"
    " push_interval_s INTEGER NOT NULL DEFAULT 10;"
    "CREATE TABLE push_state ("
    " partner TEXT PRIMARY KEY REFERENCES partners(name),"
    " watermark_us INTEGER NOT NULL DEFAULT 0,"
    " last_attempt_us INTEGER NOT NULL DEFAULT 0,"
    " last_success_us INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT NOT NULL DEFAULT '',"
    " sent INTEGER NOT NULL DEFAULT 0,"
    " failed INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;";

/* Erasure propagation (src/federation/erasure.c): which partner was handed
 * which object (disclosures), the erasures this node carried out, and the
 * erasure notices and confirmations it owes partners (erasure_outbox: one
 * row per message and partner, with its delivery state). */
static const char schema_v10[] =
    "CREATE TABLE disclosures ("
    " object_id TEXT NOT NULL,"
    " partner TEXT NOT NULL,"
    " first_us INTEGER NOT NULL,"
    " last_us INTEGER NOT NULL,"
    " PRIMARY KEY (object_id, partner)) WITHOUT ROWID;"
    "CREATE TABLE erasures ("
    " id INTEGER PRIMARY KEY,"
    " object_id TEXT NOT NULL,"
    " notice_id TEXT NOT NULL UNIQUE,"
    " reason TEXT NOT NULL,"
    " origin TEXT NOT NULL,"
    " actor TEXT NOT NULL,"
    " from_partner TEXT NOT NULL DEFAULT '',"
    " versions INTEGER NOT NULL,"
    " created_us INTEGER NOT NULL);"
    "CREATE INDEX erasures_object ON erasures(object_id);"
    "CREATE TABLE erasure_outbox ("
    " id INTEGER PRIMARY KEY,"
    " kind INTEGER NOT NULL CHECK (kind IN (0, 1)),"
    " partner TEXT NOT NULL,"
    " stix_id TEXT NOT NULL,"
    " object_id TEXT NOT NULL,"
    " reason TEXT NOT NULL DEFAULT '',"
    " origin TEXT NOT NULL DEFAULT '',"
    " notice_ref TEXT NOT NULL DEFAULT '',"
    " created_us INTEGER NOT NULL,"
    " sent_us INTEGER NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT NOT NULL DEFAULT '',"
    " confirmed_us INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE (stix_id, partner));"
    "CREATE INDEX erasure_outbox_object ON erasure_outbox(object_id);"
    "CREATE INDEX erasure_outbox_pending ON erasure_outbox(sent_us, partner);";

/* Version 11: with each version, the part of it the access decision reads
 * (policy_markings_summary), so that read paths decide without parsing
 * the whole object. NULL for versions stored before: they are parsed. */
static const char schema_v11[] =
    "ALTER TABLE objects ADD COLUMN meta TEXT NULL;";

/* Version 12: FTS5 keeps up to 8 MiB of new terms in memory (default
 * 1 MiB) before it writes them as a segment, so an ingest writes fewer,
 * larger segments and merges less. The table is unchanged (the setting is
 * a row of objects_fts_config); commits still write all pending terms. */
static const char schema_v12[] =
    "INSERT INTO objects_fts (objects_fts, rank) VALUES ('hashsize', 8388608);";

/* Version 13: when each erasure message was last tried, so the serve
 * loop retries a failing one with a growing delay (store_outbox_due). */
static const char schema_v13[] =
    "ALTER TABLE erasure_outbox ADD COLUMN last_attempt_us INTEGER NOT NULL"
    " DEFAULT 0;";

/* Version 14: disclosures are appended to a log first: one read of a page
 * of 1000 objects inserted 1000 random keys into the disclosures tree, so
 * each commit rewrote most of its pages (about 350 MB of WAL for 100k
 * objects served). The log is merged into the tree in key order once it
 * is long (store_disclosure_add); readers look at both. */
static const char schema_v14[] =
    "CREATE TABLE disclosure_log ("
    " seq INTEGER PRIMARY KEY,"
    " object_id TEXT NOT NULL,"
    " partner TEXT NOT NULL,"
    " at_us INTEGER NOT NULL);";

/* Version 15: a notice may erase some versions only (a TAXII DELETE with
 * match[version]): their timestamps, space-separated; '' = every
 * version. */
static const char schema_v15[] =
    "ALTER TABLE erasure_outbox ADD COLUMN versions TEXT NOT NULL"
    " DEFAULT '';";

/* Version 16: one person_names row per person object, its names a JSON
 * array of strings in order: six rows per person made the object_id
 * index six times larger, and at a million objects its random inserts
 * cost a third of an import's time (docs/internals/store.md). Each
 * object's row takes the highest id of its old rows, and the id sequence
 * carries over, so ids still only ever grow. */
static const char schema_v16[] =
    "CREATE TABLE person_names_v16 ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " object_id TEXT NOT NULL,"
    " source TEXT NOT NULL,"
    " names TEXT NOT NULL,"
    " created_us INTEGER NOT NULL);"
    "INSERT INTO person_names_v16 (id, object_id, source, names, created_us)"
    " SELECT max(id), object_id, source, json_group_array(name),"
    " max(created_us) FROM (SELECT * FROM person_names"
    " ORDER BY object_id, source, id) GROUP BY object_id, source;"
    "INSERT INTO sqlite_sequence (name, seq)"
    " SELECT 'person_names_v16', 0 WHERE NOT EXISTS"
    " (SELECT 1 FROM sqlite_sequence WHERE name = 'person_names_v16');"
    "UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq"
    " FROM sqlite_sequence WHERE name = 'person_names'), 0))"
    " WHERE name = 'person_names_v16';"
    "DROP TABLE person_names;"
    "ALTER TABLE person_names_v16 RENAME TO person_names;"
    "CREATE INDEX person_names_object ON person_names(object_id);";

/* Version 17: ingest adds the names of an id's first version without
 * looking for old rows (store_names_add), so no row may outlive its
 * object's last version. Deletion has kept to that since names were
 * refreshed on delete; rows left from before then go, counted as
 * deletions so that name indexes rebuild. */
static const char schema_v17[] =
    "UPDATE person_names_state SET deletions = deletions + (SELECT"
    " coalesce(sum(json_array_length(p.names)), 0) FROM person_names p"
    " WHERE NOT EXISTS (SELECT 1 FROM objects o WHERE o.id = p.object_id));"
    "DELETE FROM person_names WHERE NOT EXISTS"
    " (SELECT 1 FROM objects o WHERE o.id = person_names.object_id);";

/* Version 18: identifiers becomes a rowid table. Without a rowid, the
 * index by object (version 8) held the whole primary key in each entry
 * (about 90 bytes); at a million objects it outgrew the page cache beside
 * the key index, and its random inserts were a fifth of an import's CPU
 * with correlation on (docs/internals/correlation.md). Rows now append;
 * the key (kind, value, object_id, source) is a unique index, and the
 * index by object keys on the last 16 characters of the id (the end of
 * its UUID) with the rowid, about 25 bytes an entry. Readers compare the
 * whole id as well (IX_FORGET_IDENTS). */
static const char schema_v18[] =
    "CREATE TABLE identifiers_v18 ("
    " kind TEXT NOT NULL,"
    " value TEXT NOT NULL,"
    " object_id TEXT NOT NULL,"
    " source TEXT NOT NULL,"
    " valid INTEGER NOT NULL CHECK (valid IN (0, 1)),"
    " ord BLOB NULL,"
    " created_us INTEGER NOT NULL);"
    "INSERT INTO identifiers_v18 (kind, value, object_id, source, valid,"
    " ord, created_us) SELECT kind, value, object_id, source, valid, ord,"
    " created_us FROM identifiers ORDER BY created_us;"
    "DROP TABLE identifiers;"
    "ALTER TABLE identifiers_v18 RENAME TO identifiers;"
    "CREATE UNIQUE INDEX identifiers_key"
    " ON identifiers(kind, value, object_id, source);"
    "CREATE INDEX identifiers_ord ON identifiers(kind, ord)"
    " WHERE ord IS NOT NULL;"
    "CREATE INDEX identifiers_object ON identifiers(substr(object_id, -16));";

static const struct migration migrations[] = {
    {1, schema_v1},
    {2, schema_v2},
    {3, schema_v3},
    {4, schema_v4},
    {5, schema_v5},
    {6, schema_v6},
    {7, schema_v7},
    {8, schema_v8},
    {9, schema_v9},
    {10, schema_v10},
    {11, schema_v11},
    {12, schema_v12},
    {13, schema_v13},
    {14, schema_v14},
    {15, schema_v15},
    {16, schema_v16},
    {17, schema_v17},
    {18, schema_v18},
};

int store_schema_version(void)
{
	return migrations[AC_ARRAY_LEN(migrations) - 1].version;
}

static ac_rc read_version(sqlite3 *db, const char *path, int *out,
			  struct ac_err *err)
{
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	src = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	if (src != SQLITE_ROW) {
		rc = store_sqlite_err(db, src, path,
				      "cannot read the schema version of", err);
		goto out;
	}
	*out = sqlite3_column_int(st, 0);
	rc = AC_OK;
out:
	sqlite3_finalize(st);
	return rc;
}

static ac_rc check_known(int version, const char *path, struct ac_err *err)
{
	if (version < 0 || version > store_schema_version())
		return ac_err_set(
		    err, AC_ERR_STORE,
		    "cannot open store '%s': schema version %d is "
		    "newer than this accord supports (%d); "
		    "upgrade accord",
		    path, version, store_schema_version());
	return AC_OK;
}

static ac_rc exec(sqlite3 *db, const char *sql, const char *path,
		  const char *what, struct ac_err *err)
{
	int src = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (src != SQLITE_OK)
		return store_sqlite_err(db, src, path, what, err);
	return AC_OK;
}

/* Applies one migration unless another process got there first. */
static ac_rc apply(sqlite3 *db, const struct migration *m, const char *path,
		   struct ac_err *err)
{
	char set_version[64];
	int cur = 0;
	ac_rc rc;

	rc = exec(db, "BEGIN IMMEDIATE", path, "cannot begin a migration of",
		  err);
	if (rc)
		return rc;
	rc = read_version(db, path, &cur, err);
	if (rc)
		goto out;
	rc = check_known(cur, path, err);
	if (rc || cur >= m->version)
		goto out;
	rc = exec(db, m->sql, path, "cannot migrate", err);
	if (rc)
		goto out;
	snprintf(set_version, sizeof(set_version), "PRAGMA user_version = %d",
		 m->version);
	rc = exec(db, set_version, path, "cannot set the schema version of",
		  err);
out:
	if (!rc)
		rc = exec(db, "COMMIT", path, "cannot commit a migration of",
			  err);
	if (rc && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

ac_rc store_schema_migrate(sqlite3 *db, const char *path, bool create,
			   struct ac_err *err)
{
	int version = 0;
	ac_rc rc;

	rc = read_version(db, path, &version, err);
	if (rc)
		return rc;
	rc = check_known(version, path, err);
	if (rc)
		return rc;
	if (version == 0 && !create)
		return ac_err_set(err, AC_ERR_STORE,
				  "cannot open store '%s': not an accord store "
				  "(create it first)",
				  path);
	for (size_t i = 0; i < AC_ARRAY_LEN(migrations); i++) {
		if (migrations[i].version <= version)
			continue;
		rc = apply(db, &migrations[i], path, err);
		if (rc)
			return rc;
	}
	return AC_OK;
}
