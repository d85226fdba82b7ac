/* Strict JSON parsing: a cheap pre-pass refuses oversized or too deeply
 * nested text before anything is built; a one-pass fast path builds jansson
 * values for well-formed text, and jansson itself (duplicate keys rejected,
 * invalid UTF-8 and \u0000 refused) parses everything else and words every
 * rejection. */
#include "base/common.h"
#include "stix/json.h"

#include <langinfo.h>

#include "base/buf.h"
#include "base/scan.h"
#include "stix/jcs.h"

ac_rc stix_json_precheck(const char *data, size_t len,
			 const struct stix_limits *lim, struct ac_err *err)
{
	size_t depth = 0, str_start = 0;
	bool in_str = false, esc = false;

	if (len > lim->max_object_bytes)
		return ac_err_set(err, AC_ERR_LIMIT,
				  "json text of %zu bytes exceeds the limit of "
				  "%zu bytes", len, lim->max_object_bytes);
	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		if (in_str) {
			if (esc) {
				esc = false;
			} else if (c == '\\') {
				esc = true;
			} else if (c == '"') {
				in_str = false;
				continue;
			}
			if (i - str_start >= lim->max_string_bytes)
				return ac_err_set(err, AC_ERR_LIMIT,
						  "json string at byte %zu is "
						  "longer than %zu bytes",
						  str_start, lim->max_string_bytes);
			continue;
		}
		if (c == '"') {
			in_str = true;
			str_start = i + 1;
		} else if (c == '{' || c == '[') {
			if (++depth > lim->max_depth)
				return ac_err_set(err, AC_ERR_LIMIT,
						  "json nesting at byte %zu is "
						  "deeper than %zu levels",
						  i, lim->max_depth);
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return AC_OK;
}

ac_rc stix_json_parse(const char *data, size_t len,
		      const struct stix_limits *lim, json_t **out,
		      struct ac_err *err)
{
	static const struct stix_limits defaults = STIX_LIMITS_DEFAULT;
	ac_rc rc;

	*out = NULL;
	if (lim == NULL)
		lim = &defaults;
	rc = stix_json_precheck(data, len, lim, err);
	if (rc != AC_OK)
		return rc;
	return stix_json_parse_checked(data, len, out, err);
}

/* The fast parser. It builds the same jansson values json_loadb would, in
 * one pass, but only for text it fully understands: on anything else
 * (malformed text, duplicate keys, \u0000, lone surrogates, integers of 19+
 * digits, real overflow, deep nesting, out of memory) it gives up and
 * json_loadb parses the text again, so jansson alone decides every
 * rejection and writes its message. json_loadb's byte-at-a-time lexer was
 * over half of the ingest workers' CPU. */
#define FAST_MAX_DEPTH 64
#define FAST_NUM_MAX 64

struct fast {
	const unsigned char *p, *end;
	size_t depth;
	struct ac_buf str; /* decoded strings that had escapes */
	/* Still true when the text is exactly its RFC 8785 form (stix_jcs of
	 * the value): no whitespace, members in order, only the escapes JCS
	 * writes, integers of at most 15 digits and no reals. Any doubt
	 * clears it, which only costs a canonicalisation. */
	bool canon;
};

static json_t *fast_value(struct fast *f);

static void fast_ws(struct fast *f)
{
	const unsigned char *from = f->p;

	while (f->p < f->end && (*f->p == ' ' || *f->p == '\n' ||
				 *f->p == '\r' || *f->p == '\t'))
		f->p++;
	if (f->p != from)
		f->canon = false;
}

/* Length of the UTF-8 sequence at p (strict: no overlongs, surrogates or
 * code points over U+10FFFF), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	uint32_t cp, min;
	size_t n;

	if (*p < 0xC2 || *p > 0xF4)
		return 0;
	n = *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
	if ((size_t)(end - p) < n)
		return 0;
	cp = *p & (0x7F >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

static int hex4(const unsigned char *p, const unsigned char *end)
{
	int v = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int c = p[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static bool put_utf8(struct ac_buf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return ac_buf_add(b, u, n) == AC_OK;
}

/* Whether \u followed by hex (value cp) is how JCS writes cp: a control
 * character without a short escape, in lower-case hex. */
static bool jcs_u_escape(const unsigned char *hex, int cp)
{
	if (cp >= 0x20 || cp == '\b' || cp == '\t' || cp == '\n' ||
	    cp == '\f' || cp == '\r')
		return false;
	for (int i = 0; i < 4; i++)
		if (hex[i] >= 'A' && hex[i] <= 'F')
			return false;
	return true;
}

/* One escape after the backslash at f->p, appended to f->str. */
static bool fast_escape(struct fast *f)
{
	static const char simple[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
	int cp, lo;

	if (f->end - f->p < 2)
		return false;
	for (size_t i = 0; i + 1 < sizeof(simple); i += 2) {
		if (f->p[1] == (unsigned char)simple[i]) {
			if (f->p[1] == '/') /* JCS writes '/' as it is */
				f->canon = false;
			f->p += 2;
			return ac_buf_addc(&f->str, simple[i + 1]) == AC_OK;
		}
	}
	if (f->p[1] != 'u' || (cp = hex4(f->p + 2, f->end)) <= 0)
		return false;
	if (!jcs_u_escape(f->p + 2, cp))
		f->canon = false;
	f->p += 6;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return false;
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (f->end - f->p < 6 || f->p[0] != '\\' || f->p[1] != 'u')
			return false;
		lo = hex4(f->p + 2, f->end);
		if (lo < 0xDC00 || lo > 0xDFFF)
			return false;
		f->p += 6;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	return put_utf8(&f->str, (uint32_t)cp);
}

/* Scans the string whose opening quote is at f->p. Sets *s and *len to the
 * raw bytes when there were no escapes, else to the decoded copy in f->str
 * (valid until the next string; *escaped tells which). */
static bool fast_string(struct fast *f, const char **s, size_t *len,
			bool *escaped)
{
	const unsigned char *start = ++f->p, *run = start;
	size_t n;

	*escaped = false;
	for (;;) {
		f->p += ac_scan_plain_run(f->p, (size_t)(f->end - f->p), false);
		if (f->p >= f->end || *f->p < 0x20)
			return false;
		if (*f->p == '"')
			break;
		if (*f->p == '\\') {
			if (!*escaped)
				ac_buf_reset(&f->str);
			*escaped = true;
			if (ac_buf_add(&f->str, run, (size_t)(f->p - run)) ||
			    !fast_escape(f))
				return false;
			run = f->p;
		} else if ((n = utf8_len(f->p, f->end))) {
			f->p += n;
		} else {
			return false;
		}
	}
	if (*escaped) {
		if (ac_buf_add(&f->str, run, (size_t)(f->p - run)))
			return false;
		*s = f->str.data;
		*len = f->str.len;
	} else {
		*s = (const char *)start;
		*len = (size_t)(f->p - start);
	}
	f->p++;
	return true;
}

/* Whether the number token text is how JCS writes the value d. */
static bool jcs_number_is(const char *text, double d)
{
	char jcs[32];

	return !stix_jcs_number(d, jcs) && !strcmp(jcs, text);
}

static json_t *fast_number(struct fast *f)
{
	const unsigned char *start = f->p;
	char num[FAST_NUM_MAX];
	bool real = false;
	size_t digits = 0;
	double d;

	if (*f->p == '-')
		f->p++;
	if (f->p < f->end && *f->p == '0') {
		f->p++;
		digits = 1;
	} else {
		while (f->p < f->end && *f->p >= '0' && *f->p <= '9') {
			f->p++;
			digits++;
		}
	}
	if (!digits || digits > 18)
		return NULL;
	if (f->p < f->end && *f->p == '.') {
		real = true;
		if (++f->p >= f->end || *f->p < '0' || *f->p > '9')
			return NULL;
		while (f->p < f->end && *f->p >= '0' && *f->p <= '9')
			f->p++;
	}
	if (f->p < f->end && (*f->p == 'e' || *f->p == 'E')) {
		real = true;
		f->p++;
		if (f->p < f->end && (*f->p == '+' || *f->p == '-'))
			f->p++;
		if (f->p >= f->end || *f->p < '0' || *f->p > '9')
			return NULL;
		while (f->p < f->end && *f->p >= '0' && *f->p <= '9')
			f->p++;
	}
	if ((size_t)(f->p - start) >= sizeof(num))
		return NULL;
	memcpy(num, start, (size_t)(f->p - start));
	num[f->p - start] = '\0';
	if (!real) {
		long long i = strtoll(num, NULL, 10);
		/* JCS writes an integer of up to 15 digits as it is, "-0" as
		 * "0" */
		if (digits > 15 || !strcmp(num, "-0"))
			f->canon = f->canon && jcs_number_is(num, (double)i);
		return json_integer(i);
	}
	if (strcmp(nl_langinfo(RADIXCHAR), "."))
		return NULL; /* strtod would read the number another way */
	errno = 0;
	d = strtod(num, NULL);
	if (errno)
		return NULL;
	f->canon = f->canon && jcs_number_is(num, d);
	return json_real(d);
}

static json_t *fast_literal(struct fast *f, const char *word, json_t *v)
{
	size_t n = strlen(word);

	if ((size_t)(f->end - f->p) < n || memcmp(f->p, word, n))
		return NULL;
	f->p += n;
	return v;
}

/* Sets key (copied first when it lives in f->str, which parsing the value
 * reuses) to the next value; false for a key the object already has (the
 * size does not grow: one hash lookup per key instead of a get and a set). */
static bool fast_member(struct fast *f, json_t *obj, const char *key,
			size_t klen, bool escaped)
{
	char *copy = NULL;
	json_t *v;
	size_t size;
	bool ok;

	if (escaped) {
		copy = malloc(klen + 1);
		if (!copy)
			return false;
		memcpy(copy, key, klen);
		copy[klen] = '\0';
		key = copy;
	}
	v = fast_value(f);
	size = json_object_size(obj);
	ok = v && !json_object_setn_new_nocheck(obj, key, klen, v) &&
	     json_object_size(obj) == size + 1;
	free(copy);
	return ok;
}

/* Whether key (not escaped) may follow prev (NULL for the first) in an
 * RFC 8785 object: strictly after it in UTF-16 order. Byte order is that
 * order unless a key holds a character beyond U+FFFF (a 4-byte sequence),
 * which is left to JCS. */
static bool jcs_key_follows(const char *prev, size_t plen, const char *key,
			    size_t klen)
{
	int cmp;

	for (size_t i = 0; i < klen; i++)
		if ((unsigned char)key[i] >= 0xF0)
			return false;
	if (!prev)
		return true;
	cmp = memcmp(prev, key, plen < klen ? plen : klen);
	return cmp < 0 || (cmp == 0 && plen < klen);
}

static json_t *fast_object(struct fast *f)
{
	json_t *obj = json_object();
	const char *key, *prev = NULL;
	bool escaped;
	size_t klen, plen = 0;

	f->p++;
	fast_ws(f);
	if (f->p < f->end && *f->p == '}') {
		f->p++;
		return obj;
	}
	while (obj) {
		if (f->p >= f->end || *f->p != '"' ||
		    !fast_string(f, &key, &klen, &escaped))
			break;
		if (f->canon &&
		    (escaped || !jcs_key_follows(prev, plen, key, klen)))
			f->canon = false;
		prev = key;
		plen = klen;
		fast_ws(f);
		if (f->p >= f->end || *f->p++ != ':' ||
		    !fast_member(f, obj, key, klen, escaped))
			break;
		fast_ws(f);
		if (f->p < f->end && *f->p == '}') {
			f->p++;
			return obj;
		}
		if (f->p >= f->end || *f->p++ != ',')
			break;
		fast_ws(f);
	}
	json_decref(obj);
	return NULL;
}

static json_t *fast_array(struct fast *f)
{
	json_t *arr = json_array();

	f->p++;
	fast_ws(f);
	if (f->p < f->end && *f->p == ']') {
		f->p++;
		return arr;
	}
	while (arr) {
		if (json_array_append_new(arr, fast_value(f)))
			break;
		fast_ws(f);
		if (f->p < f->end && *f->p == ']') {
			f->p++;
			return arr;
		}
		if (f->p >= f->end || *f->p++ != ',')
			break;
	}
	json_decref(arr);
	return NULL;
}

static json_t *fast_value(struct fast *f)
{
	const char *s;
	json_t *v = NULL;
	bool escaped;
	size_t len;

	fast_ws(f);
	if (f->p >= f->end)
		return NULL;
	switch (*f->p) {
	case '{':
	case '[':
		if (++f->depth > FAST_MAX_DEPTH)
			return NULL;
		v = *f->p == '{' ? fast_object(f) : fast_array(f);
		f->depth--;
		return v;
	case '"':
		if (!fast_string(f, &s, &len, &escaped))
			return NULL;
		return json_stringn_nocheck(s, len);
	case 't':
		return fast_literal(f, "true", json_true());
	case 'f':
		return fast_literal(f, "false", json_false());
	case 'n':
		return fast_literal(f, "null", json_null());
	default:
		if (*f->p == '-' || (*f->p >= '0' && *f->p <= '9'))
			return fast_number(f);
		return NULL;
	}
}

/* The whole text as one value, or NULL when json_loadb must decide;
 * *canonical: whether the text is the value's RFC 8785 form. */
static json_t *fast_parse(const char *data, size_t len, bool *canonical)
{
	struct fast f = { .p = (const unsigned char *)data,
			  .end = (const unsigned char *)data + len,
			  .canon = true };
	json_t *v;

	ac_buf_init(&f.str, len + 1);
	v = fast_value(&f);
	fast_ws(&f);
	if (v && f.p != f.end) {
		json_decref(v);
		v = NULL;
	}
	*canonical = v && f.canon;
	ac_buf_release(&f.str);
	return v;
}

ac_rc stix_json_parse_checked(const char *data, size_t len, json_t **out,
			      struct ac_err *err)
{
	bool canonical;

	return stix_json_parse_canon(data, len, out, &canonical, err);
}

ac_rc stix_json_parse_canon(const char *data, size_t len, json_t **out,
			    bool *canonical, struct ac_err *err)
{
	json_error_t jerr;

	*out = fast_parse(data, len, canonical);
	if (*out)
		return AC_OK;
	*out = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
			  &jerr);
	if (*out == NULL)
		return ac_err_set(err, AC_ERR_PARSE,
				  "invalid json at line %d, column %d (byte "
				  "%d): %s", jerr.line, jerr.column,
				  jerr.position, jerr.text);
	return AC_OK;
}

const char *stix_get_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}
