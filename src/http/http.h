/* accord's HTTP server core on libmicrohttpd (MHD): routing with path
 * parameters, capped request bodies, security headers, access log,
 * Prometheus metrics, graceful stop and a failed-login throttle.
 *
 * Threads: MHD runs a pool of `threads` worker threads (epoll); handlers run
 * on them concurrently, so the app object they share must be thread-safe.
 *
 * Authentication is left to handlers: a handler that needs a caller reads
 * the Authorization header, checks it, stores what it learned with
 * http_req_set_auth(), and on failure calls http_throttle_fail() on
 * http_server_throttle() and answers 401 (http_throttle_ok() on success).
 *
 * Signals: never call http_server_stop() from a signal handler. A SIGTERM
 * handler only sets a volatile sig_atomic_t flag (or writes a byte to a
 * self-pipe); the main loop sees it and calls http_server_stop(). */
#ifndef AC_HTTP_H
#define AC_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/rc.h"

struct http_server;
struct http_req;
struct http_resp;

#define HTTP_RESP_MAX_HEADERS 8
#define HTTP_HEADER_NAME_MAX 64
#define HTTP_HEADER_VALUE_MAX 512
#define HTTP_CTYPE_MAX 128
#define HTTP_ADDR_MAX 64

/* One extra response header (copied into the response). */
struct http_header {
	char name[HTTP_HEADER_NAME_MAX];
	char value[HTTP_HEADER_VALUE_MAX];
};

/* What a handler fills. Created by the server with status 0 ("not set",
 * sent as 500), content type "application/json" and an empty body capped at
 * http_config.max_response bytes; the server owns and frees it. */
struct http_resp {
	int status;
	char content_type[HTTP_CTYPE_MAX];
	struct http_header headers[HTTP_RESP_MAX_HEADERS];
	size_t nheaders;
	struct ac_buf body;
};

/* Handles one request. `app` is the pointer given to http_server_start. */
typedef void (*http_handler)(void *app, struct http_req *req,
			     struct http_resp *resp);

/* A route: method ("GET", "POST", ...), pattern and handler. Pattern
 * segments "{name}" capture one non-empty path segment, URL-decoded, e.g.
 * "/taxii2/{root}/collections/{id}/objects/". Paths match the pattern
 * exactly, trailing slash included. `name` labels metrics and logs (the
 * pattern when NULL). The strings must outlive the server. */
struct http_route {
	const char *method;
	const char *pattern;
	http_handler fn;
	const char *name;
};

/* Appends Prometheus text lines (e.g. with http_metrics_gauge) to `out`
 * for GET /metrics. Runs on a worker thread. */
typedef void (*http_metrics_fn)(void *app, struct ac_buf *out);

/* Fills resp for an error the core answers itself (400 bad path, 404,
 * 405, 413, 500) so an API can use its own error format; the core adds the
 * Allow header of a 405 afterwards. */
struct http_resp;
typedef void (*http_error_fn)(void *app, struct http_resp *resp, int status,
			      const char *title);

/* Called once per request to an app route when the headers are in and
 * before any body is read (e.g. to authenticate, so an unauthenticated
 * client cannot make the server buffer a body). Return true to go on; on
 * false, resp must hold the answer, which is sent at once. */
struct http_req;
typedef bool (*http_precheck_fn)(void *app, struct http_req *req,
				 struct http_resp *resp);

struct http_config {
	const char *addr;	  /* IPv4 or IPv6 literal */
	uint16_t port;		  /* 0 = ephemeral, see http_server_port */
	bool tls;		  /* HTTPS with cert_pem / key_pem */
	const char *cert_pem;	  /* PEM certificate (chain) */
	const char *key_pem;	  /* PEM private key */
	bool allow_plain_public;  /* allow plain HTTP on non-loopback addr */
	unsigned threads;	  /* worker pool size */
	unsigned conn_limit;	  /* max concurrent connections */
	unsigned timeout_s;	  /* idle timeout per connection */
	size_t max_body;	  /* request body cap, else 413 */
	size_t max_header;	  /* per-connection memory for request line
				   * and headers (MHD answers 414/431) */
	size_t max_response;	  /* response body cap for handlers */
	unsigned stop_timeout_ms; /* how long stop waits for requests */
	bool access_log;	  /* one info line per request */
	http_metrics_fn metrics;  /* optional extra /metrics lines */
	http_error_fn error_body; /* optional: formats the core's own errors */
	http_precheck_fn precheck; /* optional: before the body, app routes */
};

/* Safe defaults: 127.0.0.1, port 0, no TLS, 4 threads, 256 connections,
 * 30 s timeout, 10 MiB body, 16 KiB headers, 64 MiB response, 10 s stop
 * timeout, access log on. */
struct http_config http_config_defaults(void);

/* True when addr is an IPv4 loopback literal (127.0.0.0/8) or "::1". */
bool http_addr_is_loopback(const char *addr);

/* Checks cfg without binding anything: the address parses, the sizes are
 * sane, TLS has a certificate and key, and plain HTTP on a non-loopback
 * address is refused (AC_ERR_PERM) unless allow_plain_public is set.
 * AC_ERR_USAGE for other problems. */
