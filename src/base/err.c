#include "base/common.h"

static const char *const rc_names[] = {
	[AC_OK] = "ok",
	[AC_ERR_NOMEM] = "out of memory",
	[AC_ERR_IO] = "i/o error",
	[AC_ERR_PARSE] = "parse error",
	[AC_ERR_INVALID] = "invalid",
	[AC_ERR_LIMIT] = "limit exceeded",
	[AC_ERR_CONFLICT] = "conflict",
	[AC_ERR_NOTFOUND] = "not found",
	[AC_ERR_EXISTS] = "already exists",
	[AC_ERR_STORE] = "store error",
	[AC_ERR_CRYPTO] = "crypto error",
	[AC_ERR_USAGE] = "usage error",
	[AC_ERR_PERM] = "permission denied",
	[AC_ERR_INTERNAL] = "internal error",
};

const char *ac_rc_name(ac_rc rc)
{
	if ((size_t)rc < AC_ARRAY_LEN(rc_names) && rc_names[rc])
		return rc_names[rc];
	return "unknown error";
}

ac_rc ac_err_vset(struct ac_err *err, ac_rc rc, const char *fmt, va_list ap)
{
	if (!err)
		return rc;
	err->rc = rc;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return rc;
}

ac_rc ac_err_set(struct ac_err *err, ac_rc rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ac_err_vset(err, rc, fmt, ap);
	va_end(ap);
	return rc;
}

void ac_err_clear(struct ac_err *err)
{
	if (!err)
		return;
	err->rc = AC_OK;
	err->msg[0] = '\0';
}

void ac_err_prefix(struct ac_err *err, const char *fmt, ...)
{
	char prefix[AC_ERR_MSG_MAX], old[AC_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	if (snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old) < 0)
		err->msg[0] = '\0';
}
