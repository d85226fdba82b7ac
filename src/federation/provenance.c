/* Provenance signatures (provenance.h). */
#include "base/common.h"
#include "federation/provenance.h"

#include "base/buf.h"
#include "stix/jcs.h"

#define CANON_MAX ((size_t)64 << 20)

/* A shallow copy of obj without the provenance entry (new reference). */
static json_t *without_provenance(const json_t *obj)
{
	json_t *copy = json_copy((json_t *)obj);
	json_t *exts, *exts_copy;

	if (!copy)
		return NULL;
	exts = json_object_get(copy, "extensions");
	if (!json_is_object(exts) || !json_object_get(exts, FED_PROVENANCE_EXT))
		return copy;
	exts_copy = json_copy(exts);
	if (!exts_copy || json_object_del(exts_copy, FED_PROVENANCE_EXT) ||
	    json_object_set_new(copy, "extensions", exts_copy)) {
		json_decref(copy);
		return NULL;
	}
	if (json_object_size(exts_copy) == 0)
		json_object_del(copy, "extensions");
	return copy;
}

static ac_rc canonical(const json_t *obj, struct ac_buf *out,
		       struct ac_err *err)
{
	json_t *body = without_provenance(obj);
	ac_rc rc;

	if (!body)
		return ac_err_set(err, AC_ERR_NOMEM,
				  "cannot copy an object to sign it");
	rc = stix_jcs(body, out);
	json_decref(body);
	if (rc)
		return ac_err_set(err, rc,
				  "cannot canonicalise an object to sign it: "
				  "%s",
				  ac_rc_name(rc));
	return AC_OK;
}

static ac_rc add_extension(json_t *obj, const char *identity_id,
			   const char *sig_b64, struct ac_err *err)
{
	json_t *exts = json_object_get(obj, "extensions");
	json_t *ext = json_pack("{s:s, s:s, s:s, s:s}", "extension_type",
				"property-extension", "signer", identity_id,
				"alg", "ed25519", "sig", sig_b64);

	if (!ext)
		return ac_err_set(err, AC_ERR_NOMEM,
				  "cannot build the provenance extension");
	if (!exts) {
		exts = json_object();
		if (!exts || json_object_set_new(obj, "extensions", exts)) {
			json_decref(ext);
			return ac_err_set(err, AC_ERR_NOMEM,
					  "cannot add extensions to an object");
		}
	}
	if (!json_is_object(exts) ||
	    json_object_set_new(exts, FED_PROVENANCE_EXT, ext))
		return ac_err_set(err, AC_ERR_INVALID,
				  "cannot sign: 'extensions' is not an object");
	return AC_OK;
}

/* Removes obj's provenance entry (and "extensions" if it was the only
 * one). */
static ac_rc drop_provenance(json_t *obj, struct ac_err *err)
{
	json_t *exts = json_object_get(obj, "extensions");

	if (exts && !json_is_object(exts))
		return ac_err_set(err, AC_ERR_INVALID,
				  "cannot sign: 'extensions' is not an object");
	if (exts) {
		json_object_del(exts, FED_PROVENANCE_EXT);
		if (json_object_size(exts) == 0)
			json_object_del(obj, "extensions");
	}
	return AC_OK;
}

ac_rc fed_sign_canonical(json_t *obj, const char *canon, size_t len,
			 const struct ac_keys *k, const char *identity_id,
			 struct ac_err *err)
{
	unsigned char sig[crypto_sign_BYTES];
	char b64[FED_SIG_B64_MAX];

	if (!json_is_object(obj) || !identity_id || !identity_id[0])
		return ac_err_set(err, AC_ERR_INVALID,
				  "cannot sign: not an object or no signer");
	crypto_sign_detached(sig, NULL, (const unsigned char *)canon, len,
			     k->sign_sk);
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig),
			  sodium_base64_VARIANT_ORIGINAL);
	return add_extension(obj, identity_id, b64, err);
}

ac_rc fed_sign(json_t *obj, const struct ac_keys *k, const char *identity_id,
	       struct ac_err *err)
{
	struct ac_buf canon = AC_BUF_INIT(CANON_MAX);
	ac_rc rc;

	if (!json_is_object(obj) || !identity_id || !identity_id[0])
		return ac_err_set(err, AC_ERR_INVALID,
				  "cannot sign: not an object or no signer");
	rc = drop_provenance(obj, err);
	if (!rc)
		rc = canonical(obj, &canon, err);
	if (!rc)
		rc = fed_sign_canonical(obj, canon.data, canon.len, k,
					identity_id, err);
	ac_buf_release(&canon);
	return rc;
}

const char *fed_signer(const json_t *obj)
{
	json_t *ext = json_object_get(json_object_get(obj, "extensions"),
				      FED_PROVENANCE_EXT);

	return json_string_value(json_object_get(ext, "signer"));
}

