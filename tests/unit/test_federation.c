#include "base/common.h"
#include "crypto/keys.h"
#include "federation/card.h"
#include "federation/provenance.h"
#include "federation/sync.h"
#include "policy/partners.h"
#include "stix/jcs.h"
#include "store/store.h"

#include <stdlib.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#define ALPHA "identity--a1b2c3d4-0000-4000-8000-000000000001"

static json_t *sample(void)
{
	json_error_t je;
	json_t *o = json_loads(
	    "{\"type\":\"identity\",\"spec_version\":\"2.1\","
	    "\"id\":\"identity--11111111-2222-4333-8444-555555555555\","
	    "\"created\":\"2025-01-01T00:00:00.000Z\","
	    "\"modified\":\"2025-01-01T00:00:00.000Z\","
	    "\"name\":\"Jane Roe\",\"identity_class\":\"individual\","
	    "\"extensions\":{\"extension-definition--00000000-0000-4000-8000-"
	    "000000000000\":{\"extension_type\":\"property-extension\","
	    "\"x\":1}}}",
	    JSON_REJECT_DUPLICATES, &je);
	assert_non_null(o);
	return o;
}

static void keys(struct ac_keys *k)
{
	assert_int_equal(ac_crypto_init(NULL), AC_OK);
	assert_int_equal(ac_keys_generate(k, NULL), AC_OK);
}

static void sign_then_verify(void **state)
{
	struct ac_keys k, other;
	json_t *o = sample();

	(void)state;
	keys(&k);
	keys(&other);
	assert_int_equal(fed_verify(o, k.sign_pk), FED_SIG_UNSIGNED);
	assert_int_equal(fed_sign(o, &k, ALPHA, NULL), AC_OK);
	assert_string_equal(fed_signer(o), ALPHA);
	assert_int_equal(fed_verify(o, k.sign_pk), FED_SIG_OK);
	assert_int_equal(fed_verify(o, other.sign_pk), FED_SIG_BAD);
	/* the other extension is still there and covered */
	assert_int_equal(json_object_size(json_object_get(o, "extensions")), 2);
	/* signing again replaces, not stacks */
	assert_int_equal(fed_sign(o, &k, ALPHA, NULL), AC_OK);
	assert_int_equal(fed_verify(o, k.sign_pk), FED_SIG_OK);
	json_decref(o);
}

static void changed_byte_is_bad(void **state)
{
	struct ac_keys k;
	json_t *o = sample(), *ext;

	(void)state;
	keys(&k);
	assert_int_equal(fed_sign(o, &k, ALPHA, NULL), AC_OK);
	json_object_set_new(o, "name", json_string("Jane Rod"));
	assert_int_equal(fed_verify(o, k.sign_pk), FED_SIG_BAD);
	json_object_set_new(o, "name", json_string("Jane Roe"));
	assert_int_equal(fed_verify(o, k.sign_pk), FED_SIG_OK);
	/* the other extension is covered too */
	ext = json_object_get(json_object_get(o, "extensions"),
			      "extension-definition--00000000-0000-4000-8000-"
			      "000000000000");
	json_object_set_new(ext, "x", json_integer(2));
	assert_int_equal(fed_verify(o, k.sign_pk), FED_SIG_BAD);
	json_decref(o);
}

static void malformed_extension_is_bad(void **state)
{
	struct ac_keys k;
	json_t *o = sample(), *ext;

	(void)state;
	keys(&k);
	assert_int_equal(fed_sign(o, &k, ALPHA, NULL), AC_OK);
	ext = json_object_get(json_object_get(o, "extensions"),
			      FED_PROVENANCE_EXT);
	json_object_set_new(ext, "alg", json_string("rsa"));
	assert_int_equal(fed_verify(o, k.sign_pk), FED_SIG_BAD);
	json_object_set_new(ext, "alg", json_string("ed25519"));
	json_object_set_new(ext, "sig", json_string("not base64!"));
	assert_int_equal(fed_verify(o, k.sign_pk), FED_SIG_BAD);
	json_object_set_new(ext, "sig", json_integer(5));
	assert_int_equal(fed_verify(o, k.sign_pk), FED_SIG_BAD);
	json_object_set_new(o, "extensions", json_string("x"));
	assert_int_equal(fed_sign(o, &k, ALPHA, NULL), AC_ERR_INVALID);
	assert_int_equal(fed_sign(o, &k, "", NULL), AC_ERR_INVALID);
	json_decref(o);
}

