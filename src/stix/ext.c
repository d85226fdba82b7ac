/* accord's law-enforcement extensions: the extension-definition objects and
 * the rules behind them (docs/extensions.md). */
#include "base/common.h"
#include "base/b64.h"
#include "base/time.h"
#include "base/uuid.h"
#include "stix/ext.h"
#include "stix/ext_check.h"
#include "policy/markings.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>

#include "base/buf.h"
#include "stix/jcs.h"

#define PTR_MAX 512	   /* longest JSON pointer we build */
#define EXT_TEXT_MAX 1024  /* cap on free-text values */
#define EXT_NUMBER_MAX 128 /* cap on document / account numbers */

#define DEFS_CREATED "2024-01-01T00:00:00.000Z"
#define DOCS_URL "https://accord.invalid/docs/extensions.md#"

/* ---------- small checks ---------- */

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static bool is_alpha2(const char *s)
{
	return s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
	       s[2] == '\0';
}

static bool all_digits(const char *s, size_t min, size_t max)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (s[n] < '0' || s[n] > '9')
			return false;
	return n >= min && n <= max;
}

static int month_days(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

/* Strict "YYYY-MM-DD" with a real calendar date; *ymd = YYYYMMDD. */
static bool parse_date(const char *s, long *ymd)
{
	int y, m, d;
	for (int i = 0; i < 10; i++) {
		bool dash = i == 4 || i == 7;
		if (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return false;
	}
	if (s[10] != '\0')
		return false;
	y = atoi(s);
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
		return false;
	*ymd = (long)y * 10000 + m * 100 + d;
	return true;
}

#define US_PER_DAY (86400 * (int64_t)1000000)

/* Today (UTC) as YYYYMMDD; formatted once per day and thread (it was
 * half of a person's validation). */
static long today_ymd(void)
{
	static _Thread_local int64_t day = -1;
	static _Thread_local long ymd;
	int64_t now = ac_now_us();
	char ts[AC_TS_STRLEN];

	if (now / US_PER_DAY != day) {
		ac_ts_format_us(now, ts);
		ts[10] = '\0';
		if (!parse_date(ts, &ymd))
			ymd = 0;
		day = now / US_PER_DAY;
	}
	return ymd;
}

/* "type--uuid" with a lower-case type name. */
static bool is_stix_id(const char *s)
{
	const char *sep = strstr(s, "--");
	if (!sep || sep == s)
		return false;
	for (const char *p = s; p < sep; p++)
		if (!(islower((unsigned char)*p) ||
		      isdigit((unsigned char)*p) || *p == '-'))
			return false;
	uint8_t u[16];
	return strlen(sep + 2) == 36 && ac_uuid_parse(sep + 2, 36, u);
}

/* ---------- check digits (ext_check.h) ---------- */

static int vin_value(char c)
{
	static const char letters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";
	static const int values[] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4,
				     5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9};
	if (c >= '0' && c <= '9')
		return c - '0';
	for (size_t i = 0; letters[i]; i++)
		if (letters[i] == c)
			return values[i];
	return -1;
}

bool stix_vin_shape_ok(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (n >= 17 || vin_value(s[n]) < 0)
			return false;
	return n == 17;
}

char stix_vin_check_digit(const char *vin)
{
	static const int weights[17] = {8, 7, 6, 5, 4, 3, 2, 10, 0,
					9, 8, 7, 6, 5, 4, 3, 2};
	int sum = 0;
	if (!stix_vin_shape_ok(vin))
		return '\0';
	for (int i = 0; i < 17; i++)
		sum += vin_value(vin[i]) * weights[i];
	sum %= 11;
	return sum == 10 ? 'X' : (char)('0' + sum);
}

bool stix_iban_shape_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 15 || n > 34 || !(s[0] >= 'A' && s[0] <= 'Z') ||
	    !(s[1] >= 'A' && s[1] <= 'Z'))
		return false;
	if (!isdigit((unsigned char)s[2]) || !isdigit((unsigned char)s[3]))
		return false;
	for (size_t i = 4; i < n; i++)
		if (!isdigit((unsigned char)s[i]) &&
		    !(s[i] >= 'A' && s[i] <= 'Z'))
			return false;
	return true;
}

int stix_iban_mod97(const char *iban)
{
	size_t n = strlen(iban);
	int rem = 0;
	if (n < 4)
		return -1;
	for (size_t k = 0; k < n; k++) {
		char c = iban[(k + 4) % n];
		if (c >= '0' && c <= '9')
			rem = (rem * 10 + (c - '0')) % 97;
		else if (c >= 'A' && c <= 'Z')
			rem = (rem * 100 + (c - 'A' + 10)) % 97;
		else
			return -1;
	}
	return rem;
}

