#include "base/common.h"
#include "ingest/stream.h"

#include <time.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#define KEEP 16

/* What the callbacks saw. */
struct got {
	size_t count;
	char *obj[KEEP];
	struct stream_pos pos[KEEP];
	size_t bad;
	struct stream_pos bad_pos[KEEP];
	char bad_msg[KEEP][AC_ERR_MSG_MAX];
	ac_rc bad_rc[KEEP];
	size_t stop_after;     /* callback fails on this object (1-based) */
	size_t stop_after_bad; /* bad_line fails on this bad line */
	size_t max_len;
	uint64_t bytes;
};

static ac_rc on_object(const char *data, size_t len,
		       const struct stream_pos *pos, void *ctx)
{
	struct got *g = ctx;

	assert_int_equal(data[len], '\0');
	if (g->count < KEEP) {
		g->obj[g->count] = malloc(len + 1);
		assert_non_null(g->obj[g->count]);
		memcpy(g->obj[g->count], data, len + 1);
		g->pos[g->count] = *pos;
	}
	g->count++;
	g->bytes += len;
	if (len > g->max_len)
		g->max_len = len;
	if (g->stop_after && g->count == g->stop_after)
		return AC_ERR_INVALID;
	return AC_OK;
}

static ac_rc on_bad(const struct stream_pos *pos, const struct ac_err *why,
		    void *ctx)
{
	struct got *g = ctx;

	if (g->bad < KEEP) {
		g->bad_pos[g->bad] = *pos;
		g->bad_rc[g->bad] = why->rc;
		snprintf(g->bad_msg[g->bad], AC_ERR_MSG_MAX, "%s", why->msg);
	}
	g->bad++;
	if (g->stop_after_bad && g->bad == g->stop_after_bad)
		return AC_ERR_USAGE;
	return AC_OK;
}

static void got_release(struct got *g)
{
	size_t i;

	for (i = 0; i < KEEP && i < g->count; i++)
		free(g->obj[i]);
	memset(g, 0, sizeof(*g));
}

static FILE *open_bytes(const char *data, size_t len)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	if (len)
		assert_int_equal(fwrite(data, 1, len, f), len);
	rewind(f);
	return f;
}

static ac_rc run_lim(const char *data, size_t len, enum stream_format fmt,
		     const struct stix_limits *lim, bool with_bad,
		     struct got *g, struct ac_err *err)
{
	FILE *f = open_bytes(data, len);
	ac_rc rc = stream_read(f, fmt, lim, on_object, with_bad ? on_bad : NULL,
			       g, err);

	fclose(f);
	return rc;
}

static ac_rc run(const char *text, enum stream_format fmt, bool with_bad,
		 struct got *g, struct ac_err *err)
{
	static const struct stix_limits lim = STIX_LIMITS_DEFAULT;

	return run_lim(text, strlen(text), fmt, &lim, with_bad, g, err);
}

static uint64_t offset_of(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);

	assert_non_null(p);
	return (uint64_t)(p - hay);
}

static void assert_contains(const char *msg, const char *part)
{
	if (!strstr(msg, part))
		fail_msg("'%s' does not contain '%s'", msg, part);
}

static void bundle_three_objects(void **state)
{
	const char *in = "{\"type\": \"bundle\",\n"
			 " \"id\": \"bundle--1\",\n"
			 " \"objects\": [\n"
			 "  {\"id\": \"a\"},\n"
			 "  {\"id\": \"b\", \"n\": [1, {\"x\": null}]},\n"
			 "  {\"id\": \"c\"}\n"
			 " ]\n}\n";
	struct got g = {0};
	struct ac_err err;
	(void)state;

	assert_int_equal(run(in, STREAM_BUNDLE, false, &g, &err), AC_OK);
	assert_int_equal(g.count, 3);
	assert_string_equal(g.obj[0], "{\"id\": \"a\"}");
	assert_string_equal(g.obj[1],
			    "{\"id\": \"b\", \"n\": [1, {\"x\": null}]}");
	assert_string_equal(g.obj[2], "{\"id\": \"c\"}");
	assert_int_equal(g.pos[0].index, 0);
	assert_int_equal(g.pos[2].index, 2);
	assert_int_equal(g.pos[0].offset, offset_of(in, "{\"id\": \"a\""));
	assert_int_equal(g.pos[1].offset, offset_of(in, "{\"id\": \"b\""));
	assert_int_equal(g.pos[2].offset, offset_of(in, "{\"id\": \"c\""));
	assert_int_equal(g.pos[0].line, 4);
	assert_int_equal(g.pos[1].line, 5);
	assert_int_equal(g.pos[2].line, 6);
	got_release(&g);
}

