#include "base/common.h"
#include "base/buf.h"
#include "crypto/cert.h"
#include "http/http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gnutls/x509.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

/* ---------- the app under test ---------- */

static atomic_int slow_entered, slow_release;

static void h_echo(void *app, struct http_req *req, struct http_resp *resp)
{
	json_t *j =
	    json_pack("{ss ss ss}", "a", http_req_param(req, "a"), "b",
		      http_req_param(req, "b"), "method", http_req_method(req));
	(void)app;
	http_resp_json(resp, 200, j);
	json_decref(j);
}

static bool count_arg(void *ctx, const char *key, const char *value)
{
	(void)key;
	(void)value;
	(*(int *)ctx)++;
	return true;
}

static void h_query(void *app, struct http_req *req, struct http_resp *resp)
{
	int n = 0;
	const char *type = http_req_query(req, "match[type]");
	const char *limit = http_req_query(req, "limit");
	const char *flag = http_req_query(req, "flag");
	json_t *j;

	(void)app;
	http_req_query_each(req, count_arg, &n);
	j = json_pack("{ss ss ss si sb}", "type", type ? type : "(none)",
		      "limit", limit ? limit : "(none)", "flag",
		      flag ? flag : "(none)", "n", n, "missing",
		      http_req_query(req, "absent") == NULL);
	http_resp_json(resp, 200, j);
	json_decref(j);
}

static void h_header(void *app, struct http_req *req, struct http_resp *resp)
{
	const char *v = http_req_header(req, "x-test");
	(void)app;
	assert_int_equal(http_resp_header(resp, "X-Echo", v ? v : "none"),
			 AC_OK);
	assert_int_equal(http_resp_header(resp, "X-Bad", "a\r\nb"),
			 AC_ERR_INVALID);
	assert_int_equal(http_resp_header(resp, "Bad Name", "x"),
			 AC_ERR_INVALID);
	http_resp_text(resp, 200, "text/plain", http_req_client_addr(req));
}

static void h_body(void *app, struct http_req *req, struct http_resp *resp)
{
	size_t len;
	const char *b = http_req_body(req, &len);
	(void)app;
	http_resp_text(resp, 201, "text/plain", "");
	ac_buf_add(&resp->body, b, len);
}

static void h_slow(void *app, struct http_req *req, struct http_resp *resp)
{
	(void)app;
	(void)req;
	atomic_store(&slow_entered, 1);
	for (int i = 0; i < 500 && !atomic_load(&slow_release); i++)
		http_sleep_ms(10);
	http_resp_text(resp, 200, "text/plain", "slow done");
}

static void h_nothing(void *app, struct http_req *req, struct http_resp *resp)
{
	(void)app;
	(void)req;
	(void)resp;
}

static void app_metrics(void *app, struct ac_buf *out)
{
	(void)app;
	http_metrics_gauge(out, "accord_objects_stored", "Objects stored.", 42);
}

static const struct http_route routes[] = {
    {"GET", "/echo/{a}/x/{b}/", h_echo, "echo"},
    {"POST", "/echo/{a}/x/{b}/", h_echo, "echo_post"},
    {"GET", "/q", h_query, "query"},
    {"GET", "/hdr", h_header, "header"},
    {"POST", "/body", h_body, "body"},
    {"GET", "/slow", h_slow, "slow"},
    {"GET", "/nothing", h_nothing, NULL},
};

/* ---------- client helpers ---------- */

struct reply {
	long status;
	CURLcode cc;
	struct ac_buf body;
	struct ac_buf headers;
};

static size_t sink(char *p, size_t size, size_t n, void *ud)
{
	struct ac_buf *b = ud;
	return ac_buf_add(b, p, size * n) == AC_OK ? size * n : 0;
}

struct upload {
	const char *data;
	size_t len, pos;
};

static size_t source(char *p, size_t size, size_t n, void *ud)
{
	struct upload *u = ud;
	size_t k = size * n;
	if (k > u->len - u->pos)
		k = u->len - u->pos;
	memcpy(p, u->data + u->pos, k);
	u->pos += k;
	return k;
}

