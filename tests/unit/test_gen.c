#include "base/common.h"
#include "base/time.h"
#include "base/uuid.h"
#include "gen/gen.h"
#include "stix/ext.h"

#include <jansson.h>
#include <sys/resource.h>
#include <setjmp.h>
#include <cmocka.h>

#define IDENT "identity--6f1c1e2a-7d3b-4c55-9a1e-0b7a2f9c4d11"

static const char *const TLP_IDS[] = {
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
};

/* Runs the generator into memory; caller frees. */
static char *gen_mem(uint64_t seed, uint64_t count, enum gen_format fmt,
		     const char *created_by, size_t *len)
{
	struct gen_opts o = {seed, count, created_by};
	struct ac_err err = {0};
	char *data = NULL;
	FILE *f = open_memstream(&data, len);
	assert_non_null(f);
	assert_int_equal(gen_write(&o, fmt, f, &err), AC_OK);
	assert_int_equal(fclose(f), 0);
	return data;
}

/* Calls fn on every parsed JSONL line; returns the number of lines. */
static size_t each_line(const char *data, size_t len,
			void (*fn)(json_t *obj, void *arg), void *arg)
{
	size_t n = 0;
	const char *p = data, *end = data + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		json_error_t e;
		json_t *obj;
		assert_non_null(nl);
		obj = json_loadb(p, (size_t)(nl - p), 0, &e);
		if (!obj)
			fail_msg("line %zu does not parse: %s", n + 1, e.text);
		assert_true(json_is_object(obj));
		if (fn)
			fn(obj, arg);
		json_decref(obj);
		n++;
		p = nl + 1;
	}
	return n;
}

static void same_seed_same_bytes(void **state)
{
	size_t la, lb, lc;
	(void)state;
	for (int fmt = GEN_BUNDLE; fmt <= GEN_JSONL; fmt++) {
		char *a = gen_mem(42, 700, (enum gen_format)fmt, NULL, &la);
		char *b = gen_mem(42, 700, (enum gen_format)fmt, NULL, &lb);
		char *c = gen_mem(43, 700, (enum gen_format)fmt, NULL, &lc);
		assert_int_equal(la, lb);
		assert_memory_equal(a, b, la);
		assert_true(la != lc || memcmp(a, c, la) != 0);
		free(a);
		free(b);
		free(c);
	}
}

static void exact_count_small(void **state)
{
	static const uint64_t counts[] = {0, 1, 2, 3, 7, 50, 333};
	(void)state;
	for (size_t i = 0; i < AC_ARRAY_LEN(counts); i++) {
		size_t len;
		json_error_t e;
		char *d = gen_mem(counts[i], counts[i], GEN_JSONL, NULL, &len);
		json_t *bundle, *objs;
		assert_int_equal(each_line(d, len, NULL, NULL), counts[i]);
		free(d);

		d = gen_mem(counts[i], counts[i], GEN_BUNDLE, NULL, &len);
		bundle = json_loadb(d, len, 0, &e);
		if (!bundle)
			fail_msg("bundle of %zu does not parse: %s",
				 (size_t)counts[i], e.text);
		assert_string_equal(
		    json_string_value(json_object_get(bundle, "type")),
		    "bundle");
		assert_true(
		    strncmp(json_string_value(json_object_get(bundle, "id")),
			    "bundle--", 8) == 0);
		objs = json_object_get(bundle, "objects");
		if (counts[i] == 0)
			assert_null(objs); /* STIX lists must not be empty */
		else
			assert_int_equal(json_array_size(objs), counts[i]);
		json_decref(bundle);
		free(d);
	}
}

/* ---------- independent check-digit code ---------- */

static int vin_val(char c)
{
	static const char *const map =
	    "A1B2C3D4E5F6G7H8J1K2L3M4N5P7R9S2T3U4V5W6X7Y8Z9";
	if (c >= '0' && c <= '9')
		return c - '0';
	for (const char *p = map; *p; p += 2)
		if (*p == c)
			return p[1] - '0';
	return -1;
}

static bool vin_ok(const char *v)
{
	static const int w[] = {8, 7, 6, 5, 4, 3, 2, 10, 0,
				9, 8, 7, 6, 5, 4, 3, 2};
	int sum = 0;
	if (strlen(v) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		int x = vin_val(v[i]);
		if (x < 0)
			return false;
		sum += x * w[i];
	}
	return v[8] == (sum % 11 == 10 ? 'X' : '0' + sum % 11);
}

static bool iban_ok(const char *s)
{
	char digits[128];
	size_t n = 0, len = strlen(s);
	unsigned long long rem = 0;
	if (len < 15 || len > 34)
		return false;
	for (size_t k = 0; k < len; k++) {
		char c = s[(k + 4) % len];
		if (c >= 'A' && c <= 'Z')
			n += (size_t)snprintf(digits + n, sizeof(digits) - n,
					      "%d", c - 'A' + 10);
		else if (c >= '0' && c <= '9')
			digits[n++] = c;
		else
			return false;
	}
	for (size_t i = 0; i < n; i++)
		rem = (rem * 10 + (unsigned)(digits[i] - '0')) % 97;
	return rem == 1;
}

