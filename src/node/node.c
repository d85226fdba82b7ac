#include "base/common.h"
#include "node/node.h"

#include <sys/stat.h>
#include <unistd.h>

#include "base/ini.h"

ac_rc node_path(const char *dir, const char *rel, char out[NODE_PATH_MAX],
		struct ac_err *err)
{
	int n = rel[0] == '/' ? snprintf(out, NODE_PATH_MAX, "%s", rel) :
				snprintf(out, NODE_PATH_MAX, "%s/%s", dir, rel);
	if (n < 0 || n >= NODE_PATH_MAX)
		return ac_err_set(err, AC_ERR_LIMIT, "path too long: '%s/%s'",
				  dir, rel);
	return AC_OK;
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

ac_rc node_locate(const char *flag, char out[NODE_PATH_MAX], struct ac_err *err)
{
	const char *dir = flag, *how = "--node";
	char conf[NODE_PATH_MAX];

	if (!dir || !*dir) {
		dir = getenv("ACCORD_NODE");
		how = "ACCORD_NODE";
	}
	if (!dir || !*dir) {
		dir = ".";
		how = "the current directory";
	}
	if (snprintf(out, NODE_PATH_MAX, "%s", dir) >= NODE_PATH_MAX)
		return ac_err_set(err, AC_ERR_LIMIT, "node path too long");
	if (node_path(out, NODE_CONF, conf, err))
		return err ? err->rc : AC_ERR_LIMIT;
	if (!file_exists(conf))
		return ac_err_set(err, AC_ERR_NOTFOUND,
				  "no accord node at '%s' (from %s): no %s "
				  "there; create one with 'accord init DIR --org "
				  "NAME', or point at one with --node DIR or "
				  "ACCORD_NODE",
				  dir, how, NODE_CONF);
	return AC_OK;
}

/* ---- configuration ---- */

static ac_rc parse_size(const char *v, size_t min, size_t max, size_t *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-' || n < min || n > max)
		return AC_ERR_PARSE;
	*out = (size_t)n;
	return AC_OK;
}

struct conf_key {
	const char *section, *key;
	size_t min, max;
	size_t offset; /* into struct node_config, for numbers */
};

static const struct conf_key size_keys[] = {
	{ "limits", "max_object_bytes", 1024, 256u << 20,
	  offsetof(struct node_config, limits.max_object_bytes) },
	{ "limits", "max_depth", 4, 1000,
	  offsetof(struct node_config, limits.max_depth) },
	{ "limits", "max_string_bytes", 256, 256u << 20,
	  offsetof(struct node_config, limits.max_string_bytes) },
	{ "ingest", "batch_size", 1, 1000000,
	  offsetof(struct node_config, batch_size) },
	{ "ingest", "batch_max_ms", 0, 600000,
	  offsetof(struct node_config, batch_max_ms) },
	{ "audit", "checkpoint_entries", 1, 10000000,
	  offsetof(struct node_config, audit_checkpoint_entries) },
	{ "audit", "checkpoint_seconds", 1, 86400,
	  offsetof(struct node_config, audit_checkpoint_seconds) },
	{ "correlation", "max_occurrences", 1, 100000,
	  offsetof(struct node_config, corr_max_occurrences) },
	{ "server", "port", 0, 65535, offsetof(struct node_config, server.port) },
	{ "server", "threads", 1, 256,
	  offsetof(struct node_config, server.threads) },
	{ "server", "max_connections", 1, 65536,
	  offsetof(struct node_config, server.max_connections) },
	{ "server", "timeout_s", 1, 3600,
	  offsetof(struct node_config, server.timeout_s) },
	{ "server", "max_body_bytes", 1024, 1u << 30,
	  offsetof(struct node_config, server.max_body_bytes) },
	{ "server", "max_page_size", 1, 10000, /* AUDIT_IDS_MAX: every id a page
						   discloses is recorded */
	  offsetof(struct node_config, server.max_page_size) },
};

static ac_rc parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1")) {
		*out = true;
		return AC_OK;
	}
	if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0")) {
		*out = false;
		return AC_OK;
	}
	return AC_ERR_PARSE;
}