/* n sample objects with different names, signed together. */
static void tree_signed(json_t **objs, size_t n, const struct ac_keys *k,
			const char *who)
{
	unsigned char leaves[FED_TREE_MAX][FED_LEAF_LEN];
	struct ac_buf canon = AC_BUF_INIT(1u << 20);

	for (size_t i = 0; i < n; i++) {
		char name[32];
		objs[i] = sample();
		snprintf(name, sizeof(name), "%s %zu", who, i);
		json_object_set_new(objs[i], "name", json_string(name));
		ac_buf_reset(&canon);
		assert_int_equal(stix_jcs(objs[i], &canon), AC_OK);
		fed_tree_leaf(canon.data, canon.len, leaves[i]);
	}
	ac_buf_release(&canon);
	assert_int_equal(
	    fed_sign_tree(objs, (const void *)leaves, n, k, ALPHA, NULL),
	    AC_OK);
}

static json_t *prov_of(json_t *o)
{
	return json_object_get(json_object_get(o, "extensions"),
			       FED_PROVENANCE_EXT);
}

static void free_all(json_t **objs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(objs[i]);
}

/* Every object of a tree verifies on its own; one signature for all. */
static void tree_sign_then_verify(void **state)
{
	static const size_t sizes[] = {1, 2, 3, 5, 17, FED_TREE_MAX};
	struct ac_keys k, other;
	json_t *objs[FED_TREE_MAX];

	(void)state;
	keys(&k);
	keys(&other);
	for (size_t s = 0; s < AC_ARRAY_LEN(sizes); s++) {
		size_t n = sizes[s];
		tree_signed(objs, n, &k, "Person");
		for (size_t i = 0; i < n; i++) {
			json_t *path =
			    json_object_get(prov_of(objs[i]), "path");
			assert_string_equal(json_string_value(json_object_get(
						prov_of(objs[i]), "alg")),
					    FED_ALG_TREE);
			assert_true(n == 1 ? path == NULL
					   : json_array_size(path) >= 1 &&
						 json_array_size(path) <= 6);
			assert_true(json_equal(
			    json_object_get(prov_of(objs[i]), "sig"),
			    json_object_get(prov_of(objs[0]), "sig")));
			assert_int_equal(fed_verify(objs[i], k.sign_pk),
					 FED_SIG_OK);
			assert_int_equal(fed_verify(objs[i], other.sign_pk),
					 FED_SIG_BAD);
		}
		free_all(objs, n);
	}
}

/* A changed object, a changed, swapped, shortened or lengthened path and a
 * signature from another tree all fail, also after the root was checked
 * (the per-thread cache). */
