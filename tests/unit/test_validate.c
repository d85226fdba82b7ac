/* STIX 2.1 validator and strict JSON parser: for each rule a passing case and
 * a failing case whose message names the path and the rule. */
#include "base/common.h"
#include "stix/json.h"
#include "stix/validate.h"

#include <setjmp.h>
#include <cmocka.h>

#define ID_IDENTITY "identity--311b2d2d-f010-4473-83ec-1edf84858f4c"
#define ID_MARKING "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
#define TS1 "\"created\":\"2016-04-06T20:03:48.000Z\","
#define TS2 "\"modified\":\"2016-04-06T20:03:48.000Z\","
#define SDO_COMMON "\"spec_version\":\"2.1\"," TS1 TS2

static const char *const indicator =
	"{\"type\":\"indicator\",\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
	SDO_COMMON "\"pattern\":\"[ipv4-addr:value = '198.51.100.1']\","
	"\"pattern_type\":\"stix\",\"valid_from\":\"2016-01-01T00:00:00Z\"}";

/* Parses base, applies patch (merged in; JSON null deletes a key). */
static json_t *make(const char *base, const char *patch)
{
	struct ac_err err;
	json_t *o, *p = NULL;
	const char *k;
	json_t *v;

	if (stix_json_parse(base, strlen(base), NULL, &o, &err) != AC_OK)
		fail_msg("base: %s", err.msg);
	if (patch == NULL)
		return o;
	if (stix_json_parse(patch, strlen(patch), NULL, &p, &err) != AC_OK)
		fail_msg("patch: %s", err.msg);
	json_object_foreach(p, k, v) {
		if (json_is_null(v))
			json_object_del(o, k);
		else
			json_object_set(o, k, v);
	}
	json_decref(p);
	return o;
}

static bool report_has(const struct stix_issue *list, size_t n,
		       const char *needle)
{
	for (size_t i = 0; i < n && i < STIX_REPORT_MAX; i++)
		if (strstr(list[i].text, needle) != NULL)
			return true;
	return false;
}

static void dump(const struct stix_report *r)
{
	for (size_t i = 0; i < r->nerrors && i < STIX_REPORT_MAX; i++)
		print_message("  error: %s\n", r->errors[i].text);
	for (size_t i = 0; i < r->nwarnings && i < STIX_REPORT_MAX; i++)
		print_message("  warning: %s\n", r->warnings[i].text);
}

static void expect_ok(const char *base, const char *patch)
{
	struct stix_report r;
	json_t *o = make(base, patch);
	stix_report_init(&r);
	if (stix_validate(o, &r) != AC_OK) {
		dump(&r);
		fail_msg("expected valid: %s", patch ? patch : base);
	}
	json_decref(o);
}

static void expect_error(const char *base, const char *patch,
			 const char *needle)
{
	struct stix_report r;
	json_t *o = make(base, patch);
	stix_report_init(&r);
	assert_int_equal(stix_validate(o, &r), AC_ERR_INVALID);
	if (!report_has(r.errors, r.nerrors, needle)) {
		dump(&r);
		fail_msg("no error mentioning '%s' for %s", needle, patch);
	}
	json_decref(o);
}

static void expect_warning(const char *base, const char *patch,
			   const char *needle)
{
	struct stix_report r;
	json_t *o = make(base, patch);
	stix_report_init(&r);
	if (stix_validate(o, &r) != AC_OK ||
	    !report_has(r.warnings, r.nwarnings, needle)) {
		dump(&r);
		fail_msg("expected a warning mentioning '%s' for %s", needle,
			 patch);
	}
	json_decref(o);
}

/* ---- JSON parsing ---- */

static void json_parse_strict(void **state)
{
	struct stix_limits lim = STIX_LIMITS_DEFAULT;
	struct ac_err err;
	json_t *o;
	(void)state;

	assert_int_equal(stix_json_parse("{\"a\":1}", 7, &lim, &o, &err), AC_OK);
	json_decref(o);
	assert_int_equal(stix_json_parse("{\"a\":1,\"a\":2}", 13, &lim, &o, &err),
			 AC_ERR_PARSE);
	assert_null(o);
	assert_non_null(strstr(err.msg, "line 1"));
	assert_non_null(strstr(err.msg, "duplicate"));
	assert_int_equal(stix_json_parse("{\"a\":\"\xff\"}", 9, &lim, &o, &err),
			 AC_ERR_PARSE);
	assert_int_equal(stix_json_parse("{\"a\":\"\\u0000\"}", 14, &lim, &o, &err),
			 AC_ERR_PARSE);
	assert_int_equal(stix_json_parse("{\"a\":1} x", 9, &lim, &o, &err),
			 AC_ERR_PARSE);
	assert_int_equal(stix_json_parse("{\"a\":", 5, &lim, &o, &err),
			 AC_ERR_PARSE);
	assert_non_null(strstr(err.msg, "byte"));
}

