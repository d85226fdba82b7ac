/* Provenance signatures (provenance.h). */
#include "base/common.h"
#include "federation/provenance.h"

#include "base/b64.h"
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

/* Adds the provenance entry (path may be NULL; its reference is taken). */
static ac_rc add_extension(json_t *obj, const char *identity_id,
			   const char *alg, const char *sig_b64, json_t *path,
			   struct ac_err *err)
{
	json_t *exts = json_object_get(obj, "extensions");
	json_t *ext = json_pack("{s:s, s:s, s:s, s:s}", "extension_type",
				"property-extension", "signer", identity_id,
				"alg", alg, "sig", sig_b64);

	if (!ext || (path && json_object_set_new(ext, "path", path))) {
		json_decref(ext);
		return ac_err_set(err, AC_ERR_NOMEM,
				  "cannot build the provenance extension");
	}
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
	return add_extension(obj, identity_id, FED_ALG_ONE, b64, NULL, err);
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

#define B64_LEAF_LEN FED_LEAF_B64_LEN
#define VERIFIED_CACHE 16

void fed_tree_leaf(const char *canon, size_t len,
		   unsigned char leaf[FED_LEAF_LEN])
{
	static const unsigned char tag = 0x00;
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, FED_LEAF_LEN);
	crypto_generichash_update(&st, &tag, 1);
	crypto_generichash_update(&st, (const unsigned char *)canon, len);
	crypto_generichash_final(&st, leaf, FED_LEAF_LEN);
}

static void tree_node(const unsigned char *left, const unsigned char *right,
		      unsigned char out[FED_LEAF_LEN])
{
	unsigned char in[1 + 2 * FED_LEAF_LEN];

	in[0] = 0x01;
	memcpy(in + 1, left, FED_LEAF_LEN);
	memcpy(in + 1 + FED_LEAF_LEN, right, FED_LEAF_LEN);
	crypto_generichash(out, FED_LEAF_LEN, in, sizeof(in), NULL, 0);
}

/* What the tree signature signs: the label, its NUL, the root. */
struct tree_msg {
	unsigned char bytes[sizeof(FED_TREE_LABEL) + FED_LEAF_LEN];
};

static void tree_message(const unsigned char root[FED_LEAF_LEN],
			 struct tree_msg *m)
{
	memcpy(m->bytes, FED_TREE_LABEL, sizeof(FED_TREE_LABEL));
	memcpy(m->bytes + sizeof(FED_TREE_LABEL), root, FED_LEAF_LEN);
}

static void tree_build(struct fed_tree *t,
		       const unsigned char (*leaves)[FED_LEAF_LEN], size_t n)
{
	size_t at = n;

	memcpy(t->nodes, leaves, n * FED_LEAF_LEN);
	t->start[0] = 0;
	t->size[0] = n;
	t->levels = 1;
	while (t->size[t->levels - 1] > 1) {
		size_t below = t->start[t->levels - 1];
		size_t m = t->size[t->levels - 1];

		t->start[t->levels] = at;
		for (size_t j = 0; 2 * j < m; j++, at++) {
			const unsigned char *l = t->nodes[below + 2 * j];
			if (2 * j + 1 < m)
				tree_node(l, t->nodes[below + 2 * j + 1],
					  t->nodes[at]);
			else
				memcpy(t->nodes[at], l, FED_LEAF_LEN);
		}
		t->size[t->levels++] = (m + 1) / 2;
	}
}

/* Leaf i's path entry at level l into entry ("l"/"r" and the sibling's
 * base64); false where the node has no sibling (it is carried up). */
static bool path_entry(const struct fed_tree *t, size_t l, size_t i,
		       char entry[1 + B64_LEAF_LEN + 1])
{
	size_t sib = i ^ 1;

	if (sib >= t->size[l])
		return false;
	entry[0] = (i & 1) ? 'l' : 'r';
	memcpy(entry + 1, t->nodes_b64[t->start[l] + sib], B64_LEAF_LEN + 1);
	return true;
}

/* Leaf i's path: the sibling at each level where it has one (new
 * reference; NULL on memory). */
