/* Users, roles, password hashes and API tokens. See docs/internals/auth.md.
 *
 * Passwords are hashed with Argon2id (libsodium crypto_pwhash_str). API
 * tokens read "acc_<id>_<secret>": id is 16 random lower-case hex digits,
 * secret is 32 random bytes in base64url without padding. Only a keyed
 * BLAKE2b-256 of the secret is stored; the token text exists once, in the
 * caller's buffer, and is never stored or logged.
 *
 * Failed checks return AC_ERR_PERM with one message for every cause
 * ("authentication failed"), safe to show a client; the cause is in
 * auth_subject.reason for logs and metrics. All functions need
 * ac_crypto_init (libsodium) to have run. */
#ifndef AC_AUTH_H
#define AC_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/rc.h"
#include "store/store.h"

#define AUTH_USER_MAX STORE_NAME_MAX /* 1..64 of [a-z0-9._-] */
#define AUTH_PASSWORD_MIN 12	     /* bytes */
#define AUTH_PASSWORD_MAX 1024	     /* bytes */
#define AUTH_PURPOSE_MAX STORE_PURPOSE_MAX
#define AUTH_TOKEN_ID_LEN 16
#define AUTH_TOKEN_SECRET_BYTES 32
#define AUTH_TOKEN_LEN 64 /* "acc_" 16 "_" 43 */
#define AUTH_TOKEN_BUF (AUTH_TOKEN_LEN + 1)
#define AUTH_TOKEN_ID_BUF (AUTH_TOKEN_ID_LEN + 1)
#define AUTH_HEADER_MAX 4096 /* Authorization value, bytes */

/* Token lifetime: 0 asks for the default, AUTH_EXPIRES_NEVER for a token
 * that never expires (only when asked for explicitly). */
#define AUTH_EXPIRES_DEFAULT 0
#define AUTH_EXPIRES_NEVER INT64_MAX
#define AUTH_TOKEN_DEFAULT_LIFETIME_US (90LL * 24 * 3600 * 1000000)

/* Argon2id cost for new password hashes. Build-time defaults; override with
 * -DAUTH_PWHASH_OPSLIMIT=... -DAUTH_PWHASH_MEMLIMIT=... or at run time with
 * auth_set_pwhash_limits (tests use the libsodium minimums). Verifying uses
 * the cost recorded in each hash. */
#ifndef AUTH_PWHASH_OPSLIMIT
#define AUTH_PWHASH_OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#endif
#ifndef AUTH_PWHASH_MEMLIMIT
#define AUTH_PWHASH_MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE
#endif

enum auth_role {
	AUTH_ROLE_ANALYST,
	AUTH_ROLE_SUPERVISOR,
	AUTH_ROLE_ADMIN,
	AUTH_ROLE_AUDITOR,
	AUTH_ROLE_COUNT
};

/* A set of roles, e.g. who may read a collection. */
typedef unsigned auth_role_mask;
#define AUTH_ROLE_BIT(r) (1u << (unsigned)(r))
#define AUTH_ROLE_MASK_STRLEN 64

/* Why a check failed, for logs and metrics only: never tell a client. */
enum auth_reason {
	AUTH_REASON_OK,
	AUTH_REASON_MALFORMED, /* credentials do not parse */
	AUTH_REASON_UNKNOWN_USER,
	AUTH_REASON_BAD_PASSWORD,
	AUTH_REASON_UNKNOWN_TOKEN,
	AUTH_REASON_BAD_SECRET,
	AUTH_REASON_TOKEN_EXPIRED,
	AUTH_REASON_TOKEN_REVOKED,
	AUTH_REASON_USER_DISABLED,
	AUTH_REASON_BAD_RECORD, /* stored role or hash is unusable */
	AUTH_REASON_STORE,	/* the store failed; not the client's fault */
};

/* Who a request is from, after a successful check. */
struct auth_subject {
	char user[AUTH_USER_MAX + 1];
	enum auth_role role;
	char token_id[AUTH_TOKEN_ID_BUF];   /* "" for Basic */
	char partner[STORE_NAME_MAX + 1];   /* "" unless a partner token */
	char purpose[AUTH_PURPOSE_MAX + 1]; /* token's default purpose, or "" */
	bool is_partner;
	enum auth_reason reason; /* set on every return */
};

enum auth_scheme { AUTH_SCHEME_BASIC, AUTH_SCHEME_BEARER };

/* An Authorization header split into its parts. Holds secrets: clear it
 * with auth_credentials_wipe when done. */
struct auth_credentials {
	enum auth_scheme scheme;
	char user[AUTH_USER_MAX + 1];	      /* Basic */
	char password[AUTH_PASSWORD_MAX + 1]; /* Basic */
	char token[AUTH_TOKEN_BUF];	      /* Bearer */
};

