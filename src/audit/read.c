/* Reading the log: show, export, and the node's public key. */
#include "base/common.h"
#include "audit/audit_int.h"

#include "stix/jcs.h"

ac_rc audit_show(struct audit *a, const struct audit_filter *f,
		 audit_entry_cb cb, void *ctx, struct ac_err *err)
{
	struct ac_buf sql = AC_BUF_INIT(4096);
	char hash[AUDIT_HEX_LEN + 1];
	sqlite3_stmt *st = NULL;
	json_t *o;
	bool bad;
	int src;
	ac_rc rc = AC_OK;

	ac_buf_adds(&sql, "SELECT " AUDIT_COLUMNS " FROM entries WHERE 1");
	if (f->object_id)
		ac_buf_adds(&sql, " AND instr(object_ids, json_quote(?1)) > 0");
	if (f->actor)
		ac_buf_adds(&sql, " AND actor = ?2");
	if (f->has_action)
		ac_buf_adds(&sql, " AND action = ?3");
	if (f->since_us)
		ac_buf_adds(&sql, " AND time_us >= ?4");
	if (f->until_us)
		ac_buf_adds(&sql, " AND time_us < ?5");
	ac_buf_adds(&sql, f->limit ? " ORDER BY seq DESC LIMIT ?6" : " ORDER BY seq");
	if (f->limit) {
		/* the newest `limit`, printed oldest first */
		char *inner = ac_buf_detach(&sql, NULL);
		ac_buf_addf(&sql, "SELECT * FROM (%s) ORDER BY seq", inner);
		free(inner);
	}
	src = sqlite3_prepare_v2(a->db, sql.data, -1, &st, NULL);
	if (src != SQLITE_OK) {
		rc = audit_sql_err(a, src, "cannot read", err);
		goto out;
	}
	sqlite3_bind_text(st, 1, f->object_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, audit_action_name(f->action), -1,
			  SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, f->since_us);
	sqlite3_bind_int64(st, 5, f->until_us);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)f->limit);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		int stop;
		o = audit_row_json(st, hash, &bad);
		if (!o) {
			rc = ac_err_set(err, bad ? AC_ERR_STORE : AC_ERR_NOMEM,
					"audit entry %lld is unreadable",
					(long long)sqlite3_column_int64(st, 0));
			goto out;
		}
		json_object_set_new(o, "hash", json_string(hash));
		stop = cb(o, ctx);
		json_decref(o);
		if (stop)
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = audit_sql_err(a, src, "cannot read", err);
out:
	sqlite3_finalize(st);
	ac_buf_release(&sql);
	return rc;
}

/* ---- export ---- */

static ac_rc write_canonical(json_t *o, FILE *out, struct ac_buf *b,
			     struct ac_err *err)
{
	ac_rc rc;

	ac_buf_reset(b);
	rc = stix_jcs(o, b);
	if (!rc)
		rc = ac_buf_addc(b, '\n');
	if (rc)
		return ac_err_set(err, rc, "cannot form an audit record");
	if (fwrite(b->data, 1, b->len, out) != b->len)
		return ac_err_set(err, AC_ERR_IO, "cannot write the export: %s",
				  strerror(errno));
	return AC_OK;
}

static ac_rc write_signed_line(sqlite3_stmt *st, FILE *out, struct ac_buf *b,
			       struct ac_err *err)
{
	char when[40];
	json_t *o;
	ac_rc rc;

	audit_time_format(sqlite3_column_int64(st, 3), when);
	o = json_pack("{s:s, s:I, s:s, s:s, s:s}", "kind",
		      (const char *)sqlite3_column_text(st, 0), "seq",
		      (json_int_t)sqlite3_column_int64(st, 1), "hash",
		      (const char *)sqlite3_column_text(st, 2), "time", when,
		      "signature", (const char *)sqlite3_column_text(st, 4));
	if (!o)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	rc = write_canonical(o, out, b, err);
	json_decref(o);
	return rc;
}

static ac_rc query_u64(struct audit *a, const char *sql, int64_t arg,
		       uint64_t *out, struct ac_err *err)
{
	sqlite3_stmt *st;
	int src = sqlite3_prepare_v2(a->db, sql, -1, &st, NULL);

	*out = 0;
	if (src != SQLITE_OK)
		return audit_sql_err(a, src, "cannot read", err);
	sqlite3_bind_int64(st, 1, arg);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return src == SQLITE_ROW || src == SQLITE_DONE
		       ? AC_OK
		       : audit_sql_err(a, src, "cannot read", err);
}

/* The range [first, last] of seqs to export; last runs on to the next
 * checkpoint. first = 0 when nothing matches. */
static ac_rc export_range(struct audit *a, int64_t from_us, int64_t to_us,
			  uint64_t *first, uint64_t *last, struct ac_err *err)
{
	uint64_t cp = 0;
	ac_rc rc;

	rc = query_u64(a, "SELECT MIN(seq) FROM entries WHERE time_us >= ?1",
		       from_us, first, err);
	if (!rc)
		rc = query_u64(a,
			       to_us ? "SELECT MAX(seq) FROM entries WHERE "
				       "time_us < ?1"
				     : "SELECT MAX(seq) FROM entries WHERE ?1 = 0",
			       to_us, last, err);
	if (!rc && *first && *last >= *first)
		rc = query_u64(a,
			       "SELECT MIN(seq) FROM signed WHERE kind = "
			       "'checkpoint' AND seq >= ?1",
			       (int64_t)*last, &cp, err);
	if (!rc && cp)
		*last = cp;
	if (!rc && (!*first || *last < *first))
		*first = *last = 0;
	return rc;
}