static json_t *tree_path(const struct fed_tree *t, size_t i)
{
	json_t *path = json_array();
	char entry[1 + B64_LEAF_LEN + 1];

	for (size_t l = 0; path && l + 1 < t->levels; l++, i /= 2) {
		if (!path_entry(t, l, i, entry))
			continue;
		if (json_array_append_new(path, json_string(entry))) {
			json_decref(path);
			return NULL;
		}
	}
	return path;
}

static bool can_take_extension(const json_t *obj)
{
	const json_t *exts = json_object_get(obj, "extensions");

	return json_is_object(obj) && (!exts || json_is_object(exts));
}

ac_rc fed_tree_sign(const unsigned char (*leaves)[FED_LEAF_LEN], size_t n,
		    const struct ac_keys *k, struct fed_tree *t,
		    struct ac_err *err)
{
	unsigned char sig[crypto_sign_BYTES];
	struct tree_msg m;

	if (n < 1 || n > FED_TREE_MAX)
		return ac_err_set(err, AC_ERR_INVALID,
				  "cannot sign %zu objects together (1 to %d)",
				  n, FED_TREE_MAX);
	tree_build(t, leaves, n);
	/* each node is in the path of every leaf below its sibling: encode
	 * it once */
	for (size_t j = 0; j < t->start[t->levels - 1]; j++)
		ac_b64_encode(t->nodes[j], FED_LEAF_LEN, t->nodes_b64[j]);
	tree_message(t->nodes[t->start[t->levels - 1]], &m);
	crypto_sign_detached(sig, NULL, m.bytes, sizeof(m.bytes), k->sign_sk);
	sodium_bin2base64(t->sig_b64, sizeof(t->sig_b64), sig, sizeof(sig),
			  sodium_base64_VARIANT_ORIGINAL);
	return AC_OK;
}

ac_rc fed_tree_attach(json_t *obj, const struct fed_tree *t, size_t i,
		      const char *identity_id, struct ac_err *err)
{
	json_t *path = NULL;

	if (!can_take_extension(obj) || !identity_id || !identity_id[0] ||
	    i >= t->size[0])
		return ac_err_set(err, AC_ERR_INVALID,
				  "cannot sign: not an object, 'extensions' "
				  "is not an object, or no signer");
	if (t->size[0] > 1 && !(path = tree_path(t, i)))
		return ac_err_set(err, AC_ERR_NOMEM,
				  "cannot build a provenance path");
	return add_extension(obj, identity_id, FED_ALG_TREE, t->sig_b64, path,
			     err);
}

ac_rc fed_sign_tree(json_t *const *objs,
		    const unsigned char (*leaves)[FED_LEAF_LEN], size_t n,
		    const struct ac_keys *k, const char *identity_id,
		    struct ac_err *err)
{
	static _Thread_local struct fed_tree t;
	size_t done = 0;
	ac_rc rc;

	if (!identity_id || !identity_id[0] || n < 1 || n > FED_TREE_MAX)
		return ac_err_set(err, AC_ERR_INVALID,
				  "cannot sign %zu objects together (1 to %d) "
				  "or without a signer",
				  n, FED_TREE_MAX);
	for (size_t i = 0; i < n; i++)
		if (!can_take_extension(objs[i]))
			return ac_err_set(err, AC_ERR_INVALID,
					  "cannot sign: not an object, or "
					  "'extensions' is not an object");
	rc = fed_tree_sign(leaves, n, k, &t, err);
	for (; !rc && done < n; done++)
		rc = fed_tree_attach(objs[done], &t, done, identity_id, err);
	for (size_t i = 0; rc && i < done; i++)
		drop_provenance(objs[i], NULL);
	return rc;
}

/* Whether s can go into canonical JSON as it is (no escaping needed). */
static bool plain_ascii(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
			return false;
	return true;
}