static void tree_tampering_is_bad(void **state)
{
	struct ac_keys k, other;
	json_t *a[5], *b[5], *path, *e;
	char flipped[64];

	(void)state;
	keys(&k);
	tree_signed(a, 5, &k, "Person");
	tree_signed(b, 5, &k, "Other");
	assert_int_equal(fed_verify(a[0], k.sign_pk), FED_SIG_OK);
	/* the same signature and root under another key */
	keys(&other);
	assert_int_equal(fed_verify(a[0], other.sign_pk), FED_SIG_BAD);
	/* a changed object */
	json_object_set_new(a[1], "name", json_string("Person 9"));
	assert_int_equal(fed_verify(a[1], k.sign_pk), FED_SIG_BAD);
	json_object_set_new(a[1], "name", json_string("Person 1"));
	assert_int_equal(fed_verify(a[1], k.sign_pk), FED_SIG_OK);
	/* another object's path */
	json_object_set(prov_of(a[1]), "path",
			json_object_get(prov_of(a[2]), "path"));
	assert_int_equal(fed_verify(a[1], k.sign_pk), FED_SIG_BAD);
	/* a flipped side */
	path = json_object_get(prov_of(a[2]), "path");
	e = json_array_get(path, 0);
	snprintf(flipped, sizeof(flipped), "%s", json_string_value(e));
	flipped[0] = flipped[0] == 'l' ? 'r' : 'l';
	json_array_set_new(path, 0, json_string(flipped));
	assert_int_equal(fed_verify(a[2], k.sign_pk), FED_SIG_BAD);
	/* a dropped and an added entry */
	path = json_object_get(prov_of(a[3]), "path");
	json_array_remove(path, json_array_size(path) - 1);
	assert_int_equal(fed_verify(a[3], k.sign_pk), FED_SIG_BAD);
	path = json_object_get(prov_of(a[4]), "path");
	json_array_append(path, json_array_get(path, 0));
	assert_int_equal(fed_verify(a[4], k.sign_pk), FED_SIG_BAD);
	/* the signature of another tree over this path */
	json_object_set(prov_of(b[0]), "sig",
			json_object_get(prov_of(a[0]), "sig"));
	assert_int_equal(fed_verify(b[0], k.sign_pk), FED_SIG_BAD);
	/* malformed paths */
	json_object_set_new(prov_of(b[1]), "path", json_string("r"));
	assert_int_equal(fed_verify(b[1], k.sign_pk), FED_SIG_BAD);
	json_object_set_new(prov_of(b[2]), "path", json_array());
	assert_int_equal(fed_verify(b[2], k.sign_pk), FED_SIG_BAD);
	json_array_set_new(json_object_get(prov_of(b[3]), "path"), 0,
			   json_string("xAAAA"));
	assert_int_equal(fed_verify(b[3], k.sign_pk), FED_SIG_BAD);
	/* a tree path under the one-object algorithm */
	json_object_set_new(prov_of(b[4]), "alg", json_string(FED_ALG_ONE));
	assert_int_equal(fed_verify(b[4], k.sign_pk), FED_SIG_BAD);
	free_all(a, 5);
	free_all(b, 5);
}

/* Bad arguments change nothing. */
static void tree_sign_refuses(void **state)
{
	unsigned char leaves[2][FED_LEAF_LEN] = {{0}};
	struct ac_keys k;
	json_t *objs[2] = {sample(), sample()};
	json_t *before = json_deep_copy(objs[0]);

	(void)state;
	keys(&k);
	assert_int_equal(
	    fed_sign_tree(objs, (const void *)leaves, 0, &k, ALPHA, NULL),
	    AC_ERR_INVALID);
	assert_int_equal(fed_sign_tree(objs, (const void *)leaves,
				       FED_TREE_MAX + 1, &k, ALPHA, NULL),
			 AC_ERR_INVALID);
	assert_int_equal(
	    fed_sign_tree(objs, (const void *)leaves, 2, &k, "", NULL),
	    AC_ERR_INVALID);
	json_object_set_new(objs[1], "extensions", json_integer(1));
	assert_int_equal(
	    fed_sign_tree(objs, (const void *)leaves, 2, &k, ALPHA, NULL),
	    AC_ERR_INVALID);
	assert_true(json_equal(objs[0], before));
	free_all(objs, 2);
	json_decref(before);
}

/* fed_verify_canonical (leaf cut from the canonical text) agrees with
 * fed_verify on objects of every shape, signed and then changed. */
