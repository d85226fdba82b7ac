/* Reading markings from STIX objects, and the node defaults. */
#include "base/common.h"
#include "policy/markings.h"
#include "stix/jcs.h"

#include <ctype.h>
#include <strings.h>

#include "stix/ext.h"
#include "stix/json.h"


static const char *const TLP_NAMES[POLICY_TLP_COUNT] = {
    "clear", "green", "amber", "amber+strict", "red"};

static const char *const HANDLING_NAMES[POLICY_HANDLING_COUNT] = {
    "H0", "H1", "H2", "H3"};

static const char *const AREA_NAMES[POLICY_AREA_COUNT] = {
    "drug-trafficking", "organised-crime",   "terrorism-violent-extremism",
    "border-security",  "human-trafficking", "migrant-smuggling",
    "weapons",		"cybercrime",	     "money-laundering",
    "corruption",	"fraud",	     "other"};

/* TLP 2.0 ids first (index = level), then TLP 1.0. */
static const struct {
	const char *id;
	enum policy_tlp tlp;
} TLP_IDS[] = {
    {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
     POLICY_TLP_CLEAR},
    {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
     POLICY_TLP_GREEN},
    {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
     POLICY_TLP_AMBER},
    {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
     POLICY_TLP_AMBER_STRICT},
    {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
     POLICY_TLP_RED},
    /* TLP 1.0 (STIX 2.1 section 7.2.1.4); WHITE is CLEAR in TLP 2.0. */
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
     POLICY_TLP_CLEAR},
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
     POLICY_TLP_GREEN},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
     POLICY_TLP_AMBER},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
     POLICY_TLP_RED},
};

void policy_defaults_init(struct policy_defaults *d)
{
	d->tlp = POLICY_TLP_AMBER;
	d->handling = POLICY_H0;
	d->areas = POLICY_AREA_BIT(POLICY_AREA_OTHER);
	d->retention_days = 0;
}

const char *policy_tlp_name(enum policy_tlp t)
{
	return (unsigned)t < POLICY_TLP_COUNT ? TLP_NAMES[t] : "?";
}

bool policy_tlp_parse(const char *s, enum policy_tlp *out)
{
	for (int i = 0; s && i < POLICY_TLP_COUNT; i++)
		if (strcasecmp(s, TLP_NAMES[i]) == 0) {
			*out = (enum policy_tlp)i;
			return true;
		}
	return false;
}

const char *policy_handling_name(enum policy_handling h)
{
	return (unsigned)h < POLICY_HANDLING_COUNT ? HANDLING_NAMES[h] : "?";
}

bool policy_handling_parse(const char *s, enum policy_handling *out)
{
	for (int i = 0; s && i < POLICY_HANDLING_COUNT; i++)
		if (strcasecmp(s, HANDLING_NAMES[i]) == 0) {
			*out = (enum policy_handling)i;
			return true;
		}
	return false;
}

const char *policy_area_name(enum policy_area a)
{
	return (unsigned)a < POLICY_AREA_COUNT ? AREA_NAMES[a] : "?";
}

bool policy_area_parse(const char *s, enum policy_area *out)
{
	for (int i = 0; s && i < POLICY_AREA_COUNT; i++)
		if (strcmp(s, AREA_NAMES[i]) == 0) {
			*out = (enum policy_area)i;
			return true;
		}
	return false;
}

ac_rc policy_areas_parse(const char *list, policy_area_mask *out,
			 struct ac_err *err)
{
	policy_area_mask m = 0;
	const char *p = list ? list : "";

	for (;;) {
		char item[64];
		size_t n;
		enum policy_area a;
		const char *end = strchr(p, ',');

		while (*p == ' ')
			p++;
		n = end ? (size_t)(end - p) : strlen(p);
		while (n && p[n - 1] == ' ')
			n--;
		if (n == 0 || n >= sizeof(item))
			return ac_err_set(err, AC_ERR_PARSE,
					  "bad area list '%.200s': an empty or "
					  "overlong item",
					  list ? list : "");
		memcpy(item, p, n);
		item[n] = '\0';
		if (!policy_area_parse(item, &a))
			return ac_err_set(err, AC_ERR_PARSE,
					  "unknown area '%s'; areas are "
					  "drug-trafficking, organised-crime, "
					  "terrorism-violent-extremism, "
					  "border-security, human-trafficking, "
					  "migrant-smuggling, weapons, "
					  "cybercrime, money-laundering, "
					  "corruption, fraud, other",
					  item);
		m |= POLICY_AREA_BIT(a);
		if (!end)
			break;
		p = end + 1;
	}
	*out = m;
	return AC_OK;
}