ac_rc fed_tree_entry(const struct fed_tree *t, size_t i,
		     const char *identity_id, struct ac_buf *out)
{
	static const char head[] = "\"" FED_PROVENANCE_EXT "\":{\"alg\":\""
				   FED_ALG_TREE "\",\"extension_type\":"
				   "\"property-extension\"";
	char entry[1 + B64_LEAF_LEN + 1];
	bool first = true;
	ac_rc rc;

	if (i >= t->size[0] || !identity_id || !identity_id[0] ||
	    !plain_ascii(identity_id))
		return AC_ERR_INVALID;
	rc = ac_buf_add(out, head, sizeof(head) - 1);
	for (size_t l = 0; !rc && l + 1 < t->levels; l++, i /= 2) {
		if (!path_entry(t, l, i, entry))
			continue;
		rc = ac_buf_adds(out, first ? ",\"path\":[\"" : ",\"");
		if (!rc)
			rc = ac_buf_add(out, entry, 1 + B64_LEAF_LEN);
		if (!rc)
			rc = ac_buf_addc(out, '"');
		first = false;
	}
	if (!rc && !first)
		rc = ac_buf_addc(out, ']');
	if (!rc)
		rc = ac_buf_adds(out, ",\"sig\":\"");
	if (!rc)
		rc = ac_buf_adds(out, t->sig_b64);
	if (!rc)
		rc = ac_buf_adds(out, "\",\"signer\":\"");
	if (!rc)
		rc = ac_buf_adds(out, identity_id);
	if (!rc)
		rc = ac_buf_adds(out, "\"}");
	return rc;
}

/* Whether this thread checked sig over m with pk before (remember: add).
 * All three are public: plain comparisons, the signature first. */
static bool verified_before(const unsigned char *pk, const struct tree_msg *m,
			    const unsigned char *sig, bool remember)
{
	static _Thread_local struct verified {
		unsigned char sig[crypto_sign_BYTES];
		unsigned char pk[crypto_sign_PUBLICKEYBYTES];
		unsigned char msg[sizeof(m->bytes)];
		bool used;
	} seen[VERIFIED_CACHE];
	static _Thread_local size_t next;

	if (remember) {
		struct verified *v = &seen[next];

		memcpy(v->sig, sig, sizeof(v->sig));
		memcpy(v->pk, pk, sizeof(v->pk));
		memcpy(v->msg, m->bytes, sizeof(v->msg));
		v->used = true;
		next = (next + 1) % VERIFIED_CACHE;
		return true;
	}
	for (size_t i = 0; i < VERIFIED_CACHE; i++) {
		const struct verified *v = &seen[i];

		if (v->used && !memcmp(v->sig, sig, sizeof(v->sig)) &&
		    !memcmp(v->msg, m->bytes, sizeof(v->msg)) &&
		    !memcmp(v->pk, pk, sizeof(v->pk)))
			return true;
	}
	return false;
}

#define NODE_MEMO 64

/* One folding step remembered: the path entry's text ("l"/"r" and the
 * sibling's base64), the node it was folded into, and the result. */
struct node_memo {
	char entry[1 + B64_LEAF_LEN];
	unsigned char cur[FED_LEAF_LEN];
	unsigned char out[FED_LEAF_LEN];
	bool used;
};

/* Folds one path entry ("l"/"r" and a base64 hash) into cur. This
 * thread's last results are remembered: the objects of one signed tree
 * share the nodes above their leaves, so verifying them one after the
 * other decodes and hashes each shared node once instead of once per
 * leaf. The whole input is compared (it is public); the result is a pure
 * function of it. */
static bool fold_path_entry(const json_t *e, unsigned char cur[FED_LEAF_LEN])
{
	static _Thread_local struct node_memo memo[NODE_MEMO];
	const char *s = json_string_value(e);
	unsigned char sib[FED_LEAF_LEN];
	struct node_memo *m;

	if (!s || json_string_length(e) != 1 + B64_LEAF_LEN ||
	    (s[0] != 'l' && s[0] != 'r'))
		return false;
	m = &memo[((unsigned char)s[1] ^ (unsigned)cur[0] << 2) % NODE_MEMO];
	if (m->used && !memcmp(m->entry, s, sizeof(m->entry)) &&
	    !memcmp(m->cur, cur, FED_LEAF_LEN)) {
		memcpy(cur, m->out, FED_LEAF_LEN);
		return true;
	}
	if (!ac_b64_decode_exact(s + 1, B64_LEAF_LEN, sib, sizeof(sib)))
		return false;
	memcpy(m->entry, s, sizeof(m->entry));
	memcpy(m->cur, cur, FED_LEAF_LEN);
	if (s[0] == 'l')
		tree_node(sib, cur, m->out);
	else
		tree_node(cur, sib, m->out);
	m->used = true;
	memcpy(cur, m->out, FED_LEAF_LEN);
	return true;
}