struct req_opts {
	const char *method;
	const char *body;
	size_t body_len;
	bool chunked;
	const char *header;
	const char *cafile;
	const char *pin;
	long timeout_ms;
};

static void reply_init(struct reply *r)
{
	r->status = 0;
	r->cc = CURLE_OK;
	ac_buf_init(&r->body, 1 << 20);
	ac_buf_init(&r->headers, 1 << 16);
}

static void reply_release(struct reply *r)
{
	ac_buf_release(&r->body);
	ac_buf_release(&r->headers);
}

static void fetch(const char *url, const struct req_opts *o, struct reply *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	struct upload up = {NULL, 0, 0};

	reply_init(r);
	assert_non_null(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
			 o && o->timeout_ms ? o->timeout_ms : 20000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (o && o->method)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o->method);
	if (o && o->body) {
		up.data = o->body;
		up.len = o->body_len;
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, source);
		curl_easy_setopt(c, CURLOPT_READDATA, &up);
		if (o->chunked)
			h = curl_slist_append(h, "Transfer-Encoding: chunked");
		else
			curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
					 (curl_off_t)o->body_len);
	}
	if (o && o->header)
		h = curl_slist_append(h, o->header);
	if (h)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (o && o->cafile)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->cafile);
	if (o && o->pin)
		curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, o->pin);
	r->cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

static long get_status(struct http_server *srv, const char *path,
		       const struct req_opts *o, struct reply *r)
{
	char url[512];
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s",
		 (unsigned)http_server_port(srv), path);
	fetch(url, o, r);
	return r->status;
}

static bool has_header(const struct reply *r, const char *line)
{
	return r->headers.data && strcasestr(r->headers.data, line) != NULL;
}

static struct http_server *start(struct http_config *cfg)
{
	struct http_server *srv = NULL;
	struct ac_err err = {0};
	ac_rc rc = http_server_start(cfg, routes, AC_ARRAY_LEN(routes), NULL,
				     &srv, &err);
	if (rc)
		fail_msg("server did not start: %s", err.msg);
	assert_true(http_server_port(srv) > 0);
	return srv;
}

static struct http_server *start_default(void)
{
	struct http_config cfg = http_config_defaults();
	cfg.access_log = false;
	cfg.threads = 2;
	cfg.max_body = 1024;
	cfg.metrics = app_metrics;
	return start(&cfg);
}

/* ---------- tests ---------- */

static void routing_and_params(void **state)
{
	struct http_server *srv = start_default();
	struct reply r;
	(void)state;

	assert_int_equal(get_status(srv, "/echo/a%20b/x/c%2Bd+%7B/", NULL, &r),
			 200);
	assert_string_equal(
	    r.body.data, "{\"a\":\"a b\",\"b\":\"c+d+{\",\"method\":\"GET\"}");
	assert_true(has_header(&r, "X-Content-Type-Options: nosniff"));
	assert_true(has_header(&r, "Cache-Control: no-store"));
	assert_true(has_header(&r, "Content-Type: application/json"));
	reply_release(&r);

	/* decoded '/' or NUL in a segment, or a broken escape: 400 */
	assert_int_equal(get_status(srv, "/echo/a%2Fb/x/c/", NULL, &r), 400);
	reply_release(&r);
	assert_int_equal(get_status(srv, "/echo/a%00/x/c/", NULL, &r), 400);
	reply_release(&r);
	assert_int_equal(get_status(srv, "/echo/a%zz/x/c/", NULL, &r), 400);
	reply_release(&r);
	/* trailing slash is part of the pattern; params must be non-empty */
	assert_int_equal(get_status(srv, "/echo/a/x/c", NULL, &r), 404);
	reply_release(&r);
	assert_int_equal(get_status(srv, "/echo/a/x/c//", NULL, &r), 404);
	reply_release(&r);
	assert_int_equal(get_status(srv, "/echo//x/c/", NULL, &r), 404);
	reply_release(&r);
	assert_int_equal(get_status(srv, "/nope", NULL, &r), 404);
	assert_true(has_header(&r, "X-Content-Type-Options: nosniff"));
	reply_release(&r);
	/* known path, other method: 405 with Allow */
	struct req_opts del = {.method = "DELETE"};
	assert_int_equal(get_status(srv, "/echo/a/x/b/", &del, &r), 405);
	assert_true(has_header(&r, "Allow: GET, POST"));
	reply_release(&r);
	/* a handler that sets nothing yields 500 */
	assert_int_equal(get_status(srv, "/nothing", NULL, &r), 500);
	reply_release(&r);
	http_server_stop(srv);
}