static void bundle_objects_first_or_last(void **state)
{
	const char *first = "{\"objects\":[{\"id\":\"a\"},{\"id\":\"b\"}],"
			    "\"type\":\"bundle\",\"id\":\"bundle--1\"}";
	const char *last = "{\"id\":\"bundle--1\",\"spec_version\":\"2.0\","
			   "\"x_skip\":{\"objects\":[\"]}\\\"\"],\"type\":1},"
			   "\"x_n\":-1.5e3,\"x_t\":true,\"x_z\":null,"
			   "\"type\":\"bundle\",\"objects\":[{\"id\":\"a\"}]}";
	struct got g = {0};
	struct ac_err err;
	(void)state;

	assert_int_equal(run(first, STREAM_BUNDLE, false, &g, &err), AC_OK);
	assert_int_equal(g.count, 2);
	assert_string_equal(g.obj[1], "{\"id\":\"b\"}");
	got_release(&g);
	assert_int_equal(run(last, STREAM_BUNDLE, false, &g, &err), AC_OK);
	assert_int_equal(g.count, 1);
	assert_string_equal(g.obj[0], "{\"id\":\"a\"}");
	got_release(&g);
	/* the same with detection */
	assert_int_equal(run(first, STREAM_AUTO, false, &g, &err), AC_OK);
	assert_int_equal(g.count, 2);
	assert_int_equal(g.pos[0].index, 0);
	got_release(&g);
	assert_int_equal(run(last, STREAM_AUTO, false, &g, &err), AC_OK);
	assert_int_equal(g.count, 1);
	got_release(&g);
}

static void bundle_envelope_rules(void **state)
{
	struct got g = {0};
	struct ac_err err;
	(void)state;

	assert_int_equal(run("{\"type\":\"bundle\",\"id\":\"x\"}",
			     STREAM_BUNDLE, false, &g, &err),
			 AC_OK); /* objects is optional in STIX 2.1 */
	assert_int_equal(g.count, 0);
	got_release(&g);
	assert_int_equal(run("{\"id\":\"x\"}", STREAM_BUNDLE, false, &g, &err),
			 AC_ERR_PARSE);
	assert_contains(err.msg, "no 'objects' array");
	assert_int_equal(run("{\"type\":\"bundle\",\"objects\":{}}",
			     STREAM_BUNDLE, false, &g, &err),
			 AC_ERR_PARSE);
	assert_contains(err.msg, "not an array");
	assert_int_equal(run("{\"type\":\"report\",\"objects\":[]}",
			     STREAM_BUNDLE, false, &g, &err),
			 AC_ERR_PARSE);
	assert_contains(err.msg, "'report', expected 'bundle'");
	assert_int_equal(
	    run("{\"type\":7,\"objects\":[]}", STREAM_BUNDLE, false, &g, &err),
	    AC_ERR_PARSE);
	assert_contains(err.msg, "not a string");
	/* a wrong type after "objects" is reported once it is seen */
	assert_int_equal(run("{\"objects\":[{\"id\":\"a\"}],\"type\":\"x\"}",
			     STREAM_BUNDLE, false, &g, &err),
			 AC_ERR_PARSE);
	assert_int_equal(g.count, 1);
	got_release(&g);
	assert_int_equal(run("{\"objects\":[],\"objects\":[]}", STREAM_BUNDLE,
			     false, &g, &err),
			 AC_ERR_PARSE);
	assert_contains(err.msg, "second 'objects'");
	assert_int_equal(
	    run("{\"objects\" []}", STREAM_BUNDLE, false, &g, &err),
	    AC_ERR_PARSE);
	assert_contains(err.msg, "expected ':'");
	assert_int_equal(
	    run("{\"objects\":[] \"id\":1}", STREAM_BUNDLE, false, &g, &err),
	    AC_ERR_PARSE);
	assert_contains(err.msg, "expected ',' or '}'");
	assert_int_equal(
	    run("{\"objects\":[{}{}]}", STREAM_BUNDLE, false, &g, &err),
	    AC_ERR_PARSE);
	assert_contains(err.msg, "expected ',' or ']'");
	got_release(&g);
	assert_int_equal(run("[{\"id\":1}]", STREAM_BUNDLE, false, &g, &err),
			 AC_ERR_PARSE);
	assert_contains(err.msg, "expected '{' to open the bundle");
	assert_int_equal(run("{\"id\":\"a\x01\",\"objects\":[]}", STREAM_BUNDLE,
			     false, &g, &err),
			 AC_ERR_PARSE);
	assert_contains(err.msg, "control character");
}