static ac_rc export_lines(struct audit *a, uint64_t first, uint64_t last,
			  FILE *out, uint64_t *n, struct ac_err *err)
{
	struct ac_buf b = AC_BUF_INIT(AUDIT_LINE_MAX);
	sqlite3_stmt *es = NULL, *ss = NULL;
	char hash[AUDIT_HEX_LEN + 1];
	int src, ssrc;
	bool bad;
	json_t *o;
	ac_rc rc = AC_OK;

	src = sqlite3_prepare_v2(a->db,
				 "SELECT " AUDIT_COLUMNS " FROM entries WHERE"
				 " seq BETWEEN ?1 AND ?2 ORDER BY seq",
				 -1, &es, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_prepare_v2(
			a->db,
			"SELECT kind, seq, hash, time_us, signature FROM signed"
			" WHERE (kind = 'prune' AND seq = ?1 - 1) OR (kind ="
			" 'checkpoint' AND seq BETWEEN ?1 AND ?2)"
			" ORDER BY seq, kind DESC",
			-1, &ss, NULL);
	if (src != SQLITE_OK) {
		rc = audit_sql_err(a, src, "cannot read", err);
		goto out;
	}
	sqlite3_bind_int64(es, 1, (sqlite3_int64)first);
	sqlite3_bind_int64(es, 2, (sqlite3_int64)last);
	sqlite3_bind_int64(ss, 1, (sqlite3_int64)first);
	sqlite3_bind_int64(ss, 2, (sqlite3_int64)last);
	ssrc = sqlite3_step(ss);
	if (ssrc == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(ss, 0),
					  "prune")) {
		rc = write_signed_line(ss, out, &b, err);
		ssrc = sqlite3_step(ss);
	}
	while (!rc && (src = sqlite3_step(es)) == SQLITE_ROW) {
		uint64_t seq = (uint64_t)sqlite3_column_int64(es, 0);
		o = audit_row_json(es, hash, &bad);
		if (!o) {
			rc = ac_err_set(err, AC_ERR_STORE,
					"audit entry %llu is unreadable",
					(unsigned long long)seq);
			break;
		}
		json_object_set_new(o, "hash", json_string(hash));
		rc = write_canonical(o, out, &b, err);
		json_decref(o);
		(*n)++;
		while (!rc && ssrc == SQLITE_ROW &&
		       (uint64_t)sqlite3_column_int64(ss, 1) <= seq) {
			if ((uint64_t)sqlite3_column_int64(ss, 1) == seq)
				rc = write_signed_line(ss, out, &b, err);
			ssrc = sqlite3_step(ss);
		}
	}
	if (!rc && src != SQLITE_DONE)
		rc = audit_sql_err(a, src, "cannot read", err);
out:
	sqlite3_finalize(es);
	sqlite3_finalize(ss);
	ac_buf_release(&b);
	return rc;
}

ac_rc audit_export(struct audit *a, int64_t from_us, int64_t to_us, FILE *out,
		   uint64_t *n_out, struct ac_err *err)
{
	uint64_t first = 0, last = 0;
	ac_rc rc;

	*n_out = 0;
	/* sign the tail first, so every exported entry is under a signature */
	if (a->have_key) {
		rc = audit_checkpoint(a, err);
		if (rc)
			return rc;
	}
	rc = sqlite3_exec(a->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK
		     ? AC_OK
		     : audit_sql_err(a, sqlite3_errcode(a->db), "cannot read",
				     err);
	if (!rc)
		rc = export_range(a, from_us, to_us, &first, &last, err);
	if (!rc && first)
		rc = export_lines(a, first, last, out, n_out, err);
	sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
	if (!rc && fflush(out))
		rc = ac_err_set(err, AC_ERR_IO, "cannot write the export: %s",
				strerror(errno));
	return rc;
}

/* ---- keys ---- */

static ac_rc decode_key(const char *b64, size_t len,
			unsigned char pk[AUDIT_PK_LEN])
{
	size_t got = 0;

	while (len && (b64[len - 1] == '\n' || b64[len - 1] == '\r' ||
		       b64[len - 1] == ' '))
		len--;
	if (sodium_base642bin(pk, AUDIT_PK_LEN, b64, len, NULL, &got, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    got != AUDIT_PK_LEN)
		return AC_ERR_PARSE;
	return AC_OK;
}

ac_rc audit_public_key_load(const char *pub_path,
			    unsigned char pk[AUDIT_PK_LEN], struct ac_err *err)
{
	static const char label[] = "ed25519-public ";
	char line[512];
	FILE *f = fopen(pub_path, "r");
	ac_rc rc = AC_ERR_PARSE;

	if (!f)
		return ac_err_set(err, AC_ERR_IO, "cannot open '%s': %s",
				  pub_path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, label, sizeof(label) - 1)) {
			rc = decode_key(line + sizeof(label) - 1,
					strlen(line) - (sizeof(label) - 1), pk);
			break;
		}
	fclose(f);
	if (rc)
		return ac_err_set(err, rc,
				  "'%s' holds no valid 'ed25519-public' line",
				  pub_path);
	return AC_OK;
}

ac_rc audit_public_key_parse(const char *s, unsigned char pk[AUDIT_PK_LEN],
			     struct ac_err *err)
{
	FILE *f;

	if (decode_key(s, strlen(s), pk) == AC_OK)
		return AC_OK;
	f = fopen(s, "r");
	if (f) {
		fclose(f);
		return audit_public_key_load(s, pk, err);
	}
	return ac_err_set(err, AC_ERR_USAGE,
			  "'%s' is neither an Ed25519 public key in base64 "
			  "(as 'accord audit key' prints) nor a node.pub file",
			  s);
}
