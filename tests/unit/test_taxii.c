/* TAXII helpers that need no server: media-type negotiation and JSON
 * string escaping. The endpoints are tested end to end in
 * tests/cli/test_taxii*.sh. */
#include "base/common.h"
#include "taxii/taxii_int.h"

#include <setjmp.h>
#include <cmocka.h>

static void accept_header(void **state)
{
	(void)state;
	assert_true(taxii_accept_ok(NULL));
	assert_true(taxii_accept_ok(""));
	assert_true(taxii_accept_ok("application/taxii+json;version=2.1"));
	assert_true(taxii_accept_ok("application/taxii+json; version=2.1"));
	assert_true(taxii_accept_ok("application/taxii+json"));
	assert_true(taxii_accept_ok("*/*"));
	assert_true(taxii_accept_ok("application/*"));
	assert_true(taxii_accept_ok("text/html, application/taxii+json;q=0.5"));
	assert_true(taxii_accept_ok("APPLICATION/TAXII+JSON;version=2.1"));
	assert_false(taxii_accept_ok("application/xml"));
	assert_false(taxii_accept_ok("application/json"));
	assert_false(taxii_accept_ok("application/taxii+json;version=2.0"));
	assert_false(taxii_accept_ok("application/taxii+json;version=2.10"));
	assert_false(taxii_accept_ok("application/taxii+json;q=0"));
	assert_false(taxii_accept_ok("text/*"));
	assert_false(taxii_accept_ok(","));
}

static void content_type_header(void **state)
{
	(void)state;
	assert_true(
	    taxii_content_type_ok("application/taxii+json;version=2.1"));
	assert_true(taxii_content_type_ok("application/taxii+json"));
	assert_false(taxii_content_type_ok(NULL));
	assert_false(taxii_content_type_ok("*/*"));
	assert_false(taxii_content_type_ok("application/json"));
	assert_false(
	    taxii_content_type_ok("application/stix+json;version=2.1"));
	assert_false(
	    taxii_content_type_ok("application/taxii+json;version=2.0"));
	assert_false(
	    taxii_content_type_ok("application/taxii+json, application/json"));
}

static void person_data_rule(void **state)
{
	const char *tech[] = {"indicator", "malware", "ipv4-addr"};
	const char *mixed[] = {"indicator", "identity"};
	const char *custom[] = {"x-accord-vehicle"};
	const char *people[] = {"threat-actor"};
	(void)state;

	assert_false(taxii_types_need_purpose(tech, 3));
	assert_true(taxii_types_need_purpose(tech, 0)); /* no filter: all */
	assert_true(taxii_types_need_purpose(mixed, 2));
	assert_true(taxii_types_need_purpose(custom, 1));
	assert_true(taxii_types_need_purpose(people, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(accept_header),
	    cmocka_unit_test(content_type_header),
	    	    cmocka_unit_test(person_data_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
