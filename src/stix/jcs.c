#include "base/common.h"
#include "stix/jcs.h"
#include "base/scan.h"

#include <math.h>

/* Nesting deeper than this fails with AC_ERR_LIMIT instead of exhausting
 * the stack; jansson's own parser stops at 2048. */
#define JCS_MAX_DEPTH 2048
/* Objects up to this many members sort their keys in a stack array. */
#define JCS_STACK_MEMBERS 32
/* 2^53: every integer of smaller magnitude is exact in a double. */
#define JCS_EXACT_INT 9007199254740992.0

struct jcs_member {
	const char *key;
	size_t len;
	json_t *value;
};

/* Shortest round-trip decimal digits of a positive finite double:
 * value = 0.d1d2...dk * 10^point. */
struct jcs_digits {
	char d[24]; /* at most 17 used; room for the layout bounds */
	int k;
	int point;
};

/* ---- numbers ---------------------------------------------------------- */

/* Parses the "%.*e" output "D.DDDDe[+-]XX" into digits and decimal point. */
static void digits_from_sci(const char *s, struct jcs_digits *out)
{
	int k = 0, exp10;

	for (; *s && *s != 'e'; s++)
		if (*s != '.')
			out->d[k++] = *s;
	exp10 = atoi(s + 1);
	while (k > 1 && out->d[k - 1] == '0')
		k--;
	out->k = k;
	out->point = exp10 + 1;
}

static bool digits_roundtrip(const struct jcs_digits *g, double want)
{
	char s[40];

	snprintf(s, sizeof(s), "0.%.*se%d", g->k, g->d, g->point);
	return strtod(s, NULL) == want;
}

/* The k-digit decimal one unit above g (g has exactly k digits). */
static void digits_next_up(const struct jcs_digits *g, int k,
			   struct jcs_digits *up)
{
	int i;

	*up = *g;
	for (i = g->k; i < k; i++)
		up->d[i] = '0';
	up->k = k;
	for (i = k - 1; i >= 0; i--) {
		if (up->d[i] != '9') {
			up->d[i]++;
			break;
		}
		up->d[i] = '0';
	}
	if (i < 0) {
		up->d[0] = '1';
		up->k = 1;
		up->point++;
	}
	while (up->k > 1 && up->d[up->k - 1] == '0')
		up->k--;
}

/* A double whose significand is a power of two has a lower neighbour half
 * as far away as the upper one, so the nearest k-digit decimal may miss
 * while the next one up still round-trips. */
static bool is_power_of_two(double x)
{
	int e;
	return frexp(x, &e) == 0.5 && x >= 0x1p-1021;
}

/* The closest prec-digit decimal to x if it round-trips, else (x a power
 * of two) the one above it if that does. */
static bool digits_at(double x, int prec, bool pow2, struct jcs_digits *out)
{
	char s[40];
	struct jcs_digits up;

	snprintf(s, sizeof(s), "%.*e", prec - 1, x);
	digits_from_sci(s, out);
	if (strtod(s, NULL) == x)
		return true;
	if (!pow2)
		return false;
	digits_next_up(out, prec, &up);
	if (!digits_roundtrip(&up, x))
		return false;
	*out = up;
	return true;
}

/* ECMAScript picks the fewest digits that round-trip, and of those the
 * closest to x; "%.*e" rounds correctly, so it yields the closest. Some
 * prec-digit decimal round-trips iff digits_at() finds one, and if one
 * does then one with more digits does too, so a binary search over the
 * precision finds the shortest. 17 digits always round-trip. */
static void shortest_digits(double x, struct jcs_digits *out)
{
	bool pow2 = is_power_of_two(x), found = false;
	int lo = 1, hi = 17;
	struct jcs_digits probe;

	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (digits_at(x, mid, pow2, &probe)) {
			hi = mid;
			*out = probe;
			found = true;
		} else {
			lo = mid + 1;
		}
	}
	if (!found)
		digits_at(x, lo, pow2, out);
}

/* Number::toString layout (ECMA-262 section 6.1.6.1.20). */
static void layout_digits(const struct jcs_digits *g, bool neg, char out[32])
{
	int k = g->k, n = g->point, e = n - 1, pos = 0;

	if (neg)
		out[pos++] = '-';
	if (k <= n && n <= 21) {
		memcpy(out + pos, g->d, (size_t)k);
		pos += k;
		for (int i = k; i < n; i++)
			out[pos++] = '0';
	} else if (0 < n && n <= 21) {
		memcpy(out + pos, g->d, (size_t)n);
		pos += n;
		out[pos++] = '.';
		memcpy(out + pos, g->d + n, (size_t)(k - n));
		pos += k - n;
	} else if (-6 < n && n <= 0) {
		out[pos++] = '0';
		out[pos++] = '.';
		for (int i = n; i < 0; i++)
			out[pos++] = '0';
		memcpy(out + pos, g->d, (size_t)k);
		pos += k;
	} else {
		out[pos++] = g->d[0];
		if (k > 1) {
			out[pos++] = '.';
			memcpy(out + pos, g->d + 1, (size_t)(k - 1));
			pos += k - 1;
		}
		pos += snprintf(out + pos, (size_t)(32 - pos), "e%c%d",
				e < 0 ? '-' : '+', e < 0 ? -e : e);
	}
	out[pos] = '\0';
}