static void query_and_headers(void **state)
{
	struct http_server *srv = start_default();
	struct req_opts o = {.header = "X-TEST: hello"};
	struct reply r;
	(void)state;

	assert_int_equal(
	    get_status(srv,
		       "/q?match%5Btype%5D=indicator%2Cmalware&limit=5&flag",
		       NULL, &r),
	    200);
	assert_string_equal(r.body.data,
			    "{\"type\":\"indicator,malware\",\"limit\":\"5\","
			    "\"flag\":\"\",\"n\":3,\"missing\":true}");
	reply_release(&r);
	assert_int_equal(get_status(srv, "/q", NULL, &r), 200);
	assert_string_equal(r.body.data,
			    "{\"type\":\"(none)\",\"limit\":\"(none)\","
			    "\"flag\":\"(none)\",\"n\":0,\"missing\":true}");
	reply_release(&r);

	assert_int_equal(get_status(srv, "/hdr", &o, &r), 200);
	assert_true(has_header(&r, "X-Echo: hello"));
	assert_string_equal(r.body.data, "127.0.0.1");
	reply_release(&r);
	assert_int_equal(get_status(srv, "/hdr", NULL, &r), 200);
	assert_true(has_header(&r, "X-Echo: none"));
	reply_release(&r);
	http_server_stop(srv);
}

static void body_echo_and_cap(void **state)
{
	struct http_server *srv = start_default();
	char big[4096];
	struct req_opts o = {
	    .method = "POST", .body = "hello body", .body_len = 10};
	struct reply r;
	(void)state;

	assert_int_equal(get_status(srv, "/body", &o, &r), 201);
	assert_string_equal(r.body.data, "hello body");
	reply_release(&r);
	o.chunked = true;
	assert_int_equal(get_status(srv, "/body", &o, &r), 201);
	assert_string_equal(r.body.data, "hello body");
	reply_release(&r);
	/* exactly at the cap is fine */
	memset(big, 'x', sizeof(big));
	o.body = big;
	o.body_len = 1024;
	o.chunked = false;
	assert_int_equal(get_status(srv, "/body", &o, &r), 201);
	assert_int_equal(r.body.len, 1024);
	reply_release(&r);
	/* over the cap: 413 up front from Content-Length ... */
	o.body_len = 1025;
	assert_int_equal(get_status(srv, "/body", &o, &r), 413);
	reply_release(&r);
	o.body_len = sizeof(big);
	assert_int_equal(get_status(srv, "/body", &o, &r), 413);
	reply_release(&r);
	/* ... and while reading a chunked body */
	o.chunked = true;
	assert_int_equal(get_status(srv, "/body", &o, &r), 413);
	reply_release(&r);
	/* a chunked body far past the cap: no handler call, the connection
	 * is answered 413 or dropped, never 201 */
	{
		size_t huge = 3u << 20;
		char *h = malloc(huge);
		assert_non_null(h);
		memset(h, 'y', huge);
		o.body = h;
		o.body_len = huge;
		get_status(srv, "/body", &o, &r);
		assert_true(r.status == 413 || r.cc != CURLE_OK);
		reply_release(&r);
		free(h);
	}
	assert_int_equal(get_status(srv, "/healthz", NULL, &r), 200);
	reply_release(&r);
	http_server_stop(srv);
}