void policy_areas_format(policy_area_mask m, char out[POLICY_AREAS_STRLEN])
{
	size_t n = 0;

	out[0] = '\0';
	for (int i = 0; i < POLICY_AREA_COUNT; i++) {
		if (!(m & POLICY_AREA_BIT(i)))
			continue;
		n += (size_t)snprintf(out + n, POLICY_AREAS_STRLEN - n, "%s%s",
				      n ? "," : "", AREA_NAMES[i]);
		if (n >= POLICY_AREAS_STRLEN)
			return;
	}
}

bool policy_tlp_of_marking(const char *marking_ref, enum policy_tlp *out)
{
	for (size_t i = 0; marking_ref && i < AC_ARRAY_LEN(TLP_IDS); i++)
		if (strcmp(marking_ref, TLP_IDS[i].id) == 0) {
			*out = TLP_IDS[i].tlp;
			return true;
		}
	return false;
}

const char *policy_tlp_marking_id(enum policy_tlp t)
{
	return (unsigned)t < POLICY_TLP_COUNT ? TLP_IDS[t].id : NULL;
}

/* ---- reading ---- */

static ac_rc bad(struct ac_err *err, const json_t *obj, const char *what)
{
	const char *id = stix_get_str(obj, "id");

	return ac_err_set(err, AC_ERR_INVALID, "object '%.128s': %s",
			  id ? id : "<no id>", what);
}

static ac_rc read_tlp(const json_t *obj, struct policy_markings *m,
		      struct ac_err *err)
{
	const json_t *refs = json_object_get(obj, "object_marking_refs");
	const json_t *v;
	size_t i;

	if (!refs)
		return AC_OK;
	if (!json_is_array(refs) || json_array_size(refs) > POLICY_MARKING_REFS_MAX)
		return bad(err, obj, "object_marking_refs is not a short list");
	json_array_foreach(refs, i, v)
	{
		enum policy_tlp t;
		if (!json_is_string(v))
			return bad(err, obj, "a marking ref is not a string");
		if (!policy_tlp_of_marking(json_string_value(v), &t))
			continue;
		if (!m->tlp_given || t > m->tlp)
			m->tlp = t;
		m->tlp_given = true;
	}
	return AC_OK;
}

bool policy_name_ok(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!(islower((unsigned char)s[n]) ||
		      isdigit((unsigned char)s[n]) || s[n] == '.' ||
		      s[n] == '_' || s[n] == '-'))
			return false;
	return n >= 1 && n <= POLICY_NAME_MAX;
}

static bool read_names(const json_t *list, char names[][POLICY_NAME_MAX + 1],
		       size_t *count)
{
	const json_t *v;
	size_t i;

	*count = 0;
	if (!list)
		return true;
	if (!json_is_array(list) || json_array_size(list) > POLICY_RECIPIENTS_MAX)
		return false;
	json_array_foreach(list, i, v)
	{
		if (!json_is_string(v) || !policy_name_ok(json_string_value(v)))
			return false;
		snprintf(names[*count], POLICY_NAME_MAX + 1, "%s",
			 json_string_value(v));
		(*count)++;
	}
	return true;
}

static bool read_areas(const json_t *list, policy_area_mask *out)
{
	const json_t *v;
	size_t i;

	*out = 0;
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > POLICY_AREA_COUNT * 2)
		return false;
	json_array_foreach(list, i, v)
	{
		enum policy_area a;
		if (!policy_area_parse(json_string_value(v), &a))
			return false;
		*out |= POLICY_AREA_BIT(a);
	}
	return true;
}

static bool read_evaluation(const json_t *ext, struct policy_markings *m)
{
	const json_t *rel = json_object_get(ext, "source_reliability");
	const json_t *acc = json_object_get(ext, "information_accuracy");
	const char *r;

	if (rel) {
		r = json_string_value(rel);
		if (!r || strlen(r) != 1 || !strchr("ABCX", r[0]))
			return false;
		m->reliability = r[0];
	}
	if (acc) {
		if (!json_is_integer(acc) || json_integer_value(acc) < 1 ||
		    json_integer_value(acc) > 4)
			return false;
		m->accuracy = (int)json_integer_value(acc);
	}
	return true;
}

