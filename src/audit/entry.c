/* Entry form: names, the row ↔ JSON mapping, the chain hash and the signed
 * record format. */
#include "base/common.h"
#include "audit/audit_int.h"

#include "base/time.h"
#include "crypto/hash.h"
#include "stix/jcs.h"

#define SIGN_DOMAIN "accord-audit-v1\n"

const char audit_zero_hex[AUDIT_HEX_LEN + 1] =
	"0000000000000000000000000000000000000000000000000000000000000000";

static const char *const action_names[AUDIT_ACTION_COUNT] = {
	[AUDIT_INGEST] = "ingest",
	[AUDIT_CONSULT] = "consult",
	[AUDIT_DISCLOSE] = "disclose",
	[AUDIT_RECEIVE] = "receive",
	[AUDIT_ERASE] = "erase",
	[AUDIT_PURGE] = "purge",
	[AUDIT_LOGIN_OK] = "login_ok",
	[AUDIT_LOGIN_FAIL] = "login_fail",
	[AUDIT_TOKEN_CREATE] = "token_create",
	[AUDIT_TOKEN_REVOKE] = "token_revoke",
	[AUDIT_ADMIN_CHANGE] = "admin_change",
	[AUDIT_PRUNE] = "prune",
};

static const char *const actor_names[AUDIT_ACTOR_COUNT] = {
	[AUDIT_ACTOR_USER] = "user",
	[AUDIT_ACTOR_PARTNER] = "partner",
	[AUDIT_ACTOR_SYSTEM] = "system",
	[AUDIT_ACTOR_CLI] = "cli",
};

static const char *const outcome_names[AUDIT_OUTCOME_COUNT] = {
	[AUDIT_OK] = "ok",
	[AUDIT_DENIED] = "denied",
	[AUDIT_ERROR] = "error",
};

const char *audit_action_name(enum audit_action a)
{
	return (unsigned)a < AUDIT_ACTION_COUNT ? action_names[a] : "unknown";
}

const char *audit_actor_kind_name(enum audit_actor_kind k)
{
	return (unsigned)k < AUDIT_ACTOR_COUNT ? actor_names[k] : "unknown";
}

const char *audit_outcome_name(enum audit_outcome o)
{
	return (unsigned)o < AUDIT_OUTCOME_COUNT ? outcome_names[o] : "unknown";
}

bool audit_action_parse(const char *s, enum audit_action *out)
{
	for (int i = 0; i < AUDIT_ACTION_COUNT; i++)
		if (!strcmp(s, action_names[i])) {
			*out = (enum audit_action)i;
			return true;
		}
	return false;
}

const char *audit_finding_name(enum audit_finding_kind k)
{
	static const char *const names[] = {
		"edited entry", "deleted entry", "inserted entry",
		"reordered entries", "truncated log", "bad signature",
		"rewritten chain", "malformed record",
	};
	return (unsigned)k < AC_ARRAY_LEN(names) ? names[k] : "unknown";
}

void audit_time_format(int64_t us, char out[40])
{
	ac_ts_format_us(us, out);
}

bool audit_time_parse(const char *s, int64_t *us)
{
	struct ac_ts ts;

	if (!s || !ac_ts_parse(s, &ts))
		return false;
	*us = ts.sec * 1000000 + ts.nsec / 1000;
	return true;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : "";
}

json_t *audit_row_json(sqlite3_stmt *st, char hash_hex[AUDIT_HEX_LEN + 1],
		       bool *bad)
{
	char when[40];
	json_t *ids, *o;

	*bad = false;
	ids = json_loads(col_text(st, 5), JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_array(ids)) {
		json_decref(ids);
		*bad = true;
		return NULL;
	}
	audit_time_format(sqlite3_column_int64(st, 1), when);
	o = json_pack("{s:I, s:s, s:{s:s, s:s}, s:s, s:o, s:I, s:s, s:s, s:s,"
		      " s:s, s:s, s:s, s:s}",
		      "seq", (json_int_t)sqlite3_column_int64(st, 0),
		      "time", when,
		      "actor", "kind", col_text(st, 2), "name", col_text(st, 3),
		      "action", col_text(st, 4),
		      "object_ids", ids,
		      "object_count", (json_int_t)sqlite3_column_int64(st, 6),
		      "channel", col_text(st, 7), "purpose", col_text(st, 8),
		      "case", col_text(st, 9), "query", col_text(st, 10),
		      "outcome", col_text(st, 11), "detail", col_text(st, 12),
		      "prev_hash", col_text(st, 13));
	snprintf(hash_hex, AUDIT_HEX_LEN + 1, "%s", col_text(st, 14));
	return o;
}