ac_rc stix_jcs_number(double d, char out[32])
{
	struct jcs_digits g;

	if (!isfinite(d))
		return AC_ERR_INVALID;
	if (d == 0) { /* also negative zero */
		memcpy(out, "0", 2);
		return AC_OK;
	}
	if (d == floor(d) && fabs(d) < JCS_EXACT_INT) {
		snprintf(out, 32, "%lld", (long long)d);
		return AC_OK;
	}
	shortest_digits(fabs(d), &g);
	layout_digits(&g, d < 0, out);
	return AC_OK;
}

/* ---- strings ---------------------------------------------------------- */

static ac_rc jcs_string(const char *s, size_t len, struct ac_buf *out)
{
	/* The characters JSON.stringify escapes with a letter; other control
	 * characters become \u00xx. */
	static const char short_from[] = "\"\\\b\t\n\f\r";
	static const char short_to[] = "\"\\btnfr";
	static const char hex[] = "0123456789abcdef";
	const char *short_form;
	size_t run = 0;
	ac_rc rc;

	if ((rc = ac_buf_addc(out, '"')))
		return rc;
	for (size_t i = 0; i < len; i++) {
		unsigned char c;
		char esc[7];
		size_t n = 2;

		i += ac_scan_plain_run(s + i, len - i, true);
		if (i == len)
			break;
		c = (unsigned char)s[i];
		if ((rc = ac_buf_add(out, s + run, i - run)))
			return rc;
		run = i + 1;
		esc[0] = '\\';
		short_form = memchr(short_from, c, sizeof(short_from) - 1);
		if (short_form) {
			esc[1] = short_to[short_form - short_from];
		} else {
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		if ((rc = ac_buf_add(out, esc, n)))
			return rc;
	}
	if ((rc = ac_buf_add(out, s + run, len - run)))
		return rc;
	return ac_buf_addc(out, '"');
}

/* ---- key order -------------------------------------------------------- */

/* Decodes the UTF-8 character at s[i] (bounded by len); invalid bytes
 * decode as themselves so hostile keys still sort deterministically. */
static uint32_t utf8_at(const unsigned char *s, size_t len, size_t i)
{
	uint32_t c = s[i];
	int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;

	if (more)
		c &= 0x3fu >> more;
	for (int j = 1; j <= more; j++) {
		if (i + (size_t)j >= len || (s[i + j] & 0xc0) != 0x80)
			return s[i];
		c = c << 6 | (s[i + j] & 0x3fu);
	}
	return c;
}

/* Sort weight that orders code points as their UTF-16 code units do:
 * U+E000..U+FFFF come after the surrogate pairs of U+10000 and above. */
static uint32_t utf16_weight(uint32_t cp)
{
	return cp >= 0xe000 && cp <= 0xffff ? cp + 0x110000 : cp;
}

static int member_cmp(const void *pa, const void *pb)
{
	const struct jcs_member *a = pa, *b = pb;
	const unsigned char *x = (const unsigned char *)a->key;
	const unsigned char *y = (const unsigned char *)b->key;
	size_t n = a->len < b->len ? a->len : b->len, i = 0;
	uint32_t wx, wy;

	while (i < n && x[i] == y[i])
		i++;
	if (i == n)
		return a->len < b->len ? -1 : a->len > b->len;
	if (x[i] < 0x80 && y[i] < 0x80)
		return x[i] < y[i] ? -1 : 1;
	/* Both keys share the prefix, so the character starts in the same
	 * place in both. */
	while (i > 0 && (x[i] & 0xc0) == 0x80)
		i--;
	wx = utf16_weight(utf8_at(x, a->len, i));
	wy = utf16_weight(utf8_at(y, b->len, i));
	if (wx != wy)
		return wx < wy ? -1 : 1;
	return memcmp(x + i, y + i, n - i) < 0 ? -1 : 1;
}

/* Insertion sort for the usual handful of members, qsort beyond. */
static void sort_members(struct jcs_member *m, size_t n)
{
	if (n > JCS_STACK_MEMBERS) {
		qsort(m, n, sizeof(*m), member_cmp);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		struct jcs_member cur = m[i];
		size_t j = i;
		while (j > 0 && member_cmp(&m[j - 1], &cur) > 0) {
			m[j] = m[j - 1];
			j--;
		}
		m[j] = cur;
	}
}

/* ---- values ----------------------------------------------------------- */

static ac_rc jcs_value(const json_t *v, struct ac_buf *out, int depth);

static ac_rc jcs_number(double d, struct ac_buf *out)
{
	char s[32];
	ac_rc rc = stix_jcs_number(d, s);

	return rc ? rc : ac_buf_adds(out, s);
}

static ac_rc jcs_array(const json_t *v, struct ac_buf *out, int depth)
{
	size_t n = json_array_size(v);
	ac_rc rc;

	if ((rc = ac_buf_addc(out, '[')))
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (i && (rc = ac_buf_addc(out, ',')))
			return rc;
		if ((rc = jcs_value(json_array_get(v, i), out, depth + 1)))
			return rc;
	}
	return ac_buf_addc(out, ']');
}

