/* The TAXII application: lifecycle, per-thread stores, authentication,
 * media types, errors, and the small endpoints (discovery, API root,
 * collections, status). Objects live in taxii_objects.c. */
#include "base/common.h"
#include "base/arena.h"
#include "taxii/taxii.h"

#include <ctype.h>

#include "base/log.h"
#include "node/node_ingest.h"
#include "taxii/taxii_int.h"
#include "taxii/taxii_names.h"

#define HOST_MAX 255

/* Runs on a pool thread as it exits: its store and its jansson arena. */
static void close_thread_store(void *p)
{
	store_close(p);
	ac_json_arena_release();
}

ac_rc taxii_new(const struct taxii_config *cfg, struct taxii **out,
		struct ac_err *err)
{
	struct taxii *t;

	*out = NULL;
	if (!cfg->store_path || !cfg->store_path[0])
		return ac_err_set(err, AC_ERR_USAGE, "taxii: no store path");
	t = calloc(1, sizeof(*t));
	if (!t)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	t->store_path = strdup(cfg->store_path);
	t->title = strdup(cfg->title && cfg->title[0] ? cfg->title : "accord");
	if (!t->store_path || !t->title ||
	    pthread_key_create(&t->store_key, close_thread_store)) {
		free(t->store_path);
		free(t->title);
		free(t);
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	}
	t->max_page =
	    cfg->max_page_size ? cfg->max_page_size : TAXII_DEFAULT_PAGE;
	t->max_content_length = cfg->max_content_length;
	t->batch_size = cfg->batch_size;
	t->limits = cfg->limits;
	t->tls = cfg->tls;
	t->audit = cfg->audit;
	if (cfg->markings)
		t->markings = *cfg->markings;
	else
		policy_defaults_init(&t->markings);
	t->corr = cfg->corr;
	t->corr.store = NULL;
	if (cfg->node) {
		ac_rc rc = AC_ERR_NOMEM;

		t->node = malloc(sizeof(*t->node));
		if (t->node) {
			*t->node = *cfg->node;
			rc = node_keys_load(cfg->node_dir ? cfg->node_dir : ".",
					    &t->keys, err);
		} else {
			ac_err_set(err, rc, "out of memory");
		}
		if (rc) {
			taxii_free(t);
			return rc;
		}
	}
	*out = t;
	return AC_OK;
}

void taxii_free(struct taxii *t)
{
	struct store *s;

	if (!t)
		return;
	/* the calling thread's store, if it used one; pool threads closed
	 * theirs when they ended */
	s = pthread_getspecific(t->store_key);
	store_close(s);
	pthread_key_delete(t->store_key);
	free(t->store_path);
	free(t->title);
	free(t->node);
	ac_keys_wipe(&t->keys);
	free(t);
}

#define TAXII_THREAD_CACHE_KIB (16u << 10)

/* This thread's store, opened on first use. */
static struct store *thread_store(struct taxii *t, struct ac_err *err)
{
	struct store *s = pthread_getspecific(t->store_key);

	if (s)
		return s;
	if (store_open(t->store_path, false, &s, err))
		return NULL;
	/* one per server thread: the default 96 MiB each made a busy
	 * server hold hundreds of MB */
	if (store_cache_limit(s, TAXII_THREAD_CACHE_KIB, err)) {
		store_close(s);
		return NULL;
	}
	if (pthread_setspecific(t->store_key, s)) {
		store_close(s);
		ac_err_set(err, AC_ERR_NOMEM, "out of memory");
		return NULL;
	}
	return s;
}

/* ---- replies ---- */

void taxii_ok(struct http_resp *resp, int status)
{
	resp->status = status;
	snprintf(resp->content_type, sizeof(resp->content_type), "%s",
		 TAXII_MEDIA_TYPE);
}

