/* stix_json_parse_checked has its own one-pass parser in front of jansson.
 * Whatever it is given, the answer must be exactly json_loadb's: the same
 * value (types, key order, bytes) or the same error. */
#include "base/common.h"
#include "gen/gen.h"
#include "stix/jcs.h"
#include "stix/json.h"

#include <setjmp.h>
#include <cmocka.h>

#define LOAD_FLAGS (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)

/* Dumps v so that integer/real, key order and string bytes all show. */
static char *dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* Text the parser calls canonical is byte for byte stix_jcs's output. */
static void canonical_means_jcs(const char *text, size_t len, bool canonical,
				const json_t *v)
{
	struct ac_buf c = AC_BUF_INIT(1u << 20);

	if (!canonical)
		return;
	assert_int_equal(stix_jcs(v, &c), AC_OK);
	assert_int_equal(c.len, len);
	assert_memory_equal(c.data, text, len);
	ac_buf_release(&c);
}

static void same_as_jansson_n(const char *text, size_t len)
{
	struct ac_err err = { 0 };
	json_error_t jerr;
	json_t *want = json_loadb(text, len, LOAD_FLAGS, &jerr);
	json_t *got = NULL;
	bool canonical = true;
	ac_rc rc = stix_json_parse_canon(text, len, &got, &canonical, &err);

	if (!want) {
		assert_int_equal(rc, AC_ERR_PARSE);
		assert_false(canonical);
		assert_null(got);
		assert_non_null(strstr(err.msg, jerr.text));
		return;
	}
	assert_int_equal(rc, AC_OK);
	assert_non_null(got);
	assert_true(json_equal(want, got));
	canonical_means_jcs(text, len, canonical, got);
	{
		char *a = dump(want), *b = dump(got);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	json_decref(want);
	json_decref(got);
}

static void same_as_jansson(const char *text)
{
	same_as_jansson_n(text, strlen(text));
}

static void valid_text_builds_the_same_values(void **state)
{
	static const char *const ok[] = {
		"{}", "[]", " { } ", "\t[\r\n]\n", "true", "false", "null",
		"\"\"", "0", "-0", "12", "-12", "1.5", "-0.0", "1e10", "1E-5",
		"2.5e+3", "0.1", "123456789012345678", "-123456789012345678",
		"1234567890123456789", "9223372036854775807",
		"-9223372036854775808", "1e-400", "3.141592653589793238462643",
		"{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
		"{\"z\":1,\"a\":2,\"m\":3}",
		"\"esc: \\\" \\\\ \\/ \\b \\f \\n \\r \\t end\"",
		"\"\\u00e9\\u20AC\\uD83D\\uDE00x\"",
		"\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xd0\x9c\"",
		"{\"a\\nb\":\"x\\ty\",\"c\\u0041\":{\"d\\te\":\"f\\ng\"},"
		"\"h\":\"\\\"\"}",
		"{\"k\\\"\":[\"\\u0041\",{\"\\u00e9\":\"\\u00e8\"}]}",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		"[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
		"]]]]]]]]]]]]]]]]]]]]]]]",
	};
	(void)state;
	for (size_t i = 0; i < AC_ARRAY_LEN(ok); i++)
		same_as_jansson(ok[i]);
}

static void bad_text_fails_with_janssons_message(void **state)
{
	static const char *const bad[] = {
		"", " ", "{", "}", "[", "{\"a\":1,}", "[1,]", "[1 2]",
		"{\"a\" 1}", "{1:2}", "{\"a\":1,\"a\":2}",
		"{\"x\":{\"a\":1,\"b\":2,\"c\":3,\"a\":{\"d\":[1]}}}",
		"[{\"k\":1},{\"k\":2,\"k\":2}]", "{\"\\u0061\":1,\"a\":2}",
		"{\"a\\u0062\":1,\"ab\":2}", "\"\\u0000\"", "{\"\\u0000\":1}",
		"\"\\uD800\"", "\"\\uDC00\"", "\"\\uD800\\u0041\"",
		"\"\\uD800x\"", "01", "-01", "1.", ".5", "-", "1e", "1e+",
		"+1", "tru", "truex", "nul", "[1] x", "\"a\x01\"", "\"\t\"",
		"\"\xc0\x80\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
		"\"\xe2\x82\"", "\"\xff\"", "\"\x80\"", "{\"k\x80\":1}",
		"\"\\x\"", "\"\\u12G4\"", "\"\\u12\"", "\"abc",
		"99999999999999999999", "-99999999999999999999", "1e400",
		"-1e400", "[1e999]", "NaN", "Infinity", "\xef\xbb\xbf{}",
	};
	(void)state;
	for (size_t i = 0; i < AC_ARRAY_LEN(bad); i++)
		same_as_jansson(bad[i]);
	same_as_jansson_n("[1,\0]", 5);
	same_as_jansson_n("\"a\0b\"", 5);
	same_as_jansson_n("{}\0", 3);
}

static bool is_canonical(const char *text)
{
	struct ac_err err = { 0 };
	bool canonical = false;
	json_t *v = NULL;

	assert_int_equal(stix_json_parse_canon(text, strlen(text), &v,
					       &canonical, &err),
			 AC_OK);
	canonical_means_jcs(text, strlen(text), canonical, v);
	json_decref(v);
	return canonical;
}

/* What JCS writes is recognised; anything it would write otherwise is
 * not (whitespace, member order, escapes it does not use, numbers it
 * formats differently, keys beyond U+FFFF that UTF-16 orders apart). */
static void canonical_text_is_recognised(void **state)
{
	static const char *const yes[] = {
		"{}", "[]", "{\"a\":1,\"b\":[true,false,null],\"c\":{}}",
		"{\"a\":1,\"ab\":2,\"b\":3}", "-12", "999999999999999",
		"\"q\\\" b\\\\ \\b\\t\\n\\f\\r \\u0001\\u001f \x7f /\"",
		"{\"\xc3\xa9\":1,\"\xef\xbd\xa1\":2}",
		"\"caf\xc3\xa9 \xf0\x9f\x98\x80\"",
		"0.5", "12.75", "-1.5", "1e+21", "1e-7", "123456789012345680",
	};
	static const char *const no[] = {
		" {}", "{} ", "{ }", "[1, 2]", "{\"a\": 1}",
		"{\"b\":1,\"a\":2}", "{\"ab\":1,\"a\":2}", "\"\\/\"",
		"\"\\u0041\"", "\"\\u001F\"", "\"\\u000a\"", "\"\\u00e9\"",
		"1.0", "1e2", "0.50", "-0", "1E+21", "1e21", "0.0000001",
		"1234567890123456789",
		"{\"a\\u0062\":1}", "{\"\xf0\x9f\x98\x80\":1}",
	};
	(void)state;
	for (size_t i = 0; i < AC_ARRAY_LEN(yes); i++)
		assert_true(is_canonical(yes[i]));
	for (size_t i = 0; i < AC_ARRAY_LEN(no); i++)
		assert_false(is_canonical(no[i]));
}

/* The canonical form of every generated object is recognised as such. */
static void generated_canonical_forms_are_recognised(void **state)
{
	struct gen_opts o = { .seed = 9, .count = 200, .created_by = NULL };
	struct ac_buf c = AC_BUF_INIT(1u << 20);
	struct ac_err err = { 0 };
	char *text = NULL, *line, *nl;
	size_t size = 0, lines = 0;
	FILE *f = open_memstream(&text, &size);

	(void)state;
	assert_non_null(f);
	assert_int_equal(gen_write(&o, GEN_JSONL, f, &err), AC_OK);
	assert_int_equal(fclose(f), 0);
	for (line = text; (nl = strchr(line, '\n')); line = nl + 1) {
		json_t *v = json_loadb(line, (size_t)(nl - line), 0, NULL);
		assert_non_null(v);
		ac_buf_reset(&c);
		assert_int_equal(stix_jcs(v, &c), AC_OK);
		assert_true(is_canonical(c.data));
		json_decref(v);
		lines++;
	}
	assert_true(lines > 100);
	ac_buf_release(&c);
	free(text);
}

/* Generated objects, whole and with bytes changed at random (fixed seed). */
static void generated_and_mutated_objects_match(void **state)
{
	struct gen_opts o = { .seed = 7, .count = 300, .created_by = NULL };
	static const char swaps[] = "\"\\{}[],:0-.eE \x80\xc3\xff\x01u";
	struct ac_err err = { 0 };
	char *text = NULL, *line, *nl, *copy;
	size_t size = 0, lines = 0;
	FILE *f = open_memstream(&text, &size);
	unsigned seed = 1;

	(void)state;
	assert_non_null(f);
	assert_int_equal(gen_write(&o, GEN_JSONL, f, &err), AC_OK);
	assert_int_equal(fclose(f), 0);
	for (line = text; (nl = strchr(line, '\n')); line = nl + 1) {
		size_t len = (size_t)(nl - line);
		same_as_jansson_n(line, len);
		copy = malloc(len);
		assert_non_null(copy);
		for (int m = 0; m < 8; m++) {
			memcpy(copy, line, len);
			copy[rand_r(&seed) % len] =
			    swaps[rand_r(&seed) % (sizeof(swaps) - 1)];
			same_as_jansson_n(copy, len);
		}
		free(copy);
		lines++;
	}
	assert_true(lines > 100);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_text_builds_the_same_values),
		cmocka_unit_test(bad_text_fails_with_janssons_message),
		cmocka_unit_test(generated_and_mutated_objects_match),
		cmocka_unit_test(canonical_text_is_recognised),
		cmocka_unit_test(generated_canonical_forms_are_recognised),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