static void verify_canonical_agrees(void **state)
{
	static const char *const shapes[] = {
	    /* extensions first, provenance its only entry */
	    ("{\"type\":\"ipv4-addr\",\"spec_version\":\"2.1\","
	     "\"id\":\"ipv4-addr--11111111-2222-4333-8444-555555555555\","
	     "\"value\":\"10.0.0.1\"}"),
	    /* provenance sorts before another extension */
	    ("{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--1\",\"value\":\"x\","
	     "\"extensions\":{\"extension-definition--ffffffff-0000-4000-8000-"
	     "000000000000\":{\"a\":[1,{\"b\":\"}\\\",\"}]}}}"),
	    /* after another one, and "extensions" in the middle */
	    ("{\"a\":\"\\\"extensions\\\"\",\"extensions\":{\"extension-"
	     "definition"
	     "--00000000-0000-4000-8000-000000000000\":{\"x\":\"{\"}},\"z\":[]"
	     "}"),
	};
	struct ac_keys k;
	struct ac_buf canon = AC_BUF_INIT(1u << 20);
	unsigned char leaves[3][FED_LEAF_LEN];
	json_t *objs[3];

	(void)state;
	keys(&k);
	for (size_t i = 0; i < 3; i++) {
		objs[i] = json_loads(shapes[i], JSON_REJECT_DUPLICATES, NULL);
		assert_non_null(objs[i]);
		ac_buf_reset(&canon);
		assert_int_equal(stix_jcs(objs[i], &canon), AC_OK);
		fed_tree_leaf(canon.data, canon.len, leaves[i]);
	}
	assert_int_equal(
	    fed_sign_tree(objs, (const void *)leaves, 3, &k, ALPHA, NULL),
	    AC_OK);
	for (size_t i = 0; i < 3; i++) {
		for (int change = 0; change < 4; change++) {
			json_t *o = json_deep_copy(objs[i]);
			if (change == 1)
				json_object_set_new(o, "value",
						    json_string("changed"));
			if (change == 2)
				json_object_set_new(prov_of(o), "x",
						    json_true());
			if (change == 3)
				json_object_set_new(o, "zz", json_integer(1));
			ac_buf_reset(&canon);
			assert_int_equal(stix_jcs(o, &canon), AC_OK);
			assert_int_equal(
			    fed_verify_canonical(o, &canon, k.sign_pk),
			    fed_verify(o, k.sign_pk));
			assert_int_equal(
			    fed_verify_canonical(o, &canon, k.sign_pk),
			    change == 0 || change == 2 ? FED_SIG_OK
						       : FED_SIG_BAD);
			/* the leaf comes from canon, not from o: the text
			 * of a changed copy fails for the intact object */
			if (change == 1)
				assert_int_equal(
				    fed_verify_canonical(objs[i], &canon,
							 k.sign_pk),
				    FED_SIG_BAD);
			json_decref(o);
		}
	}
	ac_buf_release(&canon);
	free_all(objs, 3);
}

/* fed_canonical_with_entry gives exactly the canonical form of the object
 * with the extension attached, for every place the entry can go; it
 * declines text whose key order it cannot tell. */