static ac_rc set_string(char *dst, size_t cap, const char *v, int line,
			const char *key, struct ac_err *err)
{
	if (strlen(v) >= cap)
		return ac_err_set(err, AC_ERR_PARSE,
				  "%s line %d: value of '%s' is too long",
				  NODE_CONF, line, key);
	snprintf(dst, cap, "%s", v);
	return AC_OK;
}

/* The [server] keys that are not numbers. */
static ac_rc server_key(struct node_config *cfg, const char *section,
			const char *key, const char *value, int line,
			struct ac_err *err)
{
	struct node_server *sv = &cfg->server;

	if (strcmp(section, "server"))
		goto unknown;
	if (!strcmp(key, "listen"))
		return set_string(sv->listen, sizeof(sv->listen), value, line,
				  key, err);
	if (!strcmp(key, "tls_cert"))
		return set_string(sv->tls_cert, sizeof(sv->tls_cert), value,
				  line, key, err);
	if (!strcmp(key, "tls_key"))
		return set_string(sv->tls_key, sizeof(sv->tls_key), value,
				  line, key, err);
	if (!strcmp(key, "allow_insecure_public")) {
		if (parse_bool(value, &sv->allow_insecure_public))
			return ac_err_set(err, AC_ERR_PARSE,
					  "%s line %d: '%s' must be true or "
					  "false",
					  NODE_CONF, line, key);
		return AC_OK;
	}
unknown:
	return ac_err_set(err, AC_ERR_PARSE,
			  "%s line %d: unknown setting '[%s] %s'", NODE_CONF,
			  line, section, key);
}

/* [markings]: default_tlp, default_handling, default_area,
 * retention_days. */
static ac_rc markings_key(struct policy_defaults *d, const char *key,
			  const char *value, int line, struct ac_err *err)
{
	size_t days;
	bool ok;

	if (!strcmp(key, "default_tlp"))
		ok = policy_tlp_parse(value, &d->tlp);
	else if (!strcmp(key, "default_handling"))
		ok = policy_handling_parse(value, &d->handling);
	else if (!strcmp(key, "default_area"))
		ok = policy_areas_parse(value, &d->areas, NULL) == AC_OK;
	else if (!strcmp(key, "retention_days")) {
		ok = parse_size(value, 0, POLICY_RETENTION_DAYS_MAX, &days) ==
		     AC_OK;
		if (ok)
			d->retention_days = (int)days;
	} else
		return ac_err_set(err, AC_ERR_PARSE,
				  "%s line %d: unknown setting '[markings] "
				  "%s'",
				  NODE_CONF, line, key);
	if (!ok)
		return ac_err_set(err, AC_ERR_PARSE,
				  "%s line %d: bad value '%.64s' for '%s' "
				  "(docs/policy.md lists the values)",
				  NODE_CONF, line, value, key);
	return AC_OK;
}

struct conf_ctx {
	struct node_config *cfg;
	struct ac_err *err;
};

