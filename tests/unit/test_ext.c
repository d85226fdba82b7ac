#include "base/common.h"
#include "base/uuid.h"
#include "stix/ext.h"
#include "stix/ext_check.h"

#include <jansson.h>
#include <setjmp.h>
#include <cmocka.h>

#define P "/extensions/" STIX_EXT_PERSON
#define OBJID "identity--0d6b1a3e-0a43-4b8e-9a55-2f4f1f0a7c11"

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	if (!j)
		fail_msg("test JSON does not parse: %s: %s", e.text, text);
	return j;
}

/* True when some error (or warning) text contains `path: `. */
static bool has_issue(const struct stix_issue *list, size_t n, const char *path)
{
	char want[300];
	snprintf(want, sizeof(want), ": %s: ", *path ? path : "/");
	for (size_t i = 0; i < n && i < STIX_REPORT_MAX; i++)
		if (strstr(list[i].text, want))
			return true;
	return false;
}

/* ---------- person extension bodies ---------- */

static const char *const GOOD_PERSON =
    "{\"extension_type\":\"property-extension\","
    "\"names\":[{\"value\":\"Aybek "
    "Karimov\",\"script\":\"latn\",\"kind\":\"full\"},"
    "{\"value\":\"Айбек Каримов\",\"script\":\"cyrl\",\"kind\":\"full\"},"
    "{\"value\":\"آیبک کریموف\",\"script\":\"arab\",\"kind\":\"full\"}],"
    "\"date_of_birth\":\"1984-02-29\",\"nationalities\":[\"KG\",\"RU\"],"
    "\"documents\":[{\"document_type\":\"passport\",\"number\":\"AC1234567\","
    "\"issuing_country\":\"KG\"}],\"data_subject_category\":\"suspect\"}";

static void run_person(json_t *body, struct stix_report *rep)
{
	const struct stix_ext_def *d = stix_ext_find(STIX_EXT_PERSON);
	assert_non_null(d);
	stix_report_init(rep);
	d->validate(body, OBJID, P, rep);
}

/* Applies `set` (a JSON object of replacements; null deletes) to the good
 * person and expects an error (or warning) at path. */
static void person_expect(const char *set, const char *path, bool warning)
{
	json_t *body = parse(GOOD_PERSON), *patch = parse(set);
	const char *k;
	json_t *v;
	struct stix_report rep;

	json_object_foreach(patch, k, v)
	{
		if (json_is_null(v))
			json_object_del(body, k);
		else
			json_object_set(body, k, v);
	}
	run_person(body, &rep);
	if (warning) {
		assert_int_equal(rep.nerrors, 0);
		if (!has_issue(rep.warnings, rep.nwarnings, path))
			fail_msg("no warning at %s for %s", path, set);
	} else if (!has_issue(rep.errors, rep.nerrors, path)) {
		fail_msg("no error at %s for %s (%zu errors: %s)", path, set,
			 rep.nerrors, rep.nerrors ? rep.errors[0].text : "");
	}
	json_decref(body);
	json_decref(patch);
}

static void person_good_passes(void **state)
{
	json_t *body = parse(GOOD_PERSON);
	struct stix_report rep;
	(void)state;
	run_person(body, &rep);
	assert_int_equal(rep.nerrors, 0);
	assert_int_equal(rep.nwarnings, 0);
	json_decref(body);
}