static void canonical_entry_matches_attach(void **state)
{
	static const char *const shapes[] = {
	    "{\"created\":\"x\",\"id\":\"a--1\",\"type\":\"a\"}",
	    "{\"id\":\"a--1\",\"value\":\"v\"}",
	    "{\"created\":\"x\"}",
	    "{\"extensions\":{\"extension-definition--00000000-0000-4000-8000-"
	    "000000000000\":{\"x\":[\"}\",{\"y\":\"\\\"\"}]}},\"id\":\"a--1\"}",
	    "{\"a\":1,\"extensions\":{\"extension-definition--ffffffff-0000-"
	    "4000-8000-000000000000\":{}},\"z\":[]}",
	    "{\"a\":1,\"extensions\":{\"a-ext\":1,\"zz-ext\":2}}",
	    "{\"a\":1,\"extensions\":{}}",
	    "{\"caf\\u00e9\":1,\"\\u00e9t\\u00e9\":{\"extensions\":1}}",
	};
	static const char *const declined[] = {
	    "{\"a\\\"b\":1,\"id\":\"a--1\"}",
	    "{\"extensions\":{\"x\\\\y\":1}}",
	    "{\"extensions\":{\"" FED_PROVENANCE_EXT "\":{}}}",
	    "{\"extensions\":1}",
	    "{\"id\":1",
	};
	struct ac_buf canon = AC_BUF_INIT(1u << 20),
		      want = AC_BUF_INIT(1u << 20),
		      entry = AC_BUF_INIT(1u << 20),
		      got = AC_BUF_INIT(1u << 20);
	unsigned char leaves[3][FED_LEAF_LEN] = {{1}, {2}, {3}};
	static struct fed_tree t;
	struct ac_keys k;

	(void)state;
	keys(&k);
	assert_int_equal(fed_tree_sign((const void *)leaves, 3, &k, &t, NULL),
			 AC_OK);
	for (size_t i = 0; i < AC_ARRAY_LEN(shapes); i++) {
		json_t *o = json_loads(shapes[i], 0, NULL);
		assert_non_null(o);
		ac_buf_reset(&canon);
		ac_buf_reset(&want);
		ac_buf_reset(&entry);
		assert_int_equal(stix_jcs(o, &canon), AC_OK);
		assert_int_equal(fed_tree_entry(&t, i % 3, ALPHA, &entry),
				 AC_OK);
		assert_int_equal(fed_tree_attach(o, &t, i % 3, ALPHA, NULL),
				 AC_OK);
		assert_int_equal(stix_jcs(o, &want), AC_OK);
		assert_true(fed_canonical_with_entry(
		    canon.data, canon.len, entry.data, entry.len, &got));
		if (got.len != want.len || memcmp(got.data, want.data, got.len))
			fail_msg("shape %zu:\n got  %s\n want %s", i, got.data,
				 want.data);
		json_decref(o);
	}
	for (size_t i = 0; i < AC_ARRAY_LEN(declined); i++)
		assert_false(
		    fed_canonical_with_entry(declined[i], strlen(declined[i]),
					     entry.data, entry.len, &got));
	/* an identity that would need escaping is refused */
	assert_int_equal(fed_tree_entry(&t, 0, "identity--\"", &entry),
			 AC_ERR_INVALID);
	assert_int_equal(fed_tree_entry(&t, 3, ALPHA, &entry), AC_ERR_INVALID);
	ac_buf_release(&canon);
	ac_buf_release(&want);
	ac_buf_release(&entry);
	ac_buf_release(&got);
}

/* An object bravo received from alpha and passes on to charlie: the
 * serialised text changes (key order, spacing), the signature still
 * verifies with alpha's key, and bravo cannot re-sign it as alpha. */
static void onward_shared_verifies(void **state)
{
	struct ac_keys alpha, bravo;
	json_t *o = sample(), *copy;
	char *text;

	(void)state;
	keys(&alpha);
	keys(&bravo);
	assert_int_equal(fed_sign(o, &alpha, ALPHA, NULL), AC_OK);
	text = json_dumps(o, JSON_INDENT(3) | JSON_PRESERVE_ORDER);
	assert_non_null(text);
	copy = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	free(text);
	assert_non_null(copy);
	assert_int_equal(fed_verify(copy, alpha.sign_pk), FED_SIG_OK);
	assert_int_equal(fed_verify(copy, bravo.sign_pk), FED_SIG_BAD);
	/* bravo re-signing under alpha's name does not verify as alpha */
	assert_int_equal(fed_sign(copy, &bravo, ALPHA, NULL), AC_OK);
	assert_int_equal(fed_verify(copy, alpha.sign_pk), FED_SIG_BAD);
	json_decref(copy);
	json_decref(o);
}

#define CARD_OK                                                                \
	"{\"accord_card\":1,\"identity\":{\"id\":\"" ALPHA "\","               \
	"\"name\":\"Alpha\"},\"sign_pk\":"                                     \
	"\"CpmsouNPQVxpzwkkkqOJhZVAe7gqaHHHOwBXwmD5C2Q=\",\"taxii_url\":"      \
	"\"https://127.0.0.1:8443/taxii2/api1/\",\"tls_pin_sha256\":"          \
	"\"mB7qtjvSv7Y9VQmGO61lgQa4p/6rJUypoDUkXf/TdYg=\"}"

static ac_rc parse_with(const char *key, const char *value)
{
	struct fed_card c;
	json_t *o = json_loads(CARD_OK, 0, NULL);
	char *text;
	ac_rc rc;

	assert_non_null(o);
	json_object_set_new(o, key, json_string(value));
	text = json_dumps(o, 0);
	rc = fed_card_parse(text, strlen(text), &c, NULL);
	free(text);
	json_decref(o);
	return rc;
}