bool stix_luhn_ok(const char *digits)
{
	size_t n = strlen(digits);
	int sum = 0;
	if (n == 0 || !all_digits(digits, 1, 64))
		return false;
	for (size_t i = 0; i < n; i++) {
		int d = digits[n - 1 - i] - '0';
		if (i % 2 == 1) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return sum % 10 == 0;
}

/* ---------- reporting helpers ---------- */

/* Appends "/key" (RFC 6901 escaped) to base. */
static void ptr_key(char out[PTR_MAX], const char *base, const char *key)
{
	size_t n = strlen(base);

	if (n >= PTR_MAX - 1) { /* truncates like snprintf */
		memmove(out, base, PTR_MAX - 1);
		out[PTR_MAX - 1] = '\0';
		return;
	}
	memmove(out, base, n);
	out[n++] = '/';
	for (; *key && n + 3 < PTR_MAX; key++) {
		if (*key == '~' || *key == '/') {
			out[n++] = '~';
			out[n++] = *key == '~' ? '0' : '1';
		} else {
			out[n++] = *key;
		}
	}
	out[n < PTR_MAX ? n : PTR_MAX - 1] = '\0';
}

static void ptr_index(char out[PTR_MAX], const char *base, size_t i)
{
	char digits[24];
	size_t nd = 0, n = strlen(base);

	if (n > PTR_MAX - 1)
		n = PTR_MAX - 1;
	memmove(out, base, n);
	do {
		digits[nd++] = (char)('0' + i % 10);
		i /= 10;
	} while (i);
	digits[nd++] = '/';
	while (nd && n + 1 < PTR_MAX) /* truncates like snprintf */
		out[n++] = digits[--nd];
	out[n] = '\0';
}

/* The context of one check: the object's id and the JSON pointer of the
 * object holding the properties being checked. */
struct ctx {
	const char *objid;
	const char *base;
	struct stix_report *rep;
};

static void err_at(const struct ctx *c, const char *key, const char *fmt,
		   const char *arg)
{
	char p[PTR_MAX];
	ptr_key(p, c->base, key);
	stix_report_error(c->rep, c->objid, p, fmt, arg);
}

/* A string property: NULL (with an error if required or not a non-empty
 * string of at most max bytes) when not usable. */
static const char *get_str(const struct ctx *c, const json_t *o,
			   const char *key, bool required, size_t max)
{
	const json_t *v = json_object_get(o, key);
	if (!v) {
		if (required)
			err_at(c, key, "'%s' is required", key);
		return NULL;
	}
	if (!json_is_string(v) || json_string_length(v) == 0) {
		err_at(c, key, "'%s' must be a non-empty string", key);
		return NULL;
	}
	if (json_string_length(v) > max) {
		err_at(c, key, "'%s' is too long", key);
		return NULL;
	}
	return json_string_value(v);
}

static void check_enum(const struct ctx *c, const json_t *o, const char *key,
		       bool required, const char *const *allowed)
{
	const char *s = get_str(c, o, key, required, EXT_TEXT_MAX);
	if (s && !in_list(s, allowed))
		err_at(c, key, "'%s' is not one of the allowed values", s);
}

static void check_country(const struct ctx *c, const json_t *o, const char *key)
{
	const char *s = get_str(c, o, key, false, EXT_TEXT_MAX);
	if (s && !is_alpha2(s))
		err_at(c, key,
		       "'%s' must be an upper-case ISO 3166-1 alpha-2 code", s);
}

static void check_date(const struct ctx *c, const json_t *o, const char *key,
		       bool past_only)
{
	long ymd;
	const char *s = get_str(c, o, key, false, EXT_TEXT_MAX);
	if (!s)
		return;
	if (!parse_date(s, &ymd))
		err_at(c, key, "'%s' must be a real date written YYYY-MM-DD",
		       s);
	else if (past_only && (ymd < 19000101 || ymd > today_ymd()))
		err_at(c, key, "'%s' must lie between 1900-01-01 and today", s);
}

static void check_text(const struct ctx *c, const json_t *o, const char *key)
{
	get_str(c, o, key, false, EXT_TEXT_MAX);
}

/* Warns about keys of o not in known (NULL-terminated). */
static void warn_unknown(const struct ctx *c, const json_t *o,
			 const char *const *known)
{
	const char *key;
	const json_t *v;
	char p[PTR_MAX];
	json_object_foreach((json_t *)o, key, v)
	{
		if (in_list(key, known))
			continue;
		ptr_key(p, c->base, key);
		stix_report_warn(
		    c->rep, c->objid, p,
		    "property '%s' is not defined by this extension", key);
	}
}

/* A present array property must be a non-empty array; returns it or NULL. */
static const json_t *get_list(const struct ctx *c, const json_t *o,
			      const char *key, bool required)
{
	const json_t *v = json_object_get(o, key);
	if (!v) {
		if (required)
			err_at(c, key, "'%s' is required", key);
		return NULL;
	}
	if (!json_is_array(v) || json_array_size(v) == 0) {
		err_at(c, key, "'%s' must be a non-empty list", key);
		return NULL;
	}
	return v;
}

static bool body_is_object(const json_t *body, const char *objid,
			   const char *path, struct stix_report *rep)
{
	if (json_is_object(body))
		return true;
	stix_report_error(rep, objid, path, "extension body must be an object");
	return false;
}

static void check_extension_type(const struct ctx *c, const json_t *body,
				 const char *want)
{
	const char *s = get_str(c, body, "extension_type", true, EXT_TEXT_MAX);
	if (s && strcmp(s, want) != 0)
		err_at(c, "extension_type", "must be '%s' for this extension",
		       want);
}

/* ---------- person details (property-extension on identity) ---------- */

static const char *const DOC_TYPES[] = {
    "passport", "id-card", "residence-permit", "visa", "driving-licence",
    "other",	NULL};

static void check_person_names(const struct ctx *c, const json_t *body)
{
	static const char *const scripts[] = {"latn", "cyrl", "arab", NULL};
	static const char *const kinds[] = {"full",	  "given", "family",
					    "patronymic", "alias", NULL};
	static const char *const known[] = {"value", "script", "kind", NULL};
	char base[PTR_MAX], p[PTR_MAX];
	const json_t *names = get_list(c, body, "names", true);
	size_t i;
	const json_t *n;

	if (!names)
		return;
	ptr_key(base, c->base, "names");
	json_array_foreach(names, i, n)
	{
		struct ctx item = {c->objid, p, c->rep};
		ptr_index(p, base, i);
		if (!json_is_object(n)) {
			stix_report_error(c->rep, c->objid, p,
					  "a name must be an object");
			continue;
		}
		get_str(&item, n, "value", true, EXT_TEXT_MAX);
		check_enum(&item, n, "script", true, scripts);
		check_enum(&item, n, "kind", true, kinds);
		warn_unknown(&item, n, known);
	}
}

static void check_person_nationalities(const struct ctx *c, const json_t *body)
{
	char base[PTR_MAX], p[PTR_MAX];
	const json_t *list = get_list(c, body, "nationalities", false);
	size_t i;
	const json_t *v;

	if (!list)
		return;
	ptr_key(base, c->base, "nationalities");
	json_array_foreach(list, i, v)
	{
		if (json_is_string(v) && is_alpha2(json_string_value(v)))
			continue;
		ptr_index(p, base, i);
		stix_report_error(
		    c->rep, c->objid, p,
		    "must be an upper-case ISO 3166-1 alpha-2 code");
	}
}

static void check_person_documents(const struct ctx *c, const json_t *body)
{
	static const char *const known[] = {"document_type", "number",
					    "issuing_country", NULL};
	char base[PTR_MAX], p[PTR_MAX];
	const json_t *list = get_list(c, body, "documents", false);
	size_t i;
	const json_t *d;

	if (!list)
		return;
	ptr_key(base, c->base, "documents");
	json_array_foreach(list, i, d)
	{
		struct ctx item = {c->objid, p, c->rep};
		ptr_index(p, base, i);
		if (!json_is_object(d)) {
			stix_report_error(c->rep, c->objid, p,
					  "a document must be an object");
			continue;
		}
		check_enum(&item, d, "document_type", true, DOC_TYPES);
		get_str(&item, d, "number", true, EXT_NUMBER_MAX);
		check_country(&item, d, "issuing_country");
		warn_unknown(&item, d, known);
	}
}

static void person_validate(const json_t *body, const char *objid,
			    const char *path, struct stix_report *rep)
{
	static const char *const categories[] = {
	    "suspect", "convicted", "victim", "witness",
	    "contact", "informant", NULL};
	static const char *const known[] = {"extension_type",
					    "names",
					    "date_of_birth",
					    "nationalities",
					    "documents",
					    "data_subject_category",
					    NULL};
	struct ctx c = {objid, path, rep};
	char p[PTR_MAX];

	if (!body_is_object(body, objid, path, rep))
		return;
	check_extension_type(&c, body, "property-extension");
	check_person_names(&c, body);
	check_date(&c, body, "date_of_birth", true);
	check_person_nationalities(&c, body);
	check_person_documents(&c, body);
	if (json_object_get(body, "data_subject_category")) {
		check_enum(&c, body, "data_subject_category", false,
			   categories);
	} else {
		ptr_key(p, path, "data_subject_category");
		stix_report_warn(rep, objid, p,
				 "'data_subject_category' should be given "
				 "(Directive 2016/680 art. 6)");
	}
	warn_unknown(&c, body, known);
}

/* ---------- new object types: the body only names its type ---------- */

static void new_body_validate(const json_t *body, const char *objid,
			      const char *path, struct stix_report *rep,
			      const char *ext_type)
{
	static const char *const known[] = {"extension_type", NULL};
	struct ctx c = {objid, path, rep};
	if (!body_is_object(body, objid, path, rep))
		return;
	check_extension_type(&c, body, ext_type);
	warn_unknown(&c, body, known);
}

static void new_sco_body_validate(const json_t *body, const char *objid,
				  const char *path, struct stix_report *rep)
{
	new_body_validate(body, objid, path, rep, "new-sco");
}

static void new_sdo_body_validate(const json_t *body, const char *objid,
				  const char *path, struct stix_report *rep)
{
	new_body_validate(body, objid, path, rep, "new-sdo");
}

/* ---------- top-level rules of the new object types ---------- */

static void vehicle_check(const struct ctx *c, const json_t *o)
{
	const char *vin = get_str(c, o, "vin", false, 32);

	get_str(c, o, "plate", false, 32);

	check_country(c, o, "plate_country");
	check_text(c, o, "make");
	check_text(c, o, "model");
	check_text(c, o, "colour");
	if (!json_object_get(o, "plate") && !json_object_get(o, "vin"))
		stix_report_error(c->rep, c->objid, c->base,
				  "a vehicle needs 'plate' or 'vin'");
	if (!vin)
		return;
	if (!stix_vin_shape_ok(vin)) {
		err_at(
		    c, "vin",
		    "'%s' must be 17 characters of 0-9 and A-Z without I, O, Q",
		    vin);
	} else if (stix_vin_check_digit(vin) != vin[8]) {
		char p[PTR_MAX];
		ptr_key(p, c->base, "vin");
		stix_report_warn(c->rep, c->objid, p,
				 "check digit of '%s' does not verify", vin);
	}
}

static void phone_check(const struct ctx *c, const json_t *o)
{
	const char *v = get_str(c, o, "value", true, 64);
	if (v && (v[0] != '+' || !all_digits(v + 1, 7, 15)))
		err_at(c, "value",
		       "'%s' must be '+' and 7 to 15 digits (national forms go "
		       "into 'raw')",
		       v);
	check_text(c, o, "raw");
	check_country(c, o, "country");
}

static void document_check(const struct ctx *c, const json_t *o)
{
	check_enum(c, o, "document_type", true, DOC_TYPES);
	get_str(c, o, "number", true, EXT_NUMBER_MAX);
	check_country(c, o, "issuing_country");
	check_date(c, o, "valid_until", false);
}

static void account_number_check(const struct ctx *c, const char *type,
				 const char *num)
{
	char p[PTR_MAX];
	ptr_key(p, c->base, "number");
	if (strcmp(type, "bank") == 0 && stix_iban_shape_ok(num) &&
	    stix_iban_mod97(num) != 1)
		stix_report_warn(c->rep, c->objid, p,
				 "IBAN check digits of '%s' do not verify",
				 num);
	if (strcmp(type, "payment-card") == 0 &&
	    (!all_digits(num, 12, 19) || !stix_luhn_ok(num)))
		stix_report_warn(c->rep, c->objid, p,
				 "'%s' is not a 12 to 19 digit card number "
				 "with a valid Luhn digit",
				 num);
}

static void account_check(const struct ctx *c, const json_t *o)
{
	static const char *const types[] = {"bank", "crypto-wallet",
					    "payment-card", "other", NULL};
	const char *type, *num, *cur;

	check_enum(c, o, "account_type", true, types);
	num = get_str(c, o, "number", true, EXT_NUMBER_MAX);
	cur = get_str(c, o, "currency", false, 10);
	check_text(c, o, "network");
	check_text(c, o, "holder_name");
	if (cur) {
		for (const char *p = cur; *p; p++)
			if (!isupper((unsigned char)*p) &&
			    !isdigit((unsigned char)*p)) {
				err_at(
				    c, "currency",
				    "'%s' must be an upper-case code such as "
				    "EUR or USDT",
				    cur);
				break;
			}
		if (strlen(cur) < 3)
			err_at(c, "currency", "'%s' is too short", cur);
	}
	type = json_string_value(json_object_get(o, "account_type"));
	if (type && num)
		account_number_check(c, type, num);
}

static void check_timestamp(const struct ctx *c, const json_t *o,
			    const char *key, bool required, struct ac_ts *out)
{
	const char *s = get_str(c, o, key, required, 64);
	if (s && !ac_ts_parse(s, out))
		err_at(c, key, "'%s' must be an RFC 3339 UTC timestamp", s);
}

static void check_refs(const struct ctx *c, const json_t *o, const char *key)
{
	char base[PTR_MAX], p[PTR_MAX];
	const json_t *list = get_list(c, o, key, false);
	size_t i;
	const json_t *v;

	if (!list)
		return;
	ptr_key(base, c->base, key);
	json_array_foreach(list, i, v)
	{
		if (json_is_string(v) && is_stix_id(json_string_value(v)))
			continue;
		ptr_index(p, base, i);
		stix_report_error(c->rep, c->objid, p,
				  "must be a STIX identifier");
	}
}

/* The SDO common properties a seizure must carry; the core validator
 * checks the rest (it does not know accord-seizure is an SDO). */
static void sdo_common_check(const struct ctx *c, const json_t *o)
{
	struct ac_ts created = {0}, modified = {0};
	const char *sv = get_str(c, o, "spec_version", true, 16);

	if (sv && strcmp(sv, "2.1") != 0)
		err_at(c, "spec_version", "must be '2.1', not '%s'", sv);
	check_timestamp(c, o, "created", true, &created);
	check_timestamp(c, o, "modified", true, &modified);
	if (created.sec && modified.sec && ac_ts_cmp(&modified, &created) < 0)
		err_at(c, "modified", "'%s' must not be earlier than created",
		       json_string_value(json_object_get(o, "modified")));
}

static void seizure_check(const struct ctx *c, const json_t *o)
{
	static const char *const units[] = {"kg",    "g",   "l",   "pieces",
					    "units", "eur", "usd", NULL};
	static const char *const goods[] = {
	    "heroin",	  "cocaine",  "cannabis", "synthetic-drugs",
	    "cigarettes", "firearms", "cash",	  "other",
	    NULL};
	const json_t *q = json_object_get(o, "quantity");
	const char *g, *loc;
	struct ac_ts ts;

	sdo_common_check(c, o);
	g = get_str(c, o, "goods_type", true, EXT_TEXT_MAX);
	if (g && !in_list(g, goods)) {
		char p[PTR_MAX];
		ptr_key(p, c->base, "goods_type");
		stix_report_warn(c->rep, c->objid, p,
				 "'%s' is not in the suggested vocabulary", g);
	}
	if (!q)
		err_at(c, "quantity", "'%s' is required", "quantity");
	else if (!json_is_number(q) || !(json_number_value(q) > 0) ||
		 !isfinite(json_number_value(q)))
		err_at(c, "quantity", "'%s' must be a number above zero",
		       "quantity");
	check_enum(c, o, "unit", true, units);
	check_text(c, o, "place");
	loc = get_str(c, o, "location_ref", false, 128);
	if (loc && strncmp(loc, "location--", 10) != 0)
		err_at(c, "location_ref", "'%s' must refer to a location", loc);
	if (!json_object_get(o, "place") && !json_object_get(o, "location_ref"))
		stix_report_error(c->rep, c->objid, c->base,
				  "a seizure needs 'place' or 'location_ref'");
	check_timestamp(c, o, "seized_at", true, &ts);
	check_refs(c, o, "object_refs");
}

/* ---------- erasure notices and confirmations (new SDOs) ---------- */

/* A required reference: a STIX id, of a type starting with prefix. */
static void check_ref_to(const struct ctx *c, const json_t *o,
			 const char *key, const char *prefix)
{
	const char *s = get_str(c, o, key, true, 300);

	if (s && (!is_stix_id(s) || strncmp(s, prefix, strlen(prefix)) != 0))
		err_at(c, key, "'%s' must be a STIX identifier of the right "
			       "type", key);
}

/* The versions a notice erases (absent: every version): 1 to
 * STIX_ERASE_VERSIONS_MAX distinct timestamps. */
static void check_erased_versions(const struct ctx *c, const json_t *o)
{
	char base[PTR_MAX], p[PTR_MAX];
	const json_t *list = get_list(c, o, "versions", false);
	struct ac_ts ts;
	const json_t *v;
	size_t i;

	if (!list)
		return;
	if (json_array_size(list) > STIX_ERASE_VERSIONS_MAX) {
		err_at(c, "versions", "'%s' names more than 64 versions",
		       "versions");
		return;
	}
	ptr_key(base, c->base, "versions");
	json_array_foreach(list, i, v)
	{
		const char *why = NULL;

		if (!json_is_string(v) || !ac_ts_parse(json_string_value(v),
						       &ts))
			why = "must be an RFC 3339 UTC timestamp";
		for (size_t k = 0; !why && k < i; k++)
			if (json_equal(v, json_array_get(list, k)))
				why = "repeats an earlier version";
		if (why) {
			ptr_index(p, base, i);
			stix_report_error(c->rep, c->objid, p, "%s", why);
		}
	}
}

static void erasure_notice_check(const struct ctx *c, const json_t *o)
{
	sdo_common_check(c, o);
	check_ref_to(c, o, "created_by_ref", "identity--");
	check_ref_to(c, o, "originator_ref", "identity--");
	check_ref_to(c, o, "object_ref", "");
	get_str(c, o, "reason", true, EXT_TEXT_MAX);
	check_erased_versions(c, o);
}

static void erasure_confirmation_check(const struct ctx *c, const json_t *o)
{
	sdo_common_check(c, o);
	check_ref_to(c, o, "created_by_ref", "identity--");
	check_ref_to(c, o, "notice_ref", STIX_TYPE_ERASURE_NOTICE "--");
	check_ref_to(c, o, "object_ref", "");
}

/* ---------- handling markings (property-extension on any object) ---------- */

static void check_handling_names(const struct ctx *c, const json_t *rcpt,
				 const char *key)
{
	char base[PTR_MAX], p[PTR_MAX];
	const json_t *list = get_list(c, rcpt, key, false);
	size_t i;
	const json_t *v;

	if (!list)
		return;
	ptr_key(base, c->base, key);
	if (json_array_size(list) > POLICY_RECIPIENTS_MAX)
		stix_report_error(c->rep, c->objid, base,
				  "at most %d recipients of each kind",
				  POLICY_RECIPIENTS_MAX);
	json_array_foreach(list, i, v)
	{
		const char *s = json_string_value(v);
		size_t n = s ? strlen(s) : 0;
		bool ok = n >= 1 && n <= POLICY_NAME_MAX;
		for (size_t k = 0; ok && k < n; k++)
			ok = islower((unsigned char)s[k]) ||
			     isdigit((unsigned char)s[k]) || s[k] == '.' ||
			     s[k] == '_' || s[k] == '-';
		if (ok)
			continue;
		ptr_index(p, base, i);
		stix_report_error(c->rep, c->objid, p,
				  "a recipient is a user or partner name: 1 "
				  "to 64 of a-z 0-9 . _ -");
	}
}

static void check_handling_recipients(const struct ctx *c, const json_t *body)
{
	static const char *const known[] = {"users", "partners", NULL};
	const json_t *rcpt = json_object_get(body, "recipients");
	char p[PTR_MAX];
	struct ctx inner = {c->objid, p, c->rep};

	if (!rcpt)
		return;
	ptr_key(p, c->base, "recipients");
	if (!json_is_object(rcpt)) {
		stix_report_error(c->rep, c->objid, p,
				  "'recipients' must be an object");
		return;
	}
	check_handling_names(&inner, rcpt, "users");
	check_handling_names(&inner, rcpt, "partners");
	warn_unknown(&inner, rcpt, known);
}

static void check_handling_areas(const struct ctx *c, const json_t *body)
{
	char base[PTR_MAX], p[PTR_MAX];
	const json_t *list = get_list(c, body, "areas", false);
	enum policy_area a;
	size_t i;
	const json_t *v;

	if (!list)
		return;
	ptr_key(base, c->base, "areas");
	if (json_array_size(list) > POLICY_AREA_COUNT * 2)
		stix_report_error(c->rep, c->objid, base, "too many areas");
	json_array_foreach(list, i, v)
	{
		if (policy_area_parse(json_string_value(v), &a))
			continue;
		ptr_index(p, base, i);
		stix_report_error(c->rep, c->objid, p,
				  "not an area of the vocabulary "
				  "(docs/policy.md)");
	}
}

static void check_int_range(const struct ctx *c, const json_t *o,
			    const char *key, long long lo, long long hi)
{
	const json_t *v = json_object_get(o, key);

	if (v && (!json_is_integer(v) || json_integer_value(v) < lo ||
		  json_integer_value(v) > hi))
		err_at(c, key, "'%s' is not an integer in the allowed range",
		       key);
}

static void handling_validate(const json_t *body, const char *objid,
			      const char *path, struct stix_report *rep)
{
	static const char *const codes[] = {"H0", "H1", "H2", "H3", NULL};
	static const char *const reliability[] = {"A", "B", "C", "X", NULL};
	static const char *const known[] = {
	    "extension_type",	  "handling_code",	  "h3_text",
	    "source_reliability", "information_accuracy", "areas",
	    "recipients",	  "retention_days",	  NULL};
	struct ctx c = {objid, path, rep};
	const char *code;

	if (!body_is_object(body, objid, path, rep))
		return;
	check_extension_type(&c, body, "property-extension");
	check_enum(&c, body, "handling_code", false, codes);
	get_str(&c, body, "h3_text", false, EXT_TEXT_MAX);
	code = json_string_value(json_object_get(body, "handling_code"));
	if (code && strcmp(code, "H3") == 0 &&
	    !json_object_get(body, "h3_text"))
		err_at(&c, "h3_text", "'%s' is required with handling code H3",
		       "h3_text");
	if ((!code || strcmp(code, "H3") != 0) &&
	    json_object_get(body, "h3_text"))
		err_at(&c, "h3_text", "'%s' goes only with handling code H3",
		       "h3_text");
	check_enum(&c, body, "source_reliability", false, reliability);
	check_int_range(&c, body, "information_accuracy", 1, 4);
	check_int_range(&c, body, "retention_days", 1,
			POLICY_RETENTION_DAYS_MAX);
	check_handling_areas(&c, body);
	check_handling_recipients(&c, body);
	warn_unknown(&c, body, known);
}

/* ---------- provenance (property-extension on any object) ---------- */

#define SIG_BYTES 64
#define PATH_HASH_BYTES 32
#define PATH_HASH_B64_LEN 44 /* base64 of 32 bytes, with padding */
#define PATH_MAX_ENTRIES 32

/* Errors for every property the extension does not define. */
static void reject_unknown(const struct ctx *c, const json_t *o,
			   const char *const *known)
{
	const char *key;
	const json_t *v;

	json_object_foreach((json_t *)o, key, v)
	{
		if (!in_list(key, known))
			err_at(c, key,
			       "property '%s' is not defined by the provenance "
			       "extension",
			       key);
	}
}

static bool is_sig_b64(const char *s)
{
	unsigned char sig[SIG_BYTES];

	return ac_b64_decode_exact(s, strlen(s), sig, sizeof(sig));
}

static bool is_path_entry(const json_t *e)
{
	const char *s = json_string_value(e);
	unsigned char hash[PATH_HASH_BYTES];

	return s && json_string_length(e) == 1 + PATH_HASH_B64_LEN &&
	       (s[0] == 'l' || s[0] == 'r') &&
	       ac_b64_decode_exact(s + 1, PATH_HASH_B64_LEN, hash,
				   sizeof(hash));
}

/* The path of a tree signature (alg "ed25519-merkle"): 1 to
 * PATH_MAX_ENTRIES sibling hashes. */
static void check_sig_path(const struct ctx *c, const json_t *body,
			   const char *alg)
{
	char base[PTR_MAX], p[PTR_MAX];
	const json_t *path, *e;
	size_t i;

	if (!json_object_get(body, "path"))
		return;
	if (alg && strcmp(alg, "ed25519-merkle") != 0) {
		err_at(c, "path", "'%s' belongs to alg 'ed25519-merkle' only",
		       "path");
		return;
	}
	path = get_list(c, body, "path", false);
	if (!path)
		return;
	if (json_array_size(path) > PATH_MAX_ENTRIES) {
		err_at(c, "path", "'%s' has more than 32 entries", "path");
		return;
	}
	ptr_key(base, c->base, "path");
	json_array_foreach(path, i, e)
	{
		if (is_path_entry(e))
			continue;
		ptr_index(p, base, i);
		stix_report_error(c->rep, c->objid, p,
				  "a path entry must be 'l' or 'r' followed "
				  "by the base64 of 32 bytes");
	}
}

static void provenance_validate(const json_t *body, const char *objid,
				const char *path, struct stix_report *rep)
{
	static const char *const known[] = {"extension_type", "signer", "alg",
					    "sig", "path", NULL};
	static const char *const algs[] = {"ed25519", "ed25519-merkle", NULL};
	struct ctx c = {objid, path, rep};
	const char *s, *alg;

	if (!body_is_object(body, objid, path, rep))
		return;
	check_extension_type(&c, body, "property-extension");
	s = get_str(&c, body, "signer", true, EXT_TEXT_MAX);
	if (s && (strncmp(s, "identity--", 10) != 0 || !is_stix_id(s)))
		err_at(&c, "signer", "'%s' must be an identity id", s);
	alg = get_str(&c, body, "alg", true, EXT_TEXT_MAX);
	if (alg && !in_list(alg, algs))
		err_at(&c, "alg", "'%s' must be 'ed25519' or 'ed25519-merkle'",
		       alg);
	s = get_str(&c, body, "sig", true, EXT_TEXT_MAX);
	if (s && !is_sig_b64(s))
		err_at(&c, "sig", "'%s' must be the base64 of 64 bytes",
		       "sig");
	check_sig_path(&c, body, alg);
	reject_unknown(&c, body, known);
}

/* ---------- the table ---------- */

struct ext_entry {
	struct stix_ext_def def;
	const char *obj_type; /* new object type, or NULL */
	const char *ext_type; /* extension_types entry */
	const char *title;    /* extension-definition name */
	const char *anchor;   /* docs anchor */
	const char *description;
	void (*check)(const struct ctx *c, const json_t *obj);
};

static const struct ext_entry EXTS[] = {
    {{STIX_EXT_PERSON, "person", person_validate},
     NULL,
     "property-extension",
     "accord person details",
     "person",
     "Names in several scripts, date of birth, nationalities, identity "
     "documents and the data subject category of an individual.",
     NULL},
    {{STIX_EXT_VEHICLE, "vehicle", new_sco_body_validate},
     "accord-vehicle",
     "new-sco",
     "accord vehicle",
     "accord-vehicle",
     "A road vehicle identified by registration plate and/or VIN.",
     vehicle_check},
    {{STIX_EXT_PHONE, "phone-number", new_sco_body_validate},
     "accord-phone-number",
     "new-sco",
     "accord phone number",
     "accord-phone-number",
     "A telephone number in international E.164 form.",
     phone_check},
    {{STIX_EXT_DOCUMENT, "document", new_sco_body_validate},
     "accord-document",
     "new-sco",
     "accord document",
     "accord-document",
     "A travel or identity document.",
     document_check},
    {{STIX_EXT_ACCOUNT, "account", new_sco_body_validate},
     "accord-account",
     "new-sco",
     "accord account",
     "accord-account",
     "A bank account, crypto-currency wallet or payment card.",
     account_check},
    {{STIX_EXT_SEIZURE, "seizure", new_sdo_body_validate},
     "accord-seizure",
     "new-sdo",
     "accord seizure",
     "accord-seizure",
     "A seizure of goods (drugs, cigarettes, firearms, cash) by a "
     "law-enforcement agency.",
     seizure_check},
    {{STIX_EXT_HANDLING, "handling", handling_validate},
     NULL,
     "property-extension",
     "accord handling markings",
     "handling",
     "Handling code (H0-H3), evaluation (source reliability and "
     "information accuracy), crime areas, named recipients of TLP:RED "
     "data and retention of any object.",
     NULL},
    {{STIX_EXT_PROVENANCE, "provenance", provenance_validate},
     NULL,
     "property-extension",
     "accord signed provenance",
     "provenance",
     "The Ed25519 signature of the node that created this version, over "
     "the RFC 8785 canonical form of the object without this extension.",
     NULL},
    {{STIX_EXT_ERASURE_NOTICE, "erasure-notice", new_sdo_body_validate},
     STIX_TYPE_ERASURE_NOTICE,
     "new-sdo",
     "accord erasure notice",
     "accord-erasure-notice",
     "A signed notice from a node that it erased every version of an "
     "object, asking the partners it shared the object with to do the "
     "same.",
     erasure_notice_check},
    {{STIX_EXT_ERASURE_CONFIRMATION, "erasure-confirmation",
      new_sdo_body_validate},
     STIX_TYPE_ERASURE_CONFIRMATION,
     "new-sdo",
     "accord erasure confirmation",
     "accord-erasure-confirmation",
     "A signed confirmation that a node acted on an erasure notice: it "
     "holds no version of the object any more.",
     erasure_confirmation_check},
};

const struct stix_ext_def *stix_ext_find(const char *ext_id)
{
	for (size_t i = 0; ext_id && i < AC_ARRAY_LEN(EXTS); i++)
		if (strcmp(EXTS[i].def.id, ext_id) == 0)
			return &EXTS[i].def;
	return NULL;
}

size_t stix_ext_count(void)
{
	return AC_ARRAY_LEN(EXTS);
}

const struct stix_ext_def *stix_ext_at(size_t i)
{
	return i < AC_ARRAY_LEN(EXTS) ? &EXTS[i].def : NULL;
}

static const struct ext_entry *entry_for_type(const char *type)
{
	for (size_t i = 0; type && i < AC_ARRAY_LEN(EXTS); i++)
		if (EXTS[i].obj_type && strcmp(EXTS[i].obj_type, type) == 0)
			return &EXTS[i];
	return NULL;
}

static void check_person_placement(const json_t *obj, const char *objid,
				   const char *type, struct stix_report *rep)
{
	const json_t *exts = json_object_get(obj, "extensions");
	const char *cls;

	if (!json_object_get(exts, STIX_EXT_PERSON))
		return;
	if (!type || strcmp(type, "identity") != 0) {
		stix_report_error(rep, objid, "/extensions/" STIX_EXT_PERSON,
				  "the person extension applies to identity "
				  "objects only");
		return;
	}
	cls = json_string_value(json_object_get(obj, "identity_class"));
	if (!cls || strcmp(cls, "individual") != 0)
		stix_report_error(rep, objid, "/identity_class",
				  "an identity with person details must have "
				  "identity_class 'individual'");
}

void stix_ext_validate_object(const json_t *obj, const char *type,
			      struct stix_report *rep)
{
	const char *objid = json_string_value(json_object_get(obj, "id"));
	const struct ext_entry *e;
	const json_t *body;
	struct ctx c = {objid, "", rep};

	if (!json_is_object(obj))
		return;
	check_person_placement(obj, objid, type, rep);
	e = entry_for_type(type);
	if (!e)
		return;
	body = json_object_get(json_object_get(obj, "extensions"), e->def.id);
	if (!body)
		stix_report_error(rep, objid, "/extensions",
				  "objects of type '%s' must name extension "
				  "definition '%s'",
				  type, e->def.id);
	e->check(&c, obj);
}

/* ---------- the shipped objects ---------- */

/* Shipped marked (TLP:CLEAR, H0), so no node's marking defaults ever
 * change it and every node stores identical bytes. */
static json_t *accord_identity(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s], "
			 "s:{s:{s:s, s:s, s:[s]}}}",
			 "type", "identity", "spec_version", "2.1", "id",
			 STIX_EXT_ACCORD_IDENTITY, "created", DEFS_CREATED,
			 "modified", DEFS_CREATED, "name", "accord project",
			 "identity_class", "organization", "description",
			 "Maintainers of the accord node software and of its "
			 "STIX extensions.",
			 "object_marking_refs",
			 policy_tlp_marking_id(POLICY_TLP_CLEAR), "extensions",
			 STIX_EXT_HANDLING, "extension_type",
			 "property-extension", "handling_code", "H0", "areas",
			 "other");
}

