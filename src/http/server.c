#include "base/common.h"
#include "base/log.h"
#include "base/time.h"
#include "http/http_int.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

#define LOG_PATH_MAX 200
#define MIN_HEADER_MEM 4096
#define DISCARD_MAX (1u << 20)
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

struct http_server {
	struct MHD_Daemon *d;
	struct http_config cfg;
	char *addr, *cert_pem, *key_pem;
	struct http_route_ent *routes;
	size_t nroutes; /* metrics index nroutes = unmatched requests */
	void *app;
	struct http_metrics metrics;
	struct http_throttle *throttle;
	atomic_long in_flight;
	atomic_bool stopping;
	uint16_t port;
};

struct http_req {
	struct http_server *srv;
	struct MHD_Connection *con;
	int64_t start_ns;
	char *path;	    /* raw, without query */
	const char *method; /* NULL until the first access call */
	size_t route;	    /* index, or srv->nroutes when unmatched */
	struct http_match_out match;
	struct ac_buf body;
	bool too_large;
	size_t discarded; /* body bytes dropped after too_large */
	int status;
	char client[HTTP_ADDR_MAX];
	void *auth;
	void (*auth_free)(void *);
};

/* ---------- configuration ---------- */

struct http_config http_config_defaults(void)
{
	struct http_config c = {
	    .addr = "127.0.0.1",
	    .threads = 4,
	    .conn_limit = 256,
	    .timeout_s = 30,
	    .max_body = 10u << 20,
	    .max_header = 16u << 10,
	    .max_response = 64u << 20,
	    .stop_timeout_ms = 10000,
	    .access_log = true,
	};
	return c;
}

bool http_addr_is_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (!addr)
		return false;
	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

ac_rc http_config_check(const struct http_config *cfg, struct ac_err *err)
{
	struct in6_addr a;

	if (!cfg->addr || (inet_pton(AF_INET, cfg->addr, &a) != 1 &&
			   inet_pton(AF_INET6, cfg->addr, &a) != 1))
		return ac_err_set(
		    err, AC_ERR_USAGE,
		    "listen address '%s' is not an IPv4 or IPv6 literal",
		    cfg->addr ? cfg->addr : "(null)");
	if (!cfg->tls && !cfg->allow_plain_public &&
	    !http_addr_is_loopback(cfg->addr))
		return ac_err_set(
		    err, AC_ERR_PERM,
		    "refusing plain http on non-loopback address '%s': enable "
		    "tls or allow plain http explicitly",
		    cfg->addr);
	if (cfg->tls && (!cfg->cert_pem || !cfg->key_pem))
		return ac_err_set(err, AC_ERR_USAGE,
				  "tls on '%s' needs a certificate and a key",
				  cfg->addr);
	if (cfg->threads == 0 || cfg->threads > 256 || cfg->conn_limit == 0 ||
	    cfg->conn_limit < cfg->threads)
		return ac_err_set(err, AC_ERR_USAGE,
				  "bad http pool: %u threads (1..256) and %u "
				  "connections (at least one per thread)",
				  cfg->threads, cfg->conn_limit);
	if (cfg->max_header < MIN_HEADER_MEM || cfg->timeout_s == 0)
		return ac_err_set(err, AC_ERR_USAGE,
				  "bad http limits: header memory %zu (at "
				  "least %d), timeout %u s (at least 1)",
				  cfg->max_header, MIN_HEADER_MEM,
				  cfg->timeout_s);
	return AC_OK;
}

/* ---------- responses ---------- */

static void resp_init(struct http_resp *resp, size_t max)
{
	resp->status = 0;
	snprintf(resp->content_type, sizeof(resp->content_type), "%s",
		 "application/json");
	resp->nheaders = 0;
	ac_buf_init(&resp->body, max);
}

static bool header_name_ok(const char *name)
{
	if (!*name)
		return false;
	for (; *name; name++)
		if (*name <= ' ' || *name >= 127 || *name == ':')
			return false;
	return true;
}