static void json_limits(void **state)
{
	struct stix_limits lim = { 64, 3, 8 };
	struct ac_err err;
	json_t *o;
	(void)state;

	assert_int_equal(stix_json_parse("[[[1]]]", 7, &lim, &o, &err), AC_OK);
	json_decref(o);
	assert_int_equal(stix_json_parse("[[[[1]]]]", 9, &lim, &o, &err),
			 AC_ERR_LIMIT);
	assert_non_null(strstr(err.msg, "nesting"));
	/* brackets inside strings do not count */
	assert_int_equal(stix_json_parse("[\"[[[[\"]", 8, &lim, &o, &err), AC_OK);
	json_decref(o);
	assert_int_equal(stix_json_parse("[\"12345678\"]", 12, &lim, &o, &err),
			 AC_OK);
	json_decref(o);
	assert_int_equal(stix_json_parse("[\"123456789\"]", 13, &lim, &o, &err),
			 AC_ERR_LIMIT);
	assert_non_null(strstr(err.msg, "string"));
	assert_int_equal(stix_json_parse("{\"123456789\":1}", 15, &lim, &o, &err),
			 AC_ERR_LIMIT);
	/* an escaped quote does not end the string */
	assert_int_equal(stix_json_parse("[\"1234567\\\"\"]", 13, &lim, &o, &err),
			 AC_ERR_LIMIT);
	lim.max_object_bytes = 10;
	assert_int_equal(stix_json_parse("[1,2,3,4,5,6]", 13, &lim, &o, &err),
			 AC_ERR_LIMIT);
	assert_null(o);
}

static void json_deep_default(void **state)
{
	char buf[200];
	struct ac_err err;
	json_t *o;
	(void)state;
	memset(buf, '[', 100);
	memset(buf + 100, ']', 100);
	assert_int_equal(stix_json_parse(buf, sizeof(buf), NULL, &o, &err),
			 AC_ERR_LIMIT);
	assert_null(stix_get_str(NULL, "x"));
}

/* ---- report ---- */

static void report_format_and_cap(void **state)
{
	struct stix_report r;
	(void)state;
	stix_report_init(&r);
	stix_report_error(&r, NULL, "", "bad %d", 1);
	stix_report_error(&r, "x--1", "/a/b", "worse");
	assert_string_equal(r.errors[0].text, "<no id>: /: bad 1");
	assert_string_equal(r.errors[1].text, "x--1: /a/b: worse");
	for (int i = 0; i < 20; i++)
		stix_report_warn(&r, NULL, "", "w%d", i);
	assert_int_equal(r.nwarnings, 20);
	assert_string_equal(r.warnings[STIX_REPORT_MAX - 1].text,
			    "<no id>: /: w7");
}

/* ---- common properties ---- */

static void common_type_and_id(void **state)
{
	(void)state;
	expect_ok(indicator, NULL);
	expect_error(indicator, "{\"type\":\"Indicator\"}", "/type");
	expect_error(indicator, "{\"type\":\"ab\"}", "/type");
	expect_error(indicator, "{\"type\":\"x--y\"}", "/type");
	expect_error(indicator, "{\"type\":\"1abc\"}", "/type");
	expect_error(indicator, "{\"type\":null}", "/type: required");
	expect_error(indicator, "{\"type\":\"bundle\"}", "bundles are not");
	expect_error(indicator, "{\"id\":null}", "/id: required");
	expect_error(indicator,
		     "{\"id\":\"malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"}",
		     "/id: prefix must equal type");
	expect_error(indicator, "{\"id\":\"indicator--8e2e2d2b\"}",
		     "/id: 'indicator--8e2e2d2b' is not an identifier");
	/* variant bits 0xxx: not RFC 4122 */
	expect_error(indicator,
		     "{\"id\":\"indicator--8e2e2d2b-17d4-4cbf-738f-98ee46b3cd3f\"}",
		     "RFC 4122");
	/* v5 SDO id: a warning, not an error */
	expect_warning(indicator,
		       "{\"id\":\"indicator--c7e4a3ce-8cd8-5d6d-9a0b-6a8cb0a1d3d4\"}",
		       "/id: should use a UUIDv4");
}

static void common_spec_version_and_times(void **state)
{
	(void)state;
	expect_error(indicator, "{\"spec_version\":null}",
		     "/spec_version: required");
	expect_error(indicator, "{\"spec_version\":\"2.0\"}",
		     "/spec_version: must be \"2.1\"");
	expect_error(indicator, "{\"created\":null}", "/created: required");
	expect_error(indicator, "{\"modified\":null}", "/modified: required");
	expect_error(indicator, "{\"created\":\"2016-04-06 20:03:48Z\"}",
		     "/created: must be an RFC 3339");
	expect_error(indicator, "{\"modified\":\"2015-04-06T20:03:48.000Z\"}",
		     "/modified: must be later than or equal to created");
	expect_warning(indicator, "{\"created\":\"2016-04-06T20:03:48Z\"}",
		       "/created: should be precise to the millisecond");
	expect_error(indicator, "{\"valid_from\":\"2016-02-30T00:00:00Z\"}",
		     "/valid_from: must be an RFC 3339");
}

static void common_optional_props(void **state)
{
	(void)state;
	expect_ok(indicator, "{\"created_by_ref\":\"" ID_IDENTITY "\","
		  "\"revoked\":false,\"labels\":[\"a\"],\"confidence\":100,"
		  "\"lang\":\"en\",\"object_marking_refs\":[\"" ID_MARKING "\"]}");
	expect_error(indicator,
		     "{\"created_by_ref\":\"malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"}",
		     "/created_by_ref: must refer to identity, not 'malware'");
	expect_error(indicator, "{\"revoked\":\"no\"}", "/revoked: must be a boolean");
	expect_error(indicator, "{\"labels\":[1]}", "/labels/0: must be a string");
	expect_error(indicator, "{\"labels\":[]}", "/labels: must not be an empty list");
	expect_error(indicator, "{\"confidence\":101}", "/confidence: must be between 0 and 100");
	expect_error(indicator, "{\"confidence\":1.5}", "/confidence: must be an integer");
	expect_error(indicator, "{\"lang\":5}", "/lang: must be a string");
	expect_error(indicator, "{\"object_marking_refs\":[\"" ID_IDENTITY "\"]}",
		     "/object_marking_refs/0: must refer to marking-definition");
}