static void healthz_and_metrics(void **state)
{
	struct http_server *srv = start_default();
	struct reply r;
	(void)state;

	assert_int_equal(get_status(srv, "/healthz", NULL, &r), 200);
	assert_string_equal(r.body.data, "{\"status\":\"ok\"}");
	reply_release(&r);
	assert_int_equal(get_status(srv, "/echo/1/x/2/", NULL, &r), 200);
	reply_release(&r);
	assert_int_equal(get_status(srv, "/missing", NULL, &r), 404);
	reply_release(&r);
	assert_int_equal(get_status(srv, "/metrics", NULL, &r), 200);
	assert_true(has_header(&r, "Content-Type: text/plain; version=0.0.4"));
	assert_non_null(
	    strstr(r.body.data, "# TYPE accord_http_requests_total counter\n"));
	assert_non_null(strstr(
	    r.body.data,
	    "accord_http_requests_total{route=\"echo\",code=\"200\"} 1\n"));
	assert_non_null(strstr(
	    r.body.data,
	    "accord_http_requests_total{route=\"healthz\",code=\"200\"} 1\n"));
	assert_non_null(strstr(r.body.data, "accord_http_requests_total{route="
					    "\"unmatched\",code=\"404\"} 1\n"));
	assert_non_null(
	    strstr(r.body.data,
		   "# TYPE accord_http_request_duration_seconds histogram\n"));
	assert_non_null(
	    strstr(r.body.data, "accord_http_request_duration_seconds_bucket{"
				"route=\"echo\",le=\"0.001\"} "));
	assert_non_null(
	    strstr(r.body.data, "accord_http_request_duration_seconds_bucket{"
				"route=\"echo\",le=\"+Inf\"} 1\n"));
	assert_non_null(strstr(
	    r.body.data,
	    "accord_http_request_duration_seconds_sum{route=\"echo\"} "));
	assert_non_null(strstr(
	    r.body.data,
	    "accord_http_request_duration_seconds_count{route=\"echo\"} 1\n"));
	assert_non_null(strstr(
	    r.body.data,
	    "# TYPE accord_objects_stored gauge\naccord_objects_stored 42\n"));
	assert_null(strstr(r.body.data, "route=\"slow\",code="));
	reply_release(&r);
	/* the counter moves */
	assert_int_equal(get_status(srv, "/echo/1/x/2/", NULL, &r), 200);
	reply_release(&r);
	assert_int_equal(get_status(srv, "/metrics", NULL, &r), 200);
	assert_non_null(strstr(
	    r.body.data,
	    "accord_http_requests_total{route=\"echo\",code=\"200\"} 2\n"));
	assert_non_null(strstr(
	    r.body.data,
	    "accord_http_requests_total{route=\"metrics\",code=\"200\"} 1\n"));
	reply_release(&r);
	http_server_stop(srv);
}

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/accord-test-http-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void https_with_pin(void **state)
{
	struct http_config cfg = http_config_defaults();
	char *cert = NULL, *key = NULL, *cafile, url[256], pin[AC_CERT_PIN_LEN],
	     pinopt[128];
	struct req_opts o = {0};
	struct http_server *srv;
	struct ac_err err = {0};
	struct reply r;
	(void)state;

	assert_int_equal(
	    ac_cert_self_signed("accord test", NULL, 0, 1, &cert, &key, &err),
	    AC_OK);
	assert_int_equal(ac_cert_pubkey_pin_sha256(cert, pin, &err), AC_OK);
	cafile = write_temp(cert);
	cfg.tls = true;
	cfg.cert_pem = cert;
	cfg.key_pem = key;
	cfg.access_log = false;
	srv = start(&cfg);
	/* the server copied the PEM strings */
	free(cert);
	ac_cert_free_key(key);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/healthz",
		 (unsigned)http_server_port(srv));

	o.cafile = cafile;
	fetch(url, &o, &r);
	assert_int_equal(r.cc, CURLE_OK);
	assert_int_equal(r.status, 200);
	reply_release(&r);

	snprintf(pinopt, sizeof(pinopt), "sha256//%s", pin);
	o.pin = pinopt;
	fetch(url, &o, &r);
	assert_int_equal(r.cc, CURLE_OK);
	assert_int_equal(r.status, 200);
	reply_release(&r);

	o.pin = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
	fetch(url, &o, &r);
	assert_int_equal(r.cc, CURLE_SSL_PINNEDPUBKEYNOTMATCH);
	reply_release(&r);

	/* without the CA the certificate is not trusted */
	fetch(url, NULL, &r);
	assert_int_not_equal(r.cc, CURLE_OK);
	reply_release(&r);
	/* plain http to the TLS port gets no HTTP answer */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/healthz",
		 (unsigned)http_server_port(srv));
	fetch(url, NULL, &r);
	assert_true(r.cc != CURLE_OK || r.status != 200);
	reply_release(&r);

	http_server_stop(srv);
	unlink(cafile);
	free(cafile);
}