static void nested_brackets_in_strings(void **state)
{
	const char *a = "{\"d\":\"a]}\\\"{[\",\"e\":[[{\"f\":\"\\\\\"}],[]],"
			"\"g\":{\"h\":\"\\\\\\\"]\"}}";
	const char *b = "{\"q\":\"}\"}";
	char in[512];
	struct got g = {0};
	struct ac_err err;
	(void)state;

	snprintf(in, sizeof(in), "{\"objects\":[%s,%s],\"type\":\"bundle\"}", a,
		 b);
	assert_int_equal(run(in, STREAM_BUNDLE, false, &g, &err), AC_OK);
	assert_int_equal(g.count, 2);
	assert_string_equal(g.obj[0], a);
	assert_string_equal(g.obj[1], b);
	got_release(&g);
	snprintf(in, sizeof(in), "%s\n%s\n", a, b);
	assert_int_equal(run(in, STREAM_JSONL, false, &g, &err), AC_OK);
	assert_int_equal(g.count, 2);
	assert_string_equal(g.obj[0], a);
	assert_string_equal(g.obj[1], b);
	got_release(&g);
}

static void unbalanced_brackets(void **state)
{
	struct got g = {0};
	struct ac_err err;
	(void)state;

	assert_int_equal(
	    run("{\"objects\":[{\"a\":[1}]}]}", STREAM_BUNDLE, false, &g, &err),
	    AC_ERR_PARSE);
	assert_contains(err.msg, "unbalanced brackets");
	assert_contains(err.msg, "object 0");
	assert_int_equal(run("{\"a\":{]}\n", STREAM_JSONL, false, &g, &err),
			 AC_ERR_PARSE);
	assert_contains(err.msg, "unbalanced brackets");
	assert_int_equal(g.count, 0);
}

static void jsonl_crlf_and_blank_lines(void **state)
{
	const char *in = "{\"a\":1}\r\n\r\n   \n{\"b\":[2]} \t\r\n"
			 "{\"c\":\"}\"}";
	struct got g = {0};
	struct ac_err err;
	(void)state;

	assert_int_equal(run(in, STREAM_JSONL, false, &g, &err), AC_OK);
	assert_int_equal(g.count, 3);
	assert_string_equal(g.obj[0], "{\"a\":1}");
	assert_string_equal(g.obj[1], "{\"b\":[2]}");
	assert_string_equal(g.obj[2], "{\"c\":\"}\"}");
	assert_int_equal(g.pos[1].line, 4);
	assert_int_equal(g.pos[1].index, 1);
	assert_int_equal(g.pos[1].offset, offset_of(in, "{\"b\""));
	assert_int_equal(g.pos[2].line, 5);
	got_release(&g);
	/* one object per line: a record may not span lines */
	assert_int_equal(run("{\"a\":\n1}\n", STREAM_JSONL, false, &g, &err),
			 AC_ERR_PARSE);
	assert_contains(err.msg, "end of line");
	assert_int_equal(
	    run("{\"a\":\"x\n\"}\n", STREAM_JSONL, false, &g, &err),
	    AC_ERR_PARSE);
	assert_contains(err.msg, "unterminated string at end of line");
	assert_int_equal(g.count, 0);
}

