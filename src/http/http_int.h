/* Internals shared by the files of src/http/ (not part of the API). */
#ifndef AC_HTTP_INT_H
#define AC_HTTP_INT_H

#include <pthread.h>

#include "http/http.h"

#define HTTP_MAX_SEGMENTS 32
#define HTTP_MAX_PARAMS 8
#define HTTP_ALLOW_MAX 128

enum http_builtin { HTTP_APP_ROUTE, HTTP_HEALTHZ, HTTP_METRICS };

struct http_route_ent {
	struct http_route r;
	const char *label;
	enum http_builtin builtin;
};

struct http_param {
	const char *name; /* points into the route pattern, not terminated */
	size_t name_len;
	const char *value; /* decoded, NUL-terminated, owned by the request */
};

enum http_match {
	HTTP_MATCH_OK,
	HTTP_MATCH_NOT_FOUND,
	HTTP_MATCH_BAD_METHOD, /* allow[] lists the methods the path takes */
	HTTP_MATCH_BAD_PATH,   /* bad escape, or '/' or NUL decoded */
};

struct http_match_out {
	size_t route;
	struct http_param params[HTTP_MAX_PARAMS];
	size_t nparams;
	char *segbuf; /* decoded segments; caller frees */
	char allow[HTTP_ALLOW_MAX];
};

/* Checks a route pattern; AC_ERR_USAGE with a message when it is bad. */
ac_rc http_pattern_check(const char *pattern, struct ac_err *err);
/* Matches method and raw (percent-encoded) path against the routes. */
enum http_match http_route_match(const struct http_route_ent *routes, size_t n,
				 const char *method, const char *path,
				 struct http_match_out *m);

/* ---- metrics ---- */
#define HTTP_NBUCKETS 9
#define HTTP_MAX_CODES 16

struct http_route_stats {
	const char *label;
	uint64_t buckets[HTTP_NBUCKETS]; /* cumulative at render time */
	double sum;
	uint64_t count;
	struct {
		int code;
		uint64_t n;
	} codes[HTTP_MAX_CODES];
};

struct http_metrics {
	pthread_mutex_t mu;
	struct http_route_stats *stats;
	size_t n;
};

ac_rc http_metrics_init(struct http_metrics *m, size_t n);
void http_metrics_release(struct http_metrics *m);
void http_metrics_record(struct http_metrics *m, size_t idx, int code,
			 double seconds);
ac_rc http_metrics_render(struct http_metrics *m, struct ac_buf *out);

#endif