static void common_external_references(void **state)
{
	(void)state;
	expect_ok(indicator, "{\"external_references\":[{\"source_name\":\"x\","
		  "\"url\":\"https://example.com\",\"hashes\":{\"SHA-256\":"
		  "\"6db12788c37247f2316052e142f42f4b259d6561751e5f401a1ae2a6df9c674b\"}}]}");
	expect_error(indicator, "{\"external_references\":[{\"url\":\"u\"}]}",
		     "/external_references/0/source_name: required");
	expect_error(indicator, "{\"external_references\":[{\"source_name\":\"x\"}]}",
		     "/external_references/0: needs description, url or external_id");
	expect_error(indicator, "{\"external_references\":[{\"source_name\":\"x\","
		     "\"url\":\"u\",\"hashes\":{}}]}",
		     "/external_references/0/hashes: hashes must not be empty");
	expect_warning(indicator, "{\"external_references\":[{\"source_name\":\"cve\","
		       "\"external_id\":\"2016-1234\"}]}",
		       "/external_references/0/external_id: should be a cve");
	expect_warning(indicator, "{\"external_references\":[{\"source_name\":\"x\","
		       "\"url\":\"u\",\"hashes\":{\"MD5\":\"abc\"}}]}",
		       "/hashes/MD5: should be 32 hex digits");
}

static void common_granular_markings(void **state)
{
	(void)state;
	expect_ok(indicator, "{\"granular_markings\":[{\"selectors\":[\"pattern\"],"
		  "\"marking_ref\":\"" ID_MARKING "\"},{\"selectors\":[\"name\"],"
		  "\"lang\":\"en\"}]}");
	expect_error(indicator, "{\"granular_markings\":[{\"selectors\":[\"pattern\"]}]}",
		     "/granular_markings/0: needs exactly one of marking_ref or lang");
	expect_error(indicator, "{\"granular_markings\":[{\"selectors\":[\"a\"],"
		     "\"lang\":\"en\",\"marking_ref\":\"" ID_MARKING "\"}]}",
		     "needs exactly one");
	expect_error(indicator, "{\"granular_markings\":[{\"selectors\":[],"
		     "\"lang\":\"en\"}]}", "/granular_markings/0/selectors: must not be an empty list");
	expect_error(indicator, "{\"granular_markings\":[{\"lang\":\"en\"}]}",
		     "/granular_markings/0/selectors: required");
	expect_error(indicator, "{\"granular_markings\":[{\"selectors\":[\"a\"],"
		     "\"marking_ref\":\"" ID_IDENTITY "\"}]}",
		     "/granular_markings/0/marking_ref: must refer to marking-definition");
}

static void common_extensions(void **state)
{
	static const char *const file =
		"{\"type\":\"file\",\"spec_version\":\"2.1\","
		"\"id\":\"file--fb0419a8-f09c-57f8-be64-71a80417591c\",\"name\":\"a.exe\"}";
	(void)state;
	expect_ok(indicator, "{\"extensions\":{\"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e\":"
		  "{\"extension_type\":\"property-extension\",\"rank\":5}}}");
	expect_ok(file, "{\"extensions\":{\"ntfs-ext\":{\"sid\":\"S-1-5\"}}}");
	expect_error(indicator, "{\"extensions\":{}}", "/extensions: must not be empty");
	expect_error(indicator, "{\"extensions\":{\"foo\":{}}}",
		     "/extensions/foo: extension key must be");
	expect_error(indicator, "{\"extensions\":{\"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e\":"
		     "{\"extension_type\":\"new-thing\"}}}",
		     "/extension_type: not a value of the closed enumeration");
	expect_error(indicator, "{\"extensions\":{\"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e\":"
		     "{\"extension_type\":\"new-sdo\"}}}",
		     "new-sdo cannot apply to the core type 'indicator'");
	expect_error(indicator, "{\"extensions\":{\"extension-definition--zz\":{}}}",
		     "extension key has an invalid uuid part");
	expect_error(indicator, "{\"extensions\":{\"ntfs-ext\":{\"sid\":\"x\"}}}",
		     "/extensions/ntfs-ext: extension 'ntfs-ext' is only defined for 'file'");
	expect_error(file, "{\"extensions\":{\"ntfs-ext\":{}}}",
		     "/extensions/ntfs-ext: must contain at least one property");
	expect_error(file, "{\"extensions\":{\"windows-pebinary-ext\":{\"imphash\":\"x\"}}}",
		     "/extensions/windows-pebinary-ext/pe_type: required");
	expect_error(file, "{\"extensions\":{\"archive-ext\":{\"contains_refs\":"
		     "[\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\"]}}}",
		     "/extensions/archive-ext/contains_refs/0: must refer to file or directory");
	expect_warning(file, "{\"extensions\":{\"x-acme-ext\":{\"a\":1}}}",
		       "unknown custom extension");
}

static void custom_properties_and_types(void **state)
{
	static const char *const custom =
		"{\"type\":\"x-acme-widget\",\"spec_version\":\"2.1\","
		"\"id\":\"x-acme-widget--0c8a6a33-3dc6-4a71-90e1-0a8c5e8b9b7f\","
		TS1 "\"modified\":\"2016-04-06T20:03:48.000Z\",\"anything\":[1]}";
	(void)state;
	expect_ok(indicator, "{\"x_acme_Score\":3}");
	expect_warning(indicator, "{\"acme_score\":3}", "should start with 'x_'");
	expect_error(indicator, "{\"x-acme\":3}", "/x-acme: property name must be 3-250");
	expect_error(indicator, "{\"xa\":3}", "/xa: property name");
	expect_error(indicator, "{\"x_a\\u00e9\":3}", "property name");
	expect_error(indicator, "{\"x_thing_ref\":\"nope\"}",
		     "/x_thing_ref: 'nope' is not an identifier");
	expect_ok(custom, NULL);
	expect_error(custom, "{\"spec_version\":null}", "/spec_version: required");
	expect_error(custom, "{\"type\":\"x_acme\"}", "/type");
	expect_error(custom, "{\"created\":\"yesterday\"}", "/created: must be an RFC 3339");
	/* a custom SCO: no created/modified, spec_version optional */
	expect_ok("{\"type\":\"x-acme-thing\",\"id\":\"x-acme-thing--0c8a6a33-3dc6-5a71-90e1-0a8c5e8b9b7f\","
		  "\"value\":\"v\"}", NULL);
}

