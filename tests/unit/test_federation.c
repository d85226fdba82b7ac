#include "base/common.h"
#include "crypto/keys.h"
#include "federation/card.h"
#include "federation/provenance.h"
#include "federation/sync.h"
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
	"{\"accord_card\":1,\"identity\":{\"id\":\"" ALPHA "\","            \
	"\"name\":\"Alpha\"},\"sign_pk\":"                                   \
	"\"CpmsouNPQVxpzwkkkqOJhZVAe7gqaHHHOwBXwmD5C2Q=\",\"taxii_url\":"       \
	"\"https://127.0.0.1:8443/taxii2/api1/\",\"tls_pin_sha256\":"           \
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
	assert_int_equal(parse_with("tls_pin_sha256", "short"),
			 AC_ERR_INVALID);
	assert_int_equal(parse_with("accord_card", "1"), AC_ERR_INVALID);
	assert_int_equal(fed_card_parse("{\"a\":1,\"a\":2}", 13, &c, NULL),
			 AC_ERR_PARSE);
	assert_int_equal(fed_card_parse("[", 1, &c, NULL), AC_ERR_PARSE);
}

static void scan(const char *s, bool *more, bool *objects)
{
	fed_envelope_scan(s, strlen(s), more, objects);
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
				      .watermark = "2026-01-01T00:00:00.000001Z",
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sign_then_verify),
	    cmocka_unit_test(changed_byte_is_bad),
	    cmocka_unit_test(malformed_extension_is_bad),
	    cmocka_unit_test(onward_shared_verifies),
	    cmocka_unit_test(card_parse_checks_fields),
	    cmocka_unit_test(store_sync_records),
	    cmocka_unit_test(envelope_scan_top_level_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