static void person_rules_fail(void **state)
{
	(void)state;
	person_expect("{\"extension_type\":\"new-sco\"}", P "/extension_type",
		      false);
	person_expect("{\"names\":null}", P "/names", false);
	person_expect("{\"names\":[]}", P "/names", false);
	person_expect("{\"names\":[\"Aybek\"]}", P "/names/0", false);
	person_expect(
	    "{\"names\":[{\"value\":\"A\",\"script\":\"latn\",\"kind\":"
	    "\"full\"},"
	    "{\"value\":\"B\",\"script\":\"grek\",\"kind\":\"full\"}]}",
	    P "/names/1/script", false);
	person_expect("{\"names\":[{\"value\":\"A\",\"script\":\"latn\","
		      "\"kind\":\"nick\"}]}",
		      P "/names/0/kind", false);
	person_expect("{\"names\":[{\"value\":\"\",\"script\":\"latn\","
		      "\"kind\":\"full\"}]}",
		      P "/names/0/value", false);
	person_expect("{\"names\":[{\"script\":\"latn\",\"kind\":\"full\"}]}",
		      P "/names/0/value", false);
	person_expect("{\"date_of_birth\":\"1985-02-29\"}", P "/date_of_birth",
		      false);
	person_expect("{\"date_of_birth\":\"1985-2-01\"}", P "/date_of_birth",
		      false);
	person_expect("{\"date_of_birth\":\"2999-01-01\"}", P "/date_of_birth",
		      false);
	person_expect("{\"date_of_birth\":\"1850-01-01\"}", P "/date_of_birth",
		      false);
	person_expect("{\"nationalities\":[\"KG\",\"kg\"]}",
		      P "/nationalities/1", false);
	person_expect("{\"nationalities\":[\"KGZ\"]}", P "/nationalities/0",
		      false);
	person_expect("{\"nationalities\":\"KG\"}", P "/nationalities", false);
	person_expect(
	    "{\"documents\":[{\"document_type\":\"ticket\",\"number\":\"1\"}]}",
	    P "/documents/0/document_type", false);
	person_expect("{\"documents\":[{\"document_type\":\"visa\"}]}",
		      P "/documents/0/number", false);
	person_expect(
	    "{\"documents\":[{\"document_type\":\"visa\",\"number\":\"1\","
	    "\"issuing_country\":\"Kyrgyzstan\"}]}",
	    P "/documents/0/issuing_country", false);
	person_expect("{\"data_subject_category\":\"accomplice\"}",
		      P "/data_subject_category", false);
	person_expect("{\"data_subject_category\":null}",
		      P "/data_subject_category", true);
	person_expect("{\"shoe_size\":44}", P "/shoe_size", true);
}

static void person_body_must_be_object(void **state)
{
	json_t *body = json_string("x");
	struct stix_report rep;
	(void)state;
	run_person(body, &rep);
	assert_true(has_issue(rep.errors, rep.nerrors, P));
	json_decref(body);
}

static void person_only_on_individuals(void **state)
{
	struct stix_report rep;
	json_t *org = parse("{\"type\":\"identity\",\"id\":\"" OBJID "\","
			    "\"identity_class\":\"organization\","
			    "\"extensions\":{\"" STIX_EXT_PERSON "\":{}}}");
	json_t *ta = parse(
	    "{\"type\":\"threat-actor\",\"id\":\"threat-actor--0d6b1a3e-"
	    "0a43-4b8e-9a55-2f4f1f0a7c11\",\"extensions\":{\"" STIX_EXT_PERSON
	    "\":{}}}");
	json_t *ok = parse("{\"type\":\"identity\",\"id\":\"" OBJID "\","
			   "\"identity_class\":\"individual\",\"extensions\":{"
			   "\"" STIX_EXT_PERSON "\":{}}}");
	(void)state;
	stix_report_init(&rep);
	stix_ext_validate_object(org, "identity", &rep);
	assert_true(has_issue(rep.errors, rep.nerrors, "/identity_class"));
	stix_report_init(&rep);
	stix_ext_validate_object(ta, "threat-actor", &rep);
	assert_true(has_issue(rep.errors, rep.nerrors, P));
	stix_report_init(&rep);
	stix_ext_validate_object(ok, "identity", &rep);
	assert_int_equal(rep.nerrors + rep.nwarnings, 0);
	json_decref(org);
	json_decref(ta);
	json_decref(ok);
}

/* ---------- new object types ---------- */

static void run_obj(const char *text, struct stix_report *rep)
{
	json_t *o = parse(text);
	stix_report_init(rep);
	stix_ext_validate_object(
	    o, json_string_value(json_object_get(o, "type")), rep);
	json_decref(o);
}