static json_t *definition_of(const struct ext_entry *e)
{
	char schema[256];
	snprintf(schema, sizeof(schema), "%s%s", DOCS_URL, e->anchor);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
			 "s:s, s:[s]}",
			 "type", "extension-definition", "spec_version", "2.1",
			 "id", e->def.id, "created_by_ref",
			 STIX_EXT_ACCORD_IDENTITY, "created", DEFS_CREATED,
			 "modified", DEFS_CREATED, "name", e->title,
			 "description", e->description, "schema", schema,
			 "version", "1.0.0", "extension_types", e->ext_type);
}

json_t *stix_ext_definitions(void)
{
	json_t *arr = json_array();
	json_t *o;

	if (!arr)
		return NULL;
	o = accord_identity();
	if (!o || json_array_append_new(arr, o) != 0)
		goto fail;
	for (size_t i = 0; i < AC_ARRAY_LEN(EXTS); i++) {
		o = definition_of(&EXTS[i]);
		if (!o || json_array_append_new(arr, o) != 0)
			goto fail;
	}
	return arr;
fail:
	json_decref(arr);
	return NULL;
}

/* The TLP 2.0 marking definitions as OASIS publishes them
 * (cti-stix-common-objects, extension-definition-specifications/tlp-2.0). */
#define TLP2_EXT "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
#define TLP2_CREATED "2022-10-01T00:00:00.000Z"