static void card_parse_checks_fields(void **state)
{
	struct fed_card c;
	struct ac_err err = {0};

	(void)state;
	assert_int_equal(fed_card_parse(CARD_OK, strlen(CARD_OK), &c, &err),
			 AC_OK);
	assert_string_equal(c.identity_id, ALPHA);
	assert_string_equal(c.url, "https://127.0.0.1:8443/taxii2/api1/");
	assert_int_equal(c.sign_pk[0], 0x0a);
	assert_int_equal(parse_with("sign_pk", "AAAA"), AC_ERR_INVALID);
	assert_int_equal(parse_with("taxii_url", "http://x/taxii2/api1/"),
			 AC_ERR_INVALID);
	assert_int_equal(parse_with("taxii_url", "https://x/taxii2/api1"),
			 AC_ERR_INVALID);
	assert_int_equal(parse_with("tls_pin_sha256", "short"), AC_ERR_INVALID);
	assert_int_equal(parse_with("accord_card", "1"), AC_ERR_INVALID);
	assert_int_equal(fed_card_parse("{\"a\":1,\"a\":2}", 13, &c, NULL),
			 AC_ERR_PARSE);
	assert_int_equal(fed_card_parse("[", 1, &c, NULL), AC_ERR_PARSE);
}

static void scan(const char *s, bool *more, bool *objects)
{
	struct fed_envelope e;

	fed_envelope_parse(s, strlen(s), &e);
	*more = e.more;
	*objects = e.objects;
}

static void envelope_scan_top_level_only(void **state)
{
	bool more, objects;

	(void)state;
	scan("{\"more\": true, \"objects\": [{\"id\": \"x\"}]}", &more,
	     &objects);
	assert_true(more && objects);
	scan("{\"objects\":[ ],\"more\":false}", &more, &objects);
	assert_false(more || objects);
	/* a "more" inside an object, in a string or as a value is not it */
	scan("{\"objects\": [{\"more\": true, \"x\": \"\\\"more\\\": true\"}]}",
	     &more, &objects);
	assert_false(more);
	assert_true(objects);
	scan("{\"next\": \"more\", \"objects\": []}", &more, &objects);
	assert_false(more || objects);
	scan("{\"more\": \"true\"}", &more, &objects);
	assert_false(more || objects);
	/* truncated and hostile text ends the scan without reading past n */
	scan("{\"more\": tr", &more, &objects);
	assert_false(more);
	scan("{\"objects\": [", &more, &objects);
	assert_false(objects);
	scan("\"\\", &more, &objects);
	assert_false(more || objects);
	scan("", &more, &objects);
	assert_false(more || objects);
}

/* Where the elements of the top-level "objects" array lie. */
static void envelope_objects_range(void **state)
{
	const char *s = "{\"more\":true,\"x\":[1,{\"objects\":[9]}],"
			"\"objects\": [ {\"id\":\"a]\"}, [\"]\"] ] ,\"y\":[2]}";
	struct fed_envelope e;

	(void)state;
	fed_envelope_parse(s, strlen(s), &e);
	assert_true(e.more && e.objects && !e.duplicate);
	assert_int_equal(e.end - e.start, strlen(" {\"id\":\"a]\"}, [\"]\"] "));
	assert_memory_equal(s + e.start, " {\"id\"", 6);
	assert_int_equal(s[e.end], ']');
	/* not closed, two of them, empty */
	s = "{\"objects\": [{\"id\": 1}";
	fed_envelope_parse(s, strlen(s), &e);
	assert_true(e.array_at && !e.end && !e.objects);
	s = "{\"objects\": [1], \"objects\": [2]}";
	fed_envelope_parse(s, strlen(s), &e);
	assert_true(e.duplicate);
	s = "{\"objects\": [ \n ]}";
	fed_envelope_parse(s, strlen(s), &e);
	assert_true(e.end && !e.objects);
	/* well-formed as far as strings and brackets go, or malformed */
	assert_false(e.malformed);
	{
		static const char *const bad[] = {
		    "{\"objects\": [{\"a\": 1}}, {\"b\": 2}]}",
		    "{\"objects\": [{\"a\": [1}]]}",
		    "{\"objects\": []} {",
		    "[{\"objects\": []}]",
		    "{\"objects\": [\"x]}",
		    "",
		};
		for (size_t i = 0; i < AC_ARRAY_LEN(bad); i++) {
			fed_envelope_parse(bad[i], strlen(bad[i]), &e);
			if (!e.malformed || e.objects)
				fail_msg("'%s' passed as well-formed", bad[i]);
		}
	}
	/* an escaped backslash before a closing quote, an escaped quote */
	s = "{\"x\":\"a\\\\\",\"more\":true,\"y\":\"b\\\",\\\"more\\\":"
	    "false\"}";
	fed_envelope_parse(s, strlen(s), &e);
	assert_true(e.more);
}

