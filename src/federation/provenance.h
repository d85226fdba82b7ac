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
 *
 * Objects signed together (ingest signs up to FED_TREE_MAX at once) carry
 * alg "ed25519-merkle": sig then signs the root of a hash tree whose leaves
 * are those canonical forms, and "path" lists the sibling hashes from this
 * object's leaf up to the root, each "l" or "r" (the side the sibling is
 * on) followed by its base64:
 *   leaf = BLAKE2b-256(0x00 || canonical form)
 *   node = BLAKE2b-256(0x01 || left || right)  (an odd last node is carried
 *          up unchanged)
 *   sig  = Ed25519(FED_TREE_LABEL || root)
 * "path" is absent for a tree of one leaf. A checked root is remembered per
 * thread, so a batch costs one Ed25519 verification.
 * The extension-definition ships with every node (stix/ext.h) and is
 * validated like accord's other extensions. Ingest signs and verifies
 * (docs/internals/federation.md, "Provenance"). */
#ifndef AC_FEDERATION_PROVENANCE_H
#define AC_FEDERATION_PROVENANCE_H

#include <jansson.h>
#include <stdbool.h>
#include "base/buf.h"
#include "base/rc.h"
#include "crypto/keys.h"
#include "stix/ext.h"
#include "store/store.h"

#define FED_PROVENANCE_EXT STIX_EXT_PROVENANCE
#define FED_SIG_B64_MAX 128 /* base64 of 64 bytes is 88 chars */
#define FED_ALG_ONE "ed25519"
#define FED_ALG_TREE "ed25519-merkle"
#define FED_TREE_MAX 64	      /* objects signed together at most */
#define FED_TREE_DEPTH_MAX 32 /* path entries accepted at most */
#define FED_TREE_LABEL "accord provenance tree v1"
#define FED_LEAF_LEN 32

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

/* Like fed_sign for an obj that holds no provenance entry, when its RFC
 * 8785 form canon[0..len) is already at hand (saves canonicalising it
 * again). */
ac_rc fed_sign_canonical(json_t *obj, const char *canon, size_t len,
			 const struct ac_keys *k, const char *identity_id,
			 struct ac_err *err);

/* The tree leaf of an object whose RFC 8785 form (without provenance) is
 * canon[0..len). */
void fed_tree_leaf(const char *canon, size_t len,
		   unsigned char leaf[FED_LEAF_LEN]);

/* Signs objs[0..n) (1 <= n <= FED_TREE_MAX, none holding a provenance
 * entry; leaves[i] = fed_tree_leaf of objs[i]'s canonical form) with one
 * signature over their tree's root, and adds each object's extension with
 * its path. AC_ERR_INVALID for a bad n, a non-object or an empty
 * identity_id, AC_ERR_NOMEM; on failure no object is changed. */
ac_rc fed_sign_tree(json_t *const *objs,
		    const unsigned char (*leaves)[FED_LEAF_LEN], size_t n,
		    const struct ac_keys *k, const char *identity_id,
		    struct ac_err *err);

/* One signature over a tree of up to FED_TREE_MAX leaves: every level,
 * the leaves first (at most 2n nodes), and the signature in base64. */
#define FED_LEAF_B64_LEN 44 /* standard base64 of 32 bytes, with padding */
struct fed_tree {
	unsigned char nodes[2 * FED_TREE_MAX][FED_LEAF_LEN];
	char nodes_b64[2 * FED_TREE_MAX][FED_LEAF_B64_LEN + 1]; /* signing */
	size_t start[8], size[8]; /* 64 leaves make 7 levels */
	size_t levels;
	char sig_b64[FED_SIG_B64_MAX];
};

/* Builds the tree over leaves[0..n) (1 <= n <= FED_TREE_MAX, else
 * AC_ERR_INVALID) into t and signs its root with k. */
ac_rc fed_tree_sign(const unsigned char (*leaves)[FED_LEAF_LEN], size_t n,
		    const struct ac_keys *k, struct fed_tree *t,
		    struct ac_err *err);