ac_rc http_resp_header(struct http_resp *resp, const char *name,
		       const char *value)
{
	struct http_header *h;

	if (!header_name_ok(name) || strpbrk(value, "\r\n"))
		return AC_ERR_INVALID;
	if (resp->nheaders == HTTP_RESP_MAX_HEADERS ||
	    strlen(name) >= HTTP_HEADER_NAME_MAX ||
	    strlen(value) >= HTTP_HEADER_VALUE_MAX)
		return AC_ERR_LIMIT;
	h = &resp->headers[resp->nheaders++];
	snprintf(h->name, sizeof(h->name), "%s", name);
	snprintf(h->value, sizeof(h->value), "%s", value);
	return AC_OK;
}

ac_rc http_resp_text(struct http_resp *resp, int status, const char *ctype,
		     const char *text)
{
	if (strlen(ctype) >= sizeof(resp->content_type) ||
	    strpbrk(ctype, "\r\n"))
		return AC_ERR_INVALID;
	resp->status = status;
	snprintf(resp->content_type, sizeof(resp->content_type), "%s", ctype);
	ac_buf_reset(&resp->body);
	return ac_buf_adds(&resp->body, text);
}

struct json_sink {
	struct ac_buf *b;
	ac_rc rc;
};

static int json_to_buf(const char *p, size_t n, void *data)
{
	struct json_sink *s = data;
	s->rc = ac_buf_add(s->b, p, n);
	return s->rc ? -1 : 0;
}

ac_rc http_resp_json(struct http_resp *resp, int status, const json_t *j)
{
	struct json_sink sink = {&resp->body, AC_OK};

	ac_buf_reset(&resp->body);
	resp->status = status;
	if (json_dump_callback(j, json_to_buf, &sink, JSON_COMPACT) != 0) {
		ac_buf_reset(&resp->body);
		return sink.rc ? sink.rc : AC_ERR_NOMEM;
	}
	return AC_OK;
}

/* Turns resp into an MHD response (security headers added) and queues it.
 * Consumes resp->body. */
static enum MHD_Result send_resp(struct http_req *req, struct http_resp *resp)
{
	struct MHD_Response *r;
	enum MHD_Result ok = MHD_NO;
	size_t len;
	char *body;

	if (resp->status < 100 || resp->status > 599) {
		resp->nheaders = 0;
		if (http_resp_text(resp, 500, "application/json",
				   "{\"title\":\"internal error\"}"))
			ac_buf_reset(&resp->body);
	}
	body = ac_buf_detach(&resp->body, &len);
	if (!body)
		return MHD_NO;
	r = MHD_create_response_from_buffer_with_free_callback(len, body, free);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				    resp->content_type) != MHD_YES ||
	    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") !=
		MHD_YES ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
				    "no-store") != MHD_YES)
		goto out;
	for (size_t i = 0; i < resp->nheaders; i++)
		if (MHD_add_response_header(r, resp->headers[i].name,
					    resp->headers[i].value) != MHD_YES)
			goto out;
	if (atomic_load(&req->srv->stopping) &&
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close") !=
		MHD_YES)
		goto out;
	ok = MHD_queue_response(req->con, (unsigned)resp->status, r);
	if (ok == MHD_YES) {
		/* recorded here, not on completion, so a client that got this
		 * answer sees it counted in its next /metrics */
		req->status = resp->status;
		http_metrics_record(&req->srv->metrics, req->route, req->status,
				    (double)(ac_mono_ns() - req->start_ns) /
					1e9);
	}
out:
	MHD_destroy_response(r);
	return ok;
}

/* A short JSON error; `allow` adds an Allow header (405). */
static enum MHD_Result send_error(struct http_req *req, int status,
				  const char *title, const char *allow)
{
	struct http_resp resp;
	enum MHD_Result ok;
	json_t *j = json_pack("{ss}", "title", title);

	resp_init(&resp, req->srv->cfg.max_response);
	if (req->srv->cfg.error_body) {
		req->srv->cfg.error_body(req->srv->app, &resp, status, title);
		if (allow)
			http_resp_header(&resp, "Allow", allow);
	} else if (j && http_resp_json(&resp, status, j) == AC_OK && allow) {
		http_resp_header(&resp, "Allow", allow);
	}
	json_decref(j);
	ok = send_resp(req, &resp);
	ac_buf_release(&resp.body);
	return ok;
}

