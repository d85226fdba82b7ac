/* Private to src/audit: the connection, the row ↔ JSON mapping, hashing
 * and signed records. */
#ifndef AC_AUDIT_INT_H
#define AC_AUDIT_INT_H

#include <sqlite3.h>
#include "audit/audit.h"
#include "base/buf.h"

#define AUDIT_HEX_LEN (2 * AUDIT_HASH_LEN)
#define AUDIT_SIG_B64 \
	sodium_base64_ENCODED_LEN(crypto_sign_BYTES, \
				  sodium_base64_VARIANT_ORIGINAL)
#define AUDIT_LINE_MAX (4u << 20) /* one exported record, bytes */

struct audit {
	sqlite3 *db;
	char *path;
	bool have_key;
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	uint64_t cp_entries;
	int64_t cp_us;
};

/* Columns of the entries table in the order audit_row_json reads them. */
#define AUDIT_COLUMNS                                                        \
	"seq, time_us, actor_kind, actor, action, object_ids, object_count,"   \
	" channel, purpose, case_ref, query, outcome, detail, prev_hash, hash"

/* Builds the entry JSON (without "hash") from a row selected with
 * AUDIT_COLUMNS, and its stored hash into hash_hex. NULL on memory or a
 * malformed object_ids column (then *bad is set). */
json_t *audit_row_json(sqlite3_stmt *st, char hash_hex[AUDIT_HEX_LEN + 1],
		       bool *bad);

/* hash = BLAKE2b-256(prev || canonical(entry)); entry holds "prev_hash" as
 * hex and no "hash". AC_ERR_PARSE if prev_hash is not 64 hex digits. */
ac_rc audit_entry_hash(const json_t *entry, uint8_t out[AUDIT_HASH_LEN],
		       struct ac_buf *scratch);

/* The canonical form of a signed record {"kind","seq","hash","time"} as
 * signed. */
ac_rc audit_signed_message(const char *kind, uint64_t seq, const char *hash_hex,
			   int64_t time_us, struct ac_buf *out);
/* Checks a base64 signature over the record. */
bool audit_signed_check(const unsigned char pk[AUDIT_PK_LEN], const char *kind,
			uint64_t seq, const char *hash_hex, int64_t time_us,
			const char *sig_b64);

/* Formats µs as RFC 3339 with six fraction digits, and back. */
void audit_time_format(int64_t us, char out[40]);
bool audit_time_parse(const char *s, int64_t *us);

/* Adds a finding (ignored beyond AUDIT_FINDINGS_MAX). */
void audit_report_add(struct audit_report *rep, enum audit_finding_kind k,
		      uint64_t seq, uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* SQLite error → ac_err "<what> audit log '<path>': <message>". */
ac_rc audit_sql_err(struct audit *a, int src, const char *what,
		    struct ac_err *err);

/* The genesis prev_hash: 64 zeros. */
extern const char audit_zero_hex[AUDIT_HEX_LEN + 1];

#endif
