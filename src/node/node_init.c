/* accord init: builds a node in a temporary sibling directory and renames it
 * into place, so a failure never leaves a half-made node behind. */
#include "base/common.h"
#include "node/node.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/time.h"
#include "base/uuid.h"
#include "crypto/cert.h"
#include "crypto/keys.h"
#include "ingest/ingest.h"
#include "node/node_ingest.h"
#include "stix/ext.h"

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tree(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* AC_OK if dir is absent or an empty directory (then *exists says so). */
static ac_rc check_target(const char *dir, bool *exists, struct ac_err *err)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	ac_rc rc = AC_OK;

	*exists = false;
	if (stat(dir, &st) != 0)
		return errno == ENOENT ? AC_OK :
					 ac_err_set(err, AC_ERR_IO,
						    "cannot inspect '%s': %s",
						    dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return ac_err_set(err, AC_ERR_EXISTS,
				  "'%s' exists and is not a directory", dir);
	d = opendir(dir);
	if (!d)
		return ac_err_set(err, AC_ERR_IO, "cannot read '%s': %s", dir,
				  strerror(errno));
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			rc = ac_err_set(err, AC_ERR_EXISTS,
					"refusing to touch '%s': it is not "
					"empty (an existing node?); choose a new "
					"directory",
					dir);
			break;
		}
	}
	closedir(d);
	*exists = true;
	return rc;
}

static ac_rc write_file(const char *path, const char *data, mode_t mode,
			struct ac_err *err)
{
	size_t len = strlen(data);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	ssize_t w;

	if (fd < 0)
		return ac_err_set(err, AC_ERR_IO, "cannot create '%s': %s", path,
				  strerror(errno));
	w = write(fd, data, len);
	if (w != (ssize_t)len || fsync(fd) != 0) {
		close(fd);
		return ac_err_set(err, AC_ERR_IO, "cannot write '%s': %s", path,
				  strerror(errno));
	}
	close(fd);
	return AC_OK;
}

static json_t *make_identity(const char *org)
{
	char uuid[AC_UUID_STRLEN], id[64], now[AC_TS_STRLEN];

	ac_uuid_v4(uuid);
	snprintf(id, sizeof(id), "identity--%s", uuid);
	ac_ts_format_us(ac_now_us(), now);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type",
			 "identity", "spec_version", "2.1", "id", id, "created",
			 now, "modified", now, "name", org, "identity_class",
			 "organization");
}

static ac_rc write_config(const char *dir, const char *org,
			  const char *identity_id, const char *tls_cert,
			  const char *tls_key, struct ac_err *err)
{
	char path[NODE_PATH_MAX], text[3 * NODE_PATH_MAX];
	struct stix_limits lim = STIX_LIMITS_DEFAULT;

	snprintf(text, sizeof(text),
		 "# accord node configuration\n"
		 "[node]\n"
		 "org = %s\n"
		 "identity = %s\n"
		 "# default country for phone numbers (ISO 3166-1 alpha-2)\n"
		 "default_country = KG\n\n"
		 "[store]\n"
		 "path = %s\n\n"
		 "[limits]\n"
		 "max_object_bytes = %zu\n"
		 "max_depth = %zu\n"
		 "max_string_bytes = %zu\n\n"
		 "[ingest]\n"
		 "batch_size = 10000\n"
		 "# a batch also commits once open this long (0 = no limit)\n"
		 "batch_max_ms = %d\n\n"
		 "# accord serve (TAXII 2.1)\n"
		 "[server]\n"
		 "listen = 127.0.0.1\n"
		 "port = %d\n"
		 "tls_cert = %s\n"
		 "tls_key = %s\n"
		 "threads = 4\n"
		 "max_connections = 256\n"
		 "timeout_s = 30\n"
		 "max_body_bytes = 10485760\n"
		 "max_page_size = 1000\n"
		 "# plain HTTP (--insecure-http) only on loopback unless true\n"
		 "allow_insecure_public = false\n",
		 org, identity_id, NODE_STORE, lim.max_object_bytes,
		 lim.max_depth, lim.max_string_bytes, NODE_BATCH_MAX_MS,
		 NODE_DEFAULT_PORT,
		 tls_cert, tls_key);
	if (node_path(dir, NODE_CONF, path, err))
		return err->rc;
	return write_file(path, text, 0640, err);
}

