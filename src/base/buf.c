#include "base/common.h"
#include "base/buf.h"

void ac_buf_init(struct ac_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void ac_buf_release(struct ac_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void ac_buf_reset(struct ac_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static ac_rc buf_reserve(struct ac_buf *b, size_t extra)
{
	size_t need, ncap;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return AC_ERR_LIMIT;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return AC_OK;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap *= 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	p = realloc(b->data, ncap);
	if (!p)
		return AC_ERR_NOMEM;
	b->data = p;
	b->cap = ncap;
	return AC_OK;
}

ac_rc ac_buf_add(struct ac_buf *b, const void *p, size_t n)
{
	ac_rc rc = buf_reserve(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return AC_OK;
}

ac_rc ac_buf_adds(struct ac_buf *b, const char *s)
{
	return ac_buf_add(b, s, strlen(s));
}

ac_rc ac_buf_addf(struct ac_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	ac_rc rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return AC_ERR_INTERNAL;
	rc = buf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return AC_OK;
}

/* Bytes of s up to the first that JSON must escape. */
static size_t json_plain_span(const char *s)
{
	size_t n = 0;

	while (s[n] && (unsigned char)s[n] >= 0x20 && s[n] != '"' &&
	       s[n] != '\\')
		n++;
	return n;
}

ac_rc ac_buf_add_json_str(struct ac_buf *b, const char *s)
{
	ac_rc rc = ac_buf_addc(b, '"');

	while (*s && !rc) {
		size_t n = json_plain_span(s);
		unsigned char ch = (unsigned char)s[n];

		rc = ac_buf_add(b, s, n);
		s += n;
		if (rc || !ch)
			break;
		if (ch == '"' || ch == '\\')
			rc = ac_buf_addf(b, "\\%c", ch);
		else
			rc = ac_buf_addf(b, "\\u%04x", ch);
		s++;
	}
	return rc ? rc : ac_buf_addc(b, '"');
}

char *ac_buf_detach(struct ac_buf *b, size_t *len)
{
	char *p;

	if (!b->data && buf_reserve(b, 0))
		return NULL;
	p = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
