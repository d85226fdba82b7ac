#include "base/common.h"
#include "base/buf.h"
#include "stix/jcs.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

struct number_case {
	uint64_t bits;
	const char *want;
};

static double from_bits(uint64_t bits)
{
	double d;
	memcpy(&d, &bits, sizeof(d));
	return d;
}

/* Canonical form of the JSON text src, which must parse. */
static char *canon(const char *src)
{
	json_error_t jerr;
	json_t *v = json_loads(src, JSON_ALLOW_NUL | JSON_DECODE_ANY, &jerr);
	struct ac_buf b = AC_BUF_INIT(1 << 20);
	char *s;

	assert_non_null(v);
	assert_int_equal(stix_jcs(v, &b), AC_OK);
	json_decref(v);
	s = ac_buf_detach(&b, NULL);
	assert_non_null(s);
	return s;
}

static void assert_canon(const char *src, const char *want)
{
	char *got = canon(src);
	assert_string_equal(got, want);
	free(got);
}

/* RFC 8785 Appendix B: IEEE-754 bit patterns and their serialisation. */
static void number_appendix_b(void **state)
{
	static const struct number_case cases[] = {
	    {0x0000000000000000, "0"},
	    {0x8000000000000000, "0"},
	    {0x0000000000000001, "5e-324"},
	    {0x8000000000000001, "-5e-324"},
	    {0x7fefffffffffffff, "1.7976931348623157e+308"},
	    {0xffefffffffffffff, "-1.7976931348623157e+308"},
	    {0x4340000000000000, "9007199254740992"},
	    {0xc340000000000000, "-9007199254740992"},
	    {0x4430000000000000, "295147905179352830000"},
	    {0x44b52d02c7e14af5, "9.999999999999997e+22"},
	    {0x44b52d02c7e14af6, "1e+23"},
	    {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
	    {0x444b1ae4d6e2ef4e, "999999999999999700000"},
	    {0x444b1ae4d6e2ef4f, "999999999999999900000"},
	    {0x444b1ae4d6e2ef50, "1e+21"},
	    {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
	    {0x3eb0c6f7a0b5ed8d, "0.000001"},
	    {0x41b3de4355555553, "333333333.3333332"},
	    {0x41b3de4355555554, "333333333.33333325"},
	    {0x41b3de4355555555, "333333333.3333333"},
	    {0x41b3de4355555556, "333333333.3333334"},
	    {0x41b3de4355555557, "333333333.33333343"},
	    {0xbecbf647612f3696, "-0.0000033333333333333333"},
	    {0x43143ff3c1cb0959, "1424953923781206.2"},
	};
	char out[32];
	(void)state;

	for (size_t i = 0; i < AC_ARRAY_LEN(cases); i++) {
		assert_int_equal(stix_jcs_number(from_bits(cases[i].bits), out),
				 AC_OK);
		assert_string_equal(out, cases[i].want);
	}
}

/* Appendix B's NaN and Infinity rows have no serialisation. */
static void number_rejects_nan_and_infinity(void **state)
{
	char out[32];
	(void)state;

	assert_int_equal(stix_jcs_number(from_bits(0x7fffffffffffffff), out),
			 AC_ERR_INVALID);
	assert_int_equal(stix_jcs_number(from_bits(0x7ff0000000000000), out),
			 AC_ERR_INVALID);
	assert_int_equal(stix_jcs_number(-INFINITY, out), AC_ERR_INVALID);
	assert_int_equal(stix_jcs_number(NAN, out), AC_ERR_INVALID);
}

/* Where ECMAScript switches between integer, decimal and exponent form. */
static void number_layout_boundaries(void **state)
{
	static const struct {
		double d;
		const char *want;
	} cases[] = {
	    {1e21, "1e+21"},
	    {1e20, "100000000000000000000"},
	    {1e-6, "0.000001"},
	    {1e-7, "1e-7"},
	    {1.5e-7, "1.5e-7"},
	    {0.1, "0.1"},
	    {-0.5, "-0.5"},
	    {4.5, "4.5"},
	    {2e-3, "0.002"},
	    {1e30, "1e+30"},
	    {123456789012.5, "123456789012.5"},
	    {1e16, "10000000000000000"},
	    {1.25e+25, "1.25e+25"},
	    {9007199254740994.0, "9007199254740994"},
	};
	char out[32];
	(void)state;

	for (size_t i = 0; i < AC_ARRAY_LEN(cases); i++) {
		assert_int_equal(stix_jcs_number(cases[i].d, out), AC_OK);
		assert_string_equal(out, cases[i].want);
	}
}

/* Powers of two have a lower neighbour twice as close as the upper one;
 * their shortest form can be the decimal just above the nearest one.
 * Expected values are what ECMAScript's String(x) prints. */
static void number_power_of_two_shortest(void **state)
{
	static const struct number_case cases[] = {
	    {0x0060000000000000, "7.120236347223045e-307"},
	    {0x0d70000000000000, "5.858190679279809e-244"},
	    {0x6290000000000000, "5.896816288783659e+166"},
	    {0x7cf0000000000000, "6.386688990511104e+293"},
	};
	char out[32];
	(void)state;

	for (size_t i = 0; i < AC_ARRAY_LEN(cases); i++) {
		assert_int_equal(stix_jcs_number(from_bits(cases[i].bits), out),
				 AC_OK);
		assert_string_equal(out, cases[i].want);
	}
}

/* jansson integers go through double, as I-JSON numbers do. */
static void integers_become_doubles(void **state)
{
	(void)state;
	assert_canon("[0,-0,1,-1,42,9007199254740993,9223372036854775807]",
		     "[0,0,1,-1,42,9007199254740992,9223372036854776000]");
	assert_canon("[1.0,-0.0,1E2,10e-1]", "[1,0,100,1]");
}

/* RFC 8785 section 3.2.2 input and its canonical form (3.2.3/3.2.4). */
static void rfc_main_example(void **state)
{
	const char *src =
	    "{\n"
	    "  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, "
	    "0.000000000000000000000000001],\n"
	    "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c"
	    "\\\\\\\"\\/\",\n"
	    "  \"literals\": [null, true, false]\n"
	    "}";
	const char *want =
	    "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,"
	    "1e+30,4.5,0.002,1e-27],\"string\":\"\xe2\x82\xac$\\u000f\\nA'B"
	    "\\\"\\\\\\\\\\\"/\"}";
	static const unsigned char want_head[] = {
	    0x7b, 0x22, 0x6c, 0x69, 0x74, 0x65, 0x72, 0x61, 0x6c, 0x73,
	    0x22, 0x3a, 0x5b, 0x6e, 0x75, 0x6c, 0x6c, 0x2c, 0x74, 0x72,
	    0x75, 0x65, 0x2c, 0x66, 0x61, 0x6c, 0x73, 0x65, 0x5d, 0x2c,
	};
	char *got;
	(void)state;

	got = canon(src);
	assert_string_equal(got, want);
	assert_memory_equal(got, want_head, sizeof(want_head));
	free(got);
}

/* RFC 8785 section 3.2.3: keys sort by UTF-16 code units. */
static void rfc_sorting_example(void **state)
{
	const char *src =
	    "{\n"
	    "  \"\\u20ac\": \"Euro Sign\",\n"
	    "  \"\\r\": \"Carriage Return\",\n"
	    "  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n"
	    "  \"1\": \"One\",\n"
	    "  \"\\ud83d\\ude00\": \"Emoji: Grinning Face\",\n"
	    "  \"\\u0080\": \"Control\",\n"
	    "  \"\\u00f6\": \"Latin Small Letter O With "
	    "Diaeresis\"\n"
	    "}";
	const char *want =
	    "{\"\\r\":\"Carriage Return\",\"1\":\"One\","
	    "\"\xc2\x80\":\"Control\","
	    "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
	    "\"\xe2\x82\xac\":\"Euro Sign\","
	    "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
	    "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}";
	(void)state;

	assert_canon(src, want);
}

/* U+FFFD is one unit 0xFFFD, U+10000 is 0xD800 0xDC00: UTF-16 order puts
 * U+10000 first, though its UTF-8 bytes sort after. */
static void sorting_is_not_utf8_byte_order(void **state)
{
	(void)state;
	assert_canon("{\"\\ufffd\":1,\"\\ud800\\udc00\":2,\"\\ud7ff\":3}",
		     "{\"\xed\x9f\xbf\":3,\"\xf0\x90\x80\x80\":2,"
		     "\"\xef\xbf\xbd\":1}");
	assert_canon("{\"b\":1,\"aa\":2,\"a\":3,\"\":4,\"B\":5}",
		     "{\"\":4,\"B\":5,\"a\":3,\"aa\":2,\"b\":1}");
}

/* jansson keys may hold NUL bytes: they sort and escape like U+0000. */
static void keys_with_nul(void **state)
{
	json_t *o = json_object();
	struct ac_buf b = AC_BUF_INIT(256);
	(void)state;

	json_object_setn_new(o, "a\0b", 3, json_integer(1));
	json_object_setn_new(o, "aa", 2, json_integer(2));
	json_object_setn_new(o, "a", 1, json_integer(3));
	assert_int_equal(stix_jcs(o, &b), AC_OK);
	assert_string_equal(b.data, "{\"a\":3,\"a\\u0000b\":1,\"aa\":2}");
	json_decref(o);
	ac_buf_release(&b);
}

static void string_escapes(void **state)
{
	(void)state;
	assert_canon("[\"\\b\\t\\n\\f\\r\\\"\\\\\"]",
		     "[\"\\b\\t\\n\\f\\r\\\"\\\\\"]");
	assert_canon("[\"\\u0000\\u0001\\u001f\\u000B\\u001E\"]",
		     "[\"\\u0000\\u0001\\u001f\\u000b\\u001e\"]");
	/* '/', DEL, non-ASCII and astral characters stay literal. */
	assert_canon("[\"\\/ \\u007f \\u00e9 \\ud83d\\ude00\"]",
		     "[\"/ \x7f \xc3\xa9 \xf0\x9f\x98\x80\"]");
	assert_canon("{\"k\\u0007\":\"\"}", "{\"k\\u0007\":\"\"}");
}

static void nesting_and_literals(void **state)
{
	(void)state;
	assert_canon("{}", "{}");
	assert_canon("[]", "[]");
	assert_canon("[{},[],{\"a\":[]}]", "[{},[],{\"a\":[]}]");
	assert_canon("{ \"z\" : [ 3 , { \"y\" : null , \"x\" : true } ] ,"
		     " \"a\" : { \"c\" : false , \"b\" : \"s\" } }",
		     "{\"a\":{\"b\":\"s\",\"c\":false},"
		     "\"z\":[3,{\"x\":true,\"y\":null}]}");
	/* Array order is kept; only object members are sorted. */
	assert_canon("[3,1,2,\"b\",\"a\"]", "[3,1,2,\"b\",\"a\"]");
	assert_canon("\"top\"", "\"top\"");
	assert_canon("null", "null");
}

/* More members than the stack array holds. */
static void many_members(void **state)
{
	json_t *o = json_object();
	struct ac_buf b = AC_BUF_INIT(1 << 20);
	char key[16];
	(void)state;

	for (int i = 99; i >= 0; i--) {
		snprintf(key, sizeof(key), "k%03d", i);
		json_object_set_new(o, key, json_integer(i));
	}
	assert_int_equal(stix_jcs(o, &b), AC_OK);
	assert_true(strncmp(b.data, "{\"k000\":0,\"k001\":1,", 19) == 0);
	assert_non_null(strstr(b.data, "\"k098\":98,\"k099\":99}"));
	json_decref(o);
	ac_buf_release(&b);
}

static void append_key(const char *key, const json_t *value, void *ctx)
{
	(void)value;
	ac_buf_adds(ctx, key);
	ac_buf_addc(ctx, ',');
}

/* The member walk goes in the order stix_jcs writes, small objects and
 * large (sorted off the stack) alike; it takes objects only. */
static void each_member_in_canonical_order(void **state)
{
	json_t *o = json_loads("{\"\\ufffd\":1,\"b\":1,\"\\ud800\\udc00\":2,"
			       "\"aa\":2,\"a\":3,\"B\":5}",
			       0, NULL);
	struct ac_buf keys = AC_BUF_INIT(4096);
	char key[16];
	(void)state;

	assert_int_equal(stix_jcs_each_member(o, append_key, &keys), AC_OK);
	assert_string_equal(keys.data, "B,a,aa,b,\xf0\x90\x80\x80,\xef\xbf\xbd,");
	json_decref(o);
	o = json_object();
	for (int i = 99; i >= 0; i--) {
		snprintf(key, sizeof(key), "k%03d", i);
		json_object_set_new(o, key, json_integer(i));
	}
	ac_buf_reset(&keys);
	assert_int_equal(stix_jcs_each_member(o, append_key, &keys), AC_OK);
	assert_true(strncmp(keys.data, "k000,k001,k002,", 15) == 0);
	assert_int_equal(keys.len, 500);
	json_decref(o);
	o = json_array();
	assert_int_equal(stix_jcs_each_member(o, append_key, &keys),
			 AC_ERR_INVALID);
	json_decref(o);
	ac_buf_release(&keys);
}

static void appends_and_caps_output(void **state)
{
	json_t *v = json_loads("{\"a\":1}", 0, NULL);
	struct ac_buf b = AC_BUF_INIT(9);
	(void)state;

	assert_int_equal(ac_buf_adds(&b, "xy"), AC_OK);
	assert_int_equal(stix_jcs(v, &b), AC_OK); /* exactly 9 bytes */
	assert_string_equal(b.data, "xy{\"a\":1}");
	ac_buf_release(&b);

	ac_buf_init(&b, 8);
	assert_int_equal(ac_buf_adds(&b, "xy"), AC_OK);
	assert_int_equal(stix_jcs(v, &b), AC_ERR_LIMIT);
	assert_int_equal(b.len, 2); /* left as it was */
	assert_string_equal(b.data, "xy");
	ac_buf_release(&b);
	json_decref(v);
}

static void refuses_deep_nesting(void **state)
{
	json_t *root = json_array(), *cur = root;
	struct ac_buf b = AC_BUF_INIT(1 << 20);
	(void)state;

	for (int i = 0; i < 3000; i++) {
		json_t *inner = json_array();
		json_array_append_new(cur, inner);
		cur = inner;
	}
	assert_int_equal(stix_jcs(root, &b), AC_ERR_LIMIT);
	assert_int_equal(b.len, 0);
	json_decref(root);
	ac_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(number_appendix_b),
	    cmocka_unit_test(number_rejects_nan_and_infinity),
	    cmocka_unit_test(number_layout_boundaries),
	    cmocka_unit_test(number_power_of_two_shortest),
	    cmocka_unit_test(integers_become_doubles),
	    cmocka_unit_test(rfc_main_example),
	    cmocka_unit_test(rfc_sorting_example),
	    cmocka_unit_test(sorting_is_not_utf8_byte_order),
	    cmocka_unit_test(keys_with_nul),
	    cmocka_unit_test(string_escapes),
	    cmocka_unit_test(nesting_and_literals),
	    cmocka_unit_test(many_members),
	    cmocka_unit_test(each_member_in_canonical_order),
	    cmocka_unit_test(appends_and_caps_output),
	    cmocka_unit_test(refuses_deep_nesting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