static ac_rc jcs_members(const struct jcs_member *m, size_t n,
			 struct ac_buf *out, int depth)
{
	ac_rc rc;

	if ((rc = ac_buf_addc(out, '{')))
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (i && (rc = ac_buf_addc(out, ',')))
			return rc;
		if ((rc = jcs_string(m[i].key, m[i].len, out)) ||
		    (rc = ac_buf_addc(out, ':')) ||
		    (rc = jcs_value(m[i].value, out, depth + 1)))
			return rc;
	}
	return ac_buf_addc(out, '}');
}

/* The members of object v in canonical order: in stack when they fit,
 * else in *m allocated (the caller frees it when it is not stack). */
static ac_rc sorted_members(const json_t *v, struct jcs_member *stack,
			    struct jcs_member **m, size_t *count)
{
	size_t n = json_object_size(v), i = 0;

	*m = stack;
	if (n > JCS_STACK_MEMBERS) {
		*m = calloc(n, sizeof(**m));
		if (!*m)
			return AC_ERR_NOMEM;
	}
	/* jansson's iterator API takes a non-const object but only reads. */
	for (void *it = json_object_iter((json_t *)v); it && i < n;
	     it = json_object_iter_next((json_t *)v, it), i++) {
		(*m)[i].key = json_object_iter_key(it);
		(*m)[i].len = json_object_iter_key_len(it);
		(*m)[i].value = json_object_iter_value(it);
	}
	sort_members(*m, i);
	*count = i;
	return AC_OK;
}

static ac_rc jcs_object(const json_t *v, struct ac_buf *out, int depth)
{
	struct jcs_member stack[JCS_STACK_MEMBERS], *m;
	size_t n;
	ac_rc rc = sorted_members(v, stack, &m, &n);

	if (rc)
		return rc;
	rc = jcs_members(m, n, out, depth);
	if (m != stack)
		free(m);
	return rc;
}

ac_rc stix_jcs_each_member(const json_t *v,
			   void (*each)(const char *key, const json_t *value,
					void *ctx),
			   void *ctx)
{
	struct jcs_member stack[JCS_STACK_MEMBERS], *m;
	size_t n;
	ac_rc rc;

	if (!json_is_object(v))
		return AC_ERR_INVALID;
	rc = sorted_members(v, stack, &m, &n);
	for (size_t i = 0; !rc && i < n; i++)
		each(m[i].key, m[i].value, ctx);
	if (m != stack)
		free(m);
	return rc;
}

static ac_rc jcs_value(const json_t *v, struct ac_buf *out, int depth)
{
	if (!v)
		return AC_ERR_INVALID;
	if (depth > JCS_MAX_DEPTH)
		return AC_ERR_LIMIT;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return jcs_object(v, out, depth);
	case JSON_ARRAY:
		return jcs_array(v, out, depth);
	case JSON_STRING:
		return jcs_string(json_string_value(v), json_string_length(v),
				  out);
	case JSON_INTEGER:
		return jcs_number((double)json_integer_value(v), out);
	case JSON_REAL:
		return jcs_number(json_real_value(v), out);
	case JSON_TRUE:
		return ac_buf_add(out, "true", 4);
	case JSON_FALSE:
		return ac_buf_add(out, "false", 5);
	case JSON_NULL:
		return ac_buf_add(out, "null", 4);
	}
	return AC_ERR_INVALID;
}

ac_rc stix_jcs(const json_t *v, struct ac_buf *out)
{
	size_t start = out->len;
	ac_rc rc = jcs_value(v, out, 0);

	if (rc) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return rc;
}