ac_rc http_config_check(const struct http_config *cfg, struct ac_err *err);

/* Checks cfg and starts serving routes (plus built-in GET /healthz and
 * GET /metrics unless a route already uses those paths). The route array
 * is copied; its strings are not. cfg strings are copied. On success *out
 * owns the running server; stop it with http_server_stop. Errors:
 * those of http_config_check, AC_ERR_USAGE for a bad route pattern,
 * AC_ERR_IO when MHD cannot start (port in use, bad TLS key...). */
ac_rc http_server_start(const struct http_config *cfg,
			const struct http_route *routes, size_t nroutes,
			void *app, struct http_server **out,
			struct ac_err *err);

/* The port actually bound (useful with port 0). */
uint16_t http_server_port(const struct http_server *srv);

/* The server's failed-authentication throttle (owned by the server). */
struct http_throttle *http_server_throttle(struct http_server *srv);

/* Graceful stop: stops accepting (new connections are refused), waits
 * until requests in flight finish or stop_timeout_ms passes, then shuts
 * MHD down and frees srv. NULL is a no-op. Not async-signal-safe. */
void http_server_stop(struct http_server *srv);

/* ---- request accessors (valid only during the handler call) ---- */

const char *http_req_method(const struct http_req *req);
/* Path as received (still percent-encoded), without the query. */
const char *http_req_path(const struct http_req *req);
/* Decoded path parameter by pattern name, or NULL. */
const char *http_req_param(const struct http_req *req, const char *name);
/* First value of query argument `key` (decoded), e.g. "match[type]" or
 * "limit"; NULL when absent, "" when present without a value. */
const char *http_req_query(const struct http_req *req, const char *key);
/* Calls fn for each query argument in order (value NULL when absent);
 * fn returns false to stop. Returns the number of calls. */
size_t http_req_query_each(const struct http_req *req,
			   bool (*fn)(void *ctx, const char *key,
				      const char *value),
			   void *ctx);
/* Request header by name (case-insensitive), or NULL. */
const char *http_req_header(const struct http_req *req, const char *name);
/* The full request body (NUL-terminated, possibly empty) and its length. */
const char *http_req_body(const struct http_req *req, size_t *len);
/* Client IP address as text. */
const char *http_req_client_addr(const struct http_req *req);
/* Opaque per-request slot for the app (e.g. the authenticated subject).
 * free_fn (may be NULL) is called on it when the request ends. */
void http_req_set_auth(struct http_req *req, void *auth,
		       void (*free_fn)(void *));
void *http_req_auth(const struct http_req *req);

/* ---- response helpers ---- */

/* Adds a header. AC_ERR_LIMIT when the array is full or a field too long,
 * AC_ERR_INVALID for a bad name or a CR/LF in the value. */
ac_rc http_resp_header(struct http_resp *resp, const char *name,
		       const char *value);
/* Sets status, content type and the body to `text`. AC_ERR_LIMIT past
 * max_response. */
ac_rc http_resp_text(struct http_resp *resp, int status, const char *ctype,
		     const char *text);
/* Sets status and the body to compact JSON of j (not stolen); keeps the
 * content type already set (default "application/json"). AC_ERR_LIMIT
 * past max_response, AC_ERR_NOMEM. */
ac_rc http_resp_json(struct http_resp *resp, int status, const json_t *j);

/* Appends a gauge in Prometheus text format (HELP, TYPE, sample). */
ac_rc http_metrics_gauge(struct ac_buf *out, const char *name, const char *help,
			 double value);

/* ---- failed-authentication throttle ----
 * Bounded memory whatever the number of client addresses: a fixed hashed
 * table; a new address evicts the least recently seen one in its probe
 * window. Delays: 0 for the first HTTP_THROTTLE_FREE failures, then
 * 250 ms doubling up to 5 s; the count resets after a quiet period of
 * HTTP_THROTTLE_QUIET_MS without failures, or on http_throttle_ok.
 * Thread-safe. Times are monotonic milliseconds (pass http_now_ms()). */
#define HTTP_THROTTLE_FREE 3
#define HTTP_THROTTLE_BASE_MS 250
#define HTTP_THROTTLE_MAX_MS 5000
#define HTTP_THROTTLE_QUIET_MS 60000

struct http_throttle;

/* nslots 0 picks a default (4096). NULL on allocation failure. */
struct http_throttle *http_throttle_new(size_t nslots);
void http_throttle_free(struct http_throttle *t);
/* Records a failure from addr; returns the delay in ms to apply before
 * answering. A handler may sleep it on its pool thread (at most
 * HTTP_THROTTLE_MAX_MS, see http_sleep_ms); that holds one worker. */
unsigned http_throttle_fail(struct http_throttle *t, const char *addr,
			    int64_t now_ms);
/* Delay currently owed by addr without recording anything. */
unsigned http_throttle_delay(struct http_throttle *t, const char *addr,
			     int64_t now_ms);
/* A success from addr: forget its failures. */
void http_throttle_ok(struct http_throttle *t, const char *addr);

int64_t http_now_ms(void);
void http_sleep_ms(unsigned ms);

#endif
