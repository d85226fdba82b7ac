/* The audit log file: opening, appending (chained, batched) and signed
 * checkpoints. See docs/internals/audit.md. */
#include "base/common.h"
#include "audit/audit_int.h"

#include <sys/stat.h>

#include "base/time.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "node/node.h"
#include "stix/jcs.h"

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
	store_init_library();
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

/* Length of the UTF-8 character at s (n bytes left), or 0 if invalid
 * (overlong forms, surrogates and code points past U+10FFFF included,
 * as JSON parsers reject them). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
	size_t len = s[0] < 0x80 ? 1 : (s[0] >> 5) == 6 ? 2
		   : (s[0] >> 4) == 14 ? 3 : (s[0] >> 3) == 30 ? 4 : 0;
	uint32_t cp;

	if (len == 0 || len > n)
		return 0;
	cp = len == 1 ? s[0] : s[0] & (0x7fu >> len);
	for (size_t k = 1; k < len; k++) {
		if ((s[k] >> 6) != 2)
			return 0;
		cp = cp << 6 | (s[k] & 0x3fu);
	}
	if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
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

/* The entry is written straight in its canonical form (RFC 8785: keys
 * sorted, strings escaped as JSON.stringify does, numbers as ECMAScript
 * prints them), the same bytes stix_jcs gives for the JSON that verify
 * rebuilds from the row. The object_ids column is the array's slice of it,
 * so the ids are escaped and hashed once. */
struct built {
	int64_t time_us;
	uint64_t count;
	size_t ids_off, ids_len; /* the object_ids array inside canon */
	char *actor, *channel, *purpose, *case_ref, *query, *detail;
};

static void built_release(struct built *b)
{
	free(b->actor);
	free(b->channel);
	free(b->purpose);
	free(b->case_ref);
	free(b->query);
	free(b->detail);
	memset(b, 0, sizeof(*b));
}

/* Appends s (len bytes) as a JCS string. */
static ac_rc jcs_str(struct ac_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;
	ac_rc rc = ac_buf_addc(b, '"');

	for (size_t i = 0; i < len && !rc; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = {'\\', 0, '0', '0', 0, 0};
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		rc = ac_buf_add(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\t': esc[1] = 't'; break;
		case '\n': esc[1] = 'n'; break;
		case '\f': esc[1] = 'f'; break;
		case '\r': esc[1] = 'r'; break;
		default:
			esc[1] = 'u';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		if (!rc)
			rc = ac_buf_add(b, esc, n);
	}
	if (!rc)
		rc = ac_buf_add(b, s + run, len - run);
	return rc ? rc : ac_buf_addc(b, '"');
}

/* ,"key": then the string (or the key alone when s is NULL). */
static ac_rc member(struct ac_buf *b, const char *key, const char *s)
{
	ac_rc rc = ac_buf_addf(b, ",\"%s\":", key);

	return rc || !s ? rc : jcs_str(b, s, strlen(s));
}

static ac_rc number(struct ac_buf *b, uint64_t v)
{
	char s[32];
	ac_rc rc = stix_jcs_number((double)v, s);

	return rc ? rc : ac_buf_adds(b, s);
}

static bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0, len; i < n; i += len)
		if (!(len = u[i] < 0x80 ? 1 : utf8_len(u + i, n - i)))
			return false;
	return true;
}

/* An id as it is when it is clean (the usual case: no copy), else
 * through clean_text. */
static ac_rc add_id(struct ac_buf *b, const char *id)
{
	size_t n = strlen(id ? id : "");
	char *clean;
	ac_rc rc;

	if (n <= AUDIT_FIELD_MAX && utf8_valid(id, n))
		return jcs_str(b, id, n);
	clean = clean_text(id, AUDIT_FIELD_MAX);
	if (!clean)
		return AC_ERR_NOMEM;
	rc = jcs_str(b, clean, strlen(clean));
	free(clean);
	return rc;
}

static ac_rc build_entry(const struct audit_entry *e, uint64_t seq,
			 const char *prev, struct built *b,
			 struct ac_buf *canon)
{
	size_t nids = e->nobject_ids < AUDIT_IDS_MAX ? e->nobject_ids
						     : AUDIT_IDS_MAX;
	char when[40];
	ac_rc rc;