static bool read_handling_ext(const json_t *ext, struct policy_markings *m)
{
	const json_t *code = json_object_get(ext, "handling_code");
	const json_t *h3 = json_object_get(ext, "h3_text");
	const json_t *areas = json_object_get(ext, "areas");
	const json_t *rcpt = json_object_get(ext, "recipients");
	const json_t *days = json_object_get(ext, "retention_days");

	if (!json_is_object(ext))
		return false;
	if (code) {
		if (!policy_handling_parse(json_string_value(code),
					   &m->handling))
			return false;
		m->handling_given = true;
	}
	if (h3) {
		if (!json_is_string(h3) ||
		    json_string_length(h3) > POLICY_TEXT_MAX)
			return false;
		snprintf(m->h3_text, sizeof(m->h3_text), "%s",
			 json_string_value(h3));
	}
	if (areas) {
		if (!read_areas(areas, &m->areas))
			return false;
		m->areas_given = true;
	}
	if (rcpt && (!json_is_object(rcpt) ||
		     !read_names(json_object_get(rcpt, "users"), m->users,
				 &m->nusers) ||
		     !read_names(json_object_get(rcpt, "partners"),
				 m->partners, &m->npartners)))
		return false;
	if (days) {
		if (!json_is_integer(days) || json_integer_value(days) < 1 ||
		    json_integer_value(days) > POLICY_RETENTION_DAYS_MAX)
			return false;
		m->retention_days = (int)json_integer_value(days);
	}
	return read_evaluation(ext, m);
}

static void read_subject_category(const json_t *obj, struct policy_markings *m)
{
	const json_t *person = json_object_get(
	    json_object_get(obj, "extensions"), STIX_EXT_PERSON);
	const char *cat = json_string_value(
	    json_object_get(person, "data_subject_category"));

	if (cat && strlen(cat) < sizeof(m->subject_category))
		snprintf(m->subject_category, sizeof(m->subject_category),
			 "%s", cat);
}

ac_rc policy_markings_read(const json_t *obj, const struct policy_defaults *d,
			   struct policy_markings *out, struct ac_err *err)
{
	struct policy_defaults dflt;
	const json_t *exts, *handling;
	ac_rc rc;

	if (!d) {
		policy_defaults_init(&dflt);
		d = &dflt;
	}
	memset(out, 0, sizeof(*out));
	if (!json_is_object(obj))
		return ac_err_set(err, AC_ERR_INVALID,
				  "cannot read markings: not an object");
	rc = read_tlp(obj, out, err);
	if (rc)
		return rc;
	exts = json_object_get(obj, "extensions");
	handling = json_object_get(exts, STIX_EXT_HANDLING);
	if (handling && !read_handling_ext(handling, out))
		return bad(err, obj, "malformed handling extension");
	read_subject_category(obj, out);
	if (!out->tlp_given)
		out->tlp = d->tlp;
	if (!out->handling_given)
		out->handling = d->handling;
	if (!out->areas_given)
		out->areas = d->areas ? d->areas
				      : POLICY_AREA_BIT(POLICY_AREA_OTHER);
	return AC_OK;
}

/* Appends `"key":`, after a comma unless first (keys here are plain
 * ASCII). */
static ac_rc add_key(struct ac_buf *out, bool *first, const char *key)
{
	ac_rc rc = *first ? AC_OK : ac_buf_addc(out, ',');

	*first = false;
	if (!rc)
		rc = ac_buf_addc(out, '"');
	if (!rc)
		rc = ac_buf_adds(out, key);
	return rc ? rc : ac_buf_add(out, "\":", 2);
}

static ac_rc add_member(struct ac_buf *out, bool *first, const char *key,
			const json_t *v)
{
	ac_rc rc = add_key(out, first, key);

	return rc ? rc : stix_jcs(v, out);
}

/* The summary's "extensions" member: the handling extension, then (the
 * keys' canonical order) the person extension's data_subject_category. */
static ac_rc add_summary_exts(struct ac_buf *out, bool *first,
			      const json_t *handling, const json_t *category)
{
	bool inner = true, cat = true;
	ac_rc rc;

	if (!handling && !category)
		return AC_OK;
	rc = add_key(out, first, "extensions");
	if (!rc)
		rc = ac_buf_addc(out, '{');
	if (!rc && handling)
		rc = add_member(out, &inner, STIX_EXT_HANDLING, handling);
	if (!rc && category) {
		rc = add_key(out, &inner, STIX_EXT_PERSON);
		if (!rc)
			rc = ac_buf_addc(out, '{');
		if (!rc)
			rc = add_member(out, &cat, "data_subject_category",
					category);
		if (!rc)
			rc = ac_buf_addc(out, '}');
	}
	return rc ? rc : ac_buf_addc(out, '}');
}

/* Written member by member in RFC 8785 order (extensions,
 * granular_markings, id, object_marking_refs, type): no jansson object is
 * built and canonicalised, which cost each ingest worker ~7% of its time. */