void taxii_error(struct http_resp *resp, int status, const char *title,
		 const char *fmt, ...)
{
	char desc[512], code[8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	snprintf(code, sizeof(code), "%d", status);
	ac_buf_reset(&resp->body);
	if (ac_buf_adds(&resp->body, "{\"title\":") ||
	    ac_buf_add_json_str(&resp->body, title) ||
	    ac_buf_adds(&resp->body, ",\"description\":") ||
	    ac_buf_add_json_str(&resp->body, desc) ||
	    ac_buf_adds(&resp->body, ",\"http_status\":") ||
	    ac_buf_add_json_str(&resp->body, code) || ac_buf_addc(&resp->body, '}'))
		ac_buf_reset(&resp->body);
	taxii_ok(resp, status);
}

void taxii_fail(struct http_resp *resp, const struct ac_err *err)
{
	ac_log(AC_LOG_ERROR, "taxii: %s",
	       err && err->msg[0] ? err->msg : "internal error");
	taxii_error(resp, 500, "Internal server error",
		    "the server could not complete the request");
}

/* ---- media types ---- */

/* Splits one media range "type/sub; k=v; ..." of an Accept or
 * Content-Type value (len bytes at p) and says whether it names (or, for
 * Accept, covers) TAXII 2.1. */
static bool media_matches(const char *p, size_t len, bool wildcards,
			  const char *want)
{
	char buf[256], *save = NULL, *tok, *type;
	bool ok = false, version_ok = true;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, p, len);
	buf[len] = '\0';
	type = strtok_r(buf, ";", &save);
	if (!type)
		return false;
	while (isspace((unsigned char)*type))
		type++;
	for (char *e = type + strlen(type);
	     e > type && isspace((unsigned char)e[-1]); e--)
		e[-1] = '\0';
	if (!strcasecmp(type, want))
		ok = true;
	else if (wildcards &&
		 (!strcmp(type, "*/*") || !strcasecmp(type, "application/*")))
		ok = true;
	while ((tok = strtok_r(NULL, ";", &save))) {
		while (isspace((unsigned char)*tok))
			tok++;
		if (!strncasecmp(tok, "version=", 8)) {
			const char *v = tok + 8;
			version_ok = !strncmp(v, "2.1", 3) &&
				     (!v[3] || isspace((unsigned char)v[3]));
		} else if (!strncasecmp(tok, "q=", 2)) {
			if (strtod(tok + 2, NULL) <= 0.0)
				ok = false;
		}
	}
	return ok && version_ok;
}

