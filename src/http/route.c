#include "base/common.h"
#include "http/http_int.h"

/* Length of the segment starting at s (up to '/' or the end). */
static size_t seg_len(const char *s)
{
	const char *slash = strchr(s, '/');
	return slash ? (size_t)(slash - s) : strlen(s);
}

static bool seg_is_param(const char *s, size_t len)
{
	return len >= 2 && s[0] == '{' && s[len - 1] == '}';
}

ac_rc http_pattern_check(const char *pattern, struct ac_err *err)
{
	size_t nseg = 0, nparam = 0;
	const char *p;

	if (!pattern || pattern[0] != '/')
		return ac_err_set(err, AC_ERR_USAGE,
				  "route pattern '%s' must start with '/'",
				  pattern ? pattern : "(null)");
	for (p = pattern + 1;; p++) {
		size_t len = seg_len(p);
		bool param = seg_is_param(p, len);

		if (++nseg > HTTP_MAX_SEGMENTS)
			return ac_err_set(
			    err, AC_ERR_USAGE,
			    "route pattern '%s' has more than %d segments",
			    pattern, HTTP_MAX_SEGMENTS);
		if (param && ++nparam > HTTP_MAX_PARAMS)
			return ac_err_set(
			    err, AC_ERR_USAGE,
			    "route pattern '%s' has more than %d parameters",
			    pattern, HTTP_MAX_PARAMS);
		if (memchr(p + param, '{', len - 2 * param) ||
		    memchr(p + param, '}', len - 2 * param) ||
		    (param && len == 2))
			return ac_err_set(err, AC_ERR_USAGE,
					  "route pattern '%s' has a malformed "
					  "'{name}' segment",
					  pattern);
		p += len;
		if (!*p)
			break;
	}
	return AC_OK;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Splits the raw path (after its leading '/') into percent-decoded,
 * NUL-terminated segments inside buf. Returns the count, 0 on a bad escape
 * or a decoded '/' or NUL, SIZE_MAX when there are too many segments. */
static size_t split_decode(const char *raw, char *buf,
			   const char *seg[HTTP_MAX_SEGMENTS])
{
	size_t n = 0;
	char *w = buf;

	seg[n++] = w;
	for (const char *r = raw; *r; r++) {
		if (*r == '/') {
			*w++ = '\0';
			if (n == HTTP_MAX_SEGMENTS)
				return SIZE_MAX;
			seg[n++] = w;
		} else if (*r == '%') {
			int hi = hexval(r[1]), lo = hi < 0 ? -1 : hexval(r[2]);
			int c = hi * 16 + lo;
			if (hi < 0 || lo < 0 || c == 0 || c == '/')
				return 0;
			*w++ = (char)c;
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return n;
}

/* True when the route pattern matches the decoded segments; fills params. */
static bool pattern_matches(const char *pattern, const char *const *seg,
			    size_t nseg, struct http_match_out *m)
{
	const char *p = pattern + 1;
	size_t i = 0;

	m->nparams = 0;
	for (;; i++) {
		size_t len = seg_len(p);

		if (i == nseg)
			return false;
		if (seg_is_param(p, len)) {
			if (!seg[i][0])
				return false;
			m->params[m->nparams].name = p + 1;
			m->params[m->nparams].name_len = len - 2;
			m->params[m->nparams++].value = seg[i];
		} else if (strlen(seg[i]) != len || memcmp(seg[i], p, len)) {
			return false;
		}
		p += len;
		if (!*p++)
			break;
	}
	return i + 1 == nseg;
}

static void allow_add(char *allow, const char *method)
{
	size_t used = strlen(allow), mlen = strlen(method);
	const char *hit = strstr(allow, method);

	if (hit && (hit == allow || hit[-1] == ' ') &&
	    (hit[mlen] == ',' || hit[mlen] == '\0'))
		return;
	if (used + mlen + 3 > HTTP_ALLOW_MAX)
		return;
	snprintf(allow + used, HTTP_ALLOW_MAX - used, "%s%s", used ? ", " : "",
		 method);
}

enum http_match http_route_match(const struct http_route_ent *routes, size_t n,
				 const char *method, const char *path,
				 struct http_match_out *m)
{
	const char *seg[HTTP_MAX_SEGMENTS];
	size_t nseg;
	bool path_known = false;

	m->allow[0] = '\0';
	m->nparams = 0;
	m->segbuf = NULL;
	if (path[0] != '/')
		return HTTP_MATCH_NOT_FOUND;
	m->segbuf = malloc(strlen(path) + 1);
	if (!m->segbuf)
		return HTTP_MATCH_NOT_FOUND;
	nseg = split_decode(path + 1, m->segbuf, seg);
	if (nseg == 0)
		return HTTP_MATCH_BAD_PATH;
	if (nseg == SIZE_MAX)
		return HTTP_MATCH_NOT_FOUND;
	for (size_t i = 0; i < n; i++) {
		if (!pattern_matches(routes[i].r.pattern, seg, nseg, m))
			continue;
		if (strcmp(routes[i].r.method, method) == 0) {
			m->route = i;
			return HTTP_MATCH_OK;
		}
		path_known = true;
		allow_add(m->allow, routes[i].r.method);
	}
	m->nparams = 0;
	return path_known ? HTTP_MATCH_BAD_METHOD : HTTP_MATCH_NOT_FOUND;
}