/* ---- SDOs ---- */

#define SDO(t, u, extra) \
	"{\"type\":\"" t "\",\"id\":\"" t "--" u "\"," SDO_COMMON extra "}"
#define U1 "0c8a6a33-3dc6-4a71-90e1-0a8c5e8b9b7f"
#define U2 "6f7b1a3e-2a5c-4a9d-8e1f-3b2c4d5e6f70"

static void sdo_required_names(void **state)
{
	static const char *const named[] = {
		"attack-pattern", "campaign", "course-of-action", "identity",
		"incident", "infrastructure", "intrusion-set", "threat-actor",
		"tool", "vulnerability",
	};
	char buf[512];
	(void)state;
	for (size_t i = 0; i < AC_ARRAY_LEN(named); i++) {
		snprintf(buf, sizeof(buf), "{\"type\":\"%s\",\"id\":\"%s--" U1 "\","
			 SDO_COMMON "\"name\":\"n\"}", named[i], named[i]);
		expect_ok(buf, NULL);
		expect_error(buf, "{\"name\":null}", "/name: required property missing");
		expect_error(buf, "{\"name\":7}", "/name: must be a string");
	}
}

static void sdo_indicator(void **state)
{
	(void)state;
	expect_ok(indicator, "{\"valid_until\":\"2016-01-01T00:00:00.001Z\"}");
	expect_error(indicator, "{\"valid_until\":\"2016-01-01T00:00:00Z\"}",
		     "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f: /valid_until: "
		     "must be later than valid_from");
	expect_error(indicator, "{\"pattern\":null}", "/pattern: required");
	expect_error(indicator, "{\"pattern_type\":null}", "/pattern_type: required");
	expect_error(indicator, "{\"valid_from\":null}", "/valid_from: required");
	/* pattern_type is an open vocabulary */
	expect_ok(indicator, "{\"pattern_type\":\"my-lang\"}");
	expect_ok(indicator, "{\"kill_chain_phases\":[{\"kill_chain_name\":\"k\",\"phase_name\":\"p\"}]}");
	expect_error(indicator, "{\"kill_chain_phases\":[{\"kill_chain_name\":\"k\"}]}",
		     "/kill_chain_phases/0/phase_name: required");
}

static void sdo_campaign_seen_order(void **state)
{
	const char *c = SDO("campaign", U1, "\"name\":\"c\","
			    "\"first_seen\":\"2016-01-01T00:00:00Z\"");
	(void)state;
	expect_ok(c, "{\"last_seen\":\"2016-01-01T00:00:00Z\"}");
	expect_error(c, "{\"last_seen\":\"2015-01-01T00:00:00Z\"}",
		     "/last_seen: must be later than or equal to first_seen");
}

static void sdo_location(void **state)
{
	const char *l = SDO("location", U1, "\"region\":\"europe\"");
	(void)state;
	expect_ok(l, NULL);
	expect_ok(l, "{\"region\":null,\"latitude\":48.8,\"longitude\":2.3,\"precision\":100.0}");
	expect_error(l, "{\"region\":null}", "location needs region, country");
	expect_error(l, "{\"latitude\":91,\"longitude\":0}", "/latitude: must be between -90 and 90");
	expect_error(l, "{\"latitude\":1,\"longitude\":181}", "/longitude: must be between -180 and 180");
	expect_error(l, "{\"latitude\":1}", "/longitude: latitude and longitude must be present together");
	expect_error(l, "{\"precision\":5}", "/precision: requires latitude and longitude");
	expect_error(l, "{\"latitude\":1,\"longitude\":1,\"precision\":-1}", "/precision: must be between 0");
}

static void sdo_malware_and_analysis(void **state)
{
	const char *m = SDO("malware", U1, "\"is_family\":false");
	const char *ma = SDO("malware-analysis", U1, "\"product\":\"av\",\"result\":\"malicious\"");
	(void)state;
	expect_ok(m, NULL);
	expect_ok(m, "{\"is_family\":true,\"name\":\"x\",\"sample_refs\":"
		  "[\"file--fb0419a8-f09c-57f8-be64-71a80417591c\"]}");
	expect_error(m, "{\"is_family\":null}", "/is_family: required");
	expect_error(m, "{\"is_family\":true}", "/name: required property missing (is_family is true)");
	expect_error(m, "{\"sample_refs\":[\"" ID_IDENTITY "\"]}",
		     "/sample_refs/0: must refer to file or artifact, not 'identity'");
	expect_error(m, "{\"operating_system_refs\":[\"" ID_IDENTITY "\"]}",
		     "/operating_system_refs/0: must refer to software");
	expect_ok(ma, NULL);
	expect_ok(ma, "{\"result\":null,\"analysis_sco_refs\":[\"file--fb0419a8-f09c-57f8-be64-71a80417591c\"]}");
	expect_error(ma, "{\"result\":null}", "malware-analysis needs result or analysis_sco_refs");
	expect_error(ma, "{\"product\":null}", "/product: required");
	expect_error(ma, "{\"analysis_sco_refs\":[\"" ID_IDENTITY "\"]}",
		     "/analysis_sco_refs/0: must refer to an SCO");
}