/* s's elements as fed_envelope_split lists them, joined by '|'. */
static void split_joined(const char *s, char *out, size_t cap,
			 struct fed_envelope *e)
{
	struct fed_elems el = {0};
	size_t at = 0;

	fed_envelope_split(s, strlen(s), e, &el);
	assert_false(el.nomem);
	out[0] = '\0';
	for (size_t i = 0; i < el.n; i++)
		at += (size_t)snprintf(
		    out + at, cap - at, "%s%.*s", i ? "|" : "",
		    (int)(el.at[i][1] - el.at[i][0]), s + el.at[i][0]);
	fed_elems_release(&el);
}

/* The objects array's elements, as the pull hands them to the ingest. */
static void envelope_split_elements(void **state)
{
	struct fed_envelope e, plain;
	char got[512];
	const char *s;

	(void)state;
	/* strings with brackets and commas, nesting, whitespace around;
	 * arrays elsewhere in the envelope are not the objects */
	s = "{\"x\":[1,2],\"objects\": [ {\"id\":\"a],\\\"b\"} ,\n"
	    "{\"k\":[{\"y\":[1,2]}]},\t[\",\"] , 7 ],\"more\":true,"
	    "\"z\":[3,4]}";
	split_joined(s, got, sizeof(got), &e);
	assert_string_equal(got, "{\"id\":\"a],\\\"b\"}|{\"k\":[{\"y\":[1,"
				 "2]}]}|[\",\"]|7");
	fed_envelope_parse(s, strlen(s), &plain);
	assert_memory_equal(&e, &plain, sizeof(e));
	assert_true(e.more && e.objects);
	/* none, one */
	split_joined("{\"objects\": [ ]}", got, sizeof(got), &e);
	assert_string_equal(got, "");
	split_joined("{\"objects\":[{}]}", got, sizeof(got), &e);
	assert_string_equal(got, "{}");
	/* missing elements stay visible as empty ones, never merged */
	split_joined("{\"objects\":[{},,{\"a\":1},]}", got, sizeof(got), &e);
	assert_string_equal(got, "{}||{\"a\":1}|");
	split_joined("{\"objects\":[ , {}]}", got, sizeof(got), &e);
	assert_string_equal(got, "|{}");
	/* a second "objects" is not split; a cut page lists what it has */
	split_joined("{\"objects\":[{}],\"objects\":[{\"b\":2}]}", got,
		     sizeof(got), &e);
	assert_string_equal(got, "{}");
	assert_true(e.duplicate);
	split_joined("{\"objects\":[{},{\"a\"", got, sizeof(got), &e);
	assert_true(e.malformed);
}

