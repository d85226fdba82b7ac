/* The markings summary read straight from its text (policy.h,
 * policy_summary_read). The summary is canonical JSON this node wrote
 * (policy_markings_summary): no blanks, no duplicate keys. This reader
 * takes only what it can read exactly: the members the summary has, once
 * each, strings of ASCII without escapes or control bytes, plain
 * integers, values the markings rules accept. Anything else (an unknown member, a repeated
 * key, an escape, a literal, a list too long, a bad value) makes it give
 * up, and the caller parses the summary and runs policy_markings_read,
 * which gives the result or the error. So it never takes text the parser
 * refuses, and both ways give the same markings; the unit test checks it
 * on generated and hand-made summaries. */
#include "base/common.h"
#include "policy/policy.h"

#include "base/scan.h"
#include "stix/ext.h"

struct cur {
	const char *s;
	size_t n, i;
};

static bool eat(struct cur *c, char ch)
{
	if (c->i >= c->n || c->s[c->i] != ch)
		return false;
	c->i++;
	return true;
}

/* A string without escapes or control bytes: *p, *len (not terminated). */
static bool read_str(struct cur *c, const char **p, size_t *len)
{
	size_t j;

	if (!eat(c, '"'))
		return false;
	j = c->i + ac_scan_plain_run(c->s + c->i, c->n - c->i, false);
	if (j >= c->n || c->s[j] != '"')
		return false;
	*p = c->s + c->i;
	*len = j - c->i;
	c->i = j + 1;
	return true;
}

/* The string into buf (NUL-terminated), or false when it does not fit. */
static bool read_cstr(struct cur *c, char *buf, size_t cap)
{
	const char *p;
	size_t len;

	if (!read_str(c, &p, &len) || len >= cap)
		return false;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return true;
}

/* A plain integer (no fraction or exponent) in [lo, hi]. */
static bool read_int(struct cur *c, long lo, long hi, long *out)
{
	bool neg = eat(c, '-');
	size_t from = c->i;
	long v = 0;

	while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9') {
		if (v > 1000000)
			return false;
		v = v * 10 + (c->s[c->i++] - '0');
	}
	if (c->i == from || (c->s[from] == '0' && c->i > from + 1) ||
	    (c->i < c->n && strchr(".eE", c->s[c->i])))
		return false;
	*out = neg ? -v : v;
	return *out >= lo && *out <= hi;
}

/* Calls member(c, k, ctx) for each member of the object at c, k being
 * its key's index in keys[]; an unknown or repeated key stops it. */
typedef bool (*member_fn)(struct cur *c, size_t k, void *ctx);

static bool each_member(struct cur *c, const char *const *keys, size_t nkeys,
			member_fn member, void *ctx)
{
	unsigned seen = 0;
	const char *key;
	size_t len, k;

	if (!eat(c, '{'))
		return false;
	if (eat(c, '}'))
		return true;
	do {
		if (!read_str(c, &key, &len) || !eat(c, ':'))
			return false;
		for (k = 0; k < nkeys; k++)
			if (strlen(keys[k]) == len && !memcmp(key, keys[k], len))
				break;
		if (k == nkeys || (seen & 1u << k) || !member(c, k, ctx))
			return false;
		seen |= 1u << k;
	} while (eat(c, ','));
	return eat(c, '}');
}

/* Calls item(c, i, ctx) for each element of the array at c: at least
 * one, at most max. */
typedef bool (*item_fn)(struct cur *c, size_t i, void *ctx);

static bool each_item(struct cur *c, size_t max, item_fn item, void *ctx)
{
	size_t i = 0;

	if (!eat(c, '[') || (c->i < c->n && c->s[c->i] == ']'))
		return false;
	do {
		if (i == max || !item(c, i++, ctx))
			return false;
	} while (eat(c, ','));
	return eat(c, ']');
}

static bool tlp_item(struct cur *c, size_t i, void *ctx)
{
	struct policy_markings *m = ctx;
	char ref[128];
	enum policy_tlp t;

	(void)i;
	if (!read_cstr(c, ref, sizeof(ref)))
		return false;
	if (policy_tlp_of_marking(ref, &t)) {
		if (!m->tlp_given || t > m->tlp)
			m->tlp = t;
		m->tlp_given = true;
	}
	return true;
}

static bool area_item(struct cur *c, size_t i, void *ctx)
{
	struct policy_markings *m = ctx;
	char name[64];
	enum policy_area a;

	(void)i;
	if (!read_cstr(c, name, sizeof(name)) || !policy_area_parse(name, &a))
		return false;
	m->areas |= POLICY_AREA_BIT(a);
	return true;
}

struct names {
	char (*names)[POLICY_NAME_MAX + 1];
	size_t *count;
};

static bool name_item(struct cur *c, size_t i, void *ctx)
{
	struct names *l = ctx;

	if (!read_cstr(c, l->names[i], POLICY_NAME_MAX + 1) ||
	    !policy_name_ok(l->names[i]))
		return false;
	*l->count = i + 1;
	return true;
}

static const char *const RECIPIENT_KEYS[] = {"partners", "users"};