static void auto_detection(void **state)
{
	const char *bundle = "\xef\xbb\xbf  \n{\"id\":\"bundle--1\",\"type\":"
			     "\"bundle\",\"objects\":[{\"id\":\"a\"}]}\n";
	const char *jsonl = "{\"type\":\"indicator\",\"objects\":[1]}\n"
			    "{\"type\":\"bundle\"}\n";
	const char *observed =
	    "{\"objects\":{\"0\":{}},\"id\":\"o\"}\n{\"id\":2}";
	const char *pretty =
	    "{\n  \"type\": \"indicator\",\n  \"id\": \"i\"\n}\n";
	struct got g = {0};
	struct ac_err err;
	(void)state;

	assert_int_equal(run(bundle, STREAM_AUTO, false, &g, &err), AC_OK);
	assert_int_equal(g.count, 1);
	assert_string_equal(g.obj[0], "{\"id\":\"a\"}");
	assert_int_equal(g.pos[0].line, 2);
	got_release(&g);
	/* first "type" is not "bundle": JSON Lines, record 0 is emitted whole
	 */
	assert_int_equal(run(jsonl, STREAM_AUTO, false, &g, &err), AC_OK);
	assert_int_equal(g.count, 2);
	assert_string_equal(g.obj[0],
			    "{\"type\":\"indicator\",\"objects\":[1]}");
	assert_string_equal(g.obj[1], "{\"type\":\"bundle\"}");
	assert_int_equal(g.pos[1].index, 1);
	assert_int_equal(g.pos[1].line, 2);
	got_release(&g);
	/* an "objects" array alone makes a bundle; a later "type" must agree */
	assert_int_equal(
	    run("{\"objects\":[{\"id\":\"a\"}]}", STREAM_AUTO, false, &g, &err),
	    AC_OK);
	assert_int_equal(g.count, 1);
	assert_string_equal(g.obj[0], "{\"id\":\"a\"}");
	got_release(&g);
	assert_int_equal(run("{\"objects\":[{\"id\":\"a\"}],\"type\":\"x\"}",
			     STREAM_AUTO, false, &g, &err),
			 AC_ERR_PARSE);
	assert_contains(err.msg, "expected 'bundle'");
	got_release(&g);
	/* "objects" that is not an array does not make a bundle */
	assert_int_equal(run(observed, STREAM_AUTO, false, &g, &err), AC_OK);
	assert_int_equal(g.count, 2);
	assert_string_equal(g.obj[0], "{\"objects\":{\"0\":{}},\"id\":\"o\"}");
	got_release(&g);
	/* a single pretty-printed object is accepted as record 0 */
	assert_int_equal(run(pretty, STREAM_AUTO, false, &g, &err), AC_OK);
	assert_int_equal(g.count, 1);
	assert_int_equal(g.pos[0].offset, 0);
	got_release(&g);
	/* but in explicit JSON Lines it is a bad line */
	assert_int_equal(run(pretty, STREAM_JSONL, false, &g, &err),
			 AC_ERR_PARSE);
	/* "bundle" inside a nested object does not count */
	assert_int_equal(run("{\"x\":{\"type\":\"bundle\",\"objects\":[]}}",
			     STREAM_AUTO, false, &g, &err),
			 AC_OK);
	assert_int_equal(g.count, 1);
	got_release(&g);
	/* AUTO on input that does not start with '{' reads JSON Lines */
	assert_int_equal(run("[1]\n{\"id\":1}\n", STREAM_AUTO, true, &g, &err),
			 AC_OK);
	assert_int_equal(g.count, 1);
	assert_int_equal(g.bad, 1);
	got_release(&g);
}

static void empty_inputs(void **state)
{
	struct got g = {0};
	struct ac_err err;
	(void)state;

	assert_int_equal(run("{\"type\":\"bundle\",\"id\":\"bundle--1\","
			     "\"objects\":[]}",
			     STREAM_AUTO, false, &g, &err),
			 AC_OK);
	assert_int_equal(run("{\"type\":\"bundle\",\"objects\":[ ]}",
			     STREAM_BUNDLE, false, &g, &err),
			 AC_OK);
	assert_int_equal(g.count, 0);
	assert_int_equal(run("", STREAM_AUTO, false, &g, &err), AC_ERR_PARSE);
	assert_contains(err.msg, "no objects found");
	assert_int_equal(run(" \n\t\r\n", STREAM_BUNDLE, false, &g, &err),
			 AC_ERR_PARSE);
	assert_contains(err.msg, "no objects found");
	assert_int_equal(run("\n\n\r\n", STREAM_JSONL, false, &g, &err),
			 AC_ERR_PARSE);
	assert_contains(err.msg, "no objects found");
	assert_int_equal(run("\xef\xbb\xbf", STREAM_JSONL, false, &g, &err),
			 AC_ERR_PARSE);
	assert_int_equal(g.count, 0);
}

static void truncated_bundle(void **state)
{
	const char *in = "{\"type\":\"bundle\",\"objects\":[{\"id\":\"a\"},\n"
			 "{\"id\":\"b";
	char want[64];
	struct got g = {0};
	struct ac_err err;
	(void)state;

	assert_int_equal(run(in, STREAM_BUNDLE, false, &g, &err), AC_ERR_PARSE);
	assert_int_equal(g.count, 1);
	got_release(&g);
	assert_contains(err.msg, "unterminated string (input truncated?)");
	snprintf(want, sizeof(want), "line 2, byte %zu: object 1", strlen(in));
	assert_contains(err.msg, want);
	assert_int_equal(run("{\"objects\":[{\"id\":\"a\"},", STREAM_BUNDLE,
			     false, &g, &err),
			 AC_ERR_PARSE);
	assert_contains(err.msg, "unterminated 'objects' array");
	got_release(&g);
	assert_int_equal(
	    run("{\"objects\":[{\"id\":[1,", STREAM_BUNDLE, false, &g, &err),
	    AC_ERR_PARSE);
	assert_contains(err.msg, "unterminated array");
	assert_int_equal(
	    run("{\"objects\":[],\"id\":", STREAM_BUNDLE, false, &g, &err),
	    AC_ERR_PARSE);
	assert_contains(err.msg, "unterminated bundle");
	assert_int_equal(run("{\"type\":\"bun", STREAM_AUTO, false, &g, &err),
			 AC_ERR_PARSE);
	assert_contains(err.msg, "truncated");
}

