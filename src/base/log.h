/* Minimal leveled logging to stderr. Never pass secrets. */
#ifndef AC_LOG_H
#define AC_LOG_H

enum ac_log_level { AC_LOG_DEBUG, AC_LOG_INFO, AC_LOG_WARN, AC_LOG_ERROR };

void ac_log_set_level(enum ac_log_level level);
void ac_log(enum ac_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
