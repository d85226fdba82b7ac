/* The audit log file: opening, appending (chained, batched) and signed
 * checkpoints. See docs/internals/audit.md. */
#include "base/common.h"
#include "audit/audit_int.h"

#include <sys/stat.h>

#include "base/time.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "node/node.h"

#define BUSY_TIMEOUT_MS 10000

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS entries ("
	" seq INTEGER PRIMARY KEY, time_us INTEGER NOT NULL,"
	" actor_kind TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,"
	" object_ids TEXT NOT NULL, object_count INTEGER NOT NULL,"
	" channel TEXT NOT NULL, purpose TEXT NOT NULL,"
	" case_ref TEXT NOT NULL, query TEXT NOT NULL, outcome TEXT NOT NULL,"
	" detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS entries_time ON entries (time_us);"
	"CREATE TABLE IF NOT EXISTS signed ("
	" kind TEXT NOT NULL, seq INTEGER NOT NULL, hash TEXT NOT NULL,"
	" time_us INTEGER NOT NULL, signature TEXT NOT NULL,"
	" PRIMARY KEY (kind, seq));";

static ac_rc exec(struct audit *a, const char *sql, const char *what,
		  struct ac_err *err)
{
	int src = sqlite3_exec(a->db, sql, NULL, NULL, NULL);
	return src == SQLITE_OK ? AC_OK : audit_sql_err(a, src, what, err);
}

static void rollback_quiet(struct audit *a)
{
	if (!sqlite3_get_autocommit(a->db))
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
}

ac_rc audit_open(const char *path, const struct audit_opts *opts,
		 const unsigned char *sign_sk, struct audit **out,
		 struct ac_err *err)
{
	struct audit *a = calloc(1, sizeof(*a));
	int src;
	ac_rc rc;

	if (!a || !(a->path = strdup(path))) {
		free(a);
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	}
	a->cp_entries = opts && opts->checkpoint_entries
				? opts->checkpoint_entries
				: AUDIT_CHECKPOINT_ENTRIES_DEFAULT;
	a->cp_us = opts && opts->checkpoint_us
			   ? opts->checkpoint_us
			   : AUDIT_CHECKPOINT_SECONDS_DEFAULT * 1000000LL;
	if (sign_sk) {
		memcpy(a->sk, sign_sk, sizeof(a->sk));
		a->have_key = true;
	}
	src = sqlite3_open_v2(path, &a->db,
			      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				      SQLITE_OPEN_NOMUTEX,
			      NULL);
	if (src != SQLITE_OK) {
		rc = audit_sql_err(a, src, "cannot open", err);
		goto out;
	}
	sqlite3_busy_timeout(a->db, BUSY_TIMEOUT_MS);
	rc = exec(a, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;",
		  "cannot configure", err);
	if (!rc)
		rc = exec(a, schema, "cannot create the tables of", err);
out:
	if (rc) {
		audit_close(a);
		return rc;
	}
	*out = a;
	return AC_OK;
}

ac_rc audit_open_node(const char *dir, uint64_t checkpoint_entries,
		      int64_t checkpoint_us, struct audit **out,
		      bool *signed_out, struct ac_err *err)
{
	char path[NODE_PATH_MAX], sk[NODE_PATH_MAX], pk[NODE_PATH_MAX];
	struct audit_opts o = { checkpoint_entries, checkpoint_us };
	struct ac_keys keys;
	bool have = false;
	ac_rc rc;

	rc = node_path(dir, AUDIT_FILE, path, err);
	if (!rc)
		rc = node_path(dir, NODE_SECRET_KEY, sk, err);
	if (!rc)
		rc = node_path(dir, NODE_PUBLIC_KEY, pk, err);
	if (rc)
		return rc;
	have = ac_keys_load(&keys, sk, pk, NULL) == AC_OK;
	rc = audit_open(path, &o, have ? keys.sign_sk : NULL, out, err);
	ac_keys_wipe(&keys);
	if (signed_out)
		*signed_out = have;
	return rc;
}

void audit_close(struct audit *a)
{
	if (!a)
		return;
	sqlite3_close(a->db);
	sodium_memzero(a->sk, sizeof(a->sk));
	free(a->path);
	free(a);
}

/* ---- the tail ---- */

/* Reads the tail's seq and hash: the last entry, else the prune record, else
 * the genesis (0, zeros). */
static ac_rc read_tail(struct audit *a, uint64_t *seq,
		       char hash[AUDIT_HEX_LEN + 1], struct ac_err *err)
{
	static const char *const sql[] = {
		"SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1",
		"SELECT seq, hash FROM signed WHERE kind = 'prune'"
		" ORDER BY seq DESC LIMIT 1",
	};
	sqlite3_stmt *st;
	int src;

	*seq = 0;
	snprintf(hash, AUDIT_HEX_LEN + 1, "%s", audit_zero_hex);
	for (size_t i = 0; i < AC_ARRAY_LEN(sql); i++) {
		src = sqlite3_prepare_v2(a->db, sql[i], -1, &st, NULL);
		if (src != SQLITE_OK)
			return audit_sql_err(a, src, "cannot read", err);
		src = sqlite3_step(st);
		if (src == SQLITE_ROW) {
			*seq = (uint64_t)sqlite3_column_int64(st, 0);
			snprintf(hash, AUDIT_HEX_LEN + 1, "%s",
				 (const char *)sqlite3_column_text(st, 1));
		}
		sqlite3_finalize(st);
		if (src == SQLITE_ROW)
			return AC_OK;
		if (src != SQLITE_DONE)
			return audit_sql_err(a, src, "cannot read", err);
	}
	return AC_OK;
}

/* ---- building an entry ---- */

/* Length of the UTF-8 character at s (n bytes left), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0x80 ? 1 : (s[0] >> 5) == 6 ? 2
		   : (s[0] >> 4) == 14 ? 3 : (s[0] >> 3) == 30 ? 4 : 0;

	if (len == 0 || len > n)
		return 0;
	for (size_t k = 1; k < len; k++)
		if ((s[k] >> 6) != 2)
			return 0;
	return len;
}

/* Copies s into a new string: invalid UTF-8 bytes become '?', and text
 * past cap bytes is cut at a character boundary and ends in "...". */
static char *clean_text(const char *s, size_t cap)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)u), o = 0;
	size_t room = n <= cap ? n : cap - 3;
	char *out = malloc(room + 4);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_len(u + i, n - i);
		if (o + (len ? len : 1) > room)
			break;
		if (len)
			memcpy(out + o, u + i, len);
		else
			out[o] = '?';
		o += len ? len : 1;
		i += len ? len : 1;
	}
	if (n > cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

struct built {
	json_t *json; /* without "hash" */
	char *ids_text;
	int64_t time_us;
	uint64_t count;
	char *actor, *channel, *purpose, *case_ref, *query, *detail;
};

static void built_release(struct built *b)
{
	json_decref(b->json);
	free(b->ids_text);
	free(b->actor);
	free(b->channel);
	free(b->purpose);
	free(b->case_ref);
	free(b->query);
	free(b->detail);
	memset(b, 0, sizeof(*b));
}

static ac_rc build_entry(const struct audit_entry *e, uint64_t seq,
			 const char *prev, struct built *b)
{
	size_t nids = e->nobject_ids < AUDIT_IDS_MAX ? e->nobject_ids
						     : AUDIT_IDS_MAX;
	json_t *ids = json_array();
	char when[40], *clean;

	if ((unsigned)e->action >= AUDIT_ACTION_COUNT ||
	    (unsigned)e->actor_kind >= AUDIT_ACTOR_COUNT ||
	    (unsigned)e->outcome >= AUDIT_OUTCOME_COUNT) {
		json_decref(ids);
		return AC_ERR_USAGE;
	}
	for (size_t i = 0; ids && i < nids; i++) {
		clean = clean_text(e->object_ids[i], AUDIT_FIELD_MAX);
		if (!clean || json_array_append_new(ids, json_string(clean))) {
			free(clean);
			json_decref(ids);
			return AC_ERR_NOMEM;
		}
		free(clean);
	}
	b->time_us = e->time_us ? e->time_us : ac_now_us();
	b->count = e->object_count > e->nobject_ids ? e->object_count
						    : e->nobject_ids;
	b->actor = clean_text(e->actor, AUDIT_FIELD_MAX);
	b->channel = clean_text(e->channel, AUDIT_FIELD_MAX);
	b->purpose = clean_text(e->purpose, AUDIT_FIELD_MAX);
	b->case_ref = clean_text(e->case_ref, AUDIT_FIELD_MAX);
	b->query = clean_text(e->query, AUDIT_TEXT_MAX);
	b->detail = clean_text(e->detail, AUDIT_FIELD_MAX);
	b->ids_text = ids ? json_dumps(ids, JSON_COMPACT) : NULL;
	if (!b->actor || !b->channel || !b->purpose || !b->case_ref ||
	    !b->query || !b->detail || !b->ids_text) {
		json_decref(ids);
		return AC_ERR_NOMEM;
	}
	audit_time_format(b->time_us, when);
	b->json = json_pack(
		"{s:I, s:s, s:{s:s, s:s}, s:s, s:o, s:I, s:s, s:s, s:s, s:s,"
		" s:s, s:s, s:s}",
		"seq", (json_int_t)seq, "time", when, "actor", "kind",
		audit_actor_kind_name(e->actor_kind), "name", b->actor,
		"action", audit_action_name(e->action), "object_ids", ids,
		"object_count", (json_int_t)b->count, "channel", b->channel,
		"purpose", b->purpose, "case", b->case_ref, "query", b->query,
		"outcome", audit_outcome_name(e->outcome), "detail", b->detail,
		"prev_hash", prev);
	return b->json ? AC_OK : AC_ERR_NOMEM;
}

static const char insert_sql[] =
	"INSERT INTO entries (" AUDIT_COLUMNS ") VALUES"
	" (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

static ac_rc insert_entry(struct audit *a, sqlite3_stmt *st,
			  const struct audit_entry *e, uint64_t seq,
			  char prev[AUDIT_HEX_LEN + 1], struct ac_buf *scratch,
			  struct ac_err *err)
{
	struct built b = { 0 };
	uint8_t h[AUDIT_HASH_LEN];
	char hex[AUDIT_HEX_LEN + 1];
	int src;
	ac_rc rc = build_entry(e, seq, prev, &b);

	if (rc == AC_ERR_USAGE) {
		rc = ac_err_set(err, rc, "audit entry has a bad action, actor "
					 "kind or outcome");
		goto out;
	}
	if (!rc)
		rc = audit_entry_hash(b.json, h, scratch);
	if (rc) {
		rc = ac_err_set(err, rc, "cannot form audit entry %llu",
				(unsigned long long)seq);
		goto out;
	}
	ac_hex(h, AUDIT_HASH_LEN, hex);
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	sqlite3_bind_int64(st, 2, b.time_us);
	sqlite3_bind_text(st, 3, audit_actor_kind_name(e->actor_kind), -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(st, 4, b.actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, audit_action_name(e->action), -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(st, 6, b.ids_text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)b.count);
	sqlite3_bind_text(st, 8, b.channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, b.purpose, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, b.case_ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, b.query, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, audit_outcome_name(e->outcome), -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(st, 13, b.detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, hex, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (src != SQLITE_DONE) {
		rc = audit_sql_err(a, src, "cannot append to", err);
		goto out;
	}
	memcpy(prev, hex, sizeof(hex));
out:
	built_release(&b);
	return rc;
}

/* ---- checkpoints ---- */

static ac_rc last_checkpoint(struct audit *a, uint64_t *seq, int64_t *time_us,
			     struct ac_err *err)
{
	sqlite3_stmt *st;
	int src = sqlite3_prepare_v2(
		a->db,
		"SELECT seq, time_us FROM signed WHERE kind = 'checkpoint'"
		" ORDER BY seq DESC LIMIT 1",
		-1, &st, NULL);

	*seq = 0;
	*time_us = 0;
	if (src != SQLITE_OK)
		return audit_sql_err(a, src, "cannot read", err);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		*seq = (uint64_t)sqlite3_column_int64(st, 0);
		*time_us = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return audit_sql_err(a, src, "cannot read", err);
	return AC_OK;
}

/* Signs (kind, seq, hash, now) and stores it; inside the caller's
 * transaction. */
static ac_rc write_signed(struct audit *a, const char *kind, uint64_t seq,
			  const char *hash, struct ac_err *err)
{
	unsigned char sig[crypto_sign_BYTES];
	char b64[AUDIT_SIG_B64];
	struct ac_buf msg = AC_BUF_INIT(4096);
	int64_t now = ac_now_us();
	sqlite3_stmt *st = NULL;
	int src;
	ac_rc rc;

	if (!a->have_key)
		return ac_err_set(err, AC_ERR_CRYPTO,
				  "cannot sign the audit log '%s': the node's "
				  "secret key is not readable here",
				  a->path);
	rc = audit_signed_message(kind, seq, hash, now, &msg);
	if (rc) {
		rc = ac_err_set(err, rc, "cannot form a signed audit record");
		goto out;
	}
	crypto_sign_detached(sig, NULL, (const unsigned char *)msg.data,
			     msg.len, a->sk);
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig),
			  sodium_base64_VARIANT_ORIGINAL);
	src = sqlite3_prepare_v2(a->db,
				 "INSERT OR REPLACE INTO signed (kind, seq, hash,"
				 " time_us, signature) VALUES (?1, ?2, ?3, ?4, ?5)",
				 -1, &st, NULL);
	if (src == SQLITE_OK) {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
		sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, now);
		sqlite3_bind_text(st, 5, b64, -1, SQLITE_STATIC);
		src = sqlite3_step(st);
	}
	if (src != SQLITE_DONE && src != SQLITE_OK)
		rc = audit_sql_err(a, src, "cannot sign", err);
out:
	sqlite3_finalize(st);
	ac_buf_release(&msg);
	return rc;
}

/* Inside a write transaction: signs the tail if a checkpoint is due (or
 * `force`). Without a key, nothing is due. */
static ac_rc checkpoint_locked(struct audit *a, bool force, bool by_count,
			       struct ac_err *err)
{
	char hash[AUDIT_HEX_LEN + 1];
	uint64_t tail, cp_seq;
	int64_t cp_time;
	bool due;
	ac_rc rc;

	if (!a->have_key)
		return AC_OK;
	rc = read_tail(a, &tail, hash, err);
	if (!rc)
		rc = last_checkpoint(a, &cp_seq, &cp_time, err);
	if (rc || tail == 0 || tail <= cp_seq)
		return rc;
	due = force || ac_now_us() - cp_time >= a->cp_us ||
	      (by_count && tail - cp_seq >= a->cp_entries);
	return due ? write_signed(a, "checkpoint", tail, hash, err) : AC_OK;
}

ac_rc audit_append_batch(struct audit *a, const struct audit_entry *e,
			 size_t n, uint64_t *last_seq, struct ac_err *err)
{
	struct ac_buf scratch = AC_BUF_INIT(64u << 20);
	char prev[AUDIT_HEX_LEN + 1];
	sqlite3_stmt *st = NULL;
	uint64_t seq = 0;
	int src;
	ac_rc rc;

	if (n == 0 || n > AUDIT_BATCH_MAX)
		return ac_err_set(err, AC_ERR_USAGE,
				  "an audit batch holds 1 to %d entries",
				  AUDIT_BATCH_MAX);
	rc = exec(a, "BEGIN IMMEDIATE", "cannot lock", err);
	if (!rc)
		rc = read_tail(a, &seq, prev, err);
	if (rc)
		goto out;
	src = sqlite3_prepare_v2(a->db, insert_sql, -1, &st, NULL);
	if (src != SQLITE_OK) {
		rc = audit_sql_err(a, src, "cannot append to", err);
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++)
		rc = insert_entry(a, st, &e[i], ++seq, prev, &scratch, err);
	if (!rc)
		rc = checkpoint_locked(a, false, true, err);
	if (!rc)
		rc = exec(a, "COMMIT", "cannot commit to", err);
out:
	sqlite3_finalize(st);
	if (rc)
		rollback_quiet(a);
	else if (last_seq)
		*last_seq = seq;
	ac_buf_release(&scratch);
	return rc;
}

ac_rc audit_append(struct audit *a, const struct audit_entry *e,
		   struct ac_err *err)
{
	return audit_append_batch(a, e, 1, NULL, err);
}

static ac_rc checkpoint_tx(struct audit *a, bool force, struct ac_err *err)
{
	ac_rc rc = exec(a, "BEGIN IMMEDIATE", "cannot lock", err);

	if (!rc)
		rc = checkpoint_locked(a, force, false, err);
	if (!rc)
		rc = exec(a, "COMMIT", "cannot commit to", err);
	if (rc)
		rollback_quiet(a);
	return rc;
}

ac_rc audit_checkpoint_if_due(struct audit *a, struct ac_err *err)
{
	return checkpoint_tx(a, false, err);
}

ac_rc audit_checkpoint(struct audit *a, struct ac_err *err)
{
	if (!a->have_key)
		return ac_err_set(err, AC_ERR_CRYPTO,
				  "cannot sign the audit log '%s': the node's "
				  "secret key is not readable here",
				  a->path);
	return checkpoint_tx(a, true, err);
}

/* ---- pruning ---- */

static ac_rc prune_locked(struct audit *a, int64_t before_us, uint64_t *removed,
			  struct ac_err *err)
{
	sqlite3_stmt *st = NULL;
	char hash[AUDIT_HEX_LEN + 1] = "";
	uint64_t cut = 0, first = 0;
	char sql[256];
	int src;
	ac_rc rc = AC_OK;

	src = sqlite3_prepare_v2(a->db,
				 "SELECT e.seq, e.hash, (SELECT MIN(seq) FROM entries)"
				 " FROM entries e WHERE e.seq = (SELECT MAX(seq)"
				 " FROM entries WHERE time_us < ?1)",
				 -1, &st, NULL);
	if (src == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, before_us);
		src = sqlite3_step(st);
	}
	if (src == SQLITE_ROW) {
		cut = (uint64_t)sqlite3_column_int64(st, 0);
		snprintf(hash, sizeof(hash), "%s",
			 (const char *)sqlite3_column_text(st, 1));
		first = (uint64_t)sqlite3_column_int64(st, 2);
	} else if (src != SQLITE_DONE) {
		rc = audit_sql_err(a, src, "cannot read", err);
	}
	sqlite3_finalize(st);
	*removed = cut ? cut - first + 1 : 0;
	if (rc || !cut)
		return rc;
	rc = write_signed(a, "prune", cut, hash, err);
	snprintf(sql, sizeof(sql),
		 "DELETE FROM entries WHERE seq <= %llu;"
		 "DELETE FROM signed WHERE seq <= %llu AND kind = 'checkpoint';"
		 "DELETE FROM signed WHERE seq < %llu AND kind = 'prune';",
		 (unsigned long long)cut, (unsigned long long)cut,
		 (unsigned long long)cut);
	if (!rc)
		rc = exec(a, sql, "cannot prune", err);
	return rc;
}

