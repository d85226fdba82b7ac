#include "base/common.h"
#include "base/time.h"

#include <ctype.h>
#include <time.h>

static bool read_digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (what
 * timegm computes, without its time-zone machinery: timegm was ~2% of an
 * ingest worker). March-based years put the leap day last. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool parse_fraction(const char *s, const char **end, struct ac_ts *out)
{
	int32_t ns = 0;
	int n = 0;

	while (isdigit((unsigned char)*s)) {
		if (n < 9)
			ns = ns * 10 + (*s - '0');
		n++;
		s++;
	}
	if (n == 0)
		return false;
	for (int i = n; i < 9; i++)
		ns *= 10;
	out->nsec = ns;
	out->digits = n;
	*end = s;
	return true;
}

bool ac_ts_parse(const char *s, struct ac_ts *out)
{
	int y, mo, d, h, mi, se;

	if (!s || strlen(s) < 20)
		return false;
	if (!read_digits(s, 4, &y) || s[4] != '-' || !read_digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !read_digits(s + 8, 2, &d) || s[10] != 'T' ||
	    !read_digits(s + 11, 2, &h) || s[13] != ':' ||
	    !read_digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !read_digits(s + 17, 2, &se))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || se > 60)
		return false;
	out->nsec = 0;
	out->digits = 0;
	s += 19;
	if (*s == '.' && !parse_fraction(s + 1, &s, out))
		return false;
	if (s[0] != 'Z' || s[1] != '\0')
		return false;
	/* a leap second counts as the next minute's first, as with timegm */
	out->sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return true;
}

int ac_ts_cmp(const struct ac_ts *a, const struct ac_ts *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	if (a->nsec != b->nsec)
		return a->nsec < b->nsec ? -1 : 1;
	return 0;
}

void ac_ts_format_us(int64_t us, char out[AC_TS_STRLEN])
{
	time_t sec = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(out, AC_TS_STRLEN, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(us % 1000000));
}

int64_t ac_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t ac_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
