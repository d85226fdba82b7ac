#include "base/common.h"
#include "crypto/keys.h"
#include "federation/provenance.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sign_then_verify),
		cmocka_unit_test(changed_byte_is_bad),
		cmocka_unit_test(malformed_extension_is_bad),
		cmocka_unit_test(onward_shared_verifies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