static void truncated_jsonl_last_line(void **state)
{
	const char *in = "{\"id\":1}\n{\"id\":2}\n{\"id\":3,\"x\":[";
	struct got g = {0};
	struct ac_err err;
	(void)state;

	assert_int_equal(run(in, STREAM_JSONL, false, &g, &err), AC_ERR_PARSE);
	assert_int_equal(g.count, 2);
	assert_contains(err.msg, "line 3");
	assert_contains(err.msg, "unterminated array (input truncated?)");
	got_release(&g);
	assert_int_equal(run(in, STREAM_JSONL, true, &g, &err), AC_OK);
	assert_int_equal(g.count, 2);
	assert_int_equal(g.bad, 1);
	assert_int_equal(g.bad_pos[0].index, 2);
	assert_int_equal(g.bad_pos[0].line, 3);
	assert_int_equal(g.bad_pos[0].offset, offset_of(in, "{\"id\":3"));
	assert_contains(g.bad_msg[0], "truncated");
	got_release(&g);
}

static void depth_limit(void **state)
{
	const struct stix_limits lim = {4096, 4, 1024};
	const char *ok = "{\"a\":{\"b\":[{\"c\":1}]}}";
	const char *deep = "{\"a\":{\"b\":[{\"c\":[1]}]}}";
	char in[256];
	struct got g = {0};
	struct ac_err err;
	(void)state;

	snprintf(in, sizeof(in), "{\"objects\":[%s]}", ok);
	assert_int_equal(
	    run_lim(in, strlen(in), STREAM_BUNDLE, &lim, false, &g, &err),
	    AC_OK);
	assert_int_equal(g.count, 1);
	got_release(&g);
	snprintf(in, sizeof(in), "{\"objects\":[%s]}", deep);
	assert_int_equal(
	    run_lim(in, strlen(in), STREAM_BUNDLE, &lim, false, &g, &err),
	    AC_ERR_LIMIT);
	assert_contains(err.msg, "deeper than 4");
	assert_int_equal(g.count, 0);
	snprintf(in, sizeof(in), "%s\n%s\n%s\n", deep, ok, deep);
	assert_int_equal(
	    run_lim(in, strlen(in), STREAM_JSONL, &lim, true, &g, &err), AC_OK);
	assert_int_equal(g.count, 1);
	assert_int_equal(g.bad, 2);
	assert_int_equal(g.bad_rc[0], AC_ERR_LIMIT);
	assert_int_equal(g.bad_pos[1].line, 3);
	got_release(&g);
}

static char *make_string_object(size_t slen, size_t *len)
{
	char *s = malloc(slen + 16);
	size_t n = 0;

	assert_non_null(s);
	memcpy(s, "{\"s\":\"", 6);
	n = 6;
	memset(s + n, 'x', slen);
	n += slen;
	memcpy(s + n, "\"}", 3);
	*len = n + 2;
	return s;
}

static void string_limit(void **state)
{
	const struct stix_limits small = {4096, 8, 100};
	const struct stix_limits big = {1u << 20, 8, 100000};
	struct got g = {0};
	struct ac_err err;
	size_t len;
	char *obj;
	(void)state;

	obj = make_string_object(100, &len);
	assert_int_equal(
	    run_lim(obj, len, STREAM_JSONL, &small, false, &g, &err), AC_OK);
	assert_int_equal(g.count, 1);
	got_release(&g);
	free(obj);
	obj = make_string_object(101, &len);
	assert_int_equal(
	    run_lim(obj, len, STREAM_JSONL, &small, false, &g, &err),
	    AC_ERR_LIMIT);
	assert_contains(err.msg, "string longer than 100 bytes");
	assert_contains(err.msg, "byte 107"); /* the closing quote */
	free(obj);
	/* a string running over several chunks is stopped early */
	obj = make_string_object(300000, &len);
	assert_int_equal(run_lim(obj, len, STREAM_JSONL, &big, false, &g, &err),
			 AC_ERR_LIMIT);
	assert_contains(err.msg, "string longer than 100000 bytes");
	assert_contains(err.msg, "byte 131072");
	free(obj);
	/* envelope strings are capped too */
	obj = malloc(300);
	assert_non_null(obj);
	len =
	    (size_t)snprintf(obj, 300, "{\"id\":\"%0200d\",\"objects\":[]}", 0);
	assert_int_equal(
	    run_lim(obj, len, STREAM_BUNDLE, &small, false, &g, &err),
	    AC_ERR_LIMIT);
	free(obj);
	assert_int_equal(g.count, 0);
}

