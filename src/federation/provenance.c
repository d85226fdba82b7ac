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

ac_rc fed_sign(json_t *obj, const struct ac_keys *k, const char *identity_id,
	       struct ac_err *err)
{
	struct ac_buf canon = AC_BUF_INIT(CANON_MAX);
	unsigned char sig[crypto_sign_BYTES];
	char b64[FED_SIG_B64_MAX];
	json_t *exts;
	ac_rc rc;

	if (!json_is_object(obj) || !identity_id || !identity_id[0])
		return ac_err_set(err, AC_ERR_INVALID,
				  "cannot sign: not an object or no signer");
	exts = json_object_get(obj, "extensions");
	if (exts && !json_is_object(exts))
		return ac_err_set(err, AC_ERR_INVALID,
				  "cannot sign: 'extensions' is not an object");
	if (exts) {
		json_object_del(exts, FED_PROVENANCE_EXT);
		if (json_object_size(exts) == 0)
			json_object_del(obj, "extensions");
	}
	rc = canonical(obj, &canon, err);
	if (rc)
		goto out;
	crypto_sign_detached(sig, NULL, (const unsigned char *)canon.data,
			     canon.len, k->sign_sk);
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig),
			  sodium_base64_VARIANT_ORIGINAL);
	rc = add_extension(obj, identity_id, b64, err);
out:
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
