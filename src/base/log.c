#include "base/common.h"
#include "base/log.h"
#include "base/time.h"

static enum ac_log_level min_level = AC_LOG_INFO;

void ac_log_set_level(enum ac_log_level level)
{
	min_level = level;
}

void ac_log(enum ac_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "debug", "info", "warning", "error" };
	char ts[AC_TS_STRLEN];
	va_list ap;

	if (level < min_level)
		return;
	ac_ts_format_us(ac_now_us(), ts);
	fprintf(stderr, "%s accord %s: ", ts, names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