static void obj_ok(const char *text)
{
	struct stix_report rep;
	run_obj(text, &rep);
	if (rep.nerrors + rep.nwarnings)
		fail_msg("unexpected: %s in %s",
			 rep.nerrors ? rep.errors[0].text
				     : rep.warnings[0].text,
			 text);
}

static void obj_err(const char *text, const char *path)
{
	struct stix_report rep;
	run_obj(text, &rep);
	if (!has_issue(rep.errors, rep.nerrors, path))
		fail_msg("no error at '%s' for %s (%zu errors: %s)", path, text,
			 rep.nerrors, rep.nerrors ? rep.errors[0].text : "");
}

static void obj_warn(const char *text, const char *path)
{
	struct stix_report rep;
	run_obj(text, &rep);
	assert_int_equal(rep.nerrors, 0);
	if (!has_issue(rep.warnings, rep.nwarnings, path))
		fail_msg("no warning at '%s' for %s", path, text);
}

#define VEH(props)                                                             \
	"{\"type\":\"accord-vehicle\",\"id\":\"accord-vehicle--0d6b1a3e-0a43-" \
	"4b8e-"                                                                \
	"9a55-2f4f1f0a7c11\",\"extensions\":{\"" STIX_EXT_VEHICLE              \
	"\":{\"extension_type\":"                                              \
	"\"new-sco\"}}" props "}"

static void vehicle_rules(void **state)
{
	(void)state;
	obj_ok(VEH(",\"plate\":\"01KG123ABC\",\"plate_country\":\"KG\","
		   "\"vin\":\"1M8GDM9AXKP042788\",\"make\":\"MAN\",\"colour\":"
		   "\"white\""));
	obj_ok(VEH(",\"plate\":\"01KG123ABC\""));
	obj_ok(VEH(",\"vin\":\"1M8GDM9AXKP042788\""));
	obj_err(VEH(",\"make\":\"MAN\""), "");
	obj_err(VEH(",\"vin\":\"1M8GDM9AXKP04278\""), "/vin");
	obj_err(VEH(",\"vin\":\"1M8GDM9AXKP0427I8\""), "/vin");
	obj_warn(VEH(",\"vin\":\"1M8GDM9A1KP042788\""), "/vin");
	obj_err(VEH(",\"plate\":\"A1\",\"plate_country\":\"kg\""),
		"/plate_country");
	obj_err(VEH(",\"plate\":\"\""), "/plate");
	obj_err("{\"type\":\"accord-vehicle\",\"id\":\"accord-vehicle--"
		"0d6b1a3e-0a43-4b8e-"
		"9a55-2f4f1f0a7c11\",\"plate\":\"A1\"}",
		"/extensions");
}

#define PHONE(v)                                                               \
	"{\"type\":\"accord-phone-number\",\"id\":\"accord-phone-number--"     \
	"0d6b1a3e-0a43-4b8e-9a55-2f4f1f0a7c11\",\"extensions\":{"              \
	"\"" STIX_EXT_PHONE                                                    \
	"\":{\"extension_type\":\"new-sco\"}},\"value\":\"" v                  \
	"\",\"country\":\"KG\"}"

static void phone_rules(void **state)
{
	(void)state;
	obj_ok(PHONE("+996555123456"));
	obj_ok(PHONE("+1234567"));
	obj_ok(PHONE("+123456789012345"));
	obj_err(PHONE("0555123456"), "/value");
	obj_err(PHONE("+123456"), "/value");
	obj_err(PHONE("+1234567890123456"), "/value");
	obj_err(PHONE("+99655512345a"), "/value");
	obj_err(PHONE("+996 555 123 456"), "/value");
	obj_err("{\"type\":\"accord-phone-number\",\"id\":\"x\",\"extensions\":"
		"{\"" STIX_EXT_PHONE "\":{\"extension_type\":\"new-sco\"}}}",
		"/value");
}

#define DOC(props)                                                             \
	"{\"type\":\"accord-document\",\"id\":\"accord-document--0d6b1a3e-"    \
	"0a43-4b8e-9a55-2f4f1f0a7c11\",\"extensions\":{\"" STIX_EXT_DOCUMENT   \
	"\":{\"extension_type\":\"new-sco\"}}" props "}"