/* ---------- built-in routes ---------- */

static void healthz(struct http_server *srv, struct http_resp *resp)
{
	(void)srv;
	if (http_resp_text(resp, 200, "application/json",
			   "{\"status\":\"ok\"}"))
		resp->status = 500;
}

static void metrics(struct http_server *srv, struct http_resp *resp)
{
	if (http_resp_text(resp, 200,
			   "text/plain; version=0.0.4; charset=utf-8", "") ||
	    http_metrics_render(&srv->metrics, &resp->body)) {
		resp->status = 500;
		return;
	}
	if (srv->cfg.metrics)
		srv->cfg.metrics(srv->app, &resp->body);
}

/* ---------- MHD callbacks ---------- */

static void client_text(struct MHD_Connection *con, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, size, "%s", "unknown");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  out, (socklen_t)size);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)size);
}

/* Called by MHD with the raw request target before it decodes anything;
 * its result becomes the per-request context. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct http_server *srv = cls;
	struct http_req *req = calloc(1, sizeof(*req));
	size_t plen = strcspn(uri, "?#");

	if (!req)
		return NULL;
	req->path = strndup(uri, plen);
	if (!req->path) {
		free(req);
		return NULL;
	}
	req->srv = srv;
	req->con = con;
	req->start_ns = ac_mono_ns();
	req->route = srv->nroutes;
	ac_buf_init(&req->body, srv->cfg.max_body);
	client_text(con, req->client, sizeof(req->client));
	atomic_fetch_add(&srv->in_flight, 1);
	return req;
}

/* Copies a path for logging: printable ASCII only, capped. */
static void log_path(const char *path, char *out, size_t size)
{
	size_t i = 0;
	for (; path[i] && i + 4 < size && i < LOG_PATH_MAX; i++)
		out[i] = (path[i] > ' ' && path[i] < 127) ? path[i] : '?';
	if (path[i])
		out[i++] = '~';
	out[i] = '\0';
}

static void on_done(void *cls, struct MHD_Connection *con, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct http_req *req = *con_cls;
	double secs;

	(void)con;
	(void)toe;
	if (!req)
		return;
	*con_cls = NULL;
	secs = (double)(ac_mono_ns() - req->start_ns) / 1e9;
	if (srv->cfg.access_log) {
		char p[LOG_PATH_MAX + 8];
		log_path(req->path, p, sizeof(p));
		ac_log(AC_LOG_INFO, "http %s %s %d %.3f ms %s",
		       req->method ? req->method : "-", p, req->status,
		       secs * 1e3, req->client);
	}
	if (req->auth_free)
		req->auth_free(req->auth);
	ac_buf_release(&req->body);
	free(req->match.segbuf);
	free(req->path);
	free(req);
	atomic_fetch_sub(&srv->in_flight, 1);
}

/* The app's precheck; a refusal is answered before the body is read. */
static enum MHD_Result run_precheck(struct http_req *req)
{
	struct http_server *srv = req->srv;
	struct http_resp resp;
	enum MHD_Result ok = MHD_YES;

	resp_init(&resp, srv->cfg.max_response);
	if (!srv->cfg.precheck(srv->app, req, &resp))
		ok = send_resp(req, &resp);
	ac_buf_release(&resp.body);
	return ok;
}

/* First call: route the request and reject what can be rejected before
 * the body. Returns MHD_YES to go on reading (or after queueing an error,
 * which MHD then sends instead of reading the body). */
static enum MHD_Result first_call(struct http_req *req, const char *method)
{
	struct http_server *srv = req->srv;
	const char *cl;

