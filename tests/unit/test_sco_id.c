#include "base/common.h"
#include "base/uuid.h"
#include "stix/sco_id.h"

#include <setjmp.h>
#include <cmocka.h>

/* Id of the SCO in the JSON text src, which must parse and succeed. */
static void id_of(const char *src, char out[STIX_ID_MAX])
{
	json_error_t jerr;
	json_t *o = json_loads(src, 0, &jerr);

	assert_non_null(o);
	assert_int_equal(stix_sco_id(o, out), AC_OK);
	json_decref(o);
}

static void assert_id(const char *src, const char *want)
{
	char id[STIX_ID_MAX];

	id_of(src, id);
	assert_string_equal(id, want);
}

/* Version of the UUID after the "--" of id. */
static int id_version(const char *id)
{
	const char *sep = strstr(id, "--");
	uint8_t u[16];

	assert_non_null(sep);
	assert_true(ac_uuid_parse(sep + 2, strlen(sep + 2), u));
	assert_true(ac_uuid_is_rfc4122(u));
	return ac_uuid_version(u);
}

/* Objects printed with their deterministic ids in the STIX 2.1 spec
 * (section 2.9 and the section 6 examples). */
static void matches_spec_examples(void **state)
{
	(void)state;
	assert_id("{\"type\":\"ipv4-addr\",\"value\":\"198.51.100.3\"}",
		  "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4");
	assert_id("{\"type\":\"ipv4-addr\",\"spec_version\":\"2.1\","
		  "\"value\":\"203.0.113.1\"}",
		  "ipv4-addr--ad74bc22-43d2-52ed-890e-7d382f58e1eb");
	assert_id("{\"type\":\"ipv4-addr\",\"value\":\"203.0.113.5\"}",
		  "ipv4-addr--826fe3cb-56b0-5620-9d30-4c17ed7b24e3");
	assert_id("{\"type\":\"domain-name\",\"spec_version\":\"2.1\","
		  "\"value\":\"example.com\"}",
		  "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7");
}

/* Expected ids computed independently: python3 uuid.uuid5 over
 * json.dumps(sort_keys=True, separators=(',',':'), ensure_ascii=False) of
 * the contributing properties (all-ASCII keys, so its sort equals JCS's). */
static void matches_independent_computation(void **state)
{
	(void)state;
	assert_id("{\"type\":\"autonomous-system\",\"number\":15139,"
		  "\"name\":\"Slime Industries\"}",
		  "autonomous-system--3aa27478-50b5-5ab8-9da9-cdc12b657fff");
	assert_id("{\"type\":\"network-traffic\",\"protocols\":[\"tcp\"],"
		  "\"src_ref\":\"ipv4-addr--28bb3599-77cd-5a82-a950-"
		  "b5bc3caf07c4\",\"dst_ref\":\"ipv4-addr--ad74bc22-43d2-52ed-"
		  "890e-7d382f58e1eb\",\"src_port\":3372,\"dst_port\":80,"
		  "\"src_byte_count\":147600,\"extensions\":{\"tcp-ext\":"
		  "{\"src_flags_hex\":\"00000002\"}}}",
		  "network-traffic--6bf1d479-fa6c-5491-861f-d52a7e41cfb3");
	assert_id("{\"type\":\"email-message\",\"is_multipart\":false,"
		  "\"from_ref\":\"email-addr--7165e2a9-671f-585d-b1e1-"
		  "ca59c671d934\",\"subject\":\"Gr\\u00fc\\u00dfe, \\u20ac5 "
		  "\\\"quoted\\\"\",\"body\":\"line1\\nline2\\ttab\","
		  "\"date\":\"1997-11-21T15:55:06Z\"}",
		  "email-message--37c05f1f-b5f5-5a0f-9d74-ee81dbc3804d");
	assert_id("{\"type\":\"accord-vehicle\",\"plate_country\":\"DE\","
		  "\"plate\":\"B-AB 1234\",\"vin\":\"WVWZZZ1JZXW000001\","
		  "\"color\":\"red\"}",
		  "accord-vehicle--5e9a42f7-977f-5e42-af3e-e157442b1fe4");
}

/* Only one hash contributes: MD5, then SHA-1, SHA-256, SHA-512; without
 * any of those, the smallest algorithm name. */
static void hashes_contribute_one_hash(void **state)
{
	(void)state;
	assert_id("{\"type\":\"file\",\"name\":\"qwerty.dll\",\"hashes\":{"
		  "\"SHA-256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
		  "934ca495991b7852b855\",\"MD5\":\"d41d8cd98f00b204e980099"
		  "8ecf8427e\"},\"size\":25536}",
		  "file--9280333e-d3dc-511e-b996-da072f450627");
	assert_id("{\"type\":\"file\",\"name\":\"qwerty.dll\",\"hashes\":{"
		  "\"SHA-256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
		  "934ca495991b7852b855\"},\"parent_directory_ref\":\"directory"
		  "--93c0a9b0-520d-545d-9094-1a08ddf46b05\"}",
		  "file--dd254f34-111d-593e-9239-7e7a5121b272");
	assert_id("{\"type\":\"file\",\"hashes\":{\"x_zz\":\"1\",\"SSDEEP\":"
		  "\"3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C\"}}",
		  "file--6d7d0480-651b-5eac-9068-52f0bc293f24");
	assert_id("{\"type\":\"x509-certificate\",\"issuer\":\"C=ZA\","
		  "\"serial_number\":\"36:f7:d4:32:f4:ab:70:ea:d3:ce:98:6e:ea:"
		  "99:93:49:32:0a:b7:06\",\"hashes\":{\"SHA-256\":\"abcd\"}}",
		  "x509-certificate--35b4aa77-31ed-50d9-8546-84e84a1da1c2");
}