static ac_rc conf_key(const char *section, const char *key, const char *value,
		      int line, void *vctx)
{
	struct conf_ctx *c = vctx;
	struct node_config *cfg = c->cfg;

	for (size_t i = 0; i < AC_ARRAY_LEN(size_keys); i++) {
		const struct conf_key *k = &size_keys[i];
		if (strcmp(section, k->section) || strcmp(key, k->key))
			continue;
		if (parse_size(value, k->min, k->max,
			       (size_t *)((char *)cfg + k->offset)))
			return ac_err_set(c->err, AC_ERR_PARSE,
					  "%s line %d: '%s' must be a whole "
					  "number from %zu to %zu",
					  NODE_CONF, line, key, k->min, k->max);
		return AC_OK;
	}
	if (!strcmp(section, "node") && !strcmp(key, "org"))
		return set_string(cfg->org, sizeof(cfg->org), value, line, key,
				  c->err);
	if (!strcmp(section, "node") && !strcmp(key, "identity"))
		return set_string(cfg->identity_id, sizeof(cfg->identity_id),
				  value, line, key, c->err);
	if (!strcmp(section, "node") && !strcmp(key, "default_country"))
		return set_string(cfg->default_country,
				  sizeof(cfg->default_country), value, line,
				  key, c->err);
	if (!strcmp(section, "markings"))
		return markings_key(&cfg->markings, key, value, line, c->err);
	if (!strcmp(section, "correlation") && !strcmp(key, "enabled")) {
		if (parse_bool(value, &cfg->corr_enabled))
			return ac_err_set(c->err, AC_ERR_PARSE,
					  "%s line %d: '%s' must be true or "
					  "false",
					  NODE_CONF, line, key);
		return AC_OK;
	}
	if (!strcmp(section, "store") && !strcmp(key, "path"))
		return set_string(cfg->store_path, sizeof(cfg->store_path),
				  value, line, key, c->err);
	return server_key(cfg, section, key, value, line, c->err);
}

static void config_defaults(struct node_config *cfg)
{
	struct stix_limits lim = STIX_LIMITS_DEFAULT;

	memset(cfg, 0, sizeof(*cfg));
	cfg->limits = lim;
	cfg->batch_size = 10000;
	cfg->batch_max_ms = NODE_BATCH_MAX_MS;
	cfg->audit_checkpoint_entries = 1000;
	cfg->audit_checkpoint_seconds = 60;
	policy_defaults_init(&cfg->markings);
	cfg->corr_enabled = true;
	cfg->corr_max_occurrences = 50;
	snprintf(cfg->store_path, sizeof(cfg->store_path), "%s", NODE_STORE);
	snprintf(cfg->server.listen, sizeof(cfg->server.listen), "127.0.0.1");
	cfg->server.port = NODE_DEFAULT_PORT;
	snprintf(cfg->server.tls_cert, sizeof(cfg->server.tls_cert), "%s",
		 NODE_TLS_CERT);
	snprintf(cfg->server.tls_key, sizeof(cfg->server.tls_key), "%s",
		 NODE_TLS_KEY);
	cfg->server.threads = 4;
	cfg->server.max_connections = 256;
	cfg->server.timeout_s = 30;
	cfg->server.max_body_bytes = 10u << 20;
	cfg->server.max_page_size = 1000;
}

ac_rc node_config_load(const char *dir, struct node_config *cfg,
		       struct ac_err *err)
{
	char path[NODE_PATH_MAX];
	struct conf_ctx c = { cfg, err };
	ac_rc rc;

	config_defaults(cfg);
	rc = node_path(dir, NODE_CONF, path, err);
	if (!rc)
		rc = ini_parse_file(path, conf_key, &c, err);
	if (!rc && !cfg->identity_id[0])
		rc = ac_err_set(err, AC_ERR_PARSE,
				"'%s': [node] identity is missing", path);
	return rc;
}

ac_rc node_open(const char *dir, struct node **out, struct ac_err *err)
{
	struct node *n = calloc(1, sizeof(*n));
	char path[NODE_PATH_MAX];
	ac_rc rc;

	if (!n)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	snprintf(n->dir, sizeof(n->dir), "%s", dir);
	rc = node_config_load(dir, &n->cfg, err);
	if (!rc)
		rc = node_path(dir, n->cfg.store_path, path, err);
	if (!rc)
		rc = store_open(path, false, &n->store, err);
	if (rc) {
		free(n);
		return rc;
	}
	*out = n;
	return AC_OK;
}

void node_close(struct node *n)
{
	if (!n)
		return;
	if (n->store)
		store_close(n->store);
	free(n);
}