static void object_size_limit(void **state)
{
	const struct stix_limits lim = {64, 8, 1000};
	const struct stix_limits lim2 = {100000, 8, 1u << 20};
	char in[512];
	size_t len;
	struct got g = {0};
	struct ac_err err;
	char *obj;
	(void)state;

	/* {"s":"..."} with 56 x's is exactly 64 bytes */
	obj = make_string_object(56, &len);
	assert_int_equal(len, 64);
	snprintf(in, sizeof(in), "{\"objects\":[%s]}", obj);
	assert_int_equal(run(in, STREAM_BUNDLE, false, &g, &err), AC_OK);
	assert_int_equal(
	    run_lim(in, strlen(in), STREAM_BUNDLE, &lim, false, &g, &err),
	    AC_OK);
	assert_int_equal(g.count, 2);
	got_release(&g);
	free(obj);
	obj = make_string_object(57, &len);
	snprintf(in, sizeof(in), "{\"objects\":[%s]}", obj);
	assert_int_equal(
	    run_lim(in, strlen(in), STREAM_BUNDLE, &lim, false, &g, &err),
	    AC_ERR_LIMIT);
	assert_contains(err.msg, "larger than 64 bytes");
	assert_contains(err.msg, "byte 76"); /* 12 + 64 */
	assert_int_equal(g.count, 0);
	free(obj);
	/* across chunks, in JSON Lines: skipped as a bad line */
	obj = make_string_object(250000, &len);
	obj[len++] = '\n';
	assert_int_equal(run_lim(obj, len, STREAM_JSONL, &lim2, true, &g, &err),
			 AC_OK);
	assert_int_equal(g.bad, 1);
	assert_int_equal(g.bad_rc[0], AC_ERR_LIMIT);
	assert_contains(g.bad_msg[0], "larger than 100000 bytes");
	got_release(&g);
	free(obj);
}

static void garbage_after_bundle(void **state)
{
	struct got g = {0};
	struct ac_err err;
	(void)state;

	assert_int_equal(
	    run("{\"objects\":[{}]} \n\t ", STREAM_BUNDLE, false, &g, &err),
	    AC_OK);
	assert_int_equal(g.count, 1);
	got_release(&g);
	assert_int_equal(
	    run("{\"objects\":[{}]}\n x", STREAM_BUNDLE, false, &g, &err),
	    AC_ERR_PARSE);
	assert_contains(err.msg,
			"line 2, byte 18: unexpected 'x' after the end "
			"of the bundle");
	got_release(&g);
	assert_int_equal(
	    run("{\"objects\":[{}]}}", STREAM_AUTO, false, &g, &err),
	    AC_ERR_PARSE);
	got_release(&g);
	assert_int_equal(run("{\"objects\":[{}]}{\"objects\":[]}",
			     STREAM_BUNDLE, false, &g, &err),
			 AC_ERR_PARSE);
	got_release(&g);
}

static void non_object_element(void **state)
{
	struct got g = {0};
	struct ac_err err;
	(void)state;

	assert_int_equal(run("{\"objects\":[{\"id\":1}, 5]}", STREAM_BUNDLE,
			     false, &g, &err),
			 AC_ERR_PARSE);
	assert_int_equal(g.count, 1);
	assert_contains(err.msg, "object 1");
	assert_contains(err.msg, "not a json object (found '5')");
	got_release(&g);
	assert_int_equal(
	    run("{\"objects\":[[{}]]}", STREAM_AUTO, false, &g, &err),
	    AC_ERR_PARSE);
	assert_contains(err.msg, "object 0");
	assert_int_equal(
	    run("{\"objects\":[\"{}\"]}", STREAM_BUNDLE, false, &g, &err),
	    AC_ERR_PARSE);
	assert_int_equal(g.count, 0);
}

