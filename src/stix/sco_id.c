#include "base/common.h"
#include "stix/sco_id.h"

#include "base/buf.h"
#include "base/uuid.h"
#include "stix/jcs.h"

/* The canonical name hashed into the UUID; contributing properties are
 * small except an email body, which ingest caps well below this. */
#define SCO_NAME_MAX (16u << 20)
#define SCO_MAX_PROPS 8

/* "ID Contributing Properties" of each SCO type (STIX 2.1 section 6), plus
 * accord's own SCO types. process has none: it always gets a UUIDv4. */
struct sco_props {
	const char *type;
	const char *props[SCO_MAX_PROPS + 1];
};

static const struct sco_props sco_table[] = {
    {"artifact", {"hashes", "payload_bin"}},
    {"autonomous-system", {"number"}},
    {"directory", {"path"}},
    {"domain-name", {"value"}},
    {"email-addr", {"value"}},
    {"email-message", {"from_ref", "subject", "body"}},
    {"file", {"hashes", "name", "extensions", "parent_directory_ref"}},
    {"ipv4-addr", {"value"}},
    {"ipv6-addr", {"value"}},
    {"mac-addr", {"value"}},
    {"mutex", {"name"}},
    {"network-traffic",
     {"start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols",
      "extensions"}},
    {"software", {"name", "cpe", "swid", "vendor", "version"}},
    {"url", {"value"}},
    {"user-account", {"account_type", "user_id", "account_login"}},
    {"windows-registry-key", {"key", "values"}},
    {"x509-certificate", {"hashes", "serial_number"}},
    {"accord-phone-number", {"value"}},
    {"accord-vehicle", {"vin", "plate", "plate_country"}},
    {"accord-document", {"document_type", "number", "issuing_country"}},
    {"accord-account", {"account_type", "number"}},
};

/* Of a hashes dictionary only one hash contributes, in this order of
 * preference (as the OASIS reference implementation does). */
static const char *const hash_preference[] = {"MD5", "SHA-1", "SHA-256",
					      "SHA-512"};

static const struct sco_props *find_type(const char *type)
{
	for (size_t i = 0; i < AC_ARRAY_LEN(sco_table); i++)
		if (strcmp(sco_table[i].type, type) == 0)
			return &sco_table[i];
	return NULL;
}

/* The single hash that stands for a hashes dictionary: the preferred one,
 * else the smallest algorithm name so the choice does not depend on the
 * order the producer wrote. NULL when there is no hash to use. */
static const char *choose_hash(json_t *hashes)
{
	const char *best = NULL, *key;
	json_t *value;

	for (size_t i = 0; i < AC_ARRAY_LEN(hash_preference); i++)
		if (json_object_get(hashes, hash_preference[i]))
			return hash_preference[i];
	json_object_foreach(hashes, key, value)
	{
		(void)value;
		if (!best || strcmp(key, best) < 0)
			best = key;
	}
	return best;
}

/* Adds property name of obj to the contributing object c, if present. */
static ac_rc add_property(json_t *c, json_t *obj, const char *name)
{
	json_t *v = json_object_get(obj, name), *one;
	const char *alg;

	if (!v)
		return AC_OK;
	if (strcmp(name, "hashes") == 0 && json_is_object(v)) {
		alg = choose_hash(v);
		if (!alg)
			return AC_OK;
		one = json_object();
		if (!one ||
		    json_object_set(one, alg, json_object_get(v, alg)) ||
		    json_object_set_new(c, name, one))
			return AC_ERR_NOMEM;
		return AC_OK;
	}
	return json_object_set(c, name, v) ? AC_ERR_NOMEM : AC_OK;
}

/* Builds the contributing-properties object of obj; NULL c when the type
 * has none or none are present. */
static ac_rc contributing(json_t *obj, const char *type, json_t **c)
{
	const struct sco_props *t = find_type(type);
	ac_rc rc = AC_OK;

	*c = NULL;
	if (!t)
		return AC_OK;
	*c = json_object();
	if (!*c)
		return AC_ERR_NOMEM;
	for (size_t i = 0; t->props[i] && !rc; i++)
		rc = add_property(*c, obj, t->props[i]);
	if (rc || json_object_size(*c) == 0) {
		json_decref(*c);
		*c = NULL;
	}
	return rc;
}

ac_rc stix_sco_id(const json_t *obj, char out[STIX_ID_MAX])
{
	/* jansson's getters take non-const objects but only read them. */
	json_t *o = (json_t *)obj, *c = NULL;
	struct ac_buf name = AC_BUF_INIT(SCO_NAME_MAX);
	char uuid[AC_UUID_STRLEN];
	const char *type;
	size_t tlen;
	ac_rc rc;

	type = json_string_value(json_object_get(o, "type"));
	if (!type)
		return AC_ERR_INVALID;
	tlen = strlen(type);
	if (tlen == 0 || tlen + 2 + AC_UUID_STRLEN > STIX_ID_MAX)
		return AC_ERR_INVALID;
	rc = contributing(o, type, &c);
	if (rc)
		goto out;
	if (c) {
		rc = stix_jcs(c, &name);
		if (!rc)
			rc = ac_uuid_v5(AC_UUID_STIX_NS, name.data, name.len,
					uuid);
	} else {
		ac_uuid_v4(uuid);
	}
	if (!rc)
		snprintf(out, STIX_ID_MAX, "%s--%s", type, uuid);
out:
	json_decref(c);
	ac_buf_release(&name);
	return rc;
}