enum fed_verdict fed_verify(const json_t *obj,
			    const unsigned char pk[crypto_sign_PUBLICKEYBYTES])
{
	struct ac_buf canon = AC_BUF_INIT(CANON_MAX);
	unsigned char sig[crypto_sign_BYTES];
	json_t *ext = json_object_get(json_object_get(obj, "extensions"),
				      FED_PROVENANCE_EXT);
	const char *alg, *b64;
	enum fed_verdict v = FED_SIG_BAD;
	size_t siglen = 0;

	if (!ext)
		return FED_SIG_UNSIGNED;
	alg = json_string_value(json_object_get(ext, "alg"));
	b64 = json_string_value(json_object_get(ext, "sig"));
	if (!json_is_object(ext) || !alg || strcmp(alg, "ed25519") || !b64 ||
	    !json_string_value(json_object_get(ext, "signer")) ||
	    strlen(b64) >= FED_SIG_B64_MAX)
		return FED_SIG_BAD;
	if (sodium_base642bin(sig, sizeof(sig), b64, strlen(b64), NULL, &siglen,
			      NULL, sodium_base64_VARIANT_ORIGINAL) ||
	    siglen != sizeof(sig))
		return FED_SIG_BAD;
	if (canonical(obj, &canon, NULL) == AC_OK &&
	    crypto_sign_verify_detached(sig, (const unsigned char *)canon.data,
					canon.len, pk) == 0)
		v = FED_SIG_OK;
	ac_buf_release(&canon);
	return v;
}

bool fed_is_signed(const json_t *obj)
{
	return json_object_get(json_object_get(obj, "extensions"),
			       FED_PROVENANCE_EXT) != NULL;
}

struct fed_signer_key {
	char id[STORE_IDENTITY_ID_MAX + 1];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
};

struct fed_keyring {
	size_t n, cap;
	struct fed_signer_key *items;
};

static ac_rc ring_add(struct fed_keyring *r, const char *id,
		      const unsigned char pk[crypto_sign_PUBLICKEYBYTES])
{
	struct fed_signer_key *more;

	if (strlen(id) > STORE_IDENTITY_ID_MAX)
		return AC_ERR_LIMIT;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		more = realloc(r->items, cap * sizeof(*more));
		if (!more)
			return AC_ERR_NOMEM;
		r->items = more;
		r->cap = cap;
	}
	snprintf(r->items[r->n].id, sizeof(r->items[r->n].id), "%s", id);
	memcpy(r->items[r->n].pk, pk, crypto_sign_PUBLICKEYBYTES);
	r->n++;
	return AC_OK;
}

struct ring_load {
	struct store *s;
	struct fed_keyring *r;
	ac_rc rc;
};

static int add_partner(const struct store_partner *p, void *ctx)
{
	struct ring_load *x = ctx;
	struct store_partner_link l;

	if (store_partner_link_get(x->s, p->name, &l, NULL))
		return 0; /* no card registered: no key */
	x->rc = ring_add(x->r, p->identity_id, l.sign_pk);
	return x->rc != AC_OK;
}

ac_rc fed_keyring_load(struct store *s, const char *own_id,
		       const unsigned char own_pk[crypto_sign_PUBLICKEYBYTES],
		       struct fed_keyring **out, struct ac_err *err)
{
	struct fed_keyring *r = calloc(1, sizeof(*r));
	struct ring_load x = {s, r, AC_OK};
	ac_rc rc;

	*out = NULL;
	if (!r)
		return ac_err_set(err, AC_ERR_NOMEM,
				  "cannot load the signer keys: out of memory");
	rc = ring_add(r, own_id, own_pk);
	if (rc)
		ac_err_set(err, rc, "cannot add this node's key '%s': %s",
			   own_id, ac_rc_name(rc));
	if (!rc)
		rc = store_partner_list(s, add_partner, &x, err);
	if (!rc && x.rc)
		rc = ac_err_set(err, x.rc,
				"cannot load the partners' signer keys: %s",
				ac_rc_name(x.rc));
	if (rc) {
		fed_keyring_free(r);
		return rc;
	}
	*out = r;
	return AC_OK;
}

bool fed_keyring_find(const char *signer,
		      unsigned char pk[crypto_sign_PUBLICKEYBYTES], void *ring)
{
	const struct fed_keyring *r = ring;

	for (size_t i = 0; r && signer && i < r->n; i++)
		if (strcmp(r->items[i].id, signer) == 0) {
			memcpy(pk, r->items[i].pk, crypto_sign_PUBLICKEYBYTES);
			return true;
		}
	return false;
}

void fed_keyring_free(struct fed_keyring *r)
{
	if (!r)
		return;
	free(r->items);
	free(r);
}

bool fed_disclose_redacted(json_t *copy, const json_t *orig,
			   const struct fed_signing *own)
{
	const char *signer = fed_signer(orig);

	if (!fed_is_signed(orig) || json_equal(copy, (json_t *)orig))
		return true;
	if (!own || !own->keys || !own->identity_id || !signer ||
	    strcmp(signer, own->identity_id) != 0)
		return false;
	/* never lend a fresh signature to a stored copy that was altered */
	if (fed_verify(orig, own->keys->sign_pk) != FED_SIG_OK)
		return false;
	return fed_sign(copy, own->keys, own->identity_id, NULL) == AC_OK;
}