static bool accept_ok(const char *accept, const char *want)
{
	const char *p = accept;

	if (!accept || !accept[0])
		return true;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (media_matches(p, n, true, want))
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

bool taxii_accept_ok(const char *accept)
{
	return accept_ok(accept, "application/taxii+json");
}

/* Accept for accord's JSON API. */
static bool api_accept_ok(const char *accept)
{
	return accept_ok(accept, "application/json");
}

bool taxii_content_type_ok(const char *ctype)
{
	return ctype && !strchr(ctype, ',') &&
	       media_matches(ctype, strlen(ctype), false,
			     "application/taxii+json");
}

/* ---- authentication ---- */

static struct http_server *server_of(struct taxii *t)
{
	return __atomic_load_n(&t->srv, __ATOMIC_ACQUIRE);
}

static void unauthorized(struct taxii_call *c, bool count)
{
	struct http_server *srv = server_of(c->t);
	const char *addr = http_req_client_addr(c->req);

	if (count && srv)
		http_sleep_ms(http_throttle_fail(http_server_throttle(srv),
						 addr ? addr : "",
						 http_now_ms()));
	taxii_error(c->resp, 401, "Unauthorized",
		    "authentication failed; use HTTP Basic or an API token "
		    "(Authorization: Bearer ...)");
	http_resp_header(c->resp, "WWW-Authenticate",
			 "Basic realm=\"accord\", Bearer realm=\"accord\"");
}

/* The id part of "acc_<16 hex>_<secret>", when the text has that shape;
 * never the secret. */
static void token_id_of(const char *token, char out[AUTH_TOKEN_ID_BUF])
{
	out[0] = '\0';
	if (strncmp(token, "acc_", 4) ||
	    strspn(token + 4, "0123456789abcdef") != AUTH_TOKEN_ID_LEN ||
	    token[4 + AUTH_TOKEN_ID_LEN] != '_')
		return;
	memcpy(out, token + 4, AUTH_TOKEN_ID_LEN);
	out[AUTH_TOKEN_ID_LEN] = '\0';
}

/* Queues the login entry: failures always (with what the client claimed
 * to be, never the secret), successes for passwords only (a token's use
 * is in the actor of the request's own entry). */
static void audit_login(struct taxii_call *c, ac_rc rc,
			const struct auth_credentials *cred)
{
	char tid[AUTH_TOKEN_ID_BUF] = "";
	bool bearer = !rc || rc == AC_ERR_PERM
			      ? cred->scheme == AUTH_SCHEME_BEARER
			      : false;
	const char *user = "";

	if (!rc && bearer)
		return;
	if (bearer)
		token_id_of(cred->token, tid);
	else if (rc == AC_OK || rc == AC_ERR_PERM)
		user = auth_user_name_valid(cred->user) ? cred->user
							: "(invalid name)";
	taxii_audit_login(c, rc == AC_OK, rc ? user : c->who.user,
			  bearer ? tid : NULL,
			  rc == AC_ERR_PERM ? auth_reason_name(c->who.reason)
			  : rc		    ? "malformed credentials"
					    : NULL);
}

static bool authenticate(struct taxii_call *c)
{
	const char *h = http_req_header(c->req, "Authorization");
	struct auth_credentials cred;
	struct ac_err err = {0};
	struct http_server *srv;
	ac_rc rc;

	if (!h) {
		unauthorized(c, false);
		return false;
	}
	memset(&cred, 0, sizeof(cred));
	rc = auth_parse_authorization(h, &cred, &err);
	if (!rc && cred.scheme == AUTH_SCHEME_BEARER)
		rc = auth_check_bearer(c->store, cred.token, &c->who, &err);
	else if (!rc)
		rc = auth_check_basic(c->store, cred.user, cred.password,
				      &c->who, &err);
	if (rc == AC_OK || rc == AC_ERR_PARSE || rc == AC_ERR_LIMIT ||
	    rc == AC_ERR_PERM)
		audit_login(c, rc, &cred);
	auth_credentials_wipe(&cred);
	if (rc == AC_ERR_PARSE || rc == AC_ERR_LIMIT || rc == AC_ERR_PERM) {
		ac_log(AC_LOG_INFO, "taxii: authentication failed from %s: %s",
		       http_req_client_addr(c->req),
		       rc == AC_ERR_PERM ? auth_reason_name(c->who.reason)
					 : "malformed");
		unauthorized(c, true);
		return false;
	}
	if (rc) {
		taxii_fail(c->resp, &err);
		return false;
	}
	c->authenticated = true;
	srv = server_of(c->t);
	if (srv)
		http_throttle_ok(http_server_throttle(srv),
				 http_req_client_addr(c->req));
	return true;
}

/* Authenticates before the body is read (http precheck), so only callers
 * with valid credentials can make the server buffer a request body. */
static bool precheck(void *app, struct http_req *req, struct http_resp *resp)
{
	struct taxii_call *c = calloc(1, sizeof(*c));
	struct auth_subject *who = NULL;
	struct ac_err err = {0};
	bool ok = false;

	if (!c) {
		taxii_fail(resp, NULL);
		return false;
	}
	audit_ids_init(&c->ids);
	c->t = app;
	c->req = req;
	c->resp = resp;
	c->store = thread_store(c->t, &err);
	if (!c->store)
		taxii_fail(resp, &err);
	else
		ok = authenticate(c);
	if (!taxii_audit_flush(c, &err)) { /* the login entries */
		taxii_fail(resp, &err);
		ok = false;
	}
	if (ok && !(who = malloc(sizeof(*who)))) {
		taxii_fail(resp, NULL);
		ok = false;
	}
	if (ok) {
		*who = c->who;
		http_req_set_auth(req, who, free);
	}
	audit_ids_release(&c->ids);
	free(c);
	return ok;
}

static bool begin(struct taxii *t, struct http_req *req,
		  struct http_resp *resp, struct taxii_call *c, bool api);

bool taxii_begin(struct taxii *t, struct http_req *req, struct http_resp *resp,
		 struct taxii_call *c)
{
	return begin(t, req, resp, c, false);
}

static bool begin(struct taxii *t, struct http_req *req,
		  struct http_resp *resp, struct taxii_call *c, bool api)
{
	const struct auth_subject *pre = http_req_auth(req);
	const char *root = http_req_param(req, "root");
	struct ac_err err = {0};

	memset(c, 0, sizeof(*c));
	audit_ids_init(&c->ids);
	c->t = t;
	c->req = req;
	c->resp = resp;
	c->api = api;
	c->store = thread_store(t, &err);
	if (!c->store) {
		taxii_fail(resp, &err);
		return false;
	}
	if (pre) {
		c->who = *pre;
		c->authenticated = true;
	}
	if ((!pre && !authenticate(c)) || !taxii_audit_headers(c))
		return false;
	if (!(api ? api_accept_ok : taxii_accept_ok)(
		http_req_header(req, "Accept"))) {
		taxii_error(resp, 406, "Not acceptable",
			    "this server answers in %s",
			    api ? "application/json" : TAXII_MEDIA_TYPE);
		return false;
	}
	if (root && strcmp(root, TAXII_API_ROOT)) {
		taxii_error(resp, 404, "Not found", "no API root '%.64s'",
			    root);
		return false;
	}
	return true;
}

static void run(struct taxii *t, struct http_req *req, struct http_resp *resp,
		taxii_body body, bool api)
{
	struct ac_err err = {0};
	struct taxii_call *c = calloc(1, sizeof(*c));

	if (!c) {
		taxii_fail(resp, NULL);
		goto out;
	}
	audit_ids_init(&c->ids);
	if (begin(t, req, resp, c, api))
		body(c);
	if (!taxii_audit_flush(c, &err))
		taxii_fail(resp, &err);
	taxii_access_end(c);
	audit_ids_release(&c->ids);
	free(c);
out:
	if (api)
		snprintf(resp->content_type, sizeof(resp->content_type), "%s",
			 "application/json");
}

void taxii_run(struct taxii *t, struct http_req *req, struct http_resp *resp,
	       taxii_body body)
{
	run(t, req, resp, body, false);
}

void taxii_run_api(struct taxii *t, struct http_req *req,
		   struct http_resp *resp, taxii_body body)
{
	run(t, req, resp, body, true);
}

static void rights(const struct taxii_call *c, const struct store_collection *k,
		   bool *can_read, bool *can_write)
{
	*can_read = auth_role_mask_has(k->read_roles, c->who.role);
	*can_write = auth_role_mask_has(k->write_roles, c->who.role);
}

bool taxii_collection(struct taxii_call *c)
{
	const char *cid = http_req_param(c->req, "cid");
	struct ac_err err = {0};
	ac_rc rc;

	rc = store_collection_get(c->store, cid ? cid : "", &c->coll, &err);
	if (!rc && strcmp(c->coll.id, cid))
		rc = AC_ERR_NOTFOUND; /* names are for the CLI only */
	if (rc == AC_ERR_NOTFOUND)
		goto notfound;
	if (rc) {
		taxii_fail(c->resp, &err);
		return false;
	}
	rights(c, &c->coll, &c->can_read, &c->can_write);
	if (c->can_read || c->can_write)
		return true;
notfound:
	taxii_error(c->resp, 404, "Not found", "no collection '%.64s'",
		    cid ? cid : "");
	return false;
}

/* ---- discovery, API root, collections, status ---- */

/* The request's Host header when it is a plain host[:port]. */
static const char *safe_host(struct http_req *req)
{
	const char *h = http_req_header(req, "Host");

	if (!h || !h[0] || strlen(h) > HOST_MAX ||
	    strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789.-:[]") != strlen(h))
		return NULL;
	return h;
}

static void discovery(struct taxii_call *c)
{
	struct http_resp *resp = c->resp;
	struct ac_buf *b = &resp->body;
	char root[HOST_MAX + 64];
	const char *host;
	struct taxii *t = c->t;

	host = safe_host(c->req);
	if (host)
		snprintf(root, sizeof(root), "%s://%s/taxii2/%s/",
			 t->tls ? "https" : "http", host, TAXII_API_ROOT);
	else
		snprintf(root, sizeof(root), "/taxii2/%s/", TAXII_API_ROOT);
	if (ac_buf_adds(b, "{\"title\":") || ac_buf_add_json_str(b, t->title) ||
	    ac_buf_adds(b, ",\"description\":\"accord TAXII 2.1 server\","
			   "\"default\":") ||
	    ac_buf_add_json_str(b, root) || ac_buf_adds(b, ",\"api_roots\":[") ||
	    ac_buf_add_json_str(b, root) || ac_buf_adds(b, "]}")) {
		taxii_fail(resp, NULL);
		return;
	}
	taxii_ok(resp, 200);
}

static void api_root(struct taxii_call *c)
{
	struct http_resp *resp = c->resp;
	struct taxii *t = c->t;

	if (ac_buf_adds(&resp->body, "{\"title\":") ||
	    ac_buf_add_json_str(&resp->body, t->title) ||
	    ac_buf_addf(&resp->body,
			",\"description\":\"intelligence of this node\","
			"\"versions\":[\"%s\"],\"max_content_length\":%zu}",
			TAXII_MEDIA_TYPE, t->max_content_length)) {
		taxii_fail(resp, NULL);
		return;
	}
	taxii_ok(resp, 200);
}

static ac_rc collection_json(struct ac_buf *b, const struct store_collection *k,
			     bool can_read, bool can_write)
{
	ac_rc rc = ac_buf_adds(b, "{\"id\":");

	if (!rc)
		rc = ac_buf_add_json_str(b, k->id);
	if (!rc)
		rc = ac_buf_adds(b, ",\"title\":");
	if (!rc)
		rc = ac_buf_add_json_str(b, k->title);
	if (!rc && k->description[0]) {
		rc = ac_buf_adds(b, ",\"description\":");
		if (!rc)
			rc = ac_buf_add_json_str(b, k->description);
	}
	if (!rc)
		rc = ac_buf_adds(b, ",\"alias\":");
	if (!rc)
		rc = ac_buf_add_json_str(b, k->name);
	if (!rc)
		rc = ac_buf_addf(b,
				 ",\"can_read\":%s,\"can_write\":%s,"
				 "\"media_types\":[\"%s\"]}",
				 can_read ? "true" : "false",
				 can_write ? "true" : "false",
				 TAXII_STIX_MEDIA_TYPE);
	return rc;
}

struct list_ctx {
	struct taxii_call *c;
	size_t n;
	ac_rc rc;
};

static int list_one(const struct store_collection *k, void *vctx)
{
	struct list_ctx *l = vctx;
	struct ac_buf *b = &l->c->resp->body;
	bool r, w;

	rights(l->c, k, &r, &w);
	if (!r && !w)
		return 0;
	l->rc = ac_buf_adds(b, l->n++ ? "," : "\"collections\":[");
	if (!l->rc)
		l->rc = collection_json(b, k, r, w);
	return l->rc != AC_OK;
}

static void collections(struct taxii_call *c)
{
	struct http_resp *resp = c->resp;
	struct list_ctx l = {c, 0, AC_OK};
	struct ac_err err = {0};
	ac_rc rc;

	rc = ac_buf_addc(&resp->body, '{');
	if (!rc)
		rc = store_collection_list(c->store, list_one, &l, &err);
	if (!rc)
		rc = l.rc;
	if (!rc)
		rc = ac_buf_adds(&resp->body, l.n ? "]}" : "}");
	if (rc) {
		taxii_fail(resp, &err);
		return;
	}
	taxii_ok(resp, 200);
}

static void collection(struct taxii_call *c)
{
	if (!taxii_collection(c))
		return;
	if (collection_json(&c->resp->body, &c->coll, c->can_read,
			    c->can_write)) {
		taxii_fail(c->resp, NULL);
		return;
	}
	taxii_ok(c->resp, 200);
}

/* Statuses are stored as {"owner":USER,"status":{...}}; only the owner
 * and admins see one. */
static void status(struct taxii_call *c)
{
	struct ac_buf raw = AC_BUF_INIT(64u << 20);
	struct http_resp *resp = c->resp;
	const char *sid = http_req_param(c->req, "sid");
	struct ac_err err = {0};
	json_t *j = NULL;
	const char *owner;
	char *text = NULL;
	ac_rc rc;

	rc = store_status_get(c->store, sid, &raw, &err);
	if (!rc && !(j = json_loadb(raw.data, raw.len, 0, NULL)))
		rc = ac_err_set(&err, AC_ERR_STORE,
				"status '%.40s' is not "
				"JSON",
				sid);
	if (rc && rc != AC_ERR_NOTFOUND) {
		taxii_fail(resp, &err);
		goto out;
	}
	owner = j ? json_string_value(json_object_get(j, "owner")) : NULL;
	if (!j || !owner ||
	    (strcmp(owner, c->who.user) && c->who.role != AUTH_ROLE_ADMIN)) {
		taxii_error(resp, 404, "Not found", "no status '%.64s'", sid);
		goto out;
	}
	text = json_dumps(json_object_get(j, "status"), JSON_COMPACT);
	if (!text || ac_buf_adds(&resp->body, text)) {
		taxii_fail(resp, NULL);
		goto out;
	}
	taxii_ok(resp, 200);
out:
	free(text);
	json_decref(j);
	ac_buf_release(&raw);
}

/* The route functions: each runs its body through taxii_run. */
#define ROUTE_FN(name, body)                                            \
	static void name(void *app, struct http_req *req,               \
			 struct http_resp *resp)                        \
	{                                                               \
		taxii_run(app, req, resp, body);                        \
	}

ROUTE_FN(r_discovery, discovery)
ROUTE_FN(r_api_root, api_root)
ROUTE_FN(r_status, status)
ROUTE_FN(r_collections, collections)
ROUTE_FN(r_collection, collection)
ROUTE_FN(r_get_objects, taxii_get_objects)
ROUTE_FN(r_add_objects, taxii_add_objects)
ROUTE_FN(r_get_object, taxii_get_object)
ROUTE_FN(r_delete_object, taxii_delete_object)
ROUTE_FN(r_versions, taxii_versions)
ROUTE_FN(r_manifest, taxii_manifest)
ROUTE_FN(r_names, taxii_names)

#define API_ROUTE_FN(name, body)                                        \
	static void name(void *app, struct http_req *req,               \
			 struct http_resp *resp)                        \
	{                                                               \
		taxii_run_api(app, req, resp, body);                    \
	}

API_ROUTE_FN(r_api_correlations, taxii_api_correlations)
API_ROUTE_FN(r_api_alerts, taxii_api_alerts)
API_ROUTE_FN(r_api_ack, taxii_api_ack)

#define ROOT "/taxii2/{root}/"
#define COLL ROOT "collections/{cid}/"

static const struct http_route routes[] = {
    {"GET", "/taxii2/", r_discovery, "discovery"},
    {"GET", ROOT, r_api_root, "api_root"},
    {"GET", ROOT "status/{sid}/", r_status, "status"},
    {"GET", ROOT "collections/", r_collections, "collections"},
    {"GET", COLL, r_collection, "collection"},
    {"GET", COLL "objects/", r_get_objects, "objects"},
    {"POST", COLL "objects/", r_add_objects, "objects"},
    {"GET", COLL "objects/{oid}/", r_get_object, "object"},
    {"DELETE", COLL "objects/{oid}/", r_delete_object, "object"},
    {"GET", COLL "objects/{oid}/versions/", r_versions, "versions"},
    {"GET", COLL "manifest/", r_manifest, "manifest"},
    {"GET", "/accord/v1/objects/{id}/correlations", r_api_correlations,
     "correlations"},
    {"GET", "/accord/v1/alerts", r_api_alerts, "alerts"},
    {"POST", "/accord/v1/alerts/{id}/ack", r_api_ack, "alert_ack"},
    {"GET", "/accord/v1/names", r_names, "names"},
};

const struct http_route *taxii_routes(size_t *n)
{
	*n = AC_ARRAY_LEN(routes);
	return routes;
}

static int sum_objects(const struct store_type_count *tc, void *ctx)
{
	*(uint64_t *)ctx += tc->objects;
	return 0;
}

static void metrics(void *app, struct ac_buf *out)
{
	struct taxii *t = app;
	struct ac_err err = {0};
	struct store *s = thread_store(t, &err);
	uint64_t n = 0;

	if (!s || store_stats(s, sum_objects, &n, &err))
		return;
	http_metrics_gauge(out, "accord_objects_stored",
			   "STIX objects in the store (distinct ids)",
			   (double)n);
}

/* The HTTP core's own errors (404, 405, 413...) as TAXII error messages. */
static void core_error(void *app, struct http_resp *resp, int status,
		       const char *title)
{
	(void)app;
	taxii_error(resp, status, title, "%s", title);
}

ac_rc taxii_serve(struct taxii *t, const struct http_config *cfg,
		  struct http_server **out, struct ac_err *err)
{
	struct http_config hc = *cfg;
	size_t n;
	const struct http_route *r = taxii_routes(&n);
	ac_rc rc;

	hc.metrics = metrics;
	hc.error_body = core_error;
	hc.precheck = precheck;
	rc = http_server_start(&hc, r, n, t, out, err);
	if (!rc)
		__atomic_store_n(&t->srv, *out, __ATOMIC_RELEASE);
	return rc;
}