static void document_rules(void **state)
{
	(void)state;
	obj_ok(
	    DOC(",\"document_type\":\"passport\",\"number\":\"AC1234567\","
		"\"issuing_country\":\"KG\",\"valid_until\":\"2030-12-31\""));
	obj_err(DOC(",\"document_type\":\"passport\""), "/number");
	obj_err(DOC(",\"number\":\"AC1\""), "/document_type");
	obj_err(DOC(",\"document_type\":\"library-card\",\"number\":\"1\""),
		"/document_type");
	obj_err(DOC(",\"document_type\":\"visa\",\"number\":\"1\",\"valid_"
		    "until\":\"2030-13-01\""),
		"/valid_until");
	obj_err(DOC(",\"document_type\":\"visa\",\"number\":\"1\",\"issuing_"
		    "country\":\"K\""),
		"/issuing_country");
}

#define ACC(props)                                                             \
	"{\"type\":\"accord-account\",\"id\":\"accord-account--0d6b1a3e-"      \
	"0a43-4b8e-9a55-2f4f1f0a7c11\",\"extensions\":{\"" STIX_EXT_ACCOUNT    \
	"\":{\"extension_type\":\"new-sco\"}}" props "}"

static void account_rules(void **state)
{
	(void)state;
	obj_ok(ACC(
	    ",\"account_type\":\"bank\",\"number\":\"DE89370400440532013000\","
	    "\"currency\":\"EUR\",\"holder_name\":\"AYBEK KARIMOV\""));
	obj_ok(ACC(",\"account_type\":\"crypto-wallet\",\"number\":\"0xabc\","
		   "\"currency\":\"USDT\",\"network\":\"ethereum\""));
	obj_ok(ACC(",\"account_type\":\"payment-card\",\"number\":"
		   "\"4111111111111111\""));
	obj_ok(ACC(",\"account_type\":\"bank\",\"number\":\"1234 5678\""));
	obj_err(ACC(",\"number\":\"1\""), "/account_type");
	obj_err(ACC(",\"account_type\":\"savings\",\"number\":\"1\""),
		"/account_type");
	obj_err(ACC(",\"account_type\":\"bank\""), "/number");
	obj_err(ACC(",\"account_type\":\"bank\",\"number\":\"1\",\"currency\":"
		    "\"eur\""),
		"/currency");
	obj_warn(ACC(",\"account_type\":\"bank\",\"number\":"
		     "\"DE88370400440532013000\""),
		 "/number");
	obj_warn(ACC(",\"account_type\":\"payment-card\",\"number\":"
		     "\"4111111111111112\""),
		 "/number");
}

#define SEIZ(props)                                                            \
	"{\"type\":\"accord-seizure\",\"spec_version\":\"2.1\",\"id\":"        \
	"\"accord-seizure--0d6b1a3e-0a43-4b8e-9a55-2f4f1f0a7c11\","            \
	"\"created\":"                                                         \
	"\"2024-01-01T00:00:00.000Z\",\"extensions\":{\"" STIX_EXT_SEIZURE     \
	"\":{\"extension_type\":\"new-sdo\"}}" props "}"
#define SEIZ_OK_BASE                                                           \
	",\"modified\":\"2024-01-02T00:00:00.000Z\",\"goods_type\":"           \
	"\"heroin\","                                                          \
	"\"unit\":\"kg\",\"seized_at\":\"2023-12-30T10:00:00Z\""