/* ---------- content of 10,000 objects ---------- */

struct scan {
	json_t *seen; /* id -> true */
	size_t nobj, npersons, nrels, nvins, nibans, nphones, errors;
	bool script[3];
	json_t *first_error;
};

static void must_be_seen(struct scan *s, const char *ref)
{
	assert_non_null(ref);
	if (!json_object_get(s->seen, ref))
		fail_msg("object %zu refers to '%s' before it was emitted",
			 s->nobj + 1, ref);
}

static void check_names(struct scan *s, const json_t *obj)
{
	const json_t *body = json_object_get(json_object_get(obj, "extensions"),
					     STIX_EXT_PERSON);
	const json_t *n;
	size_t i;
	json_array_foreach(json_object_get(body, "names"), i, n)
	{
		const char *sc =
		    json_string_value(json_object_get(n, "script"));
		s->script[0] |= strcmp(sc, "latn") == 0;
		s->script[1] |= strcmp(sc, "cyrl") == 0;
		s->script[2] |= strcmp(sc, "arab") == 0;
	}
}

static void check_common(const json_t *obj, const char *type)
{
	const char *id = json_string_value(json_object_get(obj, "id"));
	const json_t *marks = json_object_get(obj, "object_marking_refs");
	uint8_t u[16];
	size_t tl = strlen(type);
	bool tlp = false;

	assert_string_equal(
	    json_string_value(json_object_get(obj, "spec_version")), "2.1");
	assert_true(strncmp(id, type, tl) == 0 &&
		    strncmp(id + tl, "--", 2) == 0);
	assert_true(ac_uuid_parse(id + tl + 2, strlen(id + tl + 2), u));
	/* SDOs/SROs: UUIDv4; SCOs: the deterministic UUIDv5 */
	assert_int_equal(ac_uuid_version(u),
			 json_object_get(obj, "created") ? 4 : 5);
	assert_true(ac_uuid_is_rfc4122(u));
	assert_int_equal(json_array_size(marks), 1);
	for (size_t i = 0; i < AC_ARRAY_LEN(TLP_IDS); i++)
		tlp |= strcmp(json_string_value(json_array_get(marks, 0)),
			      TLP_IDS[i]) == 0;
	assert_true(tlp);
}

static void check_sdo_times(const json_t *obj)
{
	struct ac_ts c, m;
	const char *desc =
	    json_string_value(json_object_get(obj, "description"));
	assert_true(ac_ts_parse(
	    json_string_value(json_object_get(obj, "created")), &c));
	assert_true(ac_ts_parse(
	    json_string_value(json_object_get(obj, "modified")), &m));
	assert_true(ac_ts_cmp(&c, &m) <= 0);
	assert_non_null(desc);
	assert_true(strlen(desc) > 10);
}

static void scan_one(json_t *obj, void *arg)
{
	struct scan *s = arg;
	const char *type = json_string_value(json_object_get(obj, "type"));
	const char *id = json_string_value(json_object_get(obj, "id"));
	struct stix_report rep;
	const json_t *v;
	size_t i;

	assert_non_null(type);
	check_common(obj, type);
	if (strncmp(type, "accord-", 7) != 0 ||
	    strcmp(type, "accord-seizure") == 0)
		check_sdo_times(obj);
	if (strcmp(type, "identity") == 0) {
		s->npersons++;
		check_names(s, obj);
	} else if (strcmp(type, "relationship") == 0) {
		s->nrels++;
		must_be_seen(
		    s, json_string_value(json_object_get(obj, "source_ref")));
		must_be_seen(
		    s, json_string_value(json_object_get(obj, "target_ref")));
	} else if (strcmp(type, "accord-vehicle") == 0 &&
		   json_object_get(obj, "vin")) {
		s->nvins++;
		assert_true(
		    vin_ok(json_string_value(json_object_get(obj, "vin"))));
	} else if (strcmp(type, "accord-account") == 0 &&
		   strcmp(
		       json_string_value(json_object_get(obj, "account_type")),
		       "bank") == 0) {
		s->nibans++;
		assert_true(
		    iban_ok(json_string_value(json_object_get(obj, "number"))));
	} else if (strcmp(type, "accord-phone-number") == 0) {
		const char *p =
		    json_string_value(json_object_get(obj, "value"));
		size_t n = strspn(p + 1, "0123456789");
		s->nphones++;
		assert_true(p[0] == '+' && p[1 + n] == '\0' && n >= 7 &&
			    n <= 15);
	}
	json_array_foreach(json_object_get(obj, "object_refs"), i, v)
	{
		must_be_seen(s, json_string_value(v));
	}

	/* accord's own rules must hold for everything generated */
	stix_report_init(&rep);
	stix_ext_validate_object(obj, type, &rep);
	if (strcmp(type, "identity") == 0) {
		const json_t *exts = json_object_get(obj, "extensions");
		stix_ext_find(STIX_EXT_PERSON)
		    ->validate(json_object_get(exts, STIX_EXT_PERSON), id,
			       "/extensions/" STIX_EXT_PERSON, &rep);
	}
	if (rep.nerrors + rep.nwarnings > 0)
		fail_msg("generated object fails accord rules: %s",
			 rep.nerrors ? rep.errors[0].text
				     : rep.warnings[0].text);

	if (json_object_get(s->seen, id))
		fail_msg("duplicate id %s", id);
	json_object_set_new(s->seen, id, json_true());
	s->nobj++;
}