static void config_checks(void **state)
{
	struct http_config cfg = http_config_defaults();
	struct http_server *srv = NULL;
	struct ac_err err = {0};
	static const struct http_route bad[] = {
	    {"GET", "no-slash", h_echo, NULL},
	};
	static const struct http_route bad2[] = {
	    {"GET", "/a/{}/", h_echo, NULL},
	};
	(void)state;

	assert_true(http_addr_is_loopback("127.0.0.1"));
	assert_true(http_addr_is_loopback("127.255.0.9"));
	assert_true(http_addr_is_loopback("::1"));
	assert_false(http_addr_is_loopback("128.0.0.1"));
	assert_false(http_addr_is_loopback("0.0.0.0"));
	assert_false(http_addr_is_loopback("::"));
	assert_false(http_addr_is_loopback("::ffff:10.0.0.1"));
	assert_false(http_addr_is_loopback("localhost"));
	assert_false(http_addr_is_loopback(NULL));

	assert_int_equal(http_config_check(&cfg, &err), AC_OK);
	cfg.addr = "0.0.0.0";
	assert_int_equal(http_config_check(&cfg, &err), AC_ERR_PERM);
	assert_non_null(strstr(err.msg, "'0.0.0.0'"));
	assert_int_equal(http_server_start(&cfg, routes, 1, NULL, &srv, &err),
			 AC_ERR_PERM);
	assert_null(srv);
	cfg.addr = "2001:db8::1";
	assert_int_equal(http_config_check(&cfg, &err), AC_ERR_PERM);
	cfg.allow_plain_public = true;
	assert_int_equal(http_config_check(&cfg, &err), AC_OK);
	cfg.allow_plain_public = false;
	cfg.tls = true;
	assert_int_equal(http_config_check(&cfg, &err), AC_ERR_USAGE);
	cfg.cert_pem = "cert";
	cfg.key_pem = "key";
	assert_int_equal(http_config_check(&cfg, &err), AC_OK);
	cfg = http_config_defaults();
	cfg.addr = "localhost";
	assert_int_equal(http_config_check(&cfg, &err), AC_ERR_USAGE);
	cfg = http_config_defaults();
	cfg.threads = 8;
	cfg.conn_limit = 4;
	assert_int_equal(http_config_check(&cfg, &err), AC_ERR_USAGE);
	cfg = http_config_defaults();
	cfg.max_header = 100;
	assert_int_equal(http_config_check(&cfg, &err), AC_ERR_USAGE);

	cfg = http_config_defaults();
	assert_int_equal(http_server_start(&cfg, bad, 1, NULL, &srv, &err),
			 AC_ERR_USAGE);
	assert_int_equal(http_server_start(&cfg, bad2, 1, NULL, &srv, &err),
			 AC_ERR_USAGE);
	assert_null(srv);
	/* TLS with a key that is not one: MHD refuses to start */
	cfg.tls = true;
	cfg.cert_pem = "not a cert";
	cfg.key_pem = "not a key";
	assert_int_equal(http_server_start(&cfg, routes, 1, NULL, &srv, &err),
			 AC_ERR_IO);
	assert_null(srv);
}

