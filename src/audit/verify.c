/* Verification of the audit log in place and of an exported file. The
 * classification rules for a broken chain are in docs/internals/audit.md. */
#include "base/common.h"
#include "audit/audit_int.h"

#include "crypto/hash.h"
#include "stix/jcs.h"

/* A signed record read from the database. */
struct signed_rec {
	uint64_t seq;
	char hash[AUDIT_HEX_LEN + 1];
	bool good;
};

struct signed_set {
	struct signed_rec *cp; /* checkpoints, by seq */
	size_t n, cap;
	struct signed_rec prune; /* seq 0 when there is none */
	uint64_t max_seq;	 /* highest seq any good record names */
};

/* One entry row with what verification derives from it. */
struct row {
	bool present;
	uint64_t seq;
	json_t *json; /* without "hash" */
	char hash[AUDIT_HEX_LEN + 1];
	char prev[AUDIT_HEX_LEN + 1];
	bool self_ok; /* hash matches the content */
};

static void row_clear(struct row *r)
{
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

/* Whether the content hashes to the stored hash when its seq is `seq`. */
static bool hashes_as(json_t *o, uint64_t seq, const char *want,
		      struct ac_buf *scratch)
{
	uint8_t h[AUDIT_HASH_LEN];
	char hex[AUDIT_HEX_LEN + 1];
	json_t *old = json_incref(json_object_get(o, "seq"));
	bool ok;

	json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	ok = audit_entry_hash(o, h, scratch) == AC_OK;
	if (ok) {
		ac_hex(h, AUDIT_HASH_LEN, hex);
		ok = !strcmp(hex, want);
	}
	json_object_set_new(o, "seq", old);
	return ok;
}

static ac_rc load_signed(struct audit *a, const unsigned char *pk,
			 struct signed_set *s, struct audit_report *rep,
			 struct ac_err *err)
{
	sqlite3_stmt *st;
	int src = sqlite3_prepare_v2(a->db,
				     "SELECT kind, seq, hash, time_us, signature"
				     " FROM signed ORDER BY seq, kind",
				     -1, &st, NULL);

	if (src != SQLITE_OK)
		return audit_sql_err(a, src, "cannot read", err);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		struct signed_rec r = { 0 };
		r.seq = (uint64_t)sqlite3_column_int64(st, 1);
		snprintf(r.hash, sizeof(r.hash), "%s",
			 (const char *)sqlite3_column_text(st, 2));
		r.good = audit_signed_check(
			pk, kind, r.seq, r.hash, sqlite3_column_int64(st, 3),
			(const char *)sqlite3_column_text(st, 4));
		rep->checkpoints++;
		if (!r.good)
			audit_report_add(rep, AUDIT_FOUND_SIGNATURE, r.seq, 0,
					 "bad signature on the %s record for "
					 "seq %llu: forged or altered",
					 kind, (unsigned long long)r.seq);
		else if (r.seq > s->max_seq)
			s->max_seq = r.seq;
		if (!strcmp(kind, "prune")) {
			if (r.good && r.seq >= s->prune.seq)
				s->prune = r;
			continue;
		}
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 64;
			struct signed_rec *g = realloc(s->cp, cap * sizeof(*g));
			if (!g) {
				sqlite3_finalize(st);
				return ac_err_set(err, AC_ERR_NOMEM,
						  "out of memory");
			}
			s->cp = g;
			s->cap = cap;
		}
		s->cp[s->n++] = r;
	}
	sqlite3_finalize(st);
	return src == SQLITE_DONE ? AC_OK
				  : audit_sql_err(a, src, "cannot read", err);
}

/* Reads the next row into r (r->present false at the end). */
static ac_rc next_row(struct audit *a, sqlite3_stmt *st, struct row *r,
		      struct ac_buf *scratch, struct ac_err *err)
{
	uint8_t h[AUDIT_HASH_LEN];
	char hex[AUDIT_HEX_LEN + 1];
	bool bad;
	int src = sqlite3_step(st);