static void content_of_10000(void **state)
{
	size_t len;
	struct scan s = {0};
	char *d = gen_mem(7, 10000, GEN_JSONL, NULL, &len);
	(void)state;
	s.seen = json_object();
	assert_int_equal(each_line(d, len, scan_one, &s), 10000);
	assert_true(s.script[0] && s.script[1] && s.script[2]);
	/* the mix: 25% persons, ~23% relationships (tolerant bounds) */
	assert_in_range(s.npersons, 2000, 3200);
	assert_in_range(s.nrels, 1500, 3000);
	assert_true(s.nvins > 500 && s.nibans > 100 && s.nphones > 500);
	print_message(
	    "10000 objects: %zu persons, %zu relationships, %zu VINs, "
	    "%zu IBANs checked\n",
	    s.npersons, s.nrels, s.nvins, s.nibans);
	json_decref(s.seen);
	free(d);
}

static void created_by_is_applied(void **state)
{
	size_t len;
	struct gen_opts bad = {
	    1, 10, "threat-actor--6f1c1e2a-7d3b-4c55-9a1e-0b7a2f9c4d11"};
	struct ac_err err = {0};
	char *d = gen_mem(3, 200, GEN_JSONL, IDENT, &len);
	const char *p = d;
	size_t sdos = 0;
	(void)state;
	while ((p = strstr(p, "\"created\":")) != NULL) {
		sdos++;
		p++;
	}
	p = d;
	size_t refs = 0;
	while ((p = strstr(p, "\"created_by_ref\":\"" IDENT "\"")) != NULL) {
		refs++;
		p++;
	}
	assert_true(sdos > 0);
	assert_int_equal(refs, sdos);
	free(d);
	assert_int_equal(gen_write(&bad, GEN_JSONL, stdout, &err),
			 AC_ERR_USAGE);
	assert_non_null(strstr(err.msg, "threat-actor--"));
}

static void write_error_is_reported(void **state)
{
	struct gen_opts o = {1, 100, NULL};
	struct ac_err err = {0};
	FILE *f = fopen("/dev/null", "r");
	(void)state;
	assert_non_null(f);
	assert_int_equal(gen_write(&o, GEN_BUNDLE, f, &err), AC_ERR_IO);
	assert_non_null(strstr(err.msg, "cannot write"));
	fclose(f);
}

/* ---------- constant memory ---------- */

static size_t live_bytes, peak_bytes;

static void *count_malloc(size_t n)
{
	size_t *p = malloc(n + 16);
	if (!p)
		return NULL;
	p[0] = n;
	live_bytes += n;
	if (live_bytes > peak_bytes)
		peak_bytes = live_bytes;
	return (char *)p + 16;
}

static void count_free(void *q)
{
	size_t *p;
	if (!q)
		return;
	p = (size_t *)(void *)((char *)q - 16);
	live_bytes -= p[0];
	free(p);
}

static size_t peak_for(uint64_t count, double *rate)
{
	struct gen_opts o = {99, count, IDENT};
	struct ac_err err = {0};
	FILE *f = fopen("/dev/null", "w");
	int64_t t0;
	assert_non_null(f);
	live_bytes = peak_bytes = 0;
	json_set_alloc_funcs(count_malloc, count_free);
	t0 = ac_mono_ns();
	assert_int_equal(gen_write(&o, GEN_BUNDLE, f, &err), AC_OK);
	*rate = (double)count * 1e9 / (double)(ac_mono_ns() - t0 + 1);
	json_set_alloc_funcs(malloc, free);
	fclose(f);
	assert_int_equal(live_bytes, 0); /* nothing leaked */
	return peak_bytes;
}

static void constant_memory_100000(void **state)
{
	struct rusage ru;
	double r1, r2;
	size_t small, big;
	(void)state;
	small = peak_for(2000, &r1);
	big = peak_for(100000, &r2);
	getrusage(RUSAGE_SELF, &ru);
	print_message("peak live JSON bytes: %zu for 2000 objects, %zu for "
		      "100000; max RSS %ld KiB; %.0f objects/s\n",
		      small, big, ru.ru_maxrss, r2);
	assert_true(small > 0);
	assert_true(big < 2 * small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(same_seed_same_bytes),
	    cmocka_unit_test(exact_count_small),
	    cmocka_unit_test(content_of_10000),
	    cmocka_unit_test(created_by_is_applied),
	    cmocka_unit_test(write_error_is_reported),
	    cmocka_unit_test(constant_memory_100000),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