static void bad_jsonl_lines(void **state)
{
	const char *in = "{\"id\":1}\n"
			 "[1]\n"
			 "3\n"
			 "{\"id\":2} x\n"
			 "{\"id\":\n"
			 "{\"id\":3}\n";
	struct got g = {0};
	struct ac_err err;
	(void)state;

	assert_int_equal(run(in, STREAM_JSONL, true, &g, &err), AC_OK);
	assert_int_equal(g.count, 2);
	assert_string_equal(g.obj[1], "{\"id\":3}");
	assert_int_equal(g.pos[1].index, 5);
	assert_int_equal(g.pos[1].line, 6);
	assert_int_equal(g.bad, 4);
	assert_int_equal(g.bad_pos[0].line, 2);
	assert_int_equal(g.bad_pos[0].index, 1);
	assert_contains(g.bad_msg[0], "line 2, byte 9: object 1");
	assert_contains(g.bad_msg[0], "not a json object");
	assert_int_equal(g.bad_pos[1].line, 3);
	assert_int_equal(g.bad_pos[2].line, 4);
	assert_contains(g.bad_msg[2], "after the object");
	assert_int_equal(g.bad_pos[3].line, 5);
	assert_contains(g.bad_msg[3], "end of line");
	assert_int_equal(g.bad_rc[3], AC_ERR_PARSE);
	got_release(&g);
	/* without bad_line the first bad line is fatal */
	assert_int_equal(run(in, STREAM_JSONL, false, &g, &err), AC_ERR_PARSE);
	assert_int_equal(g.count, 1);
	assert_contains(err.msg, "line 2");
	got_release(&g);
	/* bad_line can stop the stream too */
	g.stop_after_bad = 2;
	assert_int_equal(run(in, STREAM_JSONL, true, &g, &err), AC_ERR_USAGE);
	assert_int_equal(g.count, 1);
	assert_contains(err.msg, "stopped by the bad-line callback");
	got_release(&g);
}

static void callback_stops_early(void **state)
{
	const char *in = "{\"objects\":[{\"id\":1},{\"id\":2},{\"id\":3}]}";
	struct got g = {0};
	struct ac_err err;
	(void)state;

	g.stop_after = 2;
	assert_int_equal(run(in, STREAM_BUNDLE, false, &g, &err),
			 AC_ERR_INVALID);
	assert_int_equal(g.count, 2);
	assert_contains(err.msg, "object 1");
	assert_contains(err.msg, "stopped by the callback");
	got_release(&g);
	g.stop_after = 1;
	assert_int_equal(
	    run("{\"id\":1}\n{\"id\":2}\n", STREAM_JSONL, false, &g, &err),
	    AC_ERR_INVALID);
	assert_int_equal(g.count, 1);
	got_release(&g);
}

static void invalid_utf8_passes_through(void **state)
{
	const char in[] =
	    "{\"objects\":[{\"s\":\"\xff\xfe\x80\",\"\xc3\":\"\0\x01\"}]}";
	const char obj[] = "{\"s\":\"\xff\xfe\x80\",\"\xc3\":\"\0\x01\"}";
	struct got g = {0};
	struct ac_err err;
	(void)state;

	assert_int_equal(run_lim(in, sizeof(in) - 1, STREAM_BUNDLE,
				 &(struct stix_limits)STIX_LIMITS_DEFAULT,
				 false, &g, &err),
			 AC_OK);
	assert_int_equal(g.count, 1);
	assert_memory_equal(g.obj[0], obj, sizeof(obj));
	got_release(&g);
}

static void read_error(void **state)
{
	const struct stix_limits lim = STIX_LIMITS_DEFAULT;
	char path[] = "/tmp/test_stream_XXXXXX";
	struct got g = {0};
	struct ac_err err;
	int fd = mkstemp(path);
	FILE *f;
	(void)state;

	assert_true(fd >= 0);
	close(fd);
	f = fopen(path, "w"); /* a write-only descriptor: read(2) fails */
	assert_non_null(f);
	assert_int_equal(
	    stream_read(f, STREAM_AUTO, &lim, on_object, NULL, &g, &err),
	    AC_ERR_IO);
	assert_contains(err.msg, "cannot read");
	fclose(f);
	unlink(path);
	assert_int_equal(
	    stream_read(NULL, STREAM_AUTO, &lim, on_object, NULL, &g, &err),
	    AC_ERR_USAGE);
}

/* Escapes and strings that straddle the 64 KiB read boundary. */
static void chunk_boundaries(void **state)
{
	const size_t chunk = 64 * 1024;
	const struct stix_limits lim = {1u << 20, 8, 1u << 20};
	struct got g = {0};
	struct ac_err err;
	size_t shift, pad, len;
	char *in = malloc(chunk + 256);
	(void)state;

	assert_non_null(in);
	for (shift = 0; shift < 8; shift++) {
		/* {"p":"xxx...x\"}{[\\","q":1}\n{"r":2}\n with the backslash
		 * of \" landing at chunk - 4 + shift */
		pad = chunk - 4 + shift - 6;
		memcpy(in, "{\"p\":\"", 6);
		memset(in + 6, 'x', pad);
		len = 6 + pad;
		len += (size_t)snprintf(in + len, 256,
					"\\\"}{[\\\\\",\"q\":1}\n{\"r\":2}\n");
		assert_int_equal(
		    run_lim(in, len, STREAM_JSONL, &lim, false, &g, &err),
		    AC_OK);
		assert_int_equal(g.count, 2);
		assert_string_equal(g.obj[1], "{\"r\":2}");
		assert_int_equal(g.pos[1].line, 2);
		assert_int_equal(strlen(g.obj[0]), len - 9);
		got_release(&g);
	}
	free(in);
}