static void store_sync_records(void **state)
{
	char path[] = "/tmp/accord-fed-XXXXXX";
	char db[64];
	struct store *s = NULL;
	struct store_partner p = {.name = "alpha", .identity_id = ALPHA};
	struct store_partner_link l = {.name = "alpha",
				       .url = "https://h/taxii2/api1/",
				       .pin = "pin",
				       .sign_pk = {7}};
	struct store_sync_state st = {.partner = "alpha",
				      .collection = "c1",
				      .watermark =
					  "2026-01-01T00:00:00.000001Z",
				      .received = 5};
	struct store_sync_state got;
	struct store_partner_link lg;

	(void)state;
	assert_non_null(mkdtemp(path));
	snprintf(db, sizeof(db), "%s/s.db", path);
	assert_int_equal(store_open(db, true, &s, NULL), AC_OK);
	assert_int_equal(store_partner_link_put(s, &l, NULL), AC_ERR_NOTFOUND);
	assert_int_equal(store_sync_put(s, &st, NULL), AC_ERR_NOTFOUND);
	assert_int_equal(store_partner_add(s, &p, NULL), AC_OK);
	assert_int_equal(store_partner_link_get(s, "alpha", &lg, NULL),
			 AC_ERR_NOTFOUND);
	assert_int_equal(store_partner_link_put(s, &l, NULL), AC_OK);
	assert_int_equal(store_partner_link_get(s, "alpha", &lg, NULL), AC_OK);
	assert_string_equal(lg.url, l.url);
	assert_int_equal(lg.sign_pk[0], 7);
	assert_int_equal(store_sync_get(s, "alpha", "c1", &got, NULL),
			 AC_ERR_NOTFOUND);
	assert_string_equal(got.collection, "c1");
	assert_string_equal(got.watermark, "");
	assert_int_equal(store_sync_put(s, &st, NULL), AC_OK);
	st.received = 9;
	assert_int_equal(store_sync_put(s, &st, NULL), AC_OK);
	assert_int_equal(store_sync_get(s, "alpha", "c1", &got, NULL), AC_OK);
	assert_int_equal(got.received, 9);
	assert_string_equal(got.watermark, st.watermark);
	store_close(s);
	unlink(db);
	rmdir(path);
}

/* A partner and its link are registered together or not at all. */
static void partner_added_with_link_or_not_at_all(void **state)
{
	char path[] = "/tmp/accord-fed-XXXXXX";
	char db[64];
	struct store *s = NULL;
	struct store_partner p;
	struct store_partner_link l = {.name = "other",
				       .url = "https://h/taxii2/api1/",
				       .pin = "pin",
				       .sign_pk = {7}};
	struct store_partner_link lg;
	struct ac_err err = {0};

	(void)state;
	assert_non_null(mkdtemp(path));
	snprintf(db, sizeof(db), "%s/s.db", path);
	assert_int_equal(store_open(db, true, &s, NULL), AC_OK);
	/* the link fails (it names no partner): the partner goes too */
	assert_int_equal(
	    policy_partner_add_linked(s, "alpha", ALPHA, NULL, &l, &err),
	    AC_ERR_NOTFOUND);
	assert_int_equal(store_partner_get(s, "alpha", &p, NULL),
			 AC_ERR_NOTFOUND);
	snprintf(l.name, sizeof(l.name), "alpha");
	assert_int_equal(
	    policy_partner_add_linked(s, "alpha", ALPHA, NULL, &l, &err),
	    AC_OK);
	assert_int_equal(store_partner_get(s, "alpha", &p, NULL), AC_OK);
	assert_int_equal(store_partner_link_get(s, "alpha", &lg, NULL), AC_OK);
	assert_string_equal(lg.url, l.url);
	store_close(s);
	unlink(db);
	rmdir(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sign_then_verify),
	    cmocka_unit_test(changed_byte_is_bad),
	    cmocka_unit_test(malformed_extension_is_bad),
	    cmocka_unit_test(tree_sign_then_verify),
	    cmocka_unit_test(tree_tampering_is_bad),
	    cmocka_unit_test(tree_sign_refuses),
	    cmocka_unit_test(verify_canonical_agrees),
	    cmocka_unit_test(canonical_entry_matches_attach),
	    cmocka_unit_test(onward_shared_verifies),
	    cmocka_unit_test(card_parse_checks_fields),
	    cmocka_unit_test(store_sync_records),
	    cmocka_unit_test(partner_added_with_link_or_not_at_all),
	    cmocka_unit_test(envelope_scan_top_level_only),
	    cmocka_unit_test(envelope_objects_range),
	    cmocka_unit_test(envelope_split_elements),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
