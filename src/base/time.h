/* Time: RFC 3339 UTC timestamps as STIX uses them, and the server clock. */
#ifndef AC_TIME_H
#define AC_TIME_H

#include <stdbool.h>
#include <stdint.h>

struct ac_ts {
	int64_t sec;  /* seconds since the Unix epoch */
	int32_t nsec; /* 0..999999999; digits past the ninth are ignored */
	int digits;   /* number of fractional digits written */
};

#define AC_TS_STRLEN 40

/* Parses "YYYY-MM-DDTHH:MM:SS[.frac]Z" strictly: upper-case T and Z, real
 * calendar dates, seconds 00..60. Returns false on any deviation. */
bool ac_ts_parse(const char *s, struct ac_ts *out);
/* <0, 0, >0 as a is earlier than, equal to, later than b. */
int ac_ts_cmp(const struct ac_ts *a, const struct ac_ts *b);
/* Writes "YYYY-MM-DDTHH:MM:SS.ffffffZ" (microseconds) into out. */
void ac_ts_format_us(int64_t us, char out[AC_TS_STRLEN]);
/* Current wall-clock time in microseconds since the epoch. */
int64_t ac_now_us(void);
/* Monotonic clock in nanoseconds, for measuring durations. */
int64_t ac_mono_ns(void);

#endif