/* Adds to obj (which holds no provenance entry) the extension of leaf i
 * of t, signed by identity_id. Errors as fed_sign_tree. */
ac_rc fed_tree_attach(json_t *obj, const struct fed_tree *t, size_t i,
		      const char *identity_id, struct ac_err *err);

/* Appends leaf i's provenance entry in RFC 8785 form, the member
 * "<FED_PROVENANCE_EXT>":{...}, to out (for fed_canonical_with_entry).
 * AC_ERR_INVALID when i is out of range or identity_id would need escaping;
 * AC_ERR_LIMIT when out is full. */
ac_rc fed_tree_entry(const struct fed_tree *t, size_t i,
		     const char *identity_id, struct ac_buf *out);

/* Into out (reset first): the RFC 8785 form of an object whose RFC 8785
 * form without provenance is c[0..n), once the entry (fed_tree_entry) is
 * added to its "extensions" (created if missing), without canonicalising
 * it again. False when c is not as expected or its member order cannot be
 * told without decoding a key (an escape): then use fed_tree_attach and
 * canonicalise. */
bool fed_canonical_with_entry(const char *c, size_t n, const char *entry,
			      size_t elen, struct ac_buf *out);

/* Checks obj's provenance signature against the public key pk. Never
 * modifies obj. */
enum fed_verdict fed_verify(const json_t *obj,
			    const unsigned char pk[crypto_sign_PUBLICKEYBYTES]);

/* fed_verify when canon holds obj's RFC 8785 form (with its provenance
 * entry): a tree signature's leaf is then cut from it instead of
 * canonicalising obj again. */
enum fed_verdict
fed_verify_canonical(const json_t *obj, const struct ac_buf *canon,
		     const unsigned char pk[crypto_sign_PUBLICKEYBYTES]);

/* The tree leaf of an object's content, whatever signed it: of its RFC
 * 8785 form c[0..n) without the provenance entry when it has one, else of
 * c itself. Two versions with equal leaves differ at most in their
 * signatures. False only when a provenance entry is there but the text is
 * not as expected. */
bool fed_content_leaf(const char *c, size_t n,
		      unsigned char leaf[FED_LEAF_LEN]);

/* The signer identity id of obj's provenance extension (borrowed from obj),
 * or NULL when there is none or it is not a string. */
const char *fed_signer(const json_t *obj);

/* Whether obj carries a provenance extension entry (well-formed or not). */
bool fed_is_signed(const json_t *obj);

/* The Ed25519 public keys of the nodes whose signatures this node knows:
 * its own and each registered partner's (from its card, partner_links).
 * Immutable once loaded, so any thread may look keys up. */
struct fed_keyring;

/* Loads the keyring: own_id/own_pk, then every partner of s that has a
 * link. s must be the SQLite store node_open returned (not a wrapper).
 * Free with fed_keyring_free. */
ac_rc fed_keyring_load(struct store *s, const char *own_id,
		       const unsigned char own_pk[crypto_sign_PUBLICKEYBYTES],
		       struct fed_keyring **out, struct ac_err *err);
/* Copies the key of identity signer into pk; false when it is unknown.
 * ring is a struct fed_keyring * (the signature fits ingest's lookup). */
bool fed_keyring_find(const char *signer,
		      unsigned char pk[crypto_sign_PUBLICKEYBYTES], void *ring);
void fed_keyring_free(struct fed_keyring *r);

/* This node as a signer: its keys and identity id (both borrowed). */
struct fed_signing {
	const struct ac_keys *keys;
	const char *identity_id;
};

/* Disclosure of a redacted copy to a partner: copy is what redaction left
 * of orig. Returns true when copy may be disclosed: it is unchanged, or
 * unsigned, or this node signed orig and that signature verifies (then
 * copy is re-signed in place with own's key). Returns false when copy must be withheld: another node
 * signed orig (its signature no longer verifies on the copy), own is NULL,
 * or re-signing failed. */
bool fed_disclose_redacted(json_t *copy, const json_t *orig,
			   const struct fed_signing *own);

#endif