static bool recipient_member(struct cur *c, size_t k, void *ctx)
{
	struct policy_markings *m = ctx;
	struct names l = {m->partners, &m->npartners};

	if (k == 1)
		l = (struct names){m->users, &m->nusers};
	return each_item(c, POLICY_RECIPIENTS_MAX, name_item, &l);
}

enum handling_key {
	H_AREAS,
	H_TYPE,
	H_H3,
	H_CODE,
	H_ACCURACY,
	H_RECIPIENTS,
	H_RETENTION,
	H_RELIABILITY
};
static const char *const HANDLING_KEYS[] = {
    [H_AREAS] = "areas",
    [H_TYPE] = "extension_type",
    [H_H3] = "h3_text",
    [H_CODE] = "handling_code",
    [H_ACCURACY] = "information_accuracy",
    [H_RECIPIENTS] = "recipients",
    [H_RETENTION] = "retention_days",
    [H_RELIABILITY] = "source_reliability",
};

static bool handling_member(struct cur *c, size_t k, void *ctx)
{
	struct policy_markings *m = ctx;
	char word[32];
	long v = 0;

	switch ((enum handling_key)k) {
	case H_AREAS:
		m->areas_given = true;
		return each_item(c, POLICY_AREA_COUNT * 2, area_item, m);
	case H_TYPE:
		return read_cstr(c, word, sizeof(word)) &&
		       !strcmp(word, "property-extension");
	case H_H3:
		return read_cstr(c, m->h3_text, sizeof(m->h3_text));
	case H_CODE:
		m->handling_given = true;
		return read_cstr(c, word, sizeof(word)) &&
		       policy_handling_parse(word, &m->handling);
	case H_ACCURACY:
		if (!read_int(c, 1, 4, &v))
			return false;
		m->accuracy = (int)v;
		return true;
	case H_RECIPIENTS:
		return each_member(c, RECIPIENT_KEYS, 2, recipient_member, m);
	case H_RETENTION:
		if (!read_int(c, 1, POLICY_RETENTION_DAYS_MAX, &v))
			return false;
		m->retention_days = (int)v;
		return true;
	case H_RELIABILITY:
		if (!read_cstr(c, word, sizeof(word)) || strlen(word) != 1 ||
		    !strchr("ABCX", word[0]))
			return false;
		m->reliability = word[0];
		return true;
	}
	return false;
}

static const char *const PERSON_KEYS[] = {"data_subject_category"};

static bool person_member(struct cur *c, size_t k, void *ctx)
{
	struct policy_markings *m = ctx;
	const char *p;
	size_t n;

	(void)k;
	if (!read_str(c, &p, &n))
		return false;
	if (n < sizeof(m->subject_category)) {
		memcpy(m->subject_category, p, n);
		m->subject_category[n] = '\0';
	}
	return true;
}

static const char *const EXT_KEYS[] = {STIX_EXT_HANDLING, STIX_EXT_PERSON};

static bool ext_member(struct cur *c, size_t k, void *ctx)
{
	if (k == 0)
		return each_member(c, HANDLING_KEYS, AC_ARRAY_LEN(HANDLING_KEYS),
				   handling_member, ctx);
	return each_member(c, PERSON_KEYS, 1, person_member, ctx);
}

enum top_key { T_EXTS, T_GRANULAR, T_ID, T_REFS, T_TYPE };
static const char *const TOP_KEYS[] = {
    [T_EXTS] = "extensions",
    [T_GRANULAR] = "granular_markings",
    [T_ID] = "id",
    [T_REFS] = "object_marking_refs",
    [T_TYPE] = "type",
};

struct top {
	struct policy_markings *m;
	bool granular;
};

static bool top_member(struct cur *c, size_t k, void *ctx)
{
	struct top *t = ctx;
	const char *p;
	size_t n;

	switch ((enum top_key)k) {
	case T_EXTS:
		return each_member(c, EXT_KEYS, 2, ext_member, t->m);
	case T_GRANULAR: /* the summary keeps only that there are some */
		t->granular = true;
		return eat(c, '[') && eat(c, ']');
	case T_ID:
	case T_TYPE:
		return read_str(c, &p, &n);
	case T_REFS:
		return each_item(c, POLICY_MARKING_REFS_MAX, tlp_item, t->m);
	}
	return false;
}

bool policy_summary_read(const char *s, size_t n,
			 const struct policy_defaults *d,
			 struct policy_markings *out, bool *granular)
{
	struct cur c = {s, n, 0};
	struct top t = {out, false};
	struct policy_defaults dflt;

	if (!d) {
		policy_defaults_init(&dflt);
		d = &dflt;
	}
	memset(out, 0, sizeof(*out));
	if (!s || !each_member(&c, TOP_KEYS, AC_ARRAY_LEN(TOP_KEYS), top_member,
			       &t) ||
	    c.i != n)
		return false;
	if (!out->tlp_given)
		out->tlp = d->tlp;
	if (!out->handling_given)
		out->handling = d->handling;
	if (!out->areas_given)
		out->areas =
		    d->areas ? d->areas : POLICY_AREA_BIT(POLICY_AREA_OTHER);
	*granular = t.granular;
	return true;
}