static void sdo_object_ref_containers(void **state)
{
	const char *r = SDO("report", U1, "\"name\":\"r\",\"published\":\"2016-01-01T00:00:00Z\","
			    "\"object_refs\":[\"" ID_IDENTITY "\"]");
	const char *n = SDO("note", U1, "\"content\":\"c\",\"object_refs\":[\"" ID_IDENTITY "\"]");
	const char *g = SDO("grouping", U1, "\"context\":\"suspicious-activity\","
			    "\"object_refs\":[\"" ID_IDENTITY "\"]");
	const char *o = SDO("opinion", U1, "\"opinion\":\"agree\",\"object_refs\":[\"" ID_IDENTITY "\"]");
	(void)state;
	expect_ok(r, NULL);
	expect_ok(n, NULL);
	expect_ok(g, NULL);
	expect_ok(o, NULL);
	expect_error(r, "{\"object_refs\":[]}", "/object_refs: must not be an empty list");
	expect_error(r, "{\"published\":null}", "/published: required");
	expect_error(n, "{\"object_refs\":null}", "/object_refs: required");
	expect_error(n, "{\"content\":null}", "/content: required");
	expect_error(g, "{\"context\":null}", "/context: required");
	expect_error(g, "{\"object_refs\":[\"bad\"]}", "/object_refs/0: 'bad' is not an identifier");
	expect_error(o, "{\"opinion\":\"maybe\"}", "/opinion: 'maybe' is not a value of the closed enumeration");
}

static void sdo_observed_data(void **state)
{
	const char *od = SDO("observed-data", U1, "\"first_observed\":\"2016-01-01T00:00:00Z\","
			     "\"last_observed\":\"2016-01-01T00:00:00Z\",\"number_observed\":1,"
			     "\"object_refs\":[\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\"]");
	(void)state;
	expect_ok(od, NULL);
	expect_error(od, "{\"number_observed\":0}", "/number_observed: must be between 1 and 999999999");
	expect_error(od, "{\"number_observed\":1000000000}", "/number_observed: must be between");
	expect_error(od, "{\"last_observed\":\"2015-01-01T00:00:00Z\"}",
		     "/last_observed: must be later than or equal to first_observed");
	expect_error(od, "{\"object_refs\":null}", "/object_refs: required property missing");
	expect_error(od, "{\"objects\":{\"0\":{\"type\":\"file\"}}}", "/objects: must not be present together");
	expect_warning(od, "{\"object_refs\":null,\"objects\":{\"0\":{\"type\":\"file\"}}}", "/objects: deprecated");
	expect_error(od, "{\"object_refs\":[\"" ID_IDENTITY "\"]}", "/object_refs/0: must refer to an SCO or SRO");
}

/* ---- SROs ---- */

static void sro_relationship(void **state)
{
	const char *r = SDO("relationship", U1, "\"relationship_type\":\"uses\","
			    "\"source_ref\":\"" ID_IDENTITY "\","
			    "\"target_ref\":\"file--fb0419a8-f09c-57f8-be64-71a80417591c\"");
	(void)state;
	expect_ok(r, NULL);
	expect_ok(r, "{\"target_ref\":\"x-acme-thing--" U2 "\"}");
	expect_error(r, "{\"source_ref\":null}", "/source_ref: required");
	expect_error(r, "{\"target_ref\":\"" ID_MARKING "\"}",
		     "/target_ref: must refer to an SDO or SCO, not 'marking-definition'");
	expect_error(r, "{\"relationship_type\":\"Uses It\"}", "/relationship_type: must contain only");
	expect_error(r, "{\"start_time\":\"2016-01-01T00:00:00Z\",\"stop_time\":\"2016-01-01T00:00:00Z\"}",
		     "/stop_time: must be later than start_time");
}

static void sro_sighting(void **state)
{
	const char *s = SDO("sighting", U1, "\"sighting_of_ref\":\"" ID_IDENTITY "\"");
	(void)state;
	expect_ok(s, "{\"count\":0,\"where_sighted_refs\":[\"" ID_IDENTITY "\"],"
		  "\"observed_data_refs\":[\"observed-data--" U2 "\"]}");
	expect_error(s, "{\"sighting_of_ref\":null}", "/sighting_of_ref: required");
	expect_error(s, "{\"sighting_of_ref\":\"file--fb0419a8-f09c-57f8-be64-71a80417591c\"}",
		     "/sighting_of_ref: must refer to an SDO");
	expect_error(s, "{\"count\":1000000000}", "/count: must be between 0 and 999999999");
	expect_error(s, "{\"where_sighted_refs\":[\"malware--" U2 "\"]}",
		     "/where_sighted_refs/0: must refer to identity or location");
	expect_error(s, "{\"observed_data_refs\":[\"malware--" U2 "\"]}",
		     "/observed_data_refs/0: must refer to observed-data");
	expect_error(s, "{\"first_seen\":\"2016-01-02T00:00:00Z\",\"last_seen\":\"2016-01-01T00:00:00Z\"}",
		     "/last_seen: must be later than or equal to first_seen");
}

/* ---- meta objects ---- */

