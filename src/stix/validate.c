/* STIX 2.1 object validation: common properties, identifiers, timestamps,
 * the per-type registry (types.c), references, custom properties and
 * extensions. Everything is read in place; nothing is allocated. */
#include "base/common.h"
#include "base/time.h"
#include "base/uuid.h"
#include "stix/ext.h"
#include "stix/json.h"
#include "stix/types.h"
#include "stix/validate.h"

#define PATH_MAX_LEN 320
#define MSG_MAX 256
#define TYPE_MAX 250
#define INT_LIMIT 9007199254740991LL /* STIX integers: 2^53 - 1 */
#define EXTDEF_PREFIX "extension-definition--"

/* ---- paths and reporting ---- */

/* out = base + "/" + key, the key escaped as a JSON pointer token. */
static void path_join(char *out, size_t n, const char *base, const char *key)
{
	size_t len = strlen(base), klen;

	if (len >= n)
		len = n - 1;
	memmove(out, base, len);
	out[len] = '\0';
	if (key == NULL || len + 1 >= n)
		return;
	out[len++] = '/';
	klen = strlen(key);
	if (len + klen + 3 < n && !memchr(key, '~', klen) &&
	    !memchr(key, '/', klen)) { /* nothing to escape: the usual case */
		memcpy(out + len, key, klen + 1);
		return;
	}
	for (; *key != '\0' && len + 3 < n; key++) {
		if (*key == '~' || *key == '/') {
			out[len++] = '~';
			out[len++] = *key == '~' ? '0' : '1';
		} else {
			out[len++] = *key;
		}
	}
	out[len] = '\0';
}

static void path_index(char *out, size_t n, const char *base, const char *key,
		       size_t i)
{
	char digits[24];
	size_t nd = 0, len;

	path_join(out, n, base, key);
	len = strlen(out);
	do {
		digits[nd++] = (char)('0' + i % 10);
		i /= 10;
	} while (i);
	digits[nd++] = '/';
	while (nd && len + 1 < n) /* truncates like snprintf */
		out[len++] = digits[--nd];
	out[len] = '\0';
}

