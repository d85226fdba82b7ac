#include "base/common.h"
#include "base/b64.h"
#include "base/buf.h"
#include "base/scan.h"
#include "base/time.h"
#include "base/uuid.h"

#include <sodium.h>
#include <time.h>
#include <setjmp.h>
#include <cmocka.h>

/* JSON strings: plain runs copied, '"', '\\' and control bytes escaped,
 * UTF-8 kept; the cap holds. */
static void buf_json_strings(void **state)
{
	struct ac_buf b = AC_BUF_INIT(64);
	struct ac_buf tiny = AC_BUF_INIT(4);
	(void)state;

	assert_int_equal(ac_buf_add_json_str(&b, "a\"b\\c\n\x01"), AC_OK);
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\u000a\\u0001\"");
	ac_buf_reset(&b);
	assert_int_equal(ac_buf_add_json_str(&b, ""), AC_OK);
	assert_string_equal(b.data, "\"\"");
	ac_buf_reset(&b);
	assert_int_equal(ac_buf_add_json_str(&b, "\x1f\"Али\x7f\\"), AC_OK);
	assert_string_equal(b.data, "\"\\u001f\\\"Али\x7f\\\\\"");
	assert_int_equal(ac_buf_add_json_str(&tiny, "too long"), AC_ERR_LIMIT);
	ac_buf_release(&b);
	ac_buf_release(&tiny);
}

static void buf_caps_cleanly(void **state)
{
	struct ac_buf b = AC_BUF_INIT(8);
	(void)state;
	assert_int_equal(ac_buf_adds(&b, "1234"), AC_OK);
	assert_int_equal(ac_buf_addf(&b, "%d", 5678), AC_OK);
	assert_int_equal(ac_buf_addc(&b, 'x'), AC_ERR_LIMIT);
	assert_string_equal(b.data, "12345678");
	ac_buf_release(&b);
}

static void ts_parse_strict(void **state)
{
	struct ac_ts a, b;
	(void)state;
	assert_true(ac_ts_parse("2016-04-06T20:03:48.000Z", &a));
	assert_true(ac_ts_parse("2016-04-06T20:03:48.0001Z", &b));
	assert_true(ac_ts_cmp(&a, &b) < 0);
	assert_true(ac_ts_parse("2016-02-29T00:00:00Z", &a));
	assert_true(ac_ts_parse("2016-12-31T23:59:60Z", &a));
	assert_false(ac_ts_parse("2015-02-29T00:00:00Z", &a));
	assert_false(ac_ts_parse("2016-04-06T20:03:48+00:00", &a));
	assert_false(ac_ts_parse("2016-04-06t20:03:48Z", &a));
	assert_false(ac_ts_parse("2016-04-06T20:03:48.Z", &a));
	assert_false(ac_ts_parse("2016-04-06T24:03:48Z", &a));
	assert_false(ac_ts_parse("2016-04-06T20:03:48Zx", &a));
	assert_false(ac_ts_parse("", &a));
}

/* Seconds since the epoch agree with timegm across the calendar: every
 * day of years 0-9999 sampled every 7 days, month ends, leap days, and a
 * leap second (the next minute's first second). */