static void ipv6_loopback(void **state)
{
	struct http_config cfg = http_config_defaults();
	struct http_server *srv = NULL;
	struct ac_err err = {0};
	char url[128];
	struct reply r;
	(void)state;

	cfg.addr = "::1";
	cfg.access_log = false;
	if (http_server_start(&cfg, routes, 1, NULL, &srv, &err) != AC_OK)
		skip(); /* no IPv6 on this machine */
	snprintf(url, sizeof(url), "http://[::1]:%u/healthz",
		 (unsigned)http_server_port(srv));
	fetch(url, NULL, &r);
	assert_int_equal(r.status, 200);
	reply_release(&r);
	http_server_stop(srv);
}

static int connect_port(uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends one keep-alive request on fd and reads until the response's
 * body; the connection stays open and counted by the server. */
static void hold_connection(int fd)
{
	const char *req = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
	char buf[1024];
	size_t got = 0;

	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (got < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
		assert_true(n > 0);
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "{\"status\":\"ok\"}"))
			return;
	}
	fail_msg("no healthz answer on held connection");
}

static void connection_limit(void **state)
{
	struct http_config cfg = http_config_defaults();
	struct http_server *srv;
	struct req_opts o = {.timeout_ms = 700};
	struct reply r;
	int a, b;
	(void)state;

	cfg.access_log = false;
	cfg.threads = 1;
	cfg.conn_limit = 2;
	srv = start(&cfg);
	a = connect_port(http_server_port(srv));
	b = connect_port(http_server_port(srv));
	assert_true(a >= 0 && b >= 0);
	hold_connection(a);
	hold_connection(b);
	/* MHD stops accepting at the limit: the third connection waits in
	 * the kernel backlog and gets no answer while the two are held. */
	get_status(srv, "/healthz", &o, &r);
	assert_int_not_equal(r.cc, CURLE_OK);
	assert_int_not_equal(r.status, 200);
	reply_release(&r);
	close(a);
	assert_int_equal(get_status(srv, "/healthz", NULL, &r), 200);
	reply_release(&r);
	close(b);
	http_server_stop(srv);
}

struct bg_fetch {
	struct http_server *srv;
	struct reply r;
};

static void *bg_slow(void *arg)
{
	struct bg_fetch *f = arg;
	get_status(f->srv, "/slow", NULL, &f->r);
	return NULL;
}

static void *bg_stop(void *arg)
{
	http_server_stop(arg);
	return NULL;
}

static void graceful_stop(void **state)
{
	struct http_server *srv = start_default();
	uint16_t port = http_server_port(srv);
	struct bg_fetch f = {srv, {0}};
	pthread_t client, stopper;
	bool refused = false;
	int fd;
	(void)state;

	atomic_store(&slow_entered, 0);
	atomic_store(&slow_release, 0);
	assert_int_equal(pthread_create(&client, NULL, bg_slow, &f), 0);
	for (int i = 0; i < 1000 && !atomic_load(&slow_entered); i++)
		http_sleep_ms(10);
	assert_true(atomic_load(&slow_entered));
	assert_int_equal(pthread_create(&stopper, NULL, bg_stop, srv), 0);
	/* while the slow request is still in its handler, new connections
	 * are refused */
	for (int i = 0; i < 500 && !refused; i++) {
		fd = connect_port(port);
		if (fd < 0)
			refused = errno == ECONNREFUSED;
		else
			close(fd);
		if (!refused)
			http_sleep_ms(10);
	}
	atomic_store(&slow_release, 1);
	pthread_join(client, NULL);
	pthread_join(stopper, NULL);
	assert_true(refused);
	assert_int_equal(f.r.cc, CURLE_OK);
	assert_int_equal(f.r.status, 200);
	assert_string_equal(f.r.body.data, "slow done");
	reply_release(&f.r);
	assert_int_equal(connect_port(port), -1);
	http_server_stop(NULL);
}

