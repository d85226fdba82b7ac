/* Node cards (card.h). */
#include "base/common.h"
#include "federation/card.h"

#include <stdlib.h>

#include "crypto/cert.h"
#include "crypto/keys.h"
#include "stix/json.h"

#define PIN_B64_LEN 44 /* base64 of 32 bytes */

static ac_rc read_text(const char *path, size_t max, char **out, size_t *len,
		       struct ac_err *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;
	ac_rc rc = AC_OK;

	if (!f)
		return ac_err_set(err, AC_ERR_IO, "cannot open '%s': %s", path,
				  strerror(errno));
	buf = malloc(max + 1);
	if (!buf) {
		rc = ac_err_set(err, AC_ERR_NOMEM, "cannot read '%s'", path);
		goto out;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f))
		rc = ac_err_set(err, AC_ERR_IO, "cannot read '%s'", path);
	else if (n > max)
		rc = ac_err_set(err, AC_ERR_LIMIT,
				"'%s' is larger than %zu bytes", path, max);
	if (rc)
		goto out;
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	fclose(f);
	return rc;
}

static ac_rc tls_pin(const struct node *n, char pin[AC_CERT_PIN_LEN],
		     struct ac_err *err)
{
	char path[NODE_PATH_MAX];
	char *pem = NULL;
	size_t len;
	ac_rc rc;

	rc = node_path(n->dir, n->cfg.server.tls_cert, path, err);
	if (!rc)
		rc = read_text(path, 1 << 20, &pem, &len, err);
	if (!rc)
		rc = ac_cert_pubkey_pin_sha256(pem, pin, err);
	free(pem);
	return rc;
}

static ac_rc identity_name(const struct node *n, char *out, size_t cap,
			   struct ac_err *err)
{
	char path[NODE_PATH_MAX];
	json_t *id = NULL;
	const char *name;
	ac_rc rc;

	rc = node_path(n->dir, NODE_IDENTITY, path, err);
	if (rc)
		return rc;
	id = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	name = json_string_value(json_object_get(id, "name"));
	if (!name)
		rc = ac_err_set(err, AC_ERR_PARSE,
				"cannot read the node identity name from '%s'",
				path);
	else
		snprintf(out, cap, "%s", name);
	json_decref(id);
	return rc;
}

static void derive_url(const struct node *n, char *out, size_t cap)
{
	const char *host = n->cfg.server.listen;
	bool v6 = strchr(host, ':') != NULL;

	snprintf(out, cap, "https://%s%s%s:%zu/taxii2/api1/", v6 ? "[" : "",
		 host, v6 ? "]" : "", n->cfg.server.port);
}

ac_rc fed_card_build(const struct node *n, const char *url, json_t **out,
		     struct ac_err *err)
{
	char secret[NODE_PATH_MAX], public[NODE_PATH_MAX];
	char pin[AC_CERT_PIN_LEN], name[STORE_PARTNER_TITLE_MAX + 1];
	char pk[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	char derived[STORE_URL_MAX + 1];
	struct ac_keys k;
	ac_rc rc;

	rc = node_path(n->dir, NODE_SECRET_KEY, secret, err);
	if (!rc)
		rc = node_path(n->dir, NODE_PUBLIC_KEY, public, err);
	if (!rc)
		rc = ac_keys_load(&k, secret, public, err);
	if (rc)
		return rc;
	sodium_bin2base64(pk, sizeof(pk), k.sign_pk, sizeof(k.sign_pk),
			  sodium_base64_VARIANT_ORIGINAL);
	ac_keys_wipe(&k);
	rc = tls_pin(n, pin, err);
	if (!rc)
		rc = identity_name(n, name, sizeof(name), err);
	if (rc)
		return rc;
	derive_url(n, derived, sizeof(derived));
	*out = json_pack("{s:i, s:{s:s, s:s}, s:s, s:s, s:s}", "accord_card", 1,
			 "identity", "id", n->cfg.identity_id, "name", name,
			 "sign_pk", pk, "taxii_url", url ? url : derived,
			 "tls_pin_sha256", pin);
	if (!*out)
		return ac_err_set(err, AC_ERR_NOMEM, "cannot build the card");
	return AC_OK;
}

/* Copies string member key of o into dst; AC_ERR_INVALID when missing,
 * empty or too long. */
static ac_rc get_str(const json_t *o, const char *key, char *dst, size_t cap,
		     struct ac_err *err)
{
	const char *v = json_string_value(json_object_get(o, key));

	if (!v || !v[0] || strlen(v) >= cap)
		return ac_err_set(err, AC_ERR_INVALID,
				  "card: '%s' is missing, empty or longer "
				  "than %zu characters",
				  key, cap - 1);
	snprintf(dst, cap, "%s", v);
	return AC_OK;
}

static ac_rc check_card(const json_t *c, struct fed_card *out,
			struct ac_err *err)
{
	char pk[128];
	size_t pklen = 0, n;
	ac_rc rc;

	if (json_integer_value(json_object_get(c, "accord_card")) != 1)
		return ac_err_set(err, AC_ERR_INVALID,
				  "card: 'accord_card' is not 1");
	rc = get_str(json_object_get(c, "identity"), "id", out->identity_id,
		     sizeof(out->identity_id), err);
	if (!rc)
		rc = get_str(json_object_get(c, "identity"), "name", out->name,
			     sizeof(out->name), err);
	if (!rc)
		rc = get_str(c, "sign_pk", pk, sizeof(pk), err);
	if (!rc)
		rc = get_str(c, "taxii_url", out->url, sizeof(out->url), err);
	if (!rc)
		rc = get_str(c, "tls_pin_sha256", out->pin, sizeof(out->pin),
			     err);
	if (rc)
		return rc;
	if (strncmp(out->identity_id, "identity--", 10))
		return ac_err_set(err, AC_ERR_INVALID,
				  "card: '%s' is not an identity id",
				  out->identity_id);
	if (sodium_base642bin(out->sign_pk, sizeof(out->sign_pk), pk,
			      strlen(pk), NULL, &pklen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) ||
	    pklen != sizeof(out->sign_pk))
		return ac_err_set(err, AC_ERR_INVALID,
				  "card: 'sign_pk' is not a base64 Ed25519 "
				  "public key");
	n = strlen(out->url);
	if (strncmp(out->url, "https://", 8) || out->url[n - 1] != '/' ||
	    strpbrk(out->url, " \t\r\n\"'\\"))
		return ac_err_set(err, AC_ERR_INVALID,
				  "card: 'taxii_url' '%s' is not an https "
				  "URL ending in '/'",
				  out->url);
	if (strlen(out->pin) != PIN_B64_LEN ||
	    strspn(out->pin, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
			     "wxyz0123456789+/=") != PIN_B64_LEN)
		return ac_err_set(err, AC_ERR_INVALID,
				  "card: 'tls_pin_sha256' is not a base64 "
				  "SHA-256");
	return AC_OK;
}

ac_rc fed_card_parse(const char *text, size_t len, struct fed_card *out,
		     struct ac_err *err)
{
	json_error_t je;
	json_t *c;
	ac_rc rc;

	memset(out, 0, sizeof(*out));
	if (len > FED_CARD_MAX_BYTES)
		return ac_err_set(err, AC_ERR_LIMIT,
				  "card: larger than %d bytes",
				  FED_CARD_MAX_BYTES);
	c = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!c)
		return ac_err_set(err, AC_ERR_PARSE,
				  "card: not JSON: %s at line %d", je.text,
				  je.line);
	rc = check_card(c, out, err);
	json_decref(c);
	return rc;
}