/* Hostile bytes: any input ends in a clean result, never a crash. */
static void random_bytes_never_crash(void **state)
{
	const struct stix_limits lim = {256, 6, 64};
	static const char alphabet[] =
	    "{}[]\"\\,:\n\r abtypebundleobjects\xff\x00";
	struct got g = {0};
	struct ac_err err;
	unsigned int seed = 12345;
	char in[300];
	size_t i, j, len;
	ac_rc rc;
	(void)state;

	for (i = 0; i < 3000; i++) {
		len = (size_t)rand_r(&seed) % sizeof(in);
		for (j = 0; j < len; j++)
			in[j] = (i & 1) ? (char)rand_r(&seed)
					: alphabet[(size_t)rand_r(&seed) %
						   (sizeof(alphabet) - 1)];
		rc = run_lim(in, len, (enum stream_format)(i % 3), &lim,
			     (i / 3) & 1, &g, &err);
		assert_true(rc == AC_OK || rc == AC_ERR_PARSE ||
			    rc == AC_ERR_LIMIT);
		if (rc != AC_OK)
			assert_true(err.msg[0] != '\0');
		assert_true(g.max_len <= lim.max_object_bytes);
		got_release(&g);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void large_input(enum stream_format fmt, const char *name)
{
	/* a 256-byte object cap: the run fails if any object is buffered
	 * together with its neighbours */
	const struct stix_limits lim = {256, 8, 128};
	const size_t count = 200000;
	struct got g = {0};
	struct ac_err err;
	FILE *f = tmpfile();
	long size;
	size_t i;
	double t;

	assert_non_null(f);
	if (fmt == STREAM_BUNDLE)
		fputs(
		    "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":[\n",
		    f);
	for (i = 0; i < count; i++)
		fprintf(
		    f,
		    "%s{\"type\":\"indicator\",\"id\":\"indicator--%08zu\","
		    "\"name\":\"n \\\"%zu\\\" [}\",\"labels\":[\"a\",\"b\"],"
		    "\"x\":{\"y\":[1,2,{\"z\":null}]}}%s",
		    (fmt == STREAM_BUNDLE && i) ? ",\n" : "", i, i,
		    fmt == STREAM_JSONL ? "\n" : "");
	if (fmt == STREAM_BUNDLE)
		fputs("\n]}\n", f);
	size = ftell(f);
	rewind(f);
	t = now_s();
	assert_int_equal(stream_read(f, fmt, &lim, on_object, NULL, &g, &err),
			 AC_OK);
	t = now_s() - t;
	fclose(f);
	assert_int_equal(g.count, count);
	assert_int_equal(g.pos[KEEP - 1].index, KEEP - 1);
	assert_true(g.max_len <= lim.max_object_bytes);
	print_message("%s: %zu objects, %ld bytes in %.3f s (%.0f MB/s)\n",
		      name, count, size, t,
		      t > 0 ? (double)size / t / 1e6 : 0.0);
	got_release(&g);
}

static void large_bundle(void **state)
{
	(void)state;
	large_input(STREAM_BUNDLE, "bundle");
}

static void large_jsonl(void **state)
{
	(void)state;
	large_input(STREAM_JSONL, "jsonl");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(bundle_three_objects),
	    cmocka_unit_test(bundle_objects_first_or_last),
	    cmocka_unit_test(bundle_envelope_rules),
	    cmocka_unit_test(nested_brackets_in_strings),
	    cmocka_unit_test(unbalanced_brackets),
	    cmocka_unit_test(jsonl_crlf_and_blank_lines),
	    cmocka_unit_test(auto_detection),
	    cmocka_unit_test(empty_inputs),
	    cmocka_unit_test(truncated_bundle),
	    cmocka_unit_test(truncated_jsonl_last_line),
	    cmocka_unit_test(depth_limit),
	    cmocka_unit_test(string_limit),
	    cmocka_unit_test(object_size_limit),
	    cmocka_unit_test(garbage_after_bundle),
	    cmocka_unit_test(non_object_element),
	    cmocka_unit_test(bad_jsonl_lines),
	    cmocka_unit_test(callback_stops_early),
	    cmocka_unit_test(invalid_utf8_passes_through),
	    cmocka_unit_test(read_error),
	    cmocka_unit_test(chunk_boundaries),
	    cmocka_unit_test(random_bytes_never_crash),
	    cmocka_unit_test(large_bundle),
	    cmocka_unit_test(large_jsonl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