static void meta_marking_definitions(void **state)
{
	const char *tlp = "{\"type\":\"marking-definition\",\"spec_version\":\"2.1\","
			  "\"id\":\"" ID_MARKING "\",\"created\":\"2017-01-20T00:00:00.000Z\","
			  "\"definition_type\":\"tlp\",\"name\":\"TLP:WHITE\","
			  "\"definition\":{\"tlp\":\"white\"}}";
	const char *tlp2 = "{\"type\":\"marking-definition\",\"spec_version\":\"2.1\","
			   "\"id\":\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\","
			   "\"created\":\"2022-10-01T00:00:00.000Z\",\"name\":\"TLP:GREEN\","
			   "\"extensions\":{\"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d\":"
			   "{\"extension_type\":\"property-extension\",\"tlp_2_0\":\"green\"}}}";
	(void)state;
	expect_ok(tlp, NULL);
	expect_ok(tlp2, NULL);
	expect_ok(tlp, "{\"id\":\"marking-definition--" U1 "\",\"definition_type\":\"statement\","
		  "\"definition\":{\"statement\":\"(c) acme\"}}");
	expect_error(tlp, "{\"definition\":{\"tlp\":\"purple\"}}", "/definition: tlp must be");
	expect_error(tlp, "{\"definition\":{\"tlp\":\"red\"}}", "/id: TLP:red must use the predefined id");
	expect_error(tlp, "{\"definition_type\":\"statement\"}", "/definition: statement marking needs");
	expect_error(tlp, "{\"definition\":null}", "/definition: required when extensions is absent");
	expect_error(tlp, "{\"created\":null}", "/created: required");
	expect_error(tlp, "{\"spec_version\":null}", "/spec_version: required");
}

static void meta_language_content(void **state)
{
	const char *lc = SDO("language-content", U1, "\"object_ref\":\"" ID_IDENTITY "\","
			     "\"contents\":{\"de\":{\"name\":\"Name\"}}");
	(void)state;
	expect_ok(lc, NULL);
	expect_error(lc, "{\"contents\":null}", "/contents: required");
	expect_error(lc, "{\"contents\":{}}", "/contents: must not be empty");
	expect_error(lc, "{\"contents\":{\"de\":\"x\"}}", "/contents/de: must be a dictionary");
	expect_error(lc, "{\"object_ref\":null}", "/object_ref: required");
	expect_error(lc, "{\"modified\":null}", "/modified: required");
}

static void meta_extension_definition(void **state)
{
	const char *ed = SDO("extension-definition", U1, "\"created_by_ref\":\"" ID_IDENTITY "\","
			     "\"name\":\"x\",\"schema\":\"https://example.com/s.json\","
			     "\"version\":\"1.0\",\"extension_types\":[\"property-extension\"]");
	(void)state;
	expect_ok(ed, NULL);
	expect_ok(ed, "{\"extension_types\":[\"toplevel-property-extension\"],"
		  "\"extension_properties\":[\"rank\"]}");
	expect_error(ed, "{\"extension_types\":[\"other\"]}",
		     "/extension_types/0: not a value of the closed enumeration");
	expect_error(ed, "{\"extension_types\":[]}", "/extension_types: must not be an empty list");
	expect_error(ed, "{\"extension_properties\":[\"rank\"]}",
		     "/extension_properties: only allowed when");
	expect_error(ed, "{\"schema\":null}", "/schema: required");
	expect_error(ed, "{\"version\":null}", "/version: required");
	expect_error(ed, "{\"created_by_ref\":null}", "/created_by_ref: required");
}

/* ---- SCOs ---- */

#define SCO(t, u, extra) \
	"{\"type\":\"" t "\",\"spec_version\":\"2.1\",\"id\":\"" t "--" u "\"," extra "}"
#define V5 "ff26c055-6336-5bc5-b98d-13d6226742dd"

static void sco_simple_required(void **state)
{
	static const char *const valued[][2] = {
		{ "domain-name", "value" }, { "email-addr", "value" },
		{ "ipv4-addr", "value" },   { "ipv6-addr", "value" },
		{ "mac-addr", "value" },    { "url", "value" },
		{ "mutex", "name" },        { "software", "name" },
		{ "directory", "path" },
	};
	char buf[512], patch[64], needle[64];
	(void)state;
	for (size_t i = 0; i < AC_ARRAY_LEN(valued); i++) {
		snprintf(buf, sizeof(buf), "{\"type\":\"%s\",\"id\":\"%s--" V5 "\","
			 "\"%s\":\"v\"}", valued[i][0], valued[i][0], valued[i][1]);
		snprintf(patch, sizeof(patch), "{\"%s\":null}", valued[i][1]);
		snprintf(needle, sizeof(needle), "/%s: required", valued[i][1]);
		expect_ok(buf, NULL);
		expect_error(buf, patch, needle);
	}
	expect_ok(SCO("autonomous-system", V5, "\"number\":15139"), NULL);
	expect_error(SCO("autonomous-system", V5, "\"number\":\"x\""), NULL, "/number: must be an integer");
	expect_error(SCO("ipv4-addr", V5, "\"value\":\"1.2.3.4\""), "{\"spec_version\":\"2.0\"}",
		     "/spec_version: must be \"2.1\"");
	expect_error(SCO("ipv4-addr", V5, "\"value\":\"1.2.3.4\""),
		     "{\"resolves_to_refs\":[\"ipv4-addr--" V5 "\"]}",
		     "/resolves_to_refs/0: must refer to mac-addr");
	expect_error(SCO("domain-name", V5, "\"value\":\"a.com\""),
		     "{\"resolves_to_refs\":[\"url--" V5 "\"]}",
		     "/resolves_to_refs/0: must refer to ipv4-addr, ipv6-addr or domain-name");
	expect_error(SCO("email-addr", V5, "\"value\":\"a@b\""),
		     "{\"belongs_to_ref\":\"email-addr--" V5 "\"}",
		     "/belongs_to_ref: must refer to user-account");
	expect_ok(SCO("user-account", V5, "\"user_id\":\"1001\""), "{\"extensions\":{\"unix-account-ext\":{\"gid\":1}}}");
	expect_error(SCO("user-account", V5, "\"user_id\":\"1001\""), "{\"account_created\":\"now\"}",
		     "/account_created: must be an RFC 3339");
}