static bool hex_decode(const char *hex, uint8_t out[AUDIT_HASH_LEN])
{
	size_t got = 0;

	if (!hex || strlen(hex) != AUDIT_HEX_LEN)
		return false;
	if (sodium_hex2bin(out, AUDIT_HASH_LEN, hex, AUDIT_HEX_LEN, NULL, &got,
			   NULL) != 0 || got != AUDIT_HASH_LEN)
		return false;
	for (const char *p = hex; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			return false; /* lower case only: one spelling */
	return true;
}

ac_rc audit_entry_hash(const json_t *entry, uint8_t out[AUDIT_HASH_LEN],
		       struct ac_buf *scratch)
{
	crypto_generichash_state h;
	uint8_t prev[AUDIT_HASH_LEN];
	ac_rc rc;

	if (!hex_decode(json_string_value(json_object_get(entry, "prev_hash")),
			prev))
		return AC_ERR_PARSE;
	ac_buf_reset(scratch);
	rc = stix_jcs(entry, scratch);
	if (rc)
		return rc;
	crypto_generichash_init(&h, NULL, 0, AUDIT_HASH_LEN);
	crypto_generichash_update(&h, prev, sizeof(prev));
	crypto_generichash_update(&h, (const unsigned char *)scratch->data,
				  scratch->len);
	crypto_generichash_final(&h, out, AUDIT_HASH_LEN);
	return AC_OK;
}

ac_rc audit_signed_message(const char *kind, uint64_t seq, const char *hash_hex,
			   int64_t time_us, struct ac_buf *out)
{
	char when[40];
	json_t *o;
	ac_rc rc;

	audit_time_format(time_us, when);
	o = json_pack("{s:s, s:I, s:s, s:s}", "kind", kind, "seq",
		      (json_int_t)seq, "hash", hash_hex, "time", when);
	if (!o)
		return AC_ERR_NOMEM;
	ac_buf_reset(out);
	rc = ac_buf_adds(out, SIGN_DOMAIN);
	if (!rc)
		rc = stix_jcs(o, out);
	json_decref(o);
	return rc;
}

bool audit_signed_check(const unsigned char pk[AUDIT_PK_LEN], const char *kind,
			uint64_t seq, const char *hash_hex, int64_t time_us,
			const char *sig_b64)
{
	unsigned char sig[crypto_sign_BYTES];
	struct ac_buf msg = AC_BUF_INIT(4096);
	size_t len = 0;
	bool ok = false;

	if (!sig_b64 ||
	    sodium_base642bin(sig, sizeof(sig), sig_b64, strlen(sig_b64), NULL,
			      &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != sizeof(sig))
		goto out;
	if (audit_signed_message(kind, seq, hash_hex, time_us, &msg))
		goto out;
	ok = crypto_sign_verify_detached(sig, (const unsigned char *)msg.data,
					 msg.len, pk) == 0;
out:
	ac_buf_release(&msg);
	return ok;
}

void audit_report_add(struct audit_report *rep, enum audit_finding_kind k,
		      uint64_t seq, uint64_t line, const char *fmt, ...)
{
	struct audit_finding *f;
	va_list ap;

	if (rep->nfindings >= AUDIT_FINDINGS_MAX)
		return;
	f = &rep->findings[rep->nfindings++];
	f->kind = k;
	f->seq = seq;
	f->line = line;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
}

ac_rc audit_sql_err(struct audit *a, int src, const char *what,
		    struct ac_err *err)
{
	ac_rc rc = AC_ERR_STORE;

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
	default:
		break;
	}
	return ac_err_set(err, rc, "%s audit log '%s': %s", what, a->path,
			  a->db ? sqlite3_errmsg(a->db) : sqlite3_errstr(src));
}

/* ---- capped id lists ---- */

void audit_ids_init(struct audit_ids *l)
{
	memset(l, 0, sizeof(*l));
}

ac_rc audit_ids_add(struct audit_ids *l, const char *id)
{
	char **grown;

	l->count++;
	if (l->n >= AUDIT_IDS_MAX)
		return AC_OK;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		if (cap > AUDIT_IDS_MAX)
			cap = AUDIT_IDS_MAX;
		grown = realloc(l->ids, cap * sizeof(*grown));
		if (!grown)
			return AC_ERR_NOMEM;
		l->ids = grown;
		l->cap = cap;
	}
	l->ids[l->n] = strdup(id);
	if (!l->ids[l->n])
		return AC_ERR_NOMEM;
	l->n++;
	return AC_OK;
}

void audit_ids_reset(struct audit_ids *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->ids[i]);
	l->n = 0;
	l->count = 0;
}

void audit_ids_release(struct audit_ids *l)
{
	audit_ids_reset(l);
	free(l->ids);
	audit_ids_init(l);
}