static void seizure_rules(void **state)
{
	(void)state;
	obj_ok(SEIZ(SEIZ_OK_BASE ",\"quantity\":12.5,\"place\":\"Osh\","
				 "\"object_refs\":[\"identity--0d6b1a3e-0a43-"
				 "4b8e-9a55-2f4f1f0a7c11\"]"));
	obj_ok(SEIZ(SEIZ_OK_BASE
		    ",\"quantity\":3,\"location_ref\":"
		    "\"location--0d6b1a3e-0a43-4b8e-9a55-2f4f1f0a7c11\""));
	obj_err(SEIZ(SEIZ_OK_BASE ",\"quantity\":0,\"place\":\"Osh\""),
		"/quantity");
	obj_err(SEIZ(SEIZ_OK_BASE ",\"quantity\":-2,\"place\":\"Osh\""),
		"/quantity");
	obj_err(SEIZ(SEIZ_OK_BASE ",\"quantity\":\"5\",\"place\":\"Osh\""),
		"/quantity");
	obj_err(SEIZ(SEIZ_OK_BASE ",\"place\":\"Osh\""), "/quantity");
	obj_err(SEIZ(SEIZ_OK_BASE ",\"quantity\":1"), "");
	obj_err(SEIZ(SEIZ_OK_BASE
		     ",\"quantity\":1,\"location_ref\":\"identity--x\""),
		"/location_ref");
	obj_err(SEIZ(",\"modified\":\"2024-01-02T00:00:00.000Z\",\"goods_"
		     "type\":\"heroin\","
		     "\"unit\":\"tons\",\"seized_at\":\"2023-12-30T10:00:00Z\","
		     "\"quantity\":1,\"place\":\"Osh\""),
		"/unit");
	obj_err(
	    SEIZ(",\"modified\":\"2024-01-02T00:00:00.000Z\",\"goods_type\":"
		 "\"heroin\","
		 "\"unit\":\"kg\",\"seized_at\":\"30.12.2023\",\"quantity\":1,"
		 "\"place\":\"Osh\""),
	    "/seized_at");
	obj_err(SEIZ(",\"modified\":\"2023-01-02T00:00:00.000Z\",\"goods_"
		     "type\":\"heroin\","
		     "\"unit\":\"kg\",\"seized_at\":\"2023-12-30T10:00:00Z\","
		     "\"quantity\":1,"
		     "\"place\":\"Osh\""),
		"/modified");
	obj_err(
	    SEIZ(",\"goods_type\":\"heroin\",\"unit\":\"kg\",\"seized_at\":"
		 "\"2023-12-30T10:00:00Z\",\"quantity\":1,\"place\":\"Osh\""),
	    "/modified");
	obj_err(
	    SEIZ(SEIZ_OK_BASE
		 ",\"quantity\":1,\"place\":\"Osh\",\"object_refs\":[\"bob\"]"),
	    "/object_refs/0");
	obj_err(SEIZ(SEIZ_OK_BASE
		     ",\"quantity\":1,\"place\":\"Osh\",\"object_refs\":[]"),
		"/object_refs");
	obj_warn(SEIZ(",\"modified\":\"2024-01-02T00:00:00.000Z\",\"goods_"
		      "type\":\"amber\","
		      "\"unit\":\"kg\",\"seized_at\":\"2023-12-30T10:00:00Z\","
		      "\"quantity\":1,\"place\":\"Osh\""),
		 "/goods_type");
	obj_err("{\"type\":\"accord-seizure\",\"spec_version\":\"2.0\",\"id\":"
		"\"x\"}",
		"/spec_version");
}

static void new_type_bodies(void **state)
{
	struct stix_report rep;
	json_t *sco = parse("{\"extension_type\":\"new-sco\"}");
	json_t *sdo = parse("{\"extension_type\":\"new-sdo\"}");
	const struct stix_ext_def *veh = stix_ext_find(STIX_EXT_VEHICLE);
	const struct stix_ext_def *sz = stix_ext_find(STIX_EXT_SEIZURE);
	(void)state;
	stix_report_init(&rep);
	veh->validate(sco, "x", "/extensions/e", &rep);
	sz->validate(sdo, "x", "/extensions/e", &rep);
	assert_int_equal(rep.nerrors + rep.nwarnings, 0);
	veh->validate(sdo, "x", "/extensions/e", &rep);
	assert_true(
	    has_issue(rep.errors, rep.nerrors, "/extensions/e/extension_type"));
	json_decref(sco);
	json_decref(sdo);
}

static void other_types_are_ignored(void **state)
{
	(void)state;
	obj_ok("{\"type\":\"indicator\",\"id\":\"indicator--0d6b1a3e-0a43-4b8e-"
	       "9a55-"
	       "2f4f1f0a7c11\",\"plate\":\"\"}");
}