static void sco_artifact(void **state)
{
	const char *a = SCO("artifact", V5, "\"payload_bin\":\"aGVsbG8=\"");
	(void)state;
	expect_ok(a, NULL);
	expect_ok(a, "{\"payload_bin\":null,\"url\":\"https://x\",\"hashes\":{\"MD5\":\"5d41402abc4b2a76b9719d911017c592\"}}");
	expect_error(a, "{\"url\":\"https://x\",\"hashes\":{\"MD5\":\"5d41402abc4b2a76b9719d911017c592\"}}",
		     "/url: must not be present together with payload_bin");
	expect_error(a, "{\"payload_bin\":null}", "artifact needs payload_bin or url");
	expect_error(a, "{\"payload_bin\":null,\"url\":\"https://x\"}", "/hashes: required when url is present");
	expect_error(a, "{\"encryption_algorithm\":\"rot13\"}", "/encryption_algorithm: 'rot13' is not a value");
	expect_error(a, "{\"decryption_key\":\"k\"}", "/decryption_key: requires encryption_algorithm");
}

static void sco_file(void **state)
{
	const char *f = SCO("file", V5, "\"name\":\"a.exe\"");
	(void)state;
	expect_ok(f, NULL);
	expect_ok(f, "{\"name\":null,\"hashes\":{\"SHA-256\":\"6db12788c37247f2316052e142f42f4b259d6561751e5f401a1ae2a6df9c674b\"}}");
	expect_error(f, "{\"name\":null}", "file needs hashes or name");
	expect_error(f, "{\"size\":-1}", "/size: must be between 0");
	expect_error(f, "{\"parent_directory_ref\":\"file--" V5 "\"}", "/parent_directory_ref: must refer to directory");
	expect_error(f, "{\"content_ref\":\"file--" V5 "\"}", "/content_ref: must refer to artifact");
	expect_error(f, "{\"hashes\":{\"MD5\":5}}", "/hashes/MD5: hash value must be a non-empty string");
	expect_error(f, "{\"extensions\":{\"ntfs-ext\":{\"alternate_data_streams\":[{\"size\":1}]}}}",
		     "/extensions/ntfs-ext/alternate_data_streams/0/name: required");
}

static void sco_network_traffic(void **state)
{
	const char *n = SCO("network-traffic", V5, "\"src_ref\":\"ipv4-addr--" V5 "\","
			    "\"protocols\":[\"tcp\"]");
	(void)state;
	expect_ok(n, NULL);
	expect_ok(n, "{\"extensions\":{\"socket-ext\":{\"address_family\":\"AF_INET\","
		  "\"socket_type\":\"SOCK_STREAM\"},\"http-request-ext\":{\"request_method\":\"get\","
		  "\"request_value\":\"/\"}}}");
	expect_error(n, "{\"src_ref\":null}", "network-traffic needs src_ref or dst_ref");
	expect_error(n, "{\"protocols\":null}", "/protocols: required");
	expect_error(n, "{\"src_ref\":\"url--" V5 "\"}", "/src_ref: must refer to ipv4-addr, ipv6-addr, mac-addr or domain-name");
	expect_error(n, "{\"dst_port\":65536}", "/dst_port: must be between 0 and 65535");
	expect_error(n, "{\"start\":\"2016-01-02T00:00:00Z\",\"end\":\"2016-01-01T00:00:00Z\"}",
		     "/end: must be later than or equal to start");
	expect_error(n, "{\"is_active\":true,\"end\":\"2016-01-01T00:00:00Z\"}",
		     "/end: must not be present when is_active is true");
	expect_error(n, "{\"extensions\":{\"socket-ext\":{\"address_family\":\"AF_X\"}}}",
		     "/extensions/socket-ext/address_family: 'AF_X' is not a value");
	expect_error(n, "{\"extensions\":{\"icmp-ext\":{\"icmp_type_hex\":\"08\"}}}",
		     "/extensions/icmp-ext/icmp_code_hex: required");
}

static void sco_email_process_registry_x509(void **state)
{
	const char *e = SCO("email-message", V5, "\"is_multipart\":false,\"body\":\"hi\"");
	const char *p = SCO("process", V5, "\"pid\":1");
	const char *r = SCO("windows-registry-key", V5, "\"key\":\"HKEY_LOCAL_MACHINE\\\\x\"");
	const char *x = SCO("x509-certificate", V5, "\"serial_number\":\"01\"");
	(void)state;
	expect_ok(e, NULL);
	expect_error(e, "{\"is_multipart\":null}", "/is_multipart: required");
	expect_error(e, "{\"is_multipart\":true}", "/body: must not be present when is_multipart is true");
	expect_error(e, "{\"body_multipart\":[{\"body\":\"x\"}]}", "/body_multipart: must not be present");
	expect_ok(e, "{\"is_multipart\":true,\"body\":null,\"body_multipart\":[{\"body\":\"x\"},"
		  "{\"body_raw_ref\":\"artifact--" V5 "\"}]}");
	expect_error(e, "{\"is_multipart\":true,\"body\":null,\"body_multipart\":[{\"content_type\":\"x\"}]}",
		     "/body_multipart/0: mime part needs exactly one of body or body_raw_ref");
	expect_error(e, "{\"to_refs\":[\"user-account--" V5 "\"]}", "/to_refs/0: must refer to email-addr");
	expect_ok(p, NULL);
	expect_error(p, "{\"pid\":null}", "must contain at least one property of its own");
	expect_ok(p, "{\"pid\":null,\"extensions\":{\"windows-process-ext\":{\"integrity_level\":\"high\"}}}");
	expect_error(p, "{\"extensions\":{\"windows-process-ext\":{\"integrity_level\":\"max\"}}}",
		     "/extensions/windows-process-ext/integrity_level");
	expect_error(p, "{\"extensions\":{\"windows-service-ext\":{\"start_type\":\"AUTO\"}}}",
		     "/extensions/windows-service-ext/start_type");
	expect_error(p, "{\"parent_ref\":\"file--" V5 "\"}", "/parent_ref: must refer to process");
	expect_ok(r, "{\"values\":[{\"name\":\"a\",\"data_type\":\"REG_SZ\"}]}");
	expect_error(r, "{\"values\":[{\"name\":\"a\",\"data_type\":\"REG_X\"}]}",
		     "/values/0/data_type: 'REG_X' is not a value");
	expect_ok(x, NULL);
	expect_error(x, "{\"serial_number\":null}", "must contain at least one property of its own");
}