static void ts_parse_epoch_seconds(void **state)
{
	char s[32];
	struct ac_ts t;
	(void)state;
	for (int64_t day = -719528; day < 2932897; day += 7) {
		time_t secs = (time_t)(day * 86400 + 3723);
		struct tm tm;
		gmtime_r(&secs, &tm);
		snprintf(s, sizeof(s), "%04d-%02d-%02dT%02d:%02d:%02dZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec);
		assert_true(ac_ts_parse(s, &t));
		assert_int_equal(t.sec, (int64_t)secs);
	}
	assert_true(ac_ts_parse("1970-01-01T00:00:00Z", &t));
	assert_int_equal(t.sec, 0);
	assert_true(ac_ts_parse("2000-02-29T12:00:00.5Z", &t));
	assert_int_equal(t.sec, 951825600);
	assert_true(ac_ts_parse("1900-03-01T00:00:00Z", &t));
	assert_int_equal(t.sec, -2203891200LL);
	assert_true(ac_ts_parse("2016-12-31T23:59:60Z", &t));
	assert_int_equal(t.sec, 1483228800);
	assert_true(ac_ts_parse("9999-12-31T23:59:59Z", &t));
	assert_int_equal(t.sec, 253402300799LL);
	assert_true(ac_ts_parse("0000-01-01T00:00:00Z", &t));
	assert_int_equal(t.sec, -62167219200LL);
}

/* The plain run stops exactly at the first special byte, wherever it sits
 * in or across the eight-byte words, for every byte value. */
static void scan_plain_run(void **state)
{
	unsigned char buf[40];
	(void)state;
	for (int c = 0; c < 256; c++) {
		for (size_t at = 0; at < 24; at++) {
			bool high = c >= 0x80;
			bool special = c < 0x20 || c == '"' || c == '\\';
			memset(buf, 'a', sizeof(buf));
			buf[at] = (unsigned char)c;
			assert_int_equal(ac_scan_plain_run(buf, sizeof(buf), true),
					 special ? at : sizeof(buf));
			assert_int_equal(ac_scan_plain_run(buf, sizeof(buf), false),
					 special || high ? at : sizeof(buf));
			/* the length bounds the scan */
			assert_int_equal(ac_scan_plain_run(buf, at, false), at);
		}
	}
	/* bytes just above a special one do not mask it */
	memcpy(buf, "abcdefg\x01\xff\x00\"\\zzzz", 14);
	assert_int_equal(ac_scan_plain_run(buf, 14, true), 7);
	assert_int_equal(ac_scan_plain_run(buf + 8, 6, true), 1);
	assert_int_equal(ac_scan_plain_run(buf + 8, 6, false), 0);
	assert_int_equal(ac_scan_plain_run(buf, 0, true), 0);
}

static void ts_format_roundtrip(void **state)
{
	char s[AC_TS_STRLEN];
	struct ac_ts t;
	(void)state;
	ac_ts_format_us(1700000000123456LL, s);
	assert_string_equal(s, "2023-11-14T22:13:20.123456Z");
	assert_true(ac_ts_parse(s, &t));
	assert_int_equal(t.sec, 1700000000);
	assert_int_equal(t.nsec, 123456000);
}

static void uuid_v5_matches_stix_example(void **state)
{
	/* STIX 2.1 section 2.9 style: v5 over canonical contributing props. */
	char out[AC_UUID_STRLEN];
	uint8_t u[16];
	const char *name = "{\"value\":\"198.51.100.3\"}";
	(void)state;
	assert_int_equal(ac_uuid_v5(AC_UUID_STIX_NS, name, strlen(name), out),
			 AC_OK);
	assert_true(ac_uuid_parse(out, strlen(out), u));
	assert_int_equal(ac_uuid_version(u), 5);
	assert_true(ac_uuid_is_rfc4122(u));
}

static void uuid_v4_and_parse(void **state)
{
	char out[AC_UUID_STRLEN];
	uint8_t u[16];
	(void)state;
	ac_uuid_v4(out);
	assert_true(ac_uuid_parse(out, 36, u));
	assert_int_equal(ac_uuid_version(u), 4);
	assert_true(ac_uuid_is_rfc4122(u));
	assert_false(ac_uuid_parse("not-a-uuid", 10, u));
	assert_false(ac_uuid_parse("6ba7b810-9dad-11d1-80b4-00c04fd430cg", 36, u));
	/* upper case is the same value; every other byte is refused */
	{
		char t[] = "6BA7B810-9DAD-11D1-80B4-00C04FD430C8";
		uint8_t v[16];
		assert_true(ac_uuid_parse(t, 36, u));
		assert_true(ac_uuid_parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8",
					  36, v));
		assert_memory_equal(u, v, 16);
		for (int c = 0; c < 256; c++) {
			bool hex = (c >= '0' && c <= '9') ||
				   (c >= 'a' && c <= 'f') ||
				   (c >= 'A' && c <= 'F');
			t[35] = (char)c;
			assert_int_equal(ac_uuid_parse(t, 36, u), hex);
			t[35] = '8';
			t[8] = (char)c;
			assert_int_equal(ac_uuid_parse(t, 36, u), c == '-');
			t[8] = '-';
		}
	}
}

/* ac_b64_encode writes what sodium writes; ac_b64_decode_exact accepts what
 * sodium accepts as exactly n bytes, on encodings of random data and on
 * mutations of them. */
static bool sodium_exact(const char *s, size_t len, unsigned char *out,
			 size_t n)
{
	size_t got = 0;

	return sodium_base642bin(out, n, s, len, NULL, &got, NULL,
				 sodium_base64_VARIANT_ORIGINAL) == 0 &&
	       got == n;
}

static void b64_matches_sodium(void **state)
{
	static const char alphabet[] = "AZaz09+/=-_ \n.";
	unsigned char bin[70], a[70], b[70];
	char text[100], own[100];

	(void)state;
	assert_int_equal(sodium_init() >= 0, 1);
	ac_b64_encode(bin, 0, own);
	assert_string_equal(own, "");
	for (size_t n = 1; n <= 66; n++) {
		for (int round = 0; round < 40; round++) {
			size_t len;
			randombytes_buf(bin, n);
			sodium_bin2base64(text, sizeof(text), bin, n,
					  sodium_base64_VARIANT_ORIGINAL);
			len = strlen(text);
			ac_b64_encode(bin, n, own);
			assert_string_equal(own, text);
			assert_true(ac_b64_decode_exact(text, len, a, n));
			assert_memory_equal(a, bin, n);
			/* one changed byte, or a length off by one */
			text[randombytes_uniform((uint32_t)len)] =
			    alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
			assert_int_equal(ac_b64_decode_exact(text, len, a, n),
					 sodium_exact(text, len, b, n));
			assert_false(ac_b64_decode_exact(text, len - 1, a, n));
		}
	}
	/* non-zero unused bits, missing or extra padding, wrong length */
	assert_false(ac_b64_decode_exact("AB==", 4, a, 1));
	assert_true(ac_b64_decode_exact("AA==", 4, a, 1));
	assert_false(ac_b64_decode_exact("AAB=", 4, a, 2));
	assert_false(ac_b64_decode_exact("AA", 2, a, 1));
	assert_false(ac_b64_decode_exact("AAAA", 4, a, 2));
	assert_false(ac_b64_decode_exact("AA=A", 4, a, 2));
	assert_false(ac_b64_decode_exact("AAAAAAAA", 8, a, 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_caps_cleanly),
		cmocka_unit_test(buf_json_strings),
		cmocka_unit_test(b64_matches_sodium),
		cmocka_unit_test(ts_parse_strict),
	    cmocka_unit_test(ts_parse_epoch_seconds),
	    cmocka_unit_test(scan_plain_run),
		cmocka_unit_test(ts_format_roundtrip),
		cmocka_unit_test(uuid_v5_matches_stix_example),
		cmocka_unit_test(uuid_v4_and_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