/* ---- the canonical form without the provenance entry, cut from the
 * canonical form with it (saves a copy and a second canonicalisation) */

/* Index after the string starting at c[i] (a quote); 0 if unterminated. */
static size_t canon_string_end(const char *c, size_t n, size_t i)
{
	size_t from = ++i;

	while (i < n) {
		const char *q = memchr(c + i, '"', n - i);
		size_t k, backslashes = 0;

		if (!q)
			return 0;
		k = (size_t)(q - c);
		while (k - backslashes > from && c[k - backslashes - 1] == '\\')
			backslashes++;
		if (backslashes % 2 == 0)
			return k + 1;
		i = k + 1; /* an escaped quote */
	}
	return 0;
}

/* Index after the value starting at c[i]; 0 if malformed. */
static size_t canon_value_end(const char *c, size_t n, size_t i)
{
	int depth = 0;

	while (i < n) {
		if (c[i] == '"') {
			i = canon_string_end(c, n, i);
			if (!i)
				return 0;
		} else if (c[i] == '{' || c[i] == '[') {
			depth++;
			i++;
		} else if (c[i] == '}' || c[i] == ']') {
			if (--depth < 0)
				return 0;
			i++;
		} else if (!depth && c[i] == ',') {
			return i;
		} else {
			i++;
		}
		if (!depth && i < n && (c[i] == ',' || c[i] == '}'))
			return i;
	}
	return 0;
}

/* One member of the object whose members start at c[at] (after '{' or
 * ','): key [key, key_end) without quotes, member [at, end). */
struct canon_member {
	size_t key, key_end, value, end;
};

/* The key and value start of the member at c[at] (m->end not set). */
static bool canon_key(const char *c, size_t n, size_t at,
		      struct canon_member *m)
{
	if (at >= n || c[at] != '"')
		return false;
	m->key = at + 1;
	m->key_end = canon_string_end(c, n, at);
	if (!m->key_end || m->key_end >= n || c[m->key_end] != ':')
		return false;
	m->key_end--;
	m->value = m->key_end + 2;
	m->end = 0;
	return true;
}

static bool key_is(const char *c, const struct canon_member *m, const char *k)
{
	size_t len = strlen(k);

	return m->key_end - m->key == len && !memcmp(c + m->key, k, len);
}

/* Finds the member with key k in the object starting at c[open] ('{')
 * into *m, without reading its value (m->end is 0). Canonical text has
 * no duplicate keys, so the members after it are not read either. */
static bool canon_find(const char *c, size_t n, size_t open, const char *k,
		       struct canon_member *m)
{
	size_t at = open + 1;

	if (open >= n || c[open] != '{')
		return false;
	if (at < n && c[at] == '}')
		return false;
	for (;;) {
		if (!canon_key(c, n, at, m))
			return false;
		if (key_is(c, m, k))
			return true;
		m->end = canon_value_end(c, n, m->value);
		if (!m->end || c[m->end] == '}')
			return false;
		at = m->end + 1;
	}
}

/* Member m (ending at m->end) of the object opening at c[open]: cut gets
 * it with one neighbouring comma; whether it is the only member. */
static bool member_cut(const char *c, size_t open,
		       const struct canon_member *m, size_t cut[2])
{
	size_t at = m->key - 1;

	cut[0] = at > open + 1 ? at - 1 : at;
	cut[1] = at > open + 1 ? m->end : m->end + (c[m->end] == ',');
	return at == open + 1 && c[m->end] == '}';
}

/* The tree leaf of canon (the canonical form of a signed object) without
 * its provenance entry; false when the text is not as expected. Only the
 * members up to the provenance entry are read. */