/* ---- misc ---- */

static void kinds_and_versions(void **state)
{
	static const char *const sdos[] = {
		"attack-pattern", "campaign", "course-of-action", "grouping",
		"identity", "incident", "indicator", "infrastructure",
		"intrusion-set", "location", "malware", "malware-analysis",
		"note", "observed-data", "opinion", "report", "threat-actor",
		"tool", "vulnerability",
	};
	static const char *const scos[] = {
		"artifact", "autonomous-system", "directory", "domain-name",
		"email-addr", "email-message", "file", "ipv4-addr", "ipv6-addr",
		"mac-addr", "mutex", "network-traffic", "process", "software",
		"url", "user-account", "windows-registry-key", "x509-certificate",
	};
	json_t *o;
	(void)state;
	for (size_t i = 0; i < AC_ARRAY_LEN(sdos); i++)
		assert_int_equal(stix_type_kind(sdos[i]), STIX_KIND_SDO);
	for (size_t i = 0; i < AC_ARRAY_LEN(scos); i++)
		assert_int_equal(stix_type_kind(scos[i]), STIX_KIND_SCO);
	assert_int_equal(stix_type_kind("relationship"), STIX_KIND_SRO);
	assert_int_equal(stix_type_kind("sighting"), STIX_KIND_SRO);
	assert_int_equal(stix_type_kind("marking-definition"), STIX_KIND_META);
	assert_int_equal(stix_type_kind("language-content"), STIX_KIND_META);
	assert_int_equal(stix_type_kind("extension-definition"), STIX_KIND_META);
	assert_int_equal(stix_type_kind("x-acme"), STIX_KIND_CUSTOM);
	assert_int_equal(stix_type_kind(""), STIX_KIND_CUSTOM);

	o = json_pack("{s:s,s:s}", "created", "a", "modified", "b");
	assert_string_equal(stix_version_of(o), "b");
	json_object_del(o, "modified");
	assert_string_equal(stix_version_of(o), "a");
	json_object_del(o, "created");
	assert_string_equal(stix_version_of(o), "");
	json_decref(o);
}

static void not_an_object_and_many_errors(void **state)
{
	struct stix_report r;
	json_t *a = json_array();
	json_t *o = make(indicator, "{\"labels\":[1,2,3,4,5,6,7,8,9,10,11]}");
	(void)state;
	stix_report_init(&r);
	assert_int_equal(stix_validate(a, &r), AC_ERR_INVALID);
	assert_non_null(strstr(r.errors[0].text, "must be a JSON object"));
	stix_report_init(&r);
	assert_int_equal(stix_validate(o, &r), AC_ERR_INVALID);
	assert_int_equal(r.nerrors, 11);
	assert_non_null(strstr(r.errors[7].text, "/labels/7"));
	json_decref(a);
	json_decref(o);
}

static void json_pointer_escaping(void **state)
{
	(void)state;
	expect_error(indicator, "{\"a/b~c\":1}", "/a~1b~0c: property name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_parse_strict),
		cmocka_unit_test(json_limits),
		cmocka_unit_test(json_deep_default),
		cmocka_unit_test(report_format_and_cap),
		cmocka_unit_test(common_type_and_id),
		cmocka_unit_test(common_spec_version_and_times),
		cmocka_unit_test(common_optional_props),
		cmocka_unit_test(common_external_references),
		cmocka_unit_test(common_granular_markings),
		cmocka_unit_test(common_extensions),
		cmocka_unit_test(custom_properties_and_types),
		cmocka_unit_test(sdo_required_names),
		cmocka_unit_test(sdo_indicator),
		cmocka_unit_test(sdo_campaign_seen_order),
		cmocka_unit_test(sdo_location),
		cmocka_unit_test(sdo_malware_and_analysis),
		cmocka_unit_test(sdo_object_ref_containers),
		cmocka_unit_test(sdo_observed_data),
		cmocka_unit_test(sro_relationship),
		cmocka_unit_test(sro_sighting),
		cmocka_unit_test(meta_marking_definitions),
		cmocka_unit_test(meta_language_content),
		cmocka_unit_test(meta_extension_definition),
		cmocka_unit_test(sco_simple_required),
		cmocka_unit_test(sco_artifact),
		cmocka_unit_test(sco_file),
		cmocka_unit_test(sco_network_traffic),
		cmocka_unit_test(sco_email_process_registry_x509),
		cmocka_unit_test(kinds_and_versions),
		cmocka_unit_test(not_an_object_and_many_errors),
		cmocka_unit_test(json_pointer_escaping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