static void order_and_other_properties_do_not_matter(void **state)
{
	char a[STIX_ID_MAX], b[STIX_ID_MAX];
	(void)state;

	id_of("{\"type\":\"user-account\",\"user_id\":\"1001\","
	      "\"account_login\":\"jdoe\",\"account_type\":\"unix\"}",
	      a);
	id_of("{\"account_type\":\"unix\",\"display_name\":\"J Doe\","
	      "\"account_login\":\"jdoe\",\"id\":\"user-account--0cab1b4e-"
	      "47c2-4c77-9c56-7b3e8f52e9a2\",\"spec_version\":\"2.1\","
	      "\"is_disabled\":true,\"user_id\":\"1001\","
	      "\"type\":\"user-account\"}",
	      b);
	assert_string_equal(a, b);
	assert_int_equal(id_version(a), 5);
	/* A contributing property does change it. */
	id_of("{\"type\":\"user-account\",\"user_id\":\"1002\","
	      "\"account_login\":\"jdoe\",\"account_type\":\"unix\"}",
	      b);
	assert_string_not_equal(a, b);
	/* The type is not part of the name: the same value in another SCO
	 * type gets the same UUID, as the spec's algorithm implies. */
	id_of("{\"type\":\"accord-phone-number\",\"value\":\"example.com\"}",
	      a);
	assert_string_equal(a, "accord-phone-number--bedb4899-d24b-5401-bc86-"
			       "8f6b4cc18ec7");
}

static void accord_types_are_deterministic(void **state)
{
	char a[STIX_ID_MAX], b[STIX_ID_MAX];
	(void)state;

	id_of("{\"type\":\"accord-document\",\"document_type\":\"passport\","
	      "\"number\":\"X1234567\",\"issuing_country\":\"FR\"}",
	      a);
	id_of("{\"type\":\"accord-document\",\"issuing_country\":\"FR\","
	      "\"number\":\"X1234567\",\"document_type\":\"passport\","
	      "\"expiry\":\"2030-01-01\"}",
	      b);
	assert_string_equal(a, b);
	assert_int_equal(id_version(a), 5);
	id_of("{\"type\":\"accord-account\",\"account_type\":\"iban\","
	      "\"number\":\"DE89370400440532013000\"}",
	      a);
	assert_int_equal(id_version(a), 5);
	assert_true(strncmp(a, "accord-account--", 16) == 0);
}

/* No contributing property present, none defined, or an unknown type. */
static void falls_back_to_uuid_v4(void **state)
{
	char a[STIX_ID_MAX], b[STIX_ID_MAX];
	(void)state;

	id_of("{\"type\":\"process\",\"pid\":1221}", a);
	assert_int_equal(id_version(a), 4);
	assert_true(strncmp(a, "process--", 9) == 0);
	id_of("{\"type\":\"process\",\"pid\":1221}", b);
	assert_string_not_equal(a, b);
	id_of("{\"type\":\"software\",\"languages\":[\"en\"]}", a);
	assert_int_equal(id_version(a), 4);
	id_of("{\"type\":\"x-custom-thing\",\"value\":\"1\"}", a);
	assert_int_equal(id_version(a), 4);
	id_of("{\"type\":\"file\",\"hashes\":{},\"size\":3}", a);
	assert_int_equal(id_version(a), 4);
}

static void rejects_objects_without_type(void **state)
{
	char id[STIX_ID_MAX], type[STIX_ID_MAX];
	json_t *o;
	(void)state;

	o = json_loads("{\"value\":\"198.51.100.3\"}", 0, NULL);
	assert_int_equal(stix_sco_id(o, id), AC_ERR_INVALID);
	json_decref(o);
	o = json_loads("{\"type\":7,\"value\":\"198.51.100.3\"}", 0, NULL);
	assert_int_equal(stix_sco_id(o, id), AC_ERR_INVALID);
	json_decref(o);
	o = json_loads("[\"ipv4-addr\"]", 0, NULL);
	assert_int_equal(stix_sco_id(o, id), AC_ERR_INVALID);
	json_decref(o);
	assert_int_equal(stix_sco_id(NULL, id), AC_ERR_INVALID);

	memset(type, 'x', sizeof(type) - 1);
	type[sizeof(type) - 1] = '\0';
	o = json_pack("{s:s, s:s}", "type", type, "value", "1");
	assert_int_equal(stix_sco_id(o, id), AC_ERR_INVALID);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(matches_spec_examples),
	    cmocka_unit_test(matches_independent_computation),
	    cmocka_unit_test(hashes_contribute_one_hash),
	    cmocka_unit_test(order_and_other_properties_do_not_matter),
	    cmocka_unit_test(accord_types_are_deterministic),
	    cmocka_unit_test(falls_back_to_uuid_v4),
	    cmocka_unit_test(rejects_objects_without_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