static bool leaf_without_provenance(const char *c, size_t n,
				    unsigned char leaf[FED_LEAF_LEN])
{
	static const unsigned char tag = 0x00;
	size_t exts[2], cut[2];
	struct canon_member m, p;
	crypto_generichash_state st;

	if (!canon_find(c, n, 0, "extensions", &m) ||
	    !canon_find(c, n, m.value, FED_PROVENANCE_EXT, &p))
		return false;
	p.end = canon_value_end(c, n, p.value);
	if (!p.end || p.end >= n)
		return false;
	if (member_cut(c, m.value, &p, cut)) {
		/* the only extension: "extensions" goes, and it ends with
		 * the brace after the provenance entry */
		m.end = p.end + 1;
		if (m.end >= n || (c[m.end] != ',' && c[m.end] != '}'))
			return false;
		if (member_cut(c, 0, &m, exts))
			return false; /* the object would be empty: not STIX */
		memcpy(cut, exts, sizeof(cut));
	}
	crypto_generichash_init(&st, NULL, 0, FED_LEAF_LEN);
	crypto_generichash_update(&st, &tag, 1);
	crypto_generichash_update(&st, (const unsigned char *)c, cut[0]);
	crypto_generichash_update(&st, (const unsigned char *)c + cut[1],
				  n - cut[1]);
	crypto_generichash_final(&st, leaf, FED_LEAF_LEN);
	return true;
}

bool fed_content_leaf(const char *c, size_t n,
		      unsigned char leaf[FED_LEAF_LEN])
{
	struct canon_member m, p;

	if (canon_find(c, n, 0, "extensions", &m) &&
	    canon_find(c, n, m.value, FED_PROVENANCE_EXT, &p))
		return leaf_without_provenance(c, n, leaf);
	fed_tree_leaf(c, n, leaf);
	return true;
}

/* m's key against k, bytewise (both plain ASCII here). */
static int key_cmp(const char *c, const struct canon_member *m, const char *k)
{
	size_t len = m->key_end - m->key, klen = strlen(k);
	int d = memcmp(c + m->key, k, len < klen ? len : klen);

	return d ? d : (len > klen) - (len < klen);
}

/* Where a member with key k goes in the object opening at c[open]: before
 * the first member with a greater key, or before the closing brace (then
 * *after_member: it follows a member). *same gets a member with key k
 * (same->key = 0: none; its value is not read, same->end is 0). Only the
 * members before the slot are read. False on malformed text there or a
 * key with an escape, whose order bytes cannot tell. */
static bool canon_slot(const char *c, size_t n, size_t open, const char *k,
		       size_t *at, bool *after_member,
		       struct canon_member *same)
{
	struct canon_member m;
	size_t pos = open + 1;
	int d;

	*after_member = false;
	same->key = 0;
	if (open >= n || c[open] != '{' || pos >= n)
		return false;
	if (c[pos] == '}') {
		*at = pos;
		return true;
	}
	for (;;) {
		if (!canon_key(c, n, pos, &m) ||
		    memchr(c + m.key, '\\', m.key_end - m.key))
			return false;
		d = key_cmp(c, &m, k);
		if (d >= 0) {
			if (d == 0)
				*same = m;
			*at = pos;
			return true;
		}
		*after_member = true;
		m.end = canon_value_end(c, n, m.value);
		if (!m.end)
			return false;
		if (c[m.end] == '}') {
			*at = m.end;
			return true;
		}
		pos = m.end + 1;
	}
}

/* out = c[0..at) + the member text + c[at..n), with the comma the member
 * needs on its side. */
static bool splice_member(const char *c, size_t n, size_t at, bool after,
			  const char *head, const char *entry, size_t elen,
			  const char *tail, struct ac_buf *out)
{
	bool at_end = c[at] == '}';

	return !ac_buf_add(out, c, at) &&
	       !ac_buf_adds(out, at_end && after ? "," : "") &&
	       !ac_buf_adds(out, head) && !ac_buf_add(out, entry, elen) &&
	       !ac_buf_adds(out, tail) &&
	       !ac_buf_adds(out, at_end ? "" : ",") &&
	       !ac_buf_add(out, c + at, n - at);
}