ac_rc audit_prune(struct audit *a, const unsigned char pk[AUDIT_PK_LEN],
		  int64_t before_us, const struct audit_entry *who,
		  uint64_t *removed, struct ac_err *err)
{
	struct audit_report rep;
	struct audit_entry e = *who;
	char detail[128], when[40];
	ac_rc rc;

	*removed = 0;
	rc = audit_verify(a, pk, &rep, err);
	if (!rc && rep.nfindings)
		return ac_err_set(err, AC_ERR_INVALID,
				  "refusing to prune the audit log '%s': it "
				  "does not verify (%s); run 'accord audit "
				  "verify'",
				  a->path, rep.findings[0].msg);
	if (!rc)
		rc = exec(a, "BEGIN IMMEDIATE", "cannot lock", err);
	if (!rc)
		rc = prune_locked(a, before_us, removed, err);
	if (!rc)
		rc = exec(a, "COMMIT", "cannot commit to", err);
	if (rc) {
		rollback_quiet(a);
		return rc;
	}
	audit_time_format(before_us, when);
	snprintf(detail, sizeof(detail), "removed %llu entries older than %s",
		 (unsigned long long)*removed, when);
	e.action = AUDIT_PRUNE;
	e.detail = detail;
	return audit_append(a, &e, err);
}