	if ((unsigned)e->action >= AUDIT_ACTION_COUNT ||
	    (unsigned)e->actor_kind >= AUDIT_ACTOR_COUNT ||
	    (unsigned)e->outcome >= AUDIT_OUTCOME_COUNT)
		return AC_ERR_USAGE;
	b->time_us = e->time_us ? e->time_us : ac_now_us();
	b->count = e->object_count > e->nobject_ids ? e->object_count
						    : e->nobject_ids;
	b->actor = clean_text(e->actor, AUDIT_FIELD_MAX);
	b->channel = clean_text(e->channel, AUDIT_FIELD_MAX);
	b->purpose = clean_text(e->purpose, AUDIT_FIELD_MAX);
	b->case_ref = clean_text(e->case_ref, AUDIT_FIELD_MAX);
	b->query = clean_text(e->query, AUDIT_TEXT_MAX);
	b->detail = clean_text(e->detail, AUDIT_FIELD_MAX);
	if (!b->actor || !b->channel || !b->purpose || !b->case_ref ||
	    !b->query || !b->detail)
		return AC_ERR_NOMEM;
	audit_time_format(b->time_us, when);
	ac_buf_reset(canon);
	rc = ac_buf_adds(canon, "{\"action\":\"");
	if (!rc)
		rc = ac_buf_adds(canon, audit_action_name(e->action));
	if (!rc)
		rc = ac_buf_adds(canon, "\",\"actor\":{\"kind\":\"");
	if (!rc)
		rc = ac_buf_adds(canon, audit_actor_kind_name(e->actor_kind));
	if (!rc)
		rc = ac_buf_adds(canon, "\",\"name\":");
	if (!rc)
		rc = jcs_str(canon, b->actor, strlen(b->actor));
	if (!rc)
		rc = ac_buf_addc(canon, '}');
	if (!rc)
		rc = member(canon, "case", b->case_ref);
	if (!rc)
		rc = member(canon, "channel", b->channel);
	if (!rc)
		rc = member(canon, "detail", b->detail);
	if (!rc)
		rc = member(canon, "object_count", NULL);
	if (!rc)
		rc = number(canon, b->count);
	if (!rc)
		rc = member(canon, "object_ids", NULL);
	b->ids_off = canon->len;
	if (!rc)
		rc = ac_buf_addc(canon, '[');
	for (size_t i = 0; i < nids && !rc; i++) {
		if (i)
			rc = ac_buf_addc(canon, ',');
		if (!rc)
			rc = add_id(canon, e->object_ids[i]);
	}
	if (!rc)
		rc = ac_buf_addc(canon, ']');
	b->ids_len = canon->len - b->ids_off;
	if (!rc)
		rc = member(canon, "outcome", audit_outcome_name(e->outcome));
	if (!rc)
		rc = member(canon, "prev_hash", prev);
	if (!rc)
		rc = member(canon, "purpose", b->purpose);
	if (!rc)
		rc = member(canon, "query", b->query);
	if (!rc)
		rc = member(canon, "seq", NULL);
	if (!rc)
		rc = number(canon, seq);
	if (!rc)
		rc = member(canon, "time", when);
	return rc ? rc : ac_buf_addc(canon, '}');
}

/* hash = BLAKE2b-256(prev as 32 raw bytes || canonical entry). */
static ac_rc chain_hash(const char *prev_hex, const struct ac_buf *canon,
			uint8_t out[AUDIT_HASH_LEN])
{
	crypto_generichash_state h;
	uint8_t prev[AUDIT_HASH_LEN];
	size_t n = 0;

	if (sodium_hex2bin(prev, sizeof(prev), prev_hex, AUDIT_HEX_LEN, NULL,
			   &n, NULL) ||
	    n != sizeof(prev))
		return AC_ERR_PARSE;
	crypto_generichash_init(&h, NULL, 0, AUDIT_HASH_LEN);
	crypto_generichash_update(&h, prev, sizeof(prev));
	crypto_generichash_update(&h, (const unsigned char *)canon->data,
				  canon->len);
	crypto_generichash_final(&h, out, AUDIT_HASH_LEN);
	return AC_OK;
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
	ac_rc rc = build_entry(e, seq, prev, &b, scratch);

	if (rc == AC_ERR_USAGE) {
		rc = ac_err_set(err, rc, "audit entry has a bad action, actor "
					 "kind or outcome");
		goto out;
	}
	if (!rc)
		rc = chain_hash(prev, scratch, h);
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
	sqlite3_bind_text(st, 6, scratch->data + b.ids_off, (int)b.ids_len,
			  SQLITE_STATIC);
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
	uint64_t tail = 0, cp_seq = 0;
	int64_t cp_time = 0;
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
