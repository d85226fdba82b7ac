/* Signed provenance: the originating node's Ed25519 signature carried inside
 * a STIX object as a property extension, so any node holding the
 * originator's public key can check the object, also after onward sharing.
 *
 *   "extensions": { FED_PROVENANCE_EXT: {
 *       "extension_type": "property-extension",
 *       "signer": "identity--...",   the originating node's identity
 *       "alg": "ed25519",
 *       "sig": "<base64 of the 64-byte detached signature>" } }
 *
 * The signature covers the RFC 8785 canonical form of the object without
 * that extension entry (and without "extensions" if it was the only one).
 * The extension-definition object itself is not shipped yet (see
 * docs/internals/federation.md). */
#ifndef AC_FEDERATION_PROVENANCE_H
#define AC_FEDERATION_PROVENANCE_H

#include <jansson.h>
#include "base/rc.h"
#include "crypto/keys.h"

#define FED_PROVENANCE_EXT                                                     \
	"extension-definition--6f1c4a9e-3b57-4d0a-9a3e-acc0fed00001"
#define FED_SIG_B64_MAX 128 /* base64 of 64 bytes is 88 chars */

enum fed_verdict {
	FED_SIG_OK,  /* signed, and the signature verifies with the key */
	FED_SIG_BAD, /* signed, but malformed or not by this key / changed */
	FED_SIG_UNSIGNED, /* no provenance extension */
};

/* Signs obj in place: removes any previous provenance entry, signs the
 * canonical form and adds the extension with signer identity_id.
 * AC_ERR_INVALID if obj is not an object or identity_id is empty,
 * AC_ERR_LIMIT/AC_ERR_INVALID from canonicalisation, AC_ERR_NOMEM. On
 * failure obj holds no provenance entry. */
ac_rc fed_sign(json_t *obj, const struct ac_keys *k, const char *identity_id,
	       struct ac_err *err);

/* Checks obj's provenance signature against the public key pk. Never
 * modifies obj. */
enum fed_verdict fed_verify(const json_t *obj,
			    const unsigned char pk[crypto_sign_PUBLICKEYBYTES]);

/* The signer identity id of obj's provenance extension (borrowed from obj),
 * or NULL when there is none or it is not a string. */
const char *fed_signer(const json_t *obj);

#endif