static json_t *tlp2_definition(enum policy_tlp t)
{
	static const char *const names[] = {
	    [POLICY_TLP_CLEAR] = "clear",
	    [POLICY_TLP_GREEN] = "green",
	    [POLICY_TLP_AMBER] = "amber",
	    [POLICY_TLP_AMBER_STRICT] = "amber+strict",
	    [POLICY_TLP_RED] = "red",
	};
	char title[32];
	size_t i;

	snprintf(title, sizeof(title), "TLP:%s", names[t]);
	for (i = 4; title[i]; i++)
		title[i] = (char)toupper((unsigned char)title[i]);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:{s:s, s:s}}}",
			 "type", "marking-definition", "spec_version", "2.1",
			 "id", policy_tlp_marking_id(t), "created",
			 TLP2_CREATED, "name", title, "extensions", TLP2_EXT,
			 "extension_type", "property-extension", "tlp_2_0",
			 names[t]);
}

json_t *stix_shipped_objects(void)
{
	static const enum policy_tlp levels[] = {
	    POLICY_TLP_CLEAR, POLICY_TLP_GREEN, POLICY_TLP_AMBER,
	    POLICY_TLP_AMBER_STRICT, POLICY_TLP_RED};
	json_t *arr = stix_ext_definitions();

	for (size_t i = 0; arr && i < AC_ARRAY_LEN(levels); i++) {
		if (json_array_append_new(arr, tlp2_definition(levels[i]))) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* The canonical forms of the shipped objects, built once. */
#define SHIPPED_MAX 32

struct shipped {
	size_t n;
	char *id[SHIPPED_MAX];
	struct ac_buf canon[SHIPPED_MAX];
};

static struct shipped SHIPPED;
static pthread_once_t SHIPPED_ONCE = PTHREAD_ONCE_INIT;

static void shipped_build(void)
{
	json_t *all = stix_shipped_objects(), *o;
	size_t i;

	json_array_foreach(all, i, o)
	{
		struct ac_buf *b = &SHIPPED.canon[SHIPPED.n];
		const char *id = json_string_value(json_object_get(o, "id"));

		if (SHIPPED.n == SHIPPED_MAX || !id)
			break;
		ac_buf_init(b, 1u << 16);
		SHIPPED.id[SHIPPED.n] = strdup(id);
		if (!SHIPPED.id[SHIPPED.n] || stix_jcs(o, b)) {
			free(SHIPPED.id[SHIPPED.n]);
			ac_buf_release(b);
			continue; /* never matches: treated as any object */
		}
		SHIPPED.n++;
	}
	json_decref(all);
}

bool stix_shipped_identical(const char *id, const char *canon, size_t len)
{
	if (!id || (strncmp(id, "extension-definition--", 22) != 0 &&
		    strncmp(id, "marking-definition--", 20) != 0 &&
		    strcmp(id, STIX_EXT_ACCORD_IDENTITY) != 0))
		return false;
	pthread_once(&SHIPPED_ONCE, shipped_build);
	for (size_t i = 0; i < SHIPPED.n; i++)
		if (strcmp(SHIPPED.id[i], id) == 0)
			return SHIPPED.canon[i].len == len &&
			       memcmp(SHIPPED.canon[i].data, canon, len) == 0;
	return false;
}