	req->method = method;
	switch (http_route_match(srv->routes, srv->nroutes, method, req->path,
				 &req->match)) {
	case HTTP_MATCH_BAD_PATH:
		return send_error(req, 400, "bad path encoding", NULL);
	case HTTP_MATCH_NOT_FOUND:
		return send_error(req, 404, "not found", NULL);
	case HTTP_MATCH_BAD_METHOD:
		return send_error(req, 405, "method not allowed",
				  req->match.allow);
	case HTTP_MATCH_OK:
		break;
	}
	req->route = req->match.route;
	cl = MHD_lookup_connection_value(req->con, MHD_HEADER_KIND,
					 MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl) {
		char *end;
		unsigned long long n;
		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno || end == cl || n > srv->cfg.max_body)
			return send_error(req, 413, "request body too large",
					  NULL);
	}
	if (srv->cfg.precheck && !srv->routes[req->route].builtin)
		return run_precheck(req);
	return MHD_YES;
}

static enum MHD_Result run_handler(struct http_req *req)
{
	struct http_server *srv = req->srv;
	const struct http_route_ent *e = &srv->routes[req->route];
	struct http_resp resp;
	enum MHD_Result ok;

	resp_init(&resp, srv->cfg.max_response);
	if (e->builtin == HTTP_HEALTHZ)
		healthz(srv, &resp);
	else if (e->builtin == HTTP_METRICS)
		metrics(srv, &resp);
	else
		e->r.fn(srv->app, req, &resp);
	ok = send_resp(req, &resp);
	ac_buf_release(&resp.body);
	return ok;
}

/* Accumulates body bytes. Past max_body (only possible without a
 * Content-Length, i.e. chunked) MHD 0.9.75 cannot answer before the body
 * ends, so the rest is discarded, up to DISCARD_MAX bytes, to send the 413;
 * beyond that the connection is closed without an answer. */
static enum MHD_Result take_body(struct http_req *req, const char *data,
				 size_t *data_size)
{
	size_t n = *data_size;

	*data_size = 0;
	if (!req->too_large && ac_buf_add(&req->body, data, n) == AC_OK)
		return MHD_YES;
	if (!req->too_large) {
		req->too_large = true;
		ac_buf_release(&req->body);
	}
	if (n > DISCARD_MAX - req->discarded)
		return MHD_NO;
	req->discarded += n;
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *data_size, void **con_cls)
{
	struct http_req *req = *con_cls;

	(void)cls;
	(void)url;
	(void)version;
	(void)con;
	if (!req)
		return MHD_NO;
	if (!req->method)
		return first_call(req, method);
	if (*data_size)
		return take_body(req, data, data_size);
	if (req->too_large)
		return send_error(req, 413, "request body too large", NULL);
	if (req->status)
		return MHD_YES;
	return run_handler(req);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	ac_log(AC_LOG_WARN, "http: %s", msg);
}

/* ---------- start / stop ---------- */

static void server_free(struct http_server *srv)
{
	if (!srv)
		return;
	http_metrics_release(&srv->metrics);
	http_throttle_free(srv->throttle);
	free(srv->routes);
	free(srv->addr);
	free(srv->cert_pem);
	free(srv->key_pem);
	free(srv);
}

static bool route_path_taken(const struct http_route *routes, size_t n,
			     const char *pattern)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(routes[i].pattern, pattern) == 0)
			return true;
	return false;
}

static ac_rc routes_copy(struct http_server *srv,
			 const struct http_route *routes, size_t n,
			 struct ac_err *err)
{
	static const struct {
		const char *path;
		enum http_builtin kind;
	} builtins[] = {{"/healthz", HTTP_HEALTHZ}, {"/metrics", HTTP_METRICS}};
	ac_rc rc;

	srv->routes = calloc(n + AC_ARRAY_LEN(builtins), sizeof(*srv->routes));
	if (!srv->routes)
		return ac_err_set(err, AC_ERR_NOMEM,
				  "out of memory for routes");
	for (size_t i = 0; i < n; i++) {
		if (!routes[i].method || !routes[i].fn)
			return ac_err_set(
			    err, AC_ERR_USAGE,
			    "route %zu ('%s') needs a method and a handler", i,
			    routes[i].pattern ? routes[i].pattern : "(null)");
		rc = http_pattern_check(routes[i].pattern, err);
		if (rc)
			return rc;
		srv->routes[srv->nroutes].r = routes[i];
		srv->routes[srv->nroutes++].label =
		    routes[i].name ? routes[i].name : routes[i].pattern;
	}
	for (size_t i = 0; i < AC_ARRAY_LEN(builtins); i++) {
		struct http_route_ent *e = &srv->routes[srv->nroutes];
		if (route_path_taken(routes, n, builtins[i].path))
			continue;
		e->r.method = "GET";
		e->r.pattern = builtins[i].path;
		e->r.name = builtins[i].path + 1;
		e->label = e->r.name;
		e->builtin = builtins[i].kind;
		srv->nroutes++;
	}
	return AC_OK;
}