static void throttle_grows_and_resets(void **state)
{
	struct http_throttle *t = http_throttle_new(16);
	const unsigned want[] = {0,    0,    0,	   250,	 500,
				 1000, 2000, 4000, 5000, 5000};
	char addr[64];
	int64_t now = 1000;
	(void)state;

	assert_non_null(t);
	for (size_t i = 0; i < AC_ARRAY_LEN(want); i++)
		assert_int_equal(http_throttle_fail(t, "10.0.0.1", now++),
				 want[i]);
	assert_int_equal(http_throttle_delay(t, "10.0.0.1", now), 5000);
	/* other addresses are independent */
	assert_int_equal(http_throttle_delay(t, "10.0.0.2", now), 0);
	assert_int_equal(http_throttle_fail(t, "10.0.0.2", now), 0);
	/* success resets */
	http_throttle_ok(t, "10.0.0.1");
	assert_int_equal(http_throttle_delay(t, "10.0.0.1", now), 0);
	/* a quiet period resets */
	for (int i = 0; i < 5; i++)
		http_throttle_fail(t, "10.0.0.3", now);
	assert_int_equal(http_throttle_delay(t, "10.0.0.3", now), 500);
	assert_int_equal(http_throttle_delay(t, "10.0.0.3",
					     now + HTTP_THROTTLE_QUIET_MS - 1),
			 500);
	now += HTTP_THROTTLE_QUIET_MS;
	assert_int_equal(http_throttle_delay(t, "10.0.0.3", now), 0);
	assert_int_equal(http_throttle_fail(t, "10.0.0.3", now), 0);
	/* many addresses: memory stays bounded, the table keeps working */
	for (int i = 0; i < 10000; i++) {
		snprintf(addr, sizeof(addr), "192.0.2.%d:%d", i % 256, i);
		http_throttle_fail(t, addr, now + i);
	}
	for (int i = 0; i < 4; i++)
		http_throttle_fail(t, "10.0.0.9", now + 20000);
	assert_int_equal(http_throttle_delay(t, "10.0.0.9", now + 20000), 250);
	http_throttle_free(t);
}

/* SPKI pin computed by the openssl command line, or "" without openssl. */
static void openssl_pin(const char *certfile, char *out, size_t size)
{
	char cmd[512];
	FILE *p;

	out[0] = '\0';
	if (system("command -v openssl >/dev/null 2>&1") != 0)
		return;
	snprintf(cmd, sizeof(cmd),
		 "openssl x509 -in %s -pubkey -noout | openssl pkey -pubin "
		 "-outform der | openssl dgst -sha256 -binary | openssl base64",
		 certfile);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(out, (int)size, p))
		out[0] = '\0';
	pclose(p);
	out[strcspn(out, "\n")] = '\0';
}