/* Role names: "analyst", "supervisor", "admin", "auditor". */
const char *auth_role_name(enum auth_role r);
/* Exact, lower-case role name → role. AC_ERR_PARSE naming the bad role and
 * listing the good ones. */
ac_rc auth_role_parse(const char *s, enum auth_role *out, struct ac_err *err);
/* "analyst,supervisor" → bits. Spaces around names are allowed; an empty
 * string is the empty set. AC_ERR_PARSE names the first bad role (or an
 * empty item). */
ac_rc auth_role_mask_parse(const char *list, auth_role_mask *out,
			   struct ac_err *err);
/* Bits → "analyst,admin" in role order ("" for none). */
void auth_role_mask_format(auth_role_mask m, char out[AUTH_ROLE_MASK_STRLEN]);
bool auth_role_mask_has(auth_role_mask m, enum auth_role r);
/* Short stable name of a reason, e.g. "token_expired". */
const char *auth_reason_name(enum auth_reason r);

/* Sets the Argon2id cost for new hashes (process-wide; call before threads
 * start). AC_ERR_USAGE if below libsodium's minimums. */
ac_rc auth_set_pwhash_limits(unsigned long long opslimit, size_t memlimit,
			     struct ac_err *err);

/* True for 1..64 bytes of [a-z0-9._-]. */
bool auth_user_name_valid(const char *name);

/* Creates a user with an Argon2id hash of password (12..1024 bytes).
 * AC_ERR_INVALID for a bad name or password, AC_ERR_EXISTS if the name is
 * taken. The password is only read. */
ac_rc auth_user_add(struct store *s, const char *name, enum auth_role role,
		    const char *password, struct ac_err *err);
/* Replaces a user's password (same rules). AC_ERR_NOTFOUND if no user. */
ac_rc auth_user_set_password(struct store *s, const char *name,
			     const char *password, struct ac_err *err);
/* Disables a user: its password and tokens stop working. */
ac_rc auth_user_disable(struct store *s, const char *name, struct ac_err *err);

/* Creates a token for an existing, enabled user. expires_us is an absolute
 * time in the future, AUTH_EXPIRES_DEFAULT (now + 90 days) or
 * AUTH_EXPIRES_NEVER. partner and purpose may be NULL; a partner name
 * follows the user name rules and makes the token a partner token. Writes
 * the token text (shown once) to token_out and its id to id_out.
 * AC_ERR_NOTFOUND for an unknown user, AC_ERR_INVALID for a disabled one
 * or bad arguments. */
ac_rc auth_token_create(struct store *s, const char *user, int64_t expires_us,
			const char *partner, const char *purpose,
			char token_out[AUTH_TOKEN_BUF],
			char id_out[AUTH_TOKEN_ID_BUF], struct ac_err *err);
/* Revokes a token by id. AC_ERR_NOTFOUND if there is none. */
ac_rc auth_token_revoke(struct store *s, const char *id, struct ac_err *err);

/* Checks a bearer token (the text after "Bearer "). On success fills *out
 * and records the use (at most once a minute per token). AC_ERR_PERM
 * "authentication failed" for any bad, unknown, expired or revoked token or
 * disabled user; store failures keep their own code. */
ac_rc auth_check_bearer(struct store *s, const char *token,
			struct auth_subject *out, struct ac_err *err);
/* Checks a user name and password like auth_check_bearer. Unknown users
 * cost one Argon2id verification too, so timing does not reveal them. */
ac_rc auth_check_basic(struct store *s, const char *user, const char *password,
		       struct auth_subject *out, struct ac_err *err);

/* Splits an Authorization header value: "Basic <base64 user:password>" or
 * "Bearer <token>", scheme case-insensitive, one or more spaces after it.
 * AC_ERR_PARSE for an unknown scheme, bad base64, or no ':' or a NUL in
 * the pair; AC_ERR_LIMIT for a value over AUTH_HEADER_MAX or parts over
 * their caps. Messages never quote the header. The password is split at
 * the first ':'. */
ac_rc auth_parse_authorization(const char *header, struct auth_credentials *out,
			       struct ac_err *err);
/* Zeroes the credentials (secrets included). */
void auth_credentials_wipe(struct auth_credentials *c);

/* Parses a token lifetime for the CLI: "30d", "12h", "90m" (from now), an
 * RFC 3339 UTC time "2027-01-01T00:00:00Z", or "never". Writes an
 * absolute time or AUTH_EXPIRES_NEVER. AC_ERR_PARSE if malformed,
 * AC_ERR_INVALID if not in the future. */
ac_rc auth_parse_expires(const char *s, int64_t now_us, int64_t *out,
			 struct ac_err *err);

#endif