static char *dup_or_null(const char *s, bool *fail)
{
	char *d;
	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*fail = true;
	return d;
}

static ac_rc server_alloc(const struct http_config *cfg,
			  const struct http_route *routes, size_t nroutes,
			  void *app, struct http_server **out,
			  struct ac_err *err)
{
	struct http_server *srv = calloc(1, sizeof(*srv));
	bool fail = false;
	ac_rc rc;

	if (!srv)
		return ac_err_set(err, AC_ERR_NOMEM,
				  "out of memory for server");
	srv->cfg = *cfg;
	srv->app = app;
	srv->addr = dup_or_null(cfg->addr, &fail);
	srv->cert_pem = dup_or_null(cfg->tls ? cfg->cert_pem : NULL, &fail);
	srv->key_pem = dup_or_null(cfg->tls ? cfg->key_pem : NULL, &fail);
	srv->cfg.addr = srv->addr;
	srv->cfg.cert_pem = srv->cert_pem;
	srv->cfg.key_pem = srv->key_pem;
	srv->throttle = http_throttle_new(0);
	if (fail || !srv->throttle) {
		rc = ac_err_set(err, AC_ERR_NOMEM, "out of memory for server");
		goto out;
	}
	rc = routes_copy(srv, routes, nroutes, err);
	if (!rc && http_metrics_init(&srv->metrics, srv->nroutes + 1))
		rc = ac_err_set(err, AC_ERR_NOMEM, "out of memory for metrics");
	if (!rc) {
		for (size_t i = 0; i < srv->nroutes; i++)
			srv->metrics.stats[i].label = srv->routes[i].label;
		srv->metrics.stats[srv->nroutes].label = "unmatched";
	}
out:
	if (rc)
		server_free(srv);
	else
		*out = srv;
	return rc;
}

ac_rc http_server_start(const struct http_config *cfg,
			const struct http_route *routes, size_t nroutes,
			void *app, struct http_server **out, struct ac_err *err)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
	struct MHD_OptionItem opt[8];
	struct http_server *srv = NULL;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_USE_ITC | MHD_USE_ERROR_LOG;
	const struct sockaddr *sa = (const struct sockaddr *)&sin;
	const union MHD_DaemonInfo *info;
	size_t no = 0;
	ac_rc rc;

	*out = NULL;
	rc = http_config_check(cfg, err);
	if (rc)
		return rc;
	rc = server_alloc(cfg, routes, nroutes, app, &srv, err);
	if (rc)
		return rc;
	if (inet_pton(AF_INET, cfg->addr, &sin.sin_addr) == 1) {
		sin.sin_port = htons(cfg->port);
	} else {
		inet_pton(AF_INET6, cfg->addr, &sin6.sin6_addr);
		sin6.sin6_port = htons(cfg->port);
		sa = (const struct sockaddr *)&sin6;
		flags |= MHD_USE_IPv6;
	}
	if (cfg->threads > 1)
		opt[no++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE,
						    cfg->threads, NULL};
	if (cfg->tls) {
		flags |= MHD_USE_TLS;
		opt[no++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT,
						    0, srv->cert_pem};
		opt[no++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0,
						    srv->key_pem};
		opt[no++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES,
						    0, (void *)TLS_PRIORITIES};
	}
	opt[no] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	srv->d = MHD_start_daemon(
	    flags, cfg->port, NULL, NULL, on_request, srv,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR, sa,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->conn_limit,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout_s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->max_header,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, srv, MHD_OPTION_ARRAY, opt,
	    MHD_OPTION_END);
	if (!srv->d) {
		rc = ac_err_set(err, AC_ERR_IO,
				"cannot start http server on '%s' port %u: "
				"address in use, or bad tls certificate or key",
				cfg->addr, (unsigned)cfg->port);
		server_free(srv);
		return rc;
	}
	info = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : cfg->port;
	*out = srv;
	return AC_OK;
}