/* ---------- definitions ---------- */

static void definitions_are_complete(void **state)
{
	json_t *defs = stix_ext_definitions();
	const json_t *o;
	size_t i, nbody = 0;
	uint8_t u[16];
	(void)state;
	assert_non_null(defs);
	assert_int_equal(json_array_size(defs), stix_ext_count() + 1);
	o = json_array_get(defs, 0);
	assert_string_equal(json_string_value(json_object_get(o, "id")),
			    STIX_EXT_ACCORD_IDENTITY);
	assert_string_equal(
	    json_string_value(json_object_get(o, "identity_class")),
	    "organization");
	json_array_foreach(defs, i, o)
	{
		const char *id = json_string_value(json_object_get(o, "id"));
		const char *uuid = strstr(id, "--") + 2;
		assert_true(ac_uuid_parse(uuid, strlen(uuid), u));
		assert_int_equal(ac_uuid_version(u), 4);
		assert_string_equal(
		    json_string_value(json_object_get(o, "spec_version")),
		    "2.1");
		assert_non_null(
		    json_string_value(json_object_get(o, "created")));
		assert_non_null(
		    json_string_value(json_object_get(o, "modified")));
		if (i == 0)
			continue;
		nbody++;
		assert_string_equal(
		    json_string_value(json_object_get(o, "type")),
		    "extension-definition");
		assert_ptr_equal(stix_ext_find(id), stix_ext_at(i - 1));
		assert_string_equal(
		    json_string_value(json_object_get(o, "created_by_ref")),
		    STIX_EXT_ACCORD_IDENTITY);
		assert_non_null(json_string_value(json_object_get(o, "name")));
		assert_non_null(
		    strstr(json_string_value(json_object_get(o, "schema")),
			   "extensions.md#"));
		assert_string_equal(
		    json_string_value(json_object_get(o, "version")), "1.0.0");
		assert_int_equal(
		    json_array_size(json_object_get(o, "extension_types")), 1);
	}
	assert_int_equal(nbody, 10); /* 7 + provenance + the two erasure messages */
	assert_null(stix_ext_find(
	    "extension-definition--00000000-0000-4000-8000-000000000000"));
	assert_null(stix_ext_find(NULL));
	assert_null(stix_ext_at(stix_ext_count()));
	json_decref(defs);
}

static void check_digits(void **state)
{
	(void)state;
	assert_int_equal(stix_vin_check_digit("1M8GDM9AXKP042788"), 'X');
	assert_int_equal(stix_vin_check_digit("1M8GDM9AXKP0427O8"), '\0');
	assert_false(stix_vin_shape_ok("1M8GDM9AXKP04278"));
	assert_int_equal(stix_iban_mod97("GB82WEST12345698765432"), 1);
	assert_int_equal(stix_iban_mod97("DE89370400440532013000"), 1);
	assert_true(stix_iban_mod97("DE88370400440532013000") != 1);
	assert_int_equal(stix_iban_mod97("DE89-3704"), -1);
	assert_true(stix_iban_shape_ok("DE89370400440532013000"));
	assert_false(stix_iban_shape_ok("de89370400440532013000"));
	assert_false(stix_iban_shape_ok("DE8937"));
	assert_true(stix_luhn_ok("79927398713"));
	assert_false(stix_luhn_ok("79927398710"));
	assert_false(stix_luhn_ok(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(person_good_passes),
	    cmocka_unit_test(person_rules_fail),
	    cmocka_unit_test(person_body_must_be_object),
	    cmocka_unit_test(person_only_on_individuals),
	    cmocka_unit_test(vehicle_rules),
	    cmocka_unit_test(phone_rules),
	    cmocka_unit_test(document_rules),
	    cmocka_unit_test(account_rules),
	    cmocka_unit_test(seizure_rules),
	    cmocka_unit_test(new_type_bodies),
	    cmocka_unit_test(other_types_are_ignored),
	    cmocka_unit_test(definitions_are_complete),
	    cmocka_unit_test(check_digits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