bool fed_canonical_with_entry(const char *c, size_t n, const char *entry,
			      size_t elen, struct ac_buf *out)
{
	struct canon_member ext, dup;
	size_t at;
	bool after;

	ac_buf_reset(out);
	/* the members after the slot are not read: the text at least ends
	 * as an object does */
	if (n < 2 || c[n - 1] != '}' ||
	    !canon_slot(c, n, 0, "extensions", &at, &after, &ext))
		return false;
	if (!ext.key)
		return splice_member(c, n, at, after, "\"extensions\":{", entry,
				     elen, "}", out);
	if (!canon_slot(c, n, ext.value, FED_PROVENANCE_EXT, &at, &after,
			&dup) ||
	    dup.key)
		return false;
	return splice_member(c, n, at, after, "", entry, elen, "", out);
}

/* The leaf of obj without its provenance: cut from full (obj's canonical
 * form) when given, else canonicalised again. */
static bool leaf_of(const json_t *obj, const struct ac_buf *full,
		    unsigned char leaf[FED_LEAF_LEN])
{
	struct ac_buf canon = AC_BUF_INIT(CANON_MAX);
	bool ok;

	if (full && leaf_without_provenance(full->data, full->len, leaf))
		return true;
	ok = canonical(obj, &canon, NULL) == AC_OK;
	if (ok)
		fed_tree_leaf(canon.data, canon.len, leaf);
	ac_buf_release(&canon);
	return ok;
}

static enum fed_verdict verify_tree(const json_t *obj, const json_t *ext,
				    const struct ac_buf *full,
				    const unsigned char *sig,
				    const unsigned char *pk)
{
	const json_t *path = json_object_get(ext, "path");
	size_t n = json_array_size(path);
	unsigned char cur[FED_LEAF_LEN];
	struct tree_msg m;
	bool ok;

	if (path && (!json_is_array(path) || n == 0 ||
		     n > FED_TREE_DEPTH_MAX))
		return FED_SIG_BAD;
	ok = leaf_of(obj, full, cur);
	for (size_t i = 0; ok && i < n; i++)
		ok = fold_path_entry(json_array_get(path, i), cur);
	if (!ok)
		return FED_SIG_BAD;
	tree_message(cur, &m);
	if (verified_before(pk, &m, sig, false))
		return FED_SIG_OK;
	if (crypto_sign_verify_detached(sig, m.bytes, sizeof(m.bytes), pk))
		return FED_SIG_BAD;
	verified_before(pk, &m, sig, true);
	return FED_SIG_OK;
}

static enum fed_verdict verify_one(const json_t *obj, const unsigned char *sig,
				   const unsigned char *pk)
{
	struct ac_buf canon = AC_BUF_INIT(CANON_MAX);
	enum fed_verdict v = FED_SIG_BAD;

	if (canonical(obj, &canon, NULL) == AC_OK &&
	    crypto_sign_verify_detached(sig, (const unsigned char *)canon.data,
					canon.len, pk) == 0)
		v = FED_SIG_OK;
	ac_buf_release(&canon);
	return v;
}

static enum fed_verdict verify(const json_t *obj, const struct ac_buf *full,
			       const unsigned char *pk)
{
	unsigned char sig[crypto_sign_BYTES];
	json_t *ext = json_object_get(json_object_get(obj, "extensions"),
				      FED_PROVENANCE_EXT);
	const char *alg, *b64;

	if (!ext)
		return FED_SIG_UNSIGNED;
	alg = json_string_value(json_object_get(ext, "alg"));
	b64 = json_string_value(json_object_get(ext, "sig"));
	if (!json_is_object(ext) || !alg || !b64 ||
	    !json_string_value(json_object_get(ext, "signer")) ||
	    !ac_b64_decode_exact(b64, strlen(b64), sig, sizeof(sig)))
		return FED_SIG_BAD;
	if (!strcmp(alg, FED_ALG_TREE))
		return verify_tree(obj, ext, full, sig, pk);
	if (!strcmp(alg, FED_ALG_ONE) && !json_object_get(ext, "path"))
		return verify_one(obj, sig, pk);
	return FED_SIG_BAD;
}

enum fed_verdict fed_verify(const json_t *obj,
			    const unsigned char pk[crypto_sign_PUBLICKEYBYTES])
{
	return verify(obj, NULL, pk);
}

enum fed_verdict
fed_verify_canonical(const json_t *obj, const struct ac_buf *canon,
		     const unsigned char pk[crypto_sign_PUBLICKEYBYTES])
{
	return verify(obj, canon, pk);
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