static void cert_and_pin(void **state)
{
	const char *dns[] = {"node.example", "*.accord.example"};
	char *cert = NULL, *key = NULL, *cert2 = NULL, *key2 = NULL, *file;
	char pin[AC_CERT_PIN_LEN], pin2[AC_CERT_PIN_LEN], ref[128];
	struct ac_err err = {0};
	gnutls_x509_crt_t crt;
	gnutls_datum_t d;
	(void)state;

	assert_int_equal(
	    ac_cert_self_signed("accord node", dns, 2, 30, &cert, &key, &err),
	    AC_OK);
	assert_non_null(strstr(cert, "-----BEGIN CERTIFICATE-----"));
	assert_non_null(strstr(key, "-----BEGIN PRIVATE KEY-----"));
	assert_int_equal(ac_cert_pubkey_pin_sha256(cert, pin, &err), AC_OK);
	assert_int_equal(strlen(pin), 44);

	/* names, key type and signature */
	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	d.data = (unsigned char *)cert;
	d.size = (unsigned)strlen(cert);
	assert_int_equal(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM),
			 0);
	assert_true(gnutls_x509_crt_check_hostname(crt, "localhost"));
	assert_true(gnutls_x509_crt_check_hostname(crt, "127.0.0.1"));
	assert_true(gnutls_x509_crt_check_hostname(crt, "::1"));
	assert_true(gnutls_x509_crt_check_hostname(crt, "node.example"));
	assert_true(gnutls_x509_crt_check_hostname(crt, "a.accord.example"));
	assert_false(gnutls_x509_crt_check_hostname(crt, "other.example"));
	assert_false(gnutls_x509_crt_check_hostname(crt, "10.0.0.1"));
	assert_int_equal(gnutls_x509_crt_get_pk_algorithm(crt, NULL),
			 GNUTLS_PK_ECDSA);
	assert_int_equal(gnutls_x509_crt_get_signature_algorithm(crt),
			 GNUTLS_SIGN_ECDSA_SHA256);
	assert_true(gnutls_x509_crt_get_expiration_time(crt) >
		    time(NULL) + 29 * 86400);
	gnutls_x509_crt_deinit(crt);

	/* the pin matches openssl's independent computation */
	file = write_temp(cert);
	openssl_pin(file, ref, sizeof(ref));
	if (ref[0])
		assert_string_equal(pin, ref);
	unlink(file);
	free(file);

	/* a second certificate has another key, hence another pin */
	assert_int_equal(
	    ac_cert_self_signed("accord node", NULL, 0, 1, &cert2, &key2, &err),
	    AC_OK);
	assert_int_equal(ac_cert_pubkey_pin_sha256(cert2, pin2, &err), AC_OK);
	assert_string_not_equal(pin, pin2);

	/* bad input */
	assert_int_equal(ac_cert_pubkey_pin_sha256("garbage", pin2, &err),
			 AC_ERR_PARSE);
	assert_int_equal(ac_cert_pubkey_pin_sha256(key, pin2, &err),
			 AC_ERR_PARSE);
	free(cert2);
	ac_cert_free_key(key2);
	assert_int_equal(
	    ac_cert_self_signed("x", NULL, 0, 0, &cert2, &key2, &err),
	    AC_ERR_USAGE);
	assert_int_equal(
	    ac_cert_self_signed("", NULL, 0, 1, &cert2, &key2, &err),
	    AC_ERR_USAGE);
	{
		const char *bad[] = {"evil\nname"};
		assert_int_equal(
		    ac_cert_self_signed("x", bad, 1, 1, &cert2, &key2, &err),
		    AC_ERR_USAGE);
		assert_null(cert2);
	}
	free(cert);
	ac_cert_free_key(key);
}

static void header_too_big(void **state)
{
	struct http_config cfg = http_config_defaults();
	struct http_server *srv;
	char hdr[9000];
	struct req_opts o = {.header = hdr};
	struct reply r;
	(void)state;

	cfg.access_log = false;
	cfg.max_header = 4096;
	srv = start(&cfg);
	snprintf(hdr, sizeof(hdr), "X-Big: ");
	memset(hdr + 7, 'a', sizeof(hdr) - 8);
	hdr[sizeof(hdr) - 1] = '\0';
	get_status(srv, "/healthz", &o, &r);
	assert_true(r.status == 431 || r.status == 413 || r.cc != CURLE_OK);
	reply_release(&r);
	assert_int_equal(get_status(srv, "/healthz", NULL, &r), 200);
	reply_release(&r);
	http_server_stop(srv);
}

static void access_log_line(void **state)
{
	struct http_config cfg = http_config_defaults();
	struct http_server *srv;
	struct reply r;
	(void)state;

	/* exercised for sanitizers; the line goes to stderr */
	cfg.threads = 1;
	cfg.conn_limit = 4;
	srv = start(&cfg);
	assert_int_equal(get_status(srv, "/healthz?secret=x", NULL, &r), 200);
	reply_release(&r);
	http_server_stop(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(routing_and_params),
	    cmocka_unit_test(query_and_headers),
	    cmocka_unit_test(body_echo_and_cap),
	    cmocka_unit_test(healthz_and_metrics),
	    cmocka_unit_test(https_with_pin),
	    cmocka_unit_test(config_checks),
	    cmocka_unit_test(ipv6_loopback),
	    cmocka_unit_test(connection_limit),
	    cmocka_unit_test(graceful_stop),
	    cmocka_unit_test(throttle_grows_and_resets),
	    cmocka_unit_test(cert_and_pin),
	    cmocka_unit_test(header_too_big),
	    cmocka_unit_test(access_log_line),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