static ac_rc write_keys(const char *dir, struct ac_err *err)
{
	char keys[NODE_PATH_MAX], sec[NODE_PATH_MAX], pub[NODE_PATH_MAX];
	struct ac_keys k;
	ac_rc rc;

	if (node_path(dir, NODE_KEYS_DIR, keys, err) ||
	    node_path(dir, NODE_SECRET_KEY, sec, err) ||
	    node_path(dir, NODE_PUBLIC_KEY, pub, err))
		return err->rc;
	if (mkdir(keys, 0700) != 0)
		return ac_err_set(err, AC_ERR_IO, "cannot create '%s': %s", keys,
				  strerror(errno));
	rc = ac_keys_generate(&k, err);
	if (!rc)
		rc = ac_keys_save(&k, sec, pub, err);
	ac_keys_wipe(&k);
	return rc;
}

/* A self-signed certificate for localhost, valid for two years. */
static ac_rc write_tls(const char *dir, struct ac_err *err)
{
	char crt[NODE_PATH_MAX], key[NODE_PATH_MAX];
	char *cert_pem = NULL, *key_pem = NULL;
	ac_rc rc;

	if (node_path(dir, NODE_TLS_CERT, crt, err) ||
	    node_path(dir, NODE_TLS_KEY, key, err))
		return err->rc;
	rc = ac_cert_self_signed("accord", NULL, 0, 730, &cert_pem, &key_pem,
				 err);
	if (!rc)
		rc = write_file(key, key_pem, 0600, err);
	if (!rc)
		rc = write_file(crt, cert_pem, 0644, err);
	free(cert_pem);
	ac_cert_free_key(key_pem);
	return rc;
}

/* Resolves a given certificate or key file to an absolute path, checking
 * that it can be read. */
static ac_rc given_file(const char *path, char out[NODE_PATH_MAX],
			struct ac_err *err)
{
	char *abs = realpath(path, NULL);
	FILE *f;

	if (!abs)
		return ac_err_set(err, AC_ERR_IO, "cannot use '%s': %s", path,
				  strerror(errno));
	f = fopen(abs, "r");
	if (!f) {
		ac_err_set(err, AC_ERR_IO, "cannot read '%s': %s", path,
			   strerror(errno));
		free(abs);
		return err->rc;
	}
	fclose(f);
	snprintf(out, NODE_PATH_MAX, "%s", abs);
	free(abs);
	if (strpbrk(out, "\n\r"))
		return ac_err_set(err, AC_ERR_USAGE,
				  "cannot use '%s': a new line in the path",
				  path);
	return AC_OK;
}

static ac_rc add_collection(struct store *s, const char *name,
			    const char *title, const char *description,
			    enum store_scope scope, struct ac_err *err)
{
	const auth_role_mask roles = AUTH_ROLE_BIT(AUTH_ROLE_ANALYST) |
				     AUTH_ROLE_BIT(AUTH_ROLE_SUPERVISOR) |
				     AUTH_ROLE_BIT(AUTH_ROLE_ADMIN);
	struct store_collection c;

	memset(&c, 0, sizeof(c));
	ac_uuid_v4(c.id);
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.title, sizeof(c.title), "%s", title);
	snprintf(c.description, sizeof(c.description), "%s", description);
	c.scope = scope;
	c.read_roles = roles;
	c.write_roles = roles;
	c.created_us = ac_now_us();
	return store_collection_add(s, &c, err);
}

static ac_rc add_default_collections(struct store *s, struct ac_err *err)
{
	ac_rc rc = add_collection(s, "node", "This node's intelligence",
				  "Objects recorded at this node",
				  STORE_SCOPE_OWN, err);
	if (!rc)
		rc = add_collection(s, "inbox", "Inbox",
				    "Objects written into this collection",
				    STORE_SCOPE_INBOX, err);
	return rc;
}

/* Stores the node identity (signed with the node key) and accord's
 * extension definitions (shipped: unsigned) through the ingest pipeline,
 * like every other write. */