	row_clear(r);
	if (src == SQLITE_DONE)
		return AC_OK;
	if (src != SQLITE_ROW)
		return audit_sql_err(a, src, "cannot read", err);
	r->present = true;
	r->seq = (uint64_t)sqlite3_column_int64(st, 0);
	snprintf(r->prev, sizeof(r->prev), "%s",
		 (const char *)sqlite3_column_text(st, 13));
	r->json = audit_row_json(st, r->hash, &bad);
	if (!r->json && !bad)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	if (r->json && audit_entry_hash(r->json, h, scratch) == AC_OK) {
		ac_hex(h, AUDIT_HASH_LEN, hex);
		r->self_ok = !strcmp(hex, r->hash);
	}
	return AC_OK;
}

/* Whether some entry after seq carries this hash. */
static bool hash_later(struct audit *a, const char *hash, uint64_t seq,
		       uint64_t *where)
{
	sqlite3_stmt *st;
	bool found = false;

	if (sqlite3_prepare_v2(a->db,
			       "SELECT seq FROM entries WHERE hash = ?1 AND"
			       " seq > ?2 ORDER BY seq LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*where = (uint64_t)sqlite3_column_int64(st, 0);
		found = true;
	}
	sqlite3_finalize(st);
	return found;
}

/* Names the first break at row r: `link` is the hash r should follow,
 * `link2` the one before it, nx the row after r. */
static void classify(struct audit *a, struct row *r, const struct row *nx,
		     const char *link, const char *link2,
		     struct audit_report *rep, struct ac_buf *scratch)
{
	unsigned long long s = (unsigned long long)r->seq;
	uint64_t later;

	if (hash_later(a, r->prev, r->seq, &later))
		audit_report_add(rep, AUDIT_FOUND_REORDERED, r->seq, 0,
				 "reordered entries at seq %llu: it follows "
				 "the entry now at seq %llu",
				 s, (unsigned long long)later);
	else if (link2[0] && !strcmp(r->prev, link2))
		audit_report_add(rep, AUDIT_FOUND_INSERTED, r->seq - 1, 0,
				 "inserted entry at seq %llu: the entry after "
				 "it links to seq %llu",
				 s - 1, s - 2);
	else if (nx->present && !strcmp(nx->prev, link))
		audit_report_add(rep, AUDIT_FOUND_INSERTED, r->seq, 0,
				 "inserted entry at seq %llu: the entry after "
				 "it links to seq %llu",
				 s, s - 1);
	else if (!r->self_ok && r->json &&
		 hashes_as(r->json, r->seq + 1, r->hash, scratch))
		audit_report_add(rep, AUDIT_FOUND_DELETED, r->seq, 0,
				 "deleted entry at seq %llu: the entries after "
				 "it were renumbered",
				 s);
	else if (!r->self_ok)
		audit_report_add(rep, AUDIT_FOUND_EDITED, r->seq, 0,
				 "edited entry at seq %llu: its content does "
				 "not match its hash",
				 s);
	else
		audit_report_add(rep, AUDIT_FOUND_EDITED, r->seq - 1, 0,
				 "edited entry at seq %llu: it was rehashed, "
				 "the next entry no longer links to it",
				 s - 1);
}

struct scan {
	uint64_t expected;
	char link[AUDIT_HEX_LEN + 1];
	char link2[AUDIT_HEX_LEN + 1];
	size_t next_cp;
	bool broken;
};

/* Checks row r (nx is the row after it) and advances the scan. */
static void check_row(struct audit *a, struct scan *sc, struct row *r,
		      const struct row *nx, struct signed_set *ss,
		      struct audit_report *rep, struct ac_buf *scratch)
{
	if (sc->broken)
		return;
	if (r->seq != sc->expected) {
		audit_report_add(rep, AUDIT_FOUND_DELETED, sc->expected, 0,
				 "deleted entry at seq %llu: the next entry "
				 "present is seq %llu",
				 (unsigned long long)sc->expected,
				 (unsigned long long)r->seq);
		sc->broken = true;
		return;
	}
	if (!r->self_ok || strcmp(r->prev, sc->link)) {
		classify(a, r, nx, sc->link, sc->link2, rep, scratch);
		sc->broken = true;
		return;
	}
	while (sc->next_cp < ss->n && ss->cp[sc->next_cp].seq < r->seq)
		sc->next_cp++;
	if (sc->next_cp < ss->n && ss->cp[sc->next_cp].seq == r->seq) {
		struct signed_rec *cp = &ss->cp[sc->next_cp];
		if (cp->good && strcmp(cp->hash, r->hash)) {
			audit_report_add(rep, AUDIT_FOUND_REWRITTEN, r->seq, 0,
					 "rewritten chain: entry %llu differs "
					 "from the signed checkpoint (an entry "
					 "at or before it was changed and the "
					 "chain recomputed)",
					 (unsigned long long)r->seq);
			sc->broken = true;
			return;
		}
		if (cp->good)
			rep->signed_seq = r->seq;
	}
	snprintf(sc->link2, sizeof(sc->link2), "%s", sc->link);
	snprintf(sc->link, sizeof(sc->link), "%s", r->hash);
	sc->expected++;
}

static ac_rc scan_entries(struct audit *a, struct signed_set *ss,
			  struct audit_report *rep, struct ac_err *err)
{
	struct ac_buf scratch = AC_BUF_INIT(64u << 20);
	struct row rows[2] = { { 0 } };
	struct scan sc = { 1, "", "", 0, false };
	sqlite3_stmt *st;
	ac_rc rc;
	int src = sqlite3_prepare_v2(a->db,
				     "SELECT " AUDIT_COLUMNS
				     " FROM entries ORDER BY seq",
				     -1, &st, NULL);

	if (src != SQLITE_OK)
		return audit_sql_err(a, src, "cannot read", err);
	snprintf(sc.link, sizeof(sc.link), "%s", audit_zero_hex);
	if (ss->prune.seq) {
		sc.expected = ss->prune.seq + 1;
		snprintf(sc.link, sizeof(sc.link), "%s", ss->prune.hash);
		rep->signed_seq = ss->prune.seq;
	}
	rc = next_row(a, st, &rows[0], &scratch, err);
	for (int cur = 0; !rc && rows[cur].present; cur ^= 1) {
		rc = next_row(a, st, &rows[cur ^ 1], &scratch, err);
		if (rc)
			break;
		if (!rep->entries++)
			rep->first_seq = rows[cur].seq;
		rep->last_seq = rows[cur].seq;
		check_row(a, &sc, &rows[cur], &rows[cur ^ 1], ss, rep,
			  &scratch);
	}
	row_clear(&rows[0]);
	row_clear(&rows[1]);
	sqlite3_finalize(st);
	ac_buf_release(&scratch);
	return rc;
}

ac_rc audit_verify(struct audit *a, const unsigned char pk[AUDIT_PK_LEN],
		   struct audit_report *rep, struct ac_err *err)
{
	struct signed_set ss = { 0 };
	uint64_t tail;
	ac_rc rc;

	memset(rep, 0, sizeof(*rep));
	rc = sqlite3_exec(a->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK
		     ? AC_OK
		     : audit_sql_err(a, sqlite3_errcode(a->db), "cannot read",
				     err);
	if (!rc)
		rc = load_signed(a, pk, &ss, rep, err);
	if (!rc)
		rc = scan_entries(a, &ss, rep, err);
	sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
	tail = rep->entries ? rep->last_seq : ss.prune.seq;
	if (!rc && ss.max_seq > tail)
		audit_report_add(rep, AUDIT_FOUND_TRUNCATED, tail + 1, 0,
				 "truncated log: a signed record names seq "
				 "%llu but the log ends at seq %llu",
				 (unsigned long long)ss.max_seq,
				 (unsigned long long)tail);
	if (!rc && rep->entries && rep->last_seq > rep->signed_seq)
		rep->unsigned_tail = rep->last_seq - rep->signed_seq;
	free(ss.cp);
	return rc;
}

/* ---- exported files ---- */

struct file_scan {
	uint64_t line;
	bool have_entry;
	uint64_t last_seq;
	char last_hash[AUDIT_HEX_LEN + 1];
	bool broken;
	uint64_t signed_seq;
};

static void file_signed(const unsigned char *pk, json_t *o,
			struct file_scan *fs, struct audit_report *rep)
{
	const char *kind = json_string_value(json_object_get(o, "kind"));
	const char *hash = json_string_value(json_object_get(o, "hash"));
	json_t *seqv = json_object_get(o, "seq");
	int64_t t;
	uint64_t seq = json_is_integer(seqv) ? (uint64_t)json_integer_value(seqv) : 0;
	unsigned long long l = (unsigned long long)fs->line;

	rep->checkpoints++;
	if (!kind || !hash || !json_is_integer(seqv) ||
	    !audit_time_parse(json_string_value(json_object_get(o, "time")), &t) ||
	    (strcmp(kind, "checkpoint") && strcmp(kind, "prune"))) {
		audit_report_add(rep, AUDIT_FOUND_MALFORMED, seq, fs->line,
				 "line %llu: malformed signed record", l);
		fs->broken = true;
		return;
	}
	if (!audit_signed_check(pk, kind, seq, hash, t,
				json_string_value(json_object_get(o, "signature")))) {
		audit_report_add(rep, AUDIT_FOUND_SIGNATURE, seq, fs->line,
				 "line %llu: bad signature on the %s record "
				 "for seq %llu: forged or altered",
				 l, kind, (unsigned long long)seq);
		fs->broken = true;
		return;
	}
	if (!strcmp(kind, "prune")) {
		if (fs->have_entry) {
			audit_report_add(rep, AUDIT_FOUND_MALFORMED, seq, fs->line,
					 "line %llu: prune record after entries", l);
			fs->broken = true;
			return;
		}
		fs->have_entry = true; /* the chain continues from it */
		fs->last_seq = seq;
		snprintf(fs->last_hash, sizeof(fs->last_hash), "%s", hash);
		fs->signed_seq = seq;
		return;
	}
	if (!fs->have_entry || seq != fs->last_seq ||
	    strcmp(hash, fs->last_hash)) {
		audit_report_add(rep, AUDIT_FOUND_REWRITTEN, seq, fs->line,
				 "line %llu: the checkpoint for seq %llu does "
				 "not match the entry before it",
				 l, (unsigned long long)seq);
		fs->broken = true;
		return;
	}
	fs->signed_seq = seq;
	rep->signed_seq = seq;
}

static void file_entry(json_t *o, struct file_scan *fs,
		       struct audit_report *rep, struct ac_buf *scratch)
{
	char hash[AUDIT_HEX_LEN + 1], hex[AUDIT_HEX_LEN + 1];
	const char *h = json_string_value(json_object_get(o, "hash"));
	const char *prev = json_string_value(json_object_get(o, "prev_hash"));
	json_t *seqv = json_object_get(o, "seq");
	uint8_t got[AUDIT_HASH_LEN];
	uint64_t seq = json_is_integer(seqv) ? (uint64_t)json_integer_value(seqv) : 0;
	unsigned long long l = (unsigned long long)fs->line;

	if (!h || !prev || !seq || strlen(h) != AUDIT_HEX_LEN) {
		audit_report_add(rep, AUDIT_FOUND_MALFORMED, seq, fs->line,
				 "line %llu: malformed entry", l);
		fs->broken = true;
		return;
	}
	snprintf(hash, sizeof(hash), "%s", h);
	json_object_del(o, "hash");
	if (audit_entry_hash(o, got, scratch)) {
		audit_report_add(rep, AUDIT_FOUND_MALFORMED, seq, fs->line,
				 "line %llu: malformed entry", l);
		fs->broken = true;
		return;
	}
	ac_hex(got, AUDIT_HASH_LEN, hex);
	if (strcmp(hex, hash))
		audit_report_add(rep, AUDIT_FOUND_EDITED, seq, fs->line,
				 "line %llu: edited entry at seq %llu: its "
				 "content does not match its hash",
				 l, (unsigned long long)seq);
	else if (fs->have_entry && seq <= fs->last_seq)
		audit_report_add(rep, AUDIT_FOUND_REORDERED, seq, fs->line,
				 "line %llu: reordered entries: seq %llu comes "
				 "after seq %llu",
				 l, (unsigned long long)seq,
				 (unsigned long long)fs->last_seq);
	else if (fs->have_entry && seq != fs->last_seq + 1)
		audit_report_add(rep, AUDIT_FOUND_DELETED, fs->last_seq + 1,
				 fs->line,
				 "line %llu: deleted entry at seq %llu: the "
				 "next entry is seq %llu",
				 l, (unsigned long long)fs->last_seq + 1,
				 (unsigned long long)seq);
	else if (fs->have_entry && strcmp(prev, fs->last_hash))
		audit_report_add(rep, AUDIT_FOUND_INSERTED, seq, fs->line,
				 "line %llu: seq %llu does not link to the "
				 "entry before it (inserted or replaced)",
				 l, (unsigned long long)seq);
	else {
		if (!rep->entries++)
			rep->first_seq = seq;
		rep->last_seq = seq;
		fs->have_entry = true;
		fs->last_seq = seq;
		snprintf(fs->last_hash, sizeof(fs->last_hash), "%s", hash);
		return;
	}
	fs->broken = true;
}

/* Parses one line; it must be exactly the canonical form of its record. */
static void file_line(const unsigned char *pk, const char *line, size_t len,
		      struct file_scan *fs, struct audit_report *rep,
		      struct ac_buf *scratch)
{
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	bool canonical = false;

	if (o) {
		ac_buf_reset(scratch);
		canonical = stix_jcs(o, scratch) == AC_OK &&
			    scratch->len == len &&
			    !memcmp(scratch->data, line, len);
	}
	if (!json_is_object(o) || !canonical) {
		audit_report_add(rep, AUDIT_FOUND_MALFORMED, 0, fs->line,
				 "line %llu: not a canonical audit record "
				 "(altered?)",
				 (unsigned long long)fs->line);
		fs->broken = true;
	} else if (json_object_get(o, "signature")) {
		file_signed(pk, o, fs, rep);
	} else {
		file_entry(o, fs, rep, scratch);
	}
	json_decref(o);
}

ac_rc audit_verify_file(FILE *f, const unsigned char pk[AUDIT_PK_LEN],
			struct audit_report *rep, struct ac_err *err)
{
	struct ac_buf line = AC_BUF_INIT(AUDIT_LINE_MAX);
	struct ac_buf scratch = AC_BUF_INIT(AUDIT_LINE_MAX);
	struct file_scan fs = { 0 };
	ac_rc rc = AC_OK;
	int c;

	memset(rep, 0, sizeof(*rep));
	while (!fs.broken) {
		ac_buf_reset(&line);
		while ((c = getc(f)) != EOF && c != '\n')
			if (ac_buf_addc(&line, (char)c)) {
				rc = ac_err_set(err, AC_ERR_LIMIT,
						"line %llu is longer than %u "
						"bytes",
						(unsigned long long)fs.line + 1,
						AUDIT_LINE_MAX);
				goto out;
			}
		if (c == EOF && line.len == 0)
			break;
		fs.line++;
		file_line(pk, line.data ? line.data : "", line.len, &fs, rep,
			  &scratch);
	}
	if (ferror(f))
		rc = ac_err_set(err, AC_ERR_IO, "cannot read the export: %s",
				strerror(errno));
	if (!rc && !fs.broken && rep->entries == 0)
		audit_report_add(rep, AUDIT_FOUND_MALFORMED, 0, fs.line,
				 "the export holds no entries");
	else if (!rc && !fs.broken && fs.signed_seq < rep->last_seq)
		audit_report_add(rep, AUDIT_FOUND_TRUNCATED,
				 fs.signed_seq + 1, fs.line,
				 "truncated export: entries after seq %llu "
				 "are not covered by a signed checkpoint",
				 (unsigned long long)fs.signed_seq);
out:
	ac_buf_release(&line);
	ac_buf_release(&scratch);
	return rc;
}