uint16_t http_server_port(const struct http_server *srv)
{
	return srv->port;
}

struct http_throttle *http_server_throttle(struct http_server *srv)
{
	return srv->throttle;
}

void http_server_stop(struct http_server *srv)
{
	MHD_socket lfd;
	int64_t deadline;

	if (!srv)
		return;
	atomic_store(&srv->stopping, true);
	lfd = MHD_quiesce_daemon(srv->d);
	/* Stop listening now so new connections are refused rather than
	 * queued; the descriptor is closed after MHD_stop_daemon. */
	if (lfd != MHD_INVALID_SOCKET)
		shutdown(lfd, SHUT_RDWR);
	deadline = http_now_ms() + srv->cfg.stop_timeout_ms;
	while (atomic_load(&srv->in_flight) > 0 && http_now_ms() < deadline)
		http_sleep_ms(10);
	MHD_stop_daemon(srv->d);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	server_free(srv);
}

/* ---------- request accessors ---------- */

const char *http_req_method(const struct http_req *req)
{
	return req->method;
}

const char *http_req_path(const struct http_req *req)
{
	return req->path;
}

const char *http_req_param(const struct http_req *req, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < req->match.nparams; i++) {
		const struct http_param *p = &req->match.params[i];
		if (p->name_len == len && memcmp(p->name, name, len) == 0)
			return p->value;
	}
	return NULL;
}

struct query_find {
	const char *key;
	bool found;
};

static enum MHD_Result find_cb(void *cls, enum MHD_ValueKind kind,
			       const char *key, const char *value)
{
	struct query_find *f = cls;
	(void)kind;
	(void)value;
	f->found = strcmp(key, f->key) == 0;
	return f->found ? MHD_NO : MHD_YES;
}

const char *http_req_query(const struct http_req *req, const char *key)
{
	struct query_find f = {key, false};
	const char *v =
	    MHD_lookup_connection_value(req->con, MHD_GET_ARGUMENT_KIND, key);

	if (v)
		return v;
	/* present without a value ("?flag") */
	MHD_get_connection_values(req->con, MHD_GET_ARGUMENT_KIND, find_cb, &f);
	return f.found ? "" : NULL;
}

struct query_iter {
	bool (*fn)(void *ctx, const char *key, const char *value);
	void *ctx;
	size_t calls;
	bool stopped;
};

static enum MHD_Result query_cb(void *cls, enum MHD_ValueKind kind,
				const char *key, const char *value)
{
	struct query_iter *it = cls;
	(void)kind;
	if (it->stopped)
		return MHD_NO;
	it->calls++;
	if (!it->fn(it->ctx, key, value))
		it->stopped = true;
	return it->stopped ? MHD_NO : MHD_YES;
}

size_t http_req_query_each(const struct http_req *req,
			   bool (*fn)(void *ctx, const char *key,
				      const char *value),
			   void *ctx)
{
	struct query_iter it = {fn, ctx, 0, false};
	MHD_get_connection_values(req->con, MHD_GET_ARGUMENT_KIND, query_cb,
				  &it);
	return it.calls;
}

const char *http_req_header(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->con, MHD_HEADER_KIND, name);
}

const char *http_req_body(const struct http_req *req, size_t *len)
{
	if (len)
		*len = req->body.len;
	return req->body.data ? req->body.data : "";
}

const char *http_req_client_addr(const struct http_req *req)
{
	return req->client;
}

void http_req_set_auth(struct http_req *req, void *auth,
		       void (*free_fn)(void *))
{
	if (req->auth_free && req->auth != auth)
		req->auth_free(req->auth);
	req->auth = auth;
	req->auth_free = free_fn;
}

void *http_req_auth(const struct http_req *req)
{
	return req->auth;
}