static ac_rc seed_store(const char *dir, json_t *identity, struct ac_err *err)
{
	char path[NODE_PATH_MAX];
	struct node_config cfg = {0};
	struct node_ingest ni = {0};
	struct store *s = NULL;
	struct ingest in;
	json_t *defs = stix_ext_definitions(), *o;
	size_t i;
	ac_rc rc;

	if (!defs)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	/* the node identity gets the configured (initial) marking defaults,
	 * like any local object */
	rc = node_config_load(dir, &cfg, err);
	if (!rc)
		rc = node_path(dir, NODE_STORE, path, err);
	if (!rc)
		rc = store_open(path, true, &s, err);
	if (!rc)
		rc = node_ingest_open(&ni, dir, &cfg, s, "local", err);
	if (rc)
		goto out;
	ni.opts.strict = true;
	ni.opts.corr.enabled = false;
	ingest_init(&in, s, &ni.opts, NULL, NULL, NULL);
	rc = ingest_json(&in, identity, NULL, NULL, err);
	json_array_foreach(defs, i, o) {
		if (!rc)
			rc = ingest_json(&in, o, NULL, NULL, err);
	}
	if (ingest_finish(&in, rc ? NULL : err) && !rc)
		rc = err->rc;
	if (!rc)
		rc = add_default_collections(s, err);
out:
	node_ingest_release(&ni);
	if (s)
		store_close(s);
	json_decref(defs);
	return rc;
}

static ac_rc build_node(const char *tmp, const char *org,
			const struct node_init_opts *o, struct ac_err *err)
{
	char path[NODE_PATH_MAX], crt[NODE_PATH_MAX], key[NODE_PATH_MAX];
	json_t *identity = make_identity(org);
	char *text = NULL;
	ac_rc rc;

	if (!identity)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	snprintf(crt, sizeof(crt), "%s", NODE_TLS_CERT);
	snprintf(key, sizeof(key), "%s", NODE_TLS_KEY);
	rc = write_keys(tmp, err);
	if (!rc && o->tls_cert) {
		rc = given_file(o->tls_cert, crt, err);
		if (!rc)
			rc = given_file(o->tls_key, key, err);
	} else if (!rc) {
		rc = write_tls(tmp, err);
	}
	if (!rc)
		rc = write_config(tmp, org, stix_get_str(identity, "id"), crt,
				  key, err);
	if (!rc) {
		text = json_dumps(identity, JSON_INDENT(2) | JSON_SORT_KEYS);
		rc = text ? node_path(tmp, NODE_IDENTITY, path, err) :
			    ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	}
	if (!rc)
		rc = write_file(path, text, 0644, err);
	if (!rc)
		rc = seed_store(tmp, identity, err);
	free(text);
	json_decref(identity);
	return rc;
}

static ac_rc check_org(const char *org, struct ac_err *err)
{
	if (!org || !*org)
		return ac_err_set(err, AC_ERR_USAGE,
				  "the organisation name is empty; pass --org "
				  "\"NAME\"");
	if (strlen(org) > 200 || strpbrk(org, "\n\r"))
		return ac_err_set(err, AC_ERR_USAGE,
				  "organisation name '%s' must be one line of "
				  "at most 200 bytes",
				  org);
	return AC_OK;
}

ac_rc node_init(const char *dir, const char *org, struct ac_err *err)
{
	static const struct node_init_opts defaults;

	return node_init_with(dir, org, &defaults, err);
}

ac_rc node_init_with(const char *dir, const char *org,
		     const struct node_init_opts *opts, struct ac_err *err)
{
	char tmp[NODE_PATH_MAX];
	bool exists;
	ac_rc rc;

	if (!opts->tls_cert != !opts->tls_key)
		return ac_err_set(err, AC_ERR_USAGE,
				  "give both a TLS certificate and its key, or "
				  "neither");
	rc = check_org(org, err);
	if (!rc)
		rc = check_target(dir, &exists, err);
	if (!rc)
		rc = ac_crypto_init(err);
	if (rc)
		return rc;
	if (snprintf(tmp, sizeof(tmp), "%s.init-XXXXXX", dir) >=
	    (int)sizeof(tmp))
		return ac_err_set(err, AC_ERR_LIMIT, "path too long: '%s'", dir);
	if (!mkdtemp(tmp))
		return ac_err_set(err, AC_ERR_IO, "cannot create '%s': %s", tmp,
				  strerror(errno));
	rc = build_node(tmp, org, opts, err);
	if (!rc && exists && rmdir(dir) != 0)
		rc = ac_err_set(err, AC_ERR_IO, "cannot replace '%s': %s", dir,
				strerror(errno));
	if (!rc && rename(tmp, dir) != 0)
		rc = ac_err_set(err, AC_ERR_IO, "cannot create '%s': %s", dir,
				strerror(errno));
	if (rc)
		remove_tree(tmp);
	return rc;
}
