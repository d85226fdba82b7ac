/* The one error enum (0 is OK) and an error record carrying a message.
 * Messages are lowercase, quote the subject and say what to do. */
#ifndef AC_RC_H
#define AC_RC_H

#include <stdarg.h>

typedef enum ac_rc {
	AC_OK = 0,
	AC_ERR_NOMEM,    /* allocation failed */
	AC_ERR_IO,       /* file or socket I/O */
	AC_ERR_PARSE,    /* malformed input (JSON, INI, timestamps) */
	AC_ERR_INVALID,  /* well-formed but breaks a rule (STIX validation) */
	AC_ERR_LIMIT,    /* a size, depth or count cap was hit */
	AC_ERR_CONFLICT, /* same (id, modified) with other content */
	AC_ERR_NOTFOUND, /* no such object, node, file */
	AC_ERR_EXISTS,   /* refusing to overwrite */
	AC_ERR_STORE,    /* database error */
	AC_ERR_CRYPTO,   /* key or signature problem */
	AC_ERR_USAGE,    /* bad command line or API use */
	AC_ERR_PERM,     /* not allowed */
	AC_ERR_INTERNAL, /* a bug */
} ac_rc;

#define AC_ERR_MSG_MAX 512

struct ac_err {
	ac_rc rc;
	char msg[AC_ERR_MSG_MAX];
};

/* Short stable name of a code, e.g. "invalid". Never NULL. */
const char *ac_rc_name(ac_rc rc);

/* Records rc and a formatted message in err (which may be NULL); returns rc so
 * callers can write `return ac_err_set(err, AC_ERR_IO, "...")`. */
ac_rc ac_err_set(struct ac_err *err, ac_rc rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
ac_rc ac_err_vset(struct ac_err *err, ac_rc rc, const char *fmt, va_list ap);

/* Clears err to AC_OK with an empty message. */
void ac_err_clear(struct ac_err *err);

/* Prefixes the existing message with "prefix: ". */
void ac_err_prefix(struct ac_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