void stix_v_error(struct vctx *v, const char *path, const char *key,
		  const char *fmt, ...)
{
	char p[PATH_MAX_LEN], msg[MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	path_join(p, sizeof(p), path, key);
	stix_report_error(v->rep, v->id, p, "%s", msg);
}

void stix_v_warn(struct vctx *v, const char *path, const char *key,
		 const char *fmt, ...)
{
	char p[PATH_MAX_LEN], msg[MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	path_join(p, sizeof(p), path, key);
	stix_report_warn(v->rep, v->id, p, "%s", msg);
}

bool stix_v_ts(const json_t *body, const char *key, struct ac_ts *out)
{
	const char *s = json_string_value(json_object_get(body, key));
	return s != NULL && ac_ts_parse(s, out);
}

void stix_v_ts_order(struct vctx *v, const json_t *body, const char *path,
		     const char *earlier, const char *later, bool strict)
{
	struct ac_ts a, b;
	int c;

	if (!stix_v_ts(body, earlier, &a) || !stix_v_ts(body, later, &b))
		return;
	c = ac_ts_cmp(&b, &a);
	if (strict && c <= 0)
		stix_v_error(v, path, later, "must be later than %s", earlier);
	else if (!strict && c < 0)
		stix_v_error(v, path, later,
			     "must be later than or equal to %s", earlier);
}

/* ---- names and identifiers ---- */

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* STIX type names: 3-250 ASCII chars of a-z, 0-9 and '-', starting with a
 * letter, no two hyphens in a row. */
static bool type_name_ok(const char *s, size_t len)
{
	if (len < 3 || len > TYPE_MAX || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '-') {
			if (s[i - 1] == '-')
				return false;
		} else if (!is_lower_alnum(s[i])) {
			return false;
		}
	}
	return true;
}

/* Property names: 3-250 ASCII chars of a-z, A-Z, 0-9 and '_'. */
static bool prop_name_ok(const char *s)
{
	size_t len = 0;
	for (; s[len] != '\0'; len++) {
		char c = s[len];
		if (!(is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_'))
			return false;
		if (len >= TYPE_MAX)
			return false;
	}
	return len >= 3;
}

/* Parses "<type>--<uuid>"; on success *tlen is the type's length and u the
 * UUID. Returns NULL or the reason it is not an identifier. */
static const char *id_parse(const char *s, size_t *tlen, uint8_t u[16])
{
	const char *sep = strstr(s, "--");
	if (sep == NULL)
		return "must be '<type>--<uuid>'";
	*tlen = (size_t)(sep - s);
	if (!type_name_ok(s, *tlen))
		return "has an invalid type part";
	if (strlen(sep + 2) != 36 || !ac_uuid_parse(sep + 2, 36, u))
		return "has an invalid uuid part";
	if (!ac_uuid_is_rfc4122(u))
		return "uuid is not an RFC 4122 variant";
	return NULL;
}

static bool ref_target_ok(const struct prop_spec *ps, const char *type)
{
	enum stix_kind k;

	if (ps->ref_class == REF_TYPES)
		return stix_types_in(ps->vals, type);
	k = stix_type_kind(type);
	switch (ps->ref_class) {
	case REF_SDO:
		return k == STIX_KIND_SDO || k == STIX_KIND_CUSTOM;
	case REF_SCO:
		return k == STIX_KIND_SCO || k == STIX_KIND_CUSTOM;
	case REF_SDO_SCO:
		return k == STIX_KIND_SDO || k == STIX_KIND_SCO ||
		       k == STIX_KIND_CUSTOM;
	case REF_SCO_SRO:
		return k == STIX_KIND_SCO || k == STIX_KIND_SRO ||
		       k == STIX_KIND_CUSTOM;
	default:
		return true;
	}
}

static const char *ref_class_name(const struct prop_spec *ps)
{
	switch (ps->ref_class) {
	case REF_SDO:
		return "an SDO";
	case REF_SCO:
		return "an SCO";
	case REF_SDO_SCO:
		return "an SDO or SCO";
	case REF_SCO_SRO:
		return "an SCO or SRO";
	default:
		return "an allowed type";
	}
}

/* "a, b or c" into out. */
static const char *join_types(const char *const *vals, char *out, size_t n)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; vals[i] != NULL && len < n; i++) {
		const char *sep = i == 0 ? "" : vals[i + 1] == NULL ? " or " : ", ";
		int w = snprintf(out + len, n - len, "%s%s", sep, vals[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	return out;
}

/* Checks one reference value; ps may be NULL (any target). Returns the
 * target's kind, or -1 when it is not a valid identifier. */
static int check_ref(struct vctx *v, const struct prop_spec *ps,
		     const json_t *val, const char *path)
{
	char type[TYPE_MAX + 1];
	const char *s = json_string_value(val), *why;
	uint8_t u[16];
	size_t tlen;

	if (s == NULL) {
		stix_v_error(v, path, NULL, "must be an identifier string");
		return -1;
	}
	why = id_parse(s, &tlen, u);
	if (why != NULL) {
		stix_v_error(v, path, NULL, "'%.80s' is not an identifier: %s",
			     s, why);
		return -1;
	}
	memcpy(type, s, tlen);
	type[tlen] = '\0';
	if (ps != NULL && ps->ref_class != REF_ANY && !ref_target_ok(ps, type)) {
		char allowed[MSG_MAX / 2];
		if (ps->ref_class == REF_TYPES)
			stix_v_error(v, path, NULL,
				     "must refer to %s, not '%s'",
				     join_types(ps->vals, allowed,
						sizeof(allowed)),
				     type);
		else
			stix_v_error(v, path, NULL, "must refer to %s, not '%s'",
				     ref_class_name(ps), type);
	}
	return (int)stix_type_kind(type);
}

/* ---- property values ---- */

static bool nonempty_array(struct vctx *v, const json_t *val, const char *path)
{
	if (!json_is_array(val)) {
		stix_v_error(v, path, NULL, "must be a list");
		return false;
	}
	if (json_array_size(val) == 0) {
		stix_v_error(v, path, NULL, "must not be an empty list");
		return false;
	}
	return true;
}

static void check_hashes(struct vctx *v, const json_t *val, const char *path)
{
	static const struct {
		const char *algo;
		size_t hexlen;
	} known[] = { { "MD5", 32 },      { "SHA-1", 40 },
		      { "SHA-256", 64 },  { "SHA-512", 128 },
		      { "SHA3-256", 64 }, { "SHA3-512", 128 } };
	const char *key;
	json_t *h;

	if (!json_is_object(val)) {
		stix_v_error(v, path, NULL, "hashes must be a dictionary");
		return;
	}
	if (json_object_size(val) == 0)
		stix_v_error(v, path, NULL, "hashes must not be empty");
	json_object_foreach((json_t *)val, key, h) {
		const char *s = json_string_value(h);
		if (s == NULL || s[0] == '\0') {
			stix_v_error(v, path, key,
				     "hash value must be a non-empty string");
			continue;
		}
		for (size_t i = 0; i < AC_ARRAY_LEN(known); i++) {
			size_t n = strlen(s);
			if (strcmp(key, known[i].algo) != 0)
				continue;
			if (n != known[i].hexlen ||
			    strspn(s, "0123456789abcdefABCDEF") != n)
				stix_v_warn(v, path, key,
					    "should be %zu hex digits",
					    known[i].hexlen);
		}
	}
}

static void check_kill_chain(struct vctx *v, const json_t *val,
			     const char *path)
{
	char p[PATH_MAX_LEN];
	size_t i;
	json_t *k;

	if (!nonempty_array(v, val, path))
		return;
	json_array_foreach(val, i, k) {
		path_index(p, sizeof(p), path, NULL, i);
		if (!json_is_object(k)) {
			stix_v_error(v, p, NULL, "kill chain phase must be an "
				     "object");
			continue;
		}
		if (!json_is_string(json_object_get(k, "kill_chain_name")))
			stix_v_error(v, p, "kill_chain_name",
				     "required string missing");
		if (!json_is_string(json_object_get(k, "phase_name")))
			stix_v_error(v, p, "phase_name",
				     "required string missing");
	}
}

static void check_props(struct vctx *v, const struct type_spec *ts,
			const json_t *body, const char *path);

static void check_list_items(struct vctx *v, const struct prop_spec *ps,
			     const json_t *val, const char *path)
{
	char p[PATH_MAX_LEN];
	size_t i;
	json_t *it;

	json_array_foreach(val, i, it) {
		path_index(p, sizeof(p), path, NULL, i);
		switch (ps->kind) {
		case PK_REFS:
			check_ref(v, ps, it, p);
			break;
		case PK_STRS:
			if (!json_is_string(it))
				stix_v_error(v, p, NULL, "must be a string");
			break;
		case PK_ENUMS:
			if (!json_is_string(it) ||
			    !stix_types_in(ps->vals, json_string_value(it)))
				stix_v_error(v, p, NULL,
					     "not a value of the closed "
					     "enumeration");
			break;
		default:
			if (ps->item == NULL)
				break;
			if (json_is_object(it))
				check_props(v, ps->item, it, p);
			else
				stix_v_error(v, p, NULL, "must be an object");
			break;
		}
	}
}

static void check_number(struct vctx *v, const struct prop_spec *ps,
			 const json_t *val, const char *path)
{
	if (ps->kind == PK_INT) {
		json_int_t n;
		if (!json_is_integer(val)) {
			stix_v_error(v, path, NULL, "must be an integer");
			return;
		}
		n = json_integer_value(val);
		if (n < -INT_LIMIT || n > INT_LIMIT)
			stix_v_error(v, path, NULL,
				     "integer outside the STIX range");
		else if (n < ps->min || n > ps->max)
			stix_v_error(v, path, NULL,
				     "must be between %lld and %lld",
				     (long long)ps->min, (long long)ps->max);
		return;
	}
	if (!json_is_number(val)) {
		stix_v_error(v, path, NULL, "must be a number");
		return;
	}
	if (json_number_value(val) < (double)ps->min ||
	    json_number_value(val) > (double)ps->max)
		stix_v_error(v, path, NULL, "must be between %lld and %lld",
			     (long long)ps->min, (long long)ps->max);
}

/* Checks a value against its spec; path already names the property. */
static void check_value(struct vctx *v, const struct prop_spec *ps,
			const json_t *val, const char *path)
{
	const char *s;
	struct ac_ts ts;

	switch (ps->kind) {
	case PK_STR:
		if (!json_is_string(val))
			stix_v_error(v, path, NULL, "must be a string");
		break;
	case PK_TS:
		s = json_string_value(val);
		if (s == NULL || !ac_ts_parse(s, &ts))
			stix_v_error(v, path, NULL,
				     "must be an RFC 3339 UTC timestamp "
				     "(YYYY-MM-DDTHH:MM:SS[.s]Z)");
		break;
	case PK_INT:
	case PK_NUM:
		check_number(v, ps, val, path);
		break;
	case PK_BOOL:
		if (!json_is_boolean(val))
			stix_v_error(v, path, NULL, "must be a boolean");
		break;
	case PK_REF:
		check_ref(v, ps, val, path);
		break;
	case PK_ENUM:
		s = json_string_value(val);
		if (s == NULL || !stix_types_in(ps->vals, s))
			stix_v_error(v, path, NULL,
				     "'%.60s' is not a value of the closed "
				     "enumeration", s != NULL ? s : "");
		break;
	case PK_REFS:
	case PK_ENUMS:
	case PK_STRS:
	case PK_LIST:
		if (nonempty_array(v, val, path))
			check_list_items(v, ps, val, path);
		break;
	case PK_DICT:
		if (!json_is_object(val))
			stix_v_error(v, path, NULL, "must be a dictionary");
		break;
	case PK_HASHES:
		check_hashes(v, val, path);
		break;
	case PK_KCP:
		check_kill_chain(v, val, path);
		break;
	default:
		break;
	}
}

/* Properties the spec does not define: `*_ref` / `*_refs` must still hold
 * identifiers. */
static void check_unknown_prop(struct vctx *v, const char *key,
			       const json_t *val, const char *path)
{
	char p[PATH_MAX_LEN];
	size_t len = strlen(key), i;
	json_t *it;

	if (len > 4 && strcmp(key + len - 4, "_ref") == 0) {
		check_ref(v, NULL, val, path);
	} else if (len > 5 && strcmp(key + len - 5, "_refs") == 0) {
		if (!nonempty_array(v, val, path))
			return;
		json_array_foreach(val, i, it) {
			path_index(p, sizeof(p), path, NULL, i);
			check_ref(v, NULL, it, p);
		}
	}
}

/* Validates a nested body (extension or list item) against ts. */
static void check_props(struct vctx *v, const struct type_spec *ts,
			const json_t *body, const char *path)
{
	char p[PATH_MAX_LEN];
	const char *key;
	json_t *val;

	json_object_foreach((json_t *)body, key, val) {
		const struct prop_spec *ps = stix_types_prop(ts, key);
		path_join(p, sizeof(p), path, key);
		if (ps != NULL)
			check_value(v, ps, val, p);
		else
			check_unknown_prop(v, key, val, p);
	}
	for (size_t i = 0; i < ts->nprops; i++)
		if (ts->props[i].required &&
		    json_object_get(body, ts->props[i].name) == NULL)
			stix_v_error(v, path, ts->props[i].name,
				     "required property missing");
	if (ts->check != NULL)
		ts->check(v, body, path);
}

/* ---- common properties ---- */

static void check_external_refs(struct vctx *v, const json_t *val,
				const char *path)
{
	static const char *const text_fields[] = { "description", "url",
						   "external_id" };
	char p[PATH_MAX_LEN];
	size_t i;
	json_t *r;

	if (!nonempty_array(v, val, path))
		return;
	json_array_foreach(val, i, r) {
		const char *src, *eid;
		path_index(p, sizeof(p), path, NULL, i);
		if (!json_is_object(r)) {
			stix_v_error(v, p, NULL,
				     "external reference must be an object");
			continue;
		}
		src = json_string_value(json_object_get(r, "source_name"));
		eid = json_string_value(json_object_get(r, "external_id"));
		if (src == NULL)
			stix_v_error(v, p, "source_name",
				     "required string missing");
		if (!json_object_get(r, "description") &&
		    !json_object_get(r, "url") &&
		    !json_object_get(r, "external_id"))
			stix_v_error(v, p, NULL,
				     "needs description, url or external_id");
		for (size_t k = 0; k < AC_ARRAY_LEN(text_fields); k++) {
			const json_t *f = json_object_get(r, text_fields[k]);
			if (f != NULL && !json_is_string(f))
				stix_v_error(v, p, text_fields[k],
					     "must be a string");
		}
		if (json_object_get(r, "hashes") != NULL) {
			char hp[PATH_MAX_LEN];
			path_join(hp, sizeof(hp), p, "hashes");
			check_hashes(v, json_object_get(r, "hashes"), hp);
		}
		if (src != NULL && eid != NULL &&
		    ((strcmp(src, "cve") == 0 && strncmp(eid, "CVE-", 4) != 0) ||
		     (strcmp(src, "capec") == 0 &&
		      strncmp(eid, "CAPEC-", 6) != 0)))
			stix_v_warn(v, p, "external_id",
				    "should be a %s identifier", src);
	}
}

static void check_granular_markings(struct vctx *v, const json_t *val,
				    const char *path)
{
	static const char *const markings[] = { "marking-definition", NULL };
	static const struct prop_spec marking_ref = {
		.name = "marking_ref", .kind = PK_REF,
		.ref_class = REF_TYPES, .vals = markings,
	};
	static const struct prop_spec selectors = {
		.name = "selectors", .kind = PK_STRS,
	};
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
	size_t i;
	json_t *g;

	if (!nonempty_array(v, val, path))
		return;
	json_array_foreach(val, i, g) {
		const json_t *ref, *lang, *sel;
		path_index(p, sizeof(p), path, NULL, i);
		if (!json_is_object(g)) {
			stix_v_error(v, p, NULL, "granular marking must be an "
				     "object");
			continue;
		}
		ref = json_object_get(g, "marking_ref");
		lang = json_object_get(g, "lang");
		sel = json_object_get(g, "selectors");
		if ((ref == NULL) == (lang == NULL))
			stix_v_error(v, p, NULL,
				     "needs exactly one of marking_ref or lang");
		if (ref != NULL) {
			path_join(q, sizeof(q), p, "marking_ref");
			check_value(v, &marking_ref, ref, q);
		}
		if (lang != NULL && !json_is_string(lang))
			stix_v_error(v, p, "lang", "must be a string");
		if (sel == NULL) {
			stix_v_error(v, p, "selectors",
				     "required property missing");
		} else {
			path_join(q, sizeof(q), p, "selectors");
			check_value(v, &selectors, sel, q);
		}
	}
}

static bool is_extdef_key(const char *key)
{
	return strncmp(key, EXTDEF_PREFIX, sizeof(EXTDEF_PREFIX) - 1) == 0;
}

static void check_extdef_ext(struct vctx *v, const char *key,
			     const json_t *body, const char *p)
{
	const struct stix_ext_def *def;
	const char *etype, *why;
	uint8_t u[16];
	size_t tlen;

	why = id_parse(key, &tlen, u);
	if (why != NULL) {
		stix_v_error(v, p, NULL, "extension key %s", why);
		return;
	}
	if (!json_is_object(body)) {
		stix_v_error(v, p, NULL, "extension must be an object");
		return;
	}
	etype = json_string_value(json_object_get(body, "extension_type"));
	if (json_object_get(body, "extension_type") != NULL &&
	    (etype == NULL ||
	     !stix_types_in(stix_extension_type_enum, etype))) {
		stix_v_error(v, p, "extension_type",
			     "not a value of the closed enumeration");
		etype = NULL;
	}
	if (etype != NULL && strncmp(etype, "new-", 4) == 0 &&
	    stix_type_kind(v->type) != STIX_KIND_CUSTOM)
		stix_v_error(v, p, "extension_type",
			     "%s cannot apply to the core type '%s'", etype,
			     v->type);
	def = stix_ext_find(key);
	if (def != NULL && def->validate != NULL)
		def->validate(body, v->id, p, v->rep);
}

static void check_extensions(struct vctx *v, const json_t *val)
{
	char p[PATH_MAX_LEN];
	const struct type_spec *xs;
	const char *key;
	json_t *body;

	if (!json_is_object(val)) {
		stix_v_error(v, "", "extensions", "must be a dictionary");
		return;
	}
	if (json_object_size(val) == 0)
		stix_v_error(v, "", "extensions", "must not be empty");
	json_object_foreach((json_t *)val, key, body) {
		size_t len = strlen(key);
		path_join(p, sizeof(p), "/extensions", key);
		if (is_extdef_key(key)) {
			check_extdef_ext(v, key, body, p);
			continue;
		}
		xs = stix_types_find_ext(key);
		if (xs == NULL) {
			if (len > 4 && strcmp(key + len - 4, "-ext") == 0)
				stix_v_warn(v, p, NULL,
					    "unknown custom extension "
					    "(deprecated; use an "
					    "extension-definition)");
			else
				stix_v_error(v, p, NULL,
					     "extension key must be an "
					     "extension-definition id or a "
					     "predefined extension name");
			continue;
		}
		if (strcmp(xs->owner, v->type) != 0)
			stix_v_error(v, p, NULL,
				     "extension '%s' is only defined for '%s'",
				     key, xs->owner);
		else if (!json_is_object(body))
			stix_v_error(v, p, NULL, "extension must be an object");
		else
			check_props(v, xs, body, p);
	}
}

/* The kind a custom type behaves as: declared by a new-* extension, else
 * SDO-like when it carries created/modified, else SCO-like. */
static enum stix_kind custom_kind(const json_t *obj)
{
	const json_t *exts = json_object_get(obj, "extensions");
	const char *key;
	json_t *body;

	json_object_foreach((json_t *)exts, key, body) {
		const char *t = stix_get_str(body, "extension_type");
		if (t == NULL)
			continue;
		if (strcmp(t, "new-sco") == 0)
			return STIX_KIND_SCO;
		if (strcmp(t, "new-sdo") == 0)
			return STIX_KIND_SDO;
		if (strcmp(t, "new-sro") == 0)
			return STIX_KIND_SRO;
	}
	if (json_object_get(obj, "created") || json_object_get(obj, "modified"))
		return STIX_KIND_SDO;
	return STIX_KIND_SCO;
}

static bool has_extdef(const json_t *obj)
{
	const json_t *exts = json_object_get(obj, "extensions");
	const char *key;
	json_t *body;

	json_object_foreach((json_t *)exts, key, body)
		if (is_extdef_key(key))
			return true;
	return false;
}

static void check_id(struct vctx *v, const json_t *val)
{
	const char *s = json_string_value(val), *why;
	size_t tlen;
	uint8_t u[16];

	if (val == NULL) {
		stix_v_error(v, "", "id", "required property missing");
		return;
	}
	if (s == NULL) {
		stix_v_error(v, "", "id", "must be a string");
		return;
	}
	why = id_parse(s, &tlen, u);
	if (why != NULL) {
		stix_v_error(v, "", "id", "'%.80s' is not an identifier: %s",
			     s, why);
		return;
	}
	if (strlen(v->type) != tlen || strncmp(s, v->type, tlen) != 0)
		stix_v_error(v, "", "id", "prefix must equal type '%s'",
			     v->type);
	if (v->kind != STIX_KIND_SCO && ac_uuid_version(u) != 4)
		stix_v_warn(v, "", "id",
			    "should use a UUIDv4 (found version %d%s)",
			    ac_uuid_version(u),
			    ac_uuid_version(u) == 5
				    ? "; a v5 id looks like a deterministic "
				      "SCO id"
				    : "");
}

static void check_versioning(struct vctx *v, const json_t *obj)
{
	const json_t *sv = json_object_get(obj, "spec_version");
	struct ac_ts ts;
	bool versioned = v->kind != STIX_KIND_SCO;

	if (sv == NULL && versioned)
		stix_v_error(v, "", "spec_version", "required property missing");
	else if (sv != NULL && (!json_is_string(sv) ||
				strcmp(json_string_value(sv), "2.1") != 0))
		stix_v_error(v, "", "spec_version", "must be \"2.1\"");
	if (v->kind == STIX_KIND_SDO || v->kind == STIX_KIND_SRO) {
		if (json_object_get(obj, "created") == NULL)
			stix_v_error(v, "", "created",
				     "required property missing");
		if (json_object_get(obj, "modified") == NULL)
			stix_v_error(v, "", "modified",
				     "required property missing");
	}
	if (!versioned)
		return;
	stix_v_ts_order(v, obj, "", "created", "modified", false);
	if (stix_v_ts(obj, "created", &ts) && ts.digits < 3)
		stix_v_warn(v, "", "created",
			    "should be precise to the millisecond");
	if (stix_v_ts(obj, "modified", &ts) && ts.digits < 3)
		stix_v_warn(v, "", "modified",
			    "should be precise to the millisecond");
}

/* Special top-level keys handled outside the property tables. */
static bool check_special(struct vctx *v, const char *key, const json_t *val)
{
	if (strcmp(key, "type") == 0 || strcmp(key, "id") == 0 ||
	    strcmp(key, "spec_version") == 0)
		return true;
	if (strcmp(key, "external_references") == 0) {
		if (v->kind == STIX_KIND_SCO)
			return false;
		check_external_refs(v, val, "/external_references");
		return true;
	}
	if (strcmp(key, "granular_markings") == 0) {
		check_granular_markings(v, val, "/granular_markings");
		return true;
	}
	if (strcmp(key, "extensions") == 0) {
		check_extensions(v, val);
		return true;
	}
	return false;
}

static void check_toplevel(struct vctx *v, const struct type_spec *ts)
{
	char p[PATH_MAX_LEN];
	bool toplevel_ext = has_extdef(v->obj);
	const char *key;
	json_t *val;

	json_object_foreach((json_t *)v->obj, key, val) {
		const struct prop_spec *ps;
		if (check_special(v, key, val))
			continue;
		path_join(p, sizeof(p), "", key);
		ps = stix_types_prop(ts, key);
		if (ps == NULL)
			ps = stix_types_common_prop(v->kind, key);
		if (ps != NULL) {
			check_value(v, ps, val, p);
			continue;
		}
		if (!prop_name_ok(key)) {
			stix_report_error(v->rep, v->id, p,
					  "property name must be 3-250 "
					  "characters of a-z, A-Z, 0-9 and '_'");
			continue;
		}
		if (ts != NULL && !toplevel_ext && strncmp(key, "x_", 2) != 0)
			stix_v_warn(v, "", key,
				    "custom property should start with 'x_'");
		check_unknown_prop(v, key, val, p);
	}
}

static void check_observed_refs(struct vctx *v)
{
	const json_t *refs = json_object_get(v->obj, "object_refs");
	size_t i;
	json_t *r;

	if (!json_is_array(refs) || json_array_size(refs) == 0)
		return;
	json_array_foreach(refs, i, r) {
		const char *s = json_string_value(r);
		const char *sep = s != NULL ? strstr(s, "--") : NULL;
		char type[TYPE_MAX + 1];
		size_t tlen;
		enum stix_kind k;

		if (sep == NULL || (tlen = (size_t)(sep - s)) > TYPE_MAX)
			continue;
		memcpy(type, s, tlen);
		type[tlen] = '\0';
		k = stix_type_kind(type);
		if (k == STIX_KIND_SCO || k == STIX_KIND_CUSTOM)
			return;
	}
	stix_v_error(v, "", "object_refs", "must refer to at least one SCO");
}

ac_rc stix_validate(const json_t *obj, struct stix_report *rep)
{
	struct stix_report local;
	const struct type_spec *ts;
	struct vctx v = { 0 };
	size_t before;

	if (rep == NULL) {
		stix_report_init(&local);
		rep = &local;
	}
	before = rep->nerrors;
	v.obj = obj;
	v.rep = rep;
	if (!json_is_object(obj)) {
		stix_report_error(rep, NULL, "", "a STIX object must be a JSON "
				  "object");
		return AC_ERR_INVALID;
	}
	v.id = stix_get_str(obj, "id");
	v.type = stix_get_str(obj, "type");
	if (v.type == NULL) {
		stix_report_error(rep, v.id, "/type",
				  "required string property missing");
		return AC_ERR_INVALID;
	}
	if (strcmp(v.type, "bundle") == 0) {
		stix_report_error(rep, v.id, "/type",
				  "bundles are not validated here; validate "
				  "each object of 'objects'");
		return AC_ERR_INVALID;
	}
	if (!type_name_ok(v.type, strlen(v.type))) {
		stix_report_error(rep, v.id, "/type",
				  "type must be 3-250 characters of a-z, 0-9 "
				  "and '-', start with a letter and have no "
				  "'--'");
		return AC_ERR_INVALID;
	}
	ts = stix_types_find(v.type);
	v.kind = ts != NULL ? ts->kind : custom_kind(obj);
	check_id(&v, json_object_get(obj, "id"));
	check_versioning(&v, obj);
	check_toplevel(&v, ts);
	if (ts != NULL) {
		for (size_t i = 0; i < ts->nprops; i++)
			if (ts->props[i].required &&
			    json_object_get(obj, ts->props[i].name) == NULL)
				stix_v_error(&v, "", ts->props[i].name,
					     "required property missing");
		if (ts->check != NULL)
			ts->check(&v, obj, "");
		if (strcmp(v.type, "observed-data") == 0)
			check_observed_refs(&v);
	}
	stix_ext_validate_object(obj, v.type, rep);
	return rep->nerrors > before ? AC_ERR_INVALID : AC_OK;
}

const char *stix_version_of(const json_t *obj)
{
	const char *s = stix_get_str(obj, "modified");
	if (s == NULL)
		s = stix_get_str(obj, "created");
	return s != NULL ? s : "";
}