ac_rc policy_markings_summary(const json_t *obj, struct ac_buf *out)
{
	const json_t *exts = json_object_get(obj, "extensions");
	const json_t *person = json_object_get(exts, STIX_EXT_PERSON);
	const char *keys[] = {"id", "object_marking_refs", "type"};
	bool first = true;
	ac_rc rc;

	ac_buf_reset(out);
	if (!json_is_object(obj))
		return AC_ERR_INVALID;
	rc = ac_buf_addc(out, '{');
	if (!rc)
		rc = add_summary_exts(
		    out, &first, json_object_get(exts, STIX_EXT_HANDLING),
		    json_object_get(person, "data_subject_category"));
	if (!rc && json_object_get(obj, "granular_markings")) {
		rc = add_key(out, &first, "granular_markings");
		if (!rc)
			rc = ac_buf_add(out, "[]", 2);
	}
	for (size_t i = 0; !rc && i < AC_ARRAY_LEN(keys); i++) {
		const json_t *v = json_object_get(obj, keys[i]);
		if (v)
			rc = add_member(out, &first, keys[i], v);
	}
	if (!rc)
		rc = ac_buf_addc(out, '}');
	if (rc)
		ac_buf_reset(out);
	return rc;
}

static bool in_names(const char names[][POLICY_NAME_MAX + 1], size_t n,
		     const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

bool policy_markings_names_user(const struct policy_markings *m,
				const char *name)
{
	return in_names(m->users, m->nusers, name);
}

bool policy_markings_names_partner(const struct policy_markings *m,
				   const char *name)
{
	return in_names(m->partners, m->npartners, name);
}

/* ---- defaults at ingest ---- */

static bool is_meta_type(const char *type)
{
	return type && (strcmp(type, "marking-definition") == 0 ||
			strcmp(type, "extension-definition") == 0 ||
			strcmp(type, "language-content") == 0);
}

static bool has_tlp(const json_t *refs)
{
	const json_t *v;
	size_t i;
	enum policy_tlp t;

	json_array_foreach(refs, i, v)
		if (policy_tlp_of_marking(json_string_value(v), &t))
			return true;
	return false;
}

static ac_rc add_tlp(json_t *obj, enum policy_tlp tlp)
{
	json_t *refs = json_object_get(obj, "object_marking_refs");

	if (refs && !json_is_array(refs))
		return AC_ERR_INVALID;
	if (refs && has_tlp(refs))
		return AC_OK;
	if (!refs) {
		refs = json_array();
		if (!refs || json_object_set_new(obj, "object_marking_refs",
						 refs) != 0)
			return AC_ERR_NOMEM;
	}
	return json_array_append_new(refs,
				     json_string(policy_tlp_marking_id(tlp))) ?
		       AC_ERR_NOMEM :
		       AC_OK;
}

static json_t *areas_array(policy_area_mask m)
{
	json_t *a = json_array();

	for (int i = 0; a && i < POLICY_AREA_COUNT; i++)
		if ((m & POLICY_AREA_BIT(i)) &&
		    json_array_append_new(a, json_string(AREA_NAMES[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static ac_rc add_handling(json_t *obj, const struct policy_defaults *d)
{
	json_t *exts = json_object_get(obj, "extensions");
	json_t *body;

	if (exts && !json_is_object(exts))
		return AC_ERR_INVALID;
	if (json_object_get(exts, STIX_EXT_HANDLING))
		return AC_OK;
	body = json_pack("{s:s, s:s, s:o}", "extension_type",
			 "property-extension", "handling_code",
			 policy_handling_name(d->handling), "areas",
			 areas_array(d->areas ? d->areas
					      : POLICY_AREA_BIT(
						    POLICY_AREA_OTHER)));
	if (!body)
		return AC_ERR_NOMEM;
	if (!exts) {
		exts = json_object();
		if (!exts || json_object_set_new(obj, "extensions", exts)) {
			json_decref(body);
			return AC_ERR_NOMEM;
		}
	}
	return json_object_set_new(exts, STIX_EXT_HANDLING, body) ?
		       AC_ERR_NOMEM :
		       AC_OK;
}

ac_rc policy_apply_defaults(json_t *obj, const struct policy_defaults *d)
{
	struct policy_defaults dflt;
	ac_rc rc;

	if (!json_is_object(obj))
		return AC_ERR_INVALID;
	if (is_meta_type(stix_get_str(obj, "type")))
		return AC_OK;
	if (!d) {
		policy_defaults_init(&dflt);
		d = &dflt;
	}
	rc = add_tlp(obj, d->tlp);
	return rc ? rc : add_handling(obj, d);
}
