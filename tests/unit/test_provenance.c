/* Signed provenance at ingest and at disclosure: local objects are signed
 * (the stored hash covers the signature), partners' objects must carry a
 * known node's signature that verifies, foreign signatures are kept on a
 * local import, shipped objects are exempt, the extension is validated,
 * redacted copies are re-signed or withheld, and an SCO already stored
 * from another source is held (indexed) rather than a conflict. Both the
 * one-object path (ingest_json) and the threaded one (ingest_stream). */
#include "base/common.h"

#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <unistd.h>

#include "crypto/hash.h"
#include "crypto/keys.h"
#include "federation/provenance.h"
#include "ingest/ingest.h"
#include "base/buf.h"
#include "stix/ext.h"
#include "stix/jcs.h"
#include "stix/sco_id.h"
#include "stix/validate.h"
#include "store/store.h"

#define ALPHA "identity--a1a1a1a1-0000-4000-8000-000000000001"
#define BRAVO "identity--b2b2b2b2-0000-4000-8000-000000000002"
#define CAROL "identity--c3c3c3c3-0000-4000-8000-000000000003"
#define IND "indicator--11111111-2222-4333-8444-5555555555"
#define IP "192.0.2.7"

struct fixture {
	char dir[64];
	char db[128];
	struct store *s;
	struct ac_keys alpha, bravo, carol;
	struct fed_keyring *ring; /* alpha (own) and bravo (partner) */
	struct ingest_provenance prov;
	struct ingest_stats st;
	char why[512];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_partner p = {.name = "bravo", .identity_id = BRAVO};
	struct store_partner_link l = {.name = "bravo",
				       .url = "https://127.0.0.1:1/api1/"};

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/accord-prov-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/store.db", f->dir);
	assert_int_equal(store_open(f->db, true, &f->s, NULL), AC_OK);
	assert_int_equal(ac_crypto_init(NULL), AC_OK);
	assert_int_equal(ac_keys_generate(&f->alpha, NULL), AC_OK);
	assert_int_equal(ac_keys_generate(&f->bravo, NULL), AC_OK);
	assert_int_equal(ac_keys_generate(&f->carol, NULL), AC_OK);
	memcpy(l.sign_pk, f->bravo.sign_pk, sizeof(l.sign_pk));
	snprintf(l.pin, sizeof(l.pin), "%s",
		 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	assert_int_equal(store_partner_add(f->s, &p, NULL), AC_OK);
	assert_int_equal(store_partner_link_put(f->s, &l, NULL), AC_OK);
	assert_int_equal(fed_keyring_load(f->s, ALPHA, f->alpha.sign_pk,
					  &f->ring, NULL),
			 AC_OK);
	f->prov.keys = &f->alpha;
	f->prov.identity_id = ALPHA;
	f->prov.key_of = fed_keyring_find;
	f->prov.key_ctx = f->ring;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[160];

	fed_keyring_free(f->ring);
	store_close(f->s);
	unlink(f->db);
	snprintf(p, sizeof(p), "%s-wal", f->db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->db);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e);

	if (!j)
		fail_msg("test JSON does not parse: %s: %s", e.text, text);
	return j;
}

/* An indicator numbered n (id suffix two digits). */
static json_t *indicator(int n, const char *name)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
		 "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
		 "\"id\":\"" IND "%02d\",\"created\":\"2025-01-01T00:00:00.000Z\","
		 "\"modified\":\"2025-01-01T00:00:00.000Z\",\"name\":\"%s\","
		 "\"pattern_type\":\"stix\",\"pattern\":\"[ipv4-addr:value = "
		 "'" IP "']\",\"valid_from\":\"2025-01-01T00:00:00Z\"}",
		 n, name);
	return parse(buf);
}

static json_t *signed_by(json_t *o, const struct ac_keys *k, const char *id)
{
	assert_int_equal(fed_sign(o, k, id, NULL), AC_OK);
	return o;
}

static void on_reject(const char *id, const struct stream_pos *pos,
		      const char *reason, void *ctx)
{
	struct fixture *f = ctx;

	(void)id;
	(void)pos;
	snprintf(f->why, sizeof(f->why), "%s", reason);
}

static struct ingest_opts opts(struct fixture *f, const char *source)
{
	struct ingest_opts o = ingest_opts_default();

	o.source = source;
	o.provenance = &f->prov;
	return o;
}

/* Ingests obj (reference taken) from source through ingest_json. */
static enum ingest_outcome put(struct fixture *f, const struct ingest_opts *o,
			       json_t *obj)
{
	enum ingest_outcome out = INGEST_REJECTED;
	struct ingest in;

	f->why[0] = '\0';
	ingest_init(&in, f->s, o, on_reject, NULL, f);
	assert_int_equal(ingest_json(&in, obj, NULL, &out, NULL), AC_OK);
	assert_int_equal(ingest_finish(&in, NULL), AC_OK);
	f->st = in.stats;
	json_decref(obj);
	return out;
}

static enum ingest_outcome put_from(struct fixture *f, const char *source,
				    json_t *obj)
{
	struct ingest_opts o = opts(f, source);

	return put(f, &o, obj);
}

struct got {
	json_t *obj;
	uint8_t hash[STORE_HASH_LEN];
	uint8_t rehash[STORE_HASH_LEN];
	char source[64];
};

static int got_row(const struct store_row *row, void *ctx)
{
	struct got *g = ctx;

	g->obj = json_loadb(row->json, row->json_len, 0, NULL);
	memcpy(g->hash, row->hash, sizeof(g->hash));
	ac_hash(row->json, row->json_len, g->rehash);
	snprintf(g->source, sizeof(g->source), "%s", row->source);
	return 1;
}

/* The newest stored version of id (NULL obj when there is none). */
static struct got stored(struct fixture *f, const char *id)
{
	struct store_query q = {0};
	const char *ids[1] = {id};
	struct got g = {0};

	q.ids = ids;
	q.nids = 1;
	assert_int_equal(store_query(f->s, &q, got_row, &g, NULL), AC_OK);
	return g;
}

static void local_objects_are_signed(void **state)
{
	struct fixture *f = *state;
	struct got g;

	assert_int_equal(put_from(f, "local", indicator(1, "one")),
			 INGEST_ACCEPTED);
	g = stored(f, IND "01");
	assert_non_null(g.obj);
	assert_string_equal(fed_signer(g.obj), ALPHA);
	assert_int_equal(fed_verify(g.obj, f->alpha.sign_pk), FED_SIG_OK);
	assert_int_equal(fed_verify(g.obj, f->bravo.sign_pk), FED_SIG_BAD);
	/* the stored hash is that of the stored (signed) form */
	assert_memory_equal(g.hash, g.rehash, STORE_HASH_LEN);
	json_decref(g.obj);
	/* signing is deterministic: the same object again is a duplicate */
	assert_int_equal(put_from(f, "local", indicator(1, "one")),
			 INGEST_DUPLICATE);
	/* no provenance configured: stored unsigned, as before */
	struct ingest_opts o = ingest_opts_default();
	assert_int_equal(put(f, &o, indicator(2, "two")), INGEST_ACCEPTED);
	g = stored(f, IND "02");
	assert_false(fed_is_signed(g.obj));
	json_decref(g.obj);
}

static void partner_objects_must_be_signed(void **state)
{
	struct fixture *f = *state;
	struct got g;

	assert_int_equal(put_from(f, "partner:bravo", indicator(3, "three")),
			 INGEST_REJECTED);
	assert_int_equal(f->st.bad_signatures, 1);
	assert_int_equal(f->st.rejected, 1);
	assert_non_null(strstr(f->why, IND "03: provenance: unsigned"));
	g = stored(f, IND "03");
	assert_null(g.obj);
	/* signed by the partner, or by this node: accepted as they are */
	assert_int_equal(
	    put_from(f, "partner:bravo",
		     signed_by(indicator(3, "three"), &f->bravo, BRAVO)),
	    INGEST_ACCEPTED);
	assert_int_equal(f->st.bad_signatures, 0);
	g = stored(f, IND "03");
	assert_string_equal(fed_signer(g.obj), BRAVO);
	assert_int_equal(fed_verify(g.obj, f->bravo.sign_pk), FED_SIG_OK);
	assert_string_equal(g.source, "partner:bravo");
	json_decref(g.obj);
	assert_int_equal(
	    put_from(f, "partner:bravo",
		     signed_by(indicator(4, "four"), &f->alpha, ALPHA)),
	    INGEST_ACCEPTED);
}

static void tampered_unknown_and_malformed_rejected(void **state)
{
	struct fixture *f = *state;
	json_t *o = signed_by(indicator(5, "five"), &f->bravo, BRAVO);
	json_t *ext;

	json_object_set_new(o, "name", json_string("changed in transit"));
	assert_int_equal(put_from(f, "partner:bravo", o), INGEST_REJECTED);
	assert_non_null(strstr(f->why, "provenance: the signature of '" BRAVO
					"' does not verify"));
	assert_int_equal(f->st.bad_signatures, 1);
	/* signed by a node this node does not know */
	assert_int_equal(
	    put_from(f, "partner:bravo",
		     signed_by(indicator(5, "five"), &f->carol, CAROL)),
	    INGEST_REJECTED);
	assert_non_null(
	    strstr(f->why, "provenance: signed by unknown node '" CAROL "'"));
	/* claims bravo, signed with carol's key */
	assert_int_equal(
	    put_from(f, "partner:bravo",
		     signed_by(indicator(5, "five"), &f->carol, BRAVO)),
	    INGEST_REJECTED);
	assert_int_equal(f->st.bad_signatures, 1);
	/* malformed: a short signature, no signer */
	o = signed_by(indicator(5, "five"), &f->bravo, BRAVO);
	ext = json_object_get(json_object_get(o, "extensions"),
			      FED_PROVENANCE_EXT);
	json_object_set_new(ext, "sig", json_string("AAAA"));
	assert_int_equal(put_from(f, "partner:bravo", o), INGEST_REJECTED);
	assert_int_equal(f->st.bad_signatures, 1);
	o = signed_by(indicator(5, "five"), &f->bravo, BRAVO);
	ext = json_object_get(json_object_get(o, "extensions"),
			      FED_PROVENANCE_EXT);
	json_object_del(ext, "signer");
	assert_int_equal(put_from(f, "partner:bravo", o), INGEST_REJECTED);
	assert_non_null(strstr(f->why, "malformed"));
	/* none of them entered the store */
	assert_null(stored(f, IND "05").obj);
	/* the good one does */
	assert_int_equal(
	    put_from(f, "partner:bravo",
		     signed_by(indicator(5, "five"), &f->bravo, BRAVO)),
	    INGEST_ACCEPTED);
}

static void local_import_keeps_foreign_signature(void **state)
{
	struct fixture *f = *state;
	struct policy_defaults d;
	struct ingest_opts o = opts(f, "local");
	json_t *bad;
	struct got g;

	/* marking defaults would change the object: a signed one is kept
	 * exactly as signed */
	policy_defaults_init(&d);
	o.markings = &d;
	assert_int_equal(
	    put(f, &o, signed_by(indicator(6, "six"), &f->bravo, BRAVO)),
	    INGEST_ACCEPTED);
	g = stored(f, IND "06");
	assert_string_equal(fed_signer(g.obj), BRAVO);
	assert_int_equal(fed_verify(g.obj, f->bravo.sign_pk), FED_SIG_OK);
	assert_null(json_object_get(g.obj, "object_marking_refs"));
	json_decref(g.obj);
	/* an unsigned local object does get the defaults, then the
	 * signature over them */
	assert_int_equal(put(f, &o, indicator(7, "seven")), INGEST_ACCEPTED);
	g = stored(f, IND "07");
	assert_non_null(json_object_get(g.obj, "object_marking_refs"));
	assert_int_equal(fed_verify(g.obj, f->alpha.sign_pk), FED_SIG_OK);
	json_decref(g.obj);
	/* a foreign signature that does not verify, or an unknown signer */
	bad = signed_by(indicator(8, "eight"), &f->bravo, BRAVO);
	json_object_set_new(bad, "name", json_string("edited"));
	assert_int_equal(put(f, &o, bad), INGEST_REJECTED);
	assert_int_equal(f->st.bad_signatures, 1);
	assert_int_equal(
	    put(f, &o, signed_by(indicator(8, "eight"), &f->carol, CAROL)),
	    INGEST_REJECTED);
	assert_null(stored(f, IND "08").obj);
}

static void shipped_objects_are_exempt(void **state)
{
	struct fixture *f = *state;
	json_t *all = stix_shipped_objects(), *o, *changed;
	struct ingest in;
	struct ingest_opts lo = opts(f, "local");
	struct ingest_opts po = opts(f, "partner:bravo");
	size_t i;

	assert_non_null(all);
	assert_int_equal(json_array_size(all), stix_ext_count() + 1 + 5);
	ingest_init(&in, f->s, &lo, on_reject, NULL, f);
	json_array_foreach(all, i, o)
	{
		assert_int_equal(ingest_json(&in, o, NULL, NULL, NULL), AC_OK);
	}
	assert_int_equal(ingest_finish(&in, NULL), AC_OK);
	if (in.stats.rejected)
		fail_msg("shipped object rejected: %s", f->why);
	assert_int_equal(in.stats.accepted, json_array_size(all));
	json_array_foreach(all, i, o)
	{
		struct got g = stored(f, json_string_value(
					     json_object_get(o, "id")));
		assert_false(fed_is_signed(g.obj));
		json_decref(g.obj);
	}
	/* from a partner: unsigned but identical, so duplicates */
	ingest_init(&in, f->s, &po, on_reject, NULL, f);
	json_array_foreach(all, i, o)
	{
		assert_int_equal(ingest_json(&in, o, NULL, NULL, NULL), AC_OK);
	}
	assert_int_equal(ingest_finish(&in, NULL), AC_OK);
	assert_int_equal(in.stats.duplicates, json_array_size(all));
	/* a changed one is an unsigned object like any other */
	changed = json_deep_copy(json_array_get(all, 1));
	json_object_set_new(changed, "description", json_string("mine now"));
	assert_int_equal(put_from(f, "partner:bravo", changed),
			 INGEST_REJECTED);
	assert_non_null(strstr(f->why, "provenance: unsigned"));
	json_decref(all);
}

static void shipped_identity_is_byte_exact(void **state)
{
	json_t *all = stix_shipped_objects();
	struct ac_buf b = AC_BUF_INIT(1u << 20);
	const char *id;

	(void)state;
	id = json_string_value(json_object_get(json_array_get(all, 0), "id"));
	assert_int_equal(stix_jcs(json_array_get(all, 0), &b), AC_OK);
	assert_true(stix_shipped_identical(id, b.data, b.len));
	assert_false(stix_shipped_identical(id, b.data, b.len - 1));
	assert_false(stix_shipped_identical(IND "01", b.data, b.len));
	assert_false(stix_shipped_identical(NULL, b.data, b.len));
	ac_buf_release(&b);
	json_decref(all);
}

static void expect_bad_provenance(const json_t *o, const char *const (*bad)[2],
				  size_t n);

static void provenance_extension_is_validated(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[][2] = {
	    {"signer", "\"indicator--11111111-2222-4333-8444-555555555555\""},
	    {"signer", "\"identity--not-a-uuid\""},
	    {"alg", "\"rsa\""},
	    {"sig", "\"AAAA\""},
	    {"sig", "42"},
	    {"extra", "true"},
	    {"extension_type", "\"new-sdo\""},
	};
	struct stix_report rep;
	json_t *o = signed_by(indicator(9, "nine"), &f->alpha, ALPHA);

	stix_report_init(&rep);
	assert_int_equal(stix_validate(o, &rep), AC_OK);
	expect_bad_provenance(o, bad, AC_ARRAY_LEN(bad));
	json_decref(o);
}

/* A tree signature's path: present only with alg ed25519-merkle, 1 to 32
 * entries of "l" or "r" and the base64 of 32 bytes. */
static void tree_provenance_is_validated(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[][2] = {
	    {"path", "[]"},
	    {"path", "\"lAAAA\""},
	    {"path", "[\"xAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"]"},
	    {"path", "[\"lAAAA\"]"},
	    {"path", "[42]"},
	    {"alg", "\"ed25519\""},
	};
	const char *entry = "\"rAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";
	struct ac_buf canon = AC_BUF_INIT(1u << 20);
	unsigned char leaves[2][FED_LEAF_LEN];
	json_t *objs[2] = {indicator(7, "seven"), indicator(8, "eight")};
	struct stix_report rep;
	json_t *ext, *many = json_array();

	for (size_t i = 0; i < 2; i++) {
		ac_buf_reset(&canon);
		assert_int_equal(stix_jcs(objs[i], &canon), AC_OK);
		fed_tree_leaf(canon.data, canon.len, leaves[i]);
	}
	ac_buf_release(&canon);
	assert_int_equal(fed_sign_tree(objs, (const void *)leaves, 2,
				       &f->alpha, ALPHA, NULL),
			 AC_OK);
	stix_report_init(&rep);
	assert_int_equal(stix_validate(objs[0], &rep), AC_OK);
	expect_bad_provenance(objs[0], bad, AC_ARRAY_LEN(bad));
	/* 33 entries are too many */
	for (int i = 0; i < 33; i++)
		json_array_append_new(many, json_loads(entry, JSON_DECODE_ANY,
						       NULL));
	ext = json_object_get(json_object_get(objs[1], "extensions"),
			      FED_PROVENANCE_EXT);
	json_object_set_new(ext, "path", many);
	stix_report_init(&rep);
	assert_int_equal(stix_validate(objs[1], &rep), AC_ERR_INVALID);
	json_decref(objs[0]);
	json_decref(objs[1]);
}

/* Each {property, JSON value} set into o's provenance makes it invalid. */
static void expect_bad_provenance(const json_t *o, const char *const (*bad)[2],
				  size_t n)
{
	struct stix_report rep;

	for (size_t i = 0; i < n; i++) {
		json_t *c = json_deep_copy(o);
		json_t *ext = json_object_get(json_object_get(c, "extensions"),
					      FED_PROVENANCE_EXT);
		json_object_set_new(ext, bad[i][0],
				    json_loads(bad[i][1], JSON_DECODE_ANY,
					       NULL));
		stix_report_init(&rep);
		if (stix_validate(c, &rep) != AC_ERR_INVALID)
			fail_msg("provenance with %s = %s validated", bad[i][0],
				 bad[i][1]);
		json_decref(c);
	}
}

/* The objects indicator(from..to) this node signed while streaming were
 * signed together: tree signatures, fewer distinct signatures than objects,
 * each verifying on its own. */
static void local_share_signatures(struct fixture *f, int from, int to)
{
	json_t *sigs = json_object();

	for (int i = from; i < to; i++) {
		char id[64];
		struct got g;
		json_t *ext;
		snprintf(id, sizeof(id), IND "%02d", i);
		g = stored(f, id);
		assert_non_null(g.obj);
		ext = json_object_get(json_object_get(g.obj, "extensions"),
				      FED_PROVENANCE_EXT);
		assert_string_equal(
		    json_string_value(json_object_get(ext, "alg")),
		    FED_ALG_TREE);
		assert_int_equal(fed_verify(g.obj, f->alpha.sign_pk),
				 FED_SIG_OK);
		json_object_set_new(
		    sigs, json_string_value(json_object_get(ext, "sig")),
		    json_true());
		json_decref(g.obj);
	}
	assert_true(json_object_size(sigs) >= 1);
	assert_true(json_object_size(sigs) < (size_t)(to - from));
	json_decref(sigs);
}

/* The threaded path signs and checks exactly like ingest_json. */
static int count_hit(const struct store_row *row, void *ctx)
{
	(void)row;
	(*(int *)ctx)++;
	return 0;
}

static int hits(struct fixture *f, const char *word)
{
	int n = 0;

	assert_int_equal(store_search(f->s, word, 1000, count_hit, &n, NULL),
			 AC_OK);
	return n;
}

static void stream_signs_and_checks(void **state)
{
	struct fixture *f = *state;
	struct ingest_opts lo = opts(f, "local");
	struct ingest_opts po = opts(f, "partner:bravo");
	struct ingest in;
	FILE *fp = tmpfile();
	json_t *o;

	assert_non_null(fp);
	for (int i = 10; i < 90; i++) {
		o = indicator(i, "streamed");
		if (i >= 50)
			signed_by(o, &f->bravo, BRAVO);
		if (i >= 80)
			json_object_set_new(o, "name", json_string("tampered"));
		json_dumpf(o, fp, JSON_COMPACT);
		fputc('\n', fp);
		json_decref(o);
	}
	rewind(fp);
	/* locally: 40 signed here, 30 foreign kept, 10 tampered rejected */
	ingest_init(&in, f->s, &lo, on_reject, NULL, f);
	assert_int_equal(ingest_stream(&in, fp, STREAM_JSONL, NULL), AC_OK);
	assert_int_equal(ingest_finish(&in, NULL), AC_OK);
	assert_int_equal(in.stats.accepted, 70);
	assert_int_equal(in.stats.rejected, 10);
	assert_int_equal(in.stats.bad_signatures, 10);
	local_share_signatures(f, 10, 50);
	for (int i = 10; i < 80; i += 13) {
		char id[64];
		struct got g;
		snprintf(id, sizeof(id), IND "%02d", i);
		g = stored(f, id);
		assert_int_equal(
		    fed_verify(g.obj, i < 50 ? f->alpha.sign_pk
					     : f->bravo.sign_pk),
		    FED_SIG_OK);
		assert_memory_equal(g.hash, g.rehash, STORE_HASH_LEN);
		json_decref(g.obj);
	}
	/* the words are the objects' own: no signer, algorithm or signature
	 * (those signed here or by bravo) */
	assert_int_equal(hits(f, "streamed"), 70);
	assert_int_equal(hits(f, "merkle"), 0);
	assert_int_equal(hits(f, "ed25519"), 0);
	/* from the partner: the 40 unsigned are rejected too */
	rewind(fp);
	ingest_init(&in, f->s, &po, on_reject, NULL, f);
	assert_int_equal(ingest_stream(&in, fp, STREAM_JSONL, NULL), AC_OK);
	assert_int_equal(ingest_finish(&in, NULL), AC_OK);
	assert_int_equal(in.stats.duplicates, 30);
	assert_int_equal(in.stats.bad_signatures, 50);
	fclose(fp);
}

static void redacted_copies(void **state)
{
	struct fixture *f = *state;
	struct fed_signing own = {&f->alpha, ALPHA};
	json_t *mine = signed_by(indicator(1, "mine"), &f->alpha, ALPHA);
	json_t *theirs = signed_by(indicator(2, "theirs"), &f->bravo, BRAVO);
	json_t *plain = indicator(3, "plain"), *copy;

	/* unchanged copies pass as they are */
	copy = json_deep_copy(theirs);
	assert_true(fed_disclose_redacted(copy, theirs, &own));
	assert_int_equal(fed_verify(copy, f->bravo.sign_pk), FED_SIG_OK);
	json_decref(copy);
	/* this node's object, redacted: re-signed, verifies */
	copy = json_deep_copy(mine);
	json_object_del(copy, "pattern_type");
	assert_true(fed_disclose_redacted(copy, mine, &own));
	assert_int_equal(fed_verify(copy, f->alpha.sign_pk), FED_SIG_OK);
	assert_null(json_object_get(copy, "pattern_type"));
	json_decref(copy);
	/* another node's object, redacted: withheld */
	copy = json_deep_copy(theirs);
	json_object_del(copy, "pattern_type");
	assert_false(fed_disclose_redacted(copy, theirs, &own));
	json_decref(copy);
	/* without the node key even this node's own is withheld */
	copy = json_deep_copy(mine);
	json_object_del(copy, "pattern_type");
	assert_false(fed_disclose_redacted(copy, mine, NULL));
	json_decref(copy);
	/* a stored copy altered after signing gets no fresh signature */
	json_object_set_new(mine, "name", json_string("altered in the store"));
	copy = json_deep_copy(mine);
	json_object_del(copy, "pattern_type");
	assert_false(fed_disclose_redacted(copy, mine, &own));
	json_decref(copy);
	/* unsigned (stored before signing): disclosed, the partner decides */
	copy = json_deep_copy(plain);
	json_object_del(copy, "pattern_type");
	assert_true(fed_disclose_redacted(copy, plain, &own));
	json_decref(copy);
	json_decref(mine);
	json_decref(theirs);
	json_decref(plain);
}

static char SCO_ID[STIX_ID_MAX];

/* An ipv4-addr with its deterministic id (kept in SCO_ID). */
static json_t *ipv4(void)
{
	json_t *o = parse("{\"type\":\"ipv4-addr\",\"spec_version\":\"2.1\","
			  "\"value\":\"" IP "\"}");

	assert_int_equal(stix_sco_id(o, SCO_ID), AC_OK);
	json_object_set_new(o, "id", json_string(SCO_ID));
	return o;
}

static void sco_from_another_source_is_held(void **state)
{
	struct fixture *f = *state;
	struct ingest_opts lo = opts(f, "local");
	struct ingest_opts po = opts(f, "partner:bravo");
	struct got g;

	lo.corr.enabled = po.corr.enabled = true;
	{
		struct stix_report rep;
		json_t *o = ipv4();
		stix_report_init(&rep);
		if (stix_validate(o, &rep))
			fail_msg("test SCO invalid: %s", rep.errors[0].text);
		json_decref(o);
	}
	assert_int_equal(put(f, &lo, ipv4()), INGEST_ACCEPTED);
	/* bravo's copy: same (id, version), its own signature */
	assert_int_equal(put(f, &po, signed_by(ipv4(), &f->bravo, BRAVO)),
			 INGEST_HELD);
	assert_int_equal(f->st.held, 1);
	assert_int_equal(f->st.rejected, 0);
	assert_true(f->st.alerts >= 1); /* same observable, two sources */
	g = stored(f, SCO_ID);
	assert_string_equal(g.source, "local");
	assert_string_equal(fed_signer(g.obj), ALPHA);
	json_decref(g.obj);
	/* again: held again, nothing new to correlate */
	assert_int_equal(put(f, &po, signed_by(ipv4(), &f->bravo, BRAVO)),
			 INGEST_HELD);
	assert_int_equal(f->st.alerts, 0);
	/* the same source with other content stays a conflict */
	json_t *other = ipv4();
	json_object_set_new(other, "x_note", json_string("other content"));
	assert_int_equal(put(f, &lo, other), INGEST_REJECTED);
	assert_non_null(strstr(f->why, "other content"));
	/* an SDO conflict from another source is not held */
	assert_int_equal(put(f, &lo, indicator(1, "one")), INGEST_ACCEPTED);
	assert_int_equal(
	    put(f, &po, signed_by(indicator(1, "one"), &f->bravo, BRAVO)),
	    INGEST_REJECTED);
	assert_int_equal(f->st.held, 0);
}

/* Signing in a tree or alone, or not at all, leaves the content leaf as
 * the unsigned object's; another object's differs. */
static void content_leaf_ignores_the_signature(void **state)
{
	struct fixture *f = *state;
	struct ac_buf canon = AC_BUF_INIT(1u << 20);
	unsigned char want[FED_LEAF_LEN], got[FED_LEAF_LEN],
	    leaves[2][FED_LEAF_LEN];
	json_t *objs[2] = {indicator(9, "nine"), indicator(10, "ten")};
	json_t *alone = indicator(9, "nine");

	for (size_t i = 0; i < 2; i++) {
		ac_buf_reset(&canon);
		assert_int_equal(stix_jcs(objs[i], &canon), AC_OK);
		fed_tree_leaf(canon.data, canon.len, leaves[i]);
	}
	memcpy(want, leaves[0], sizeof(want));
	assert_true(fed_content_leaf(canon.data, canon.len, got));
	assert_memory_not_equal(got, want, sizeof(got)); /* "ten" */
	assert_int_equal(fed_sign_tree(objs, (const void *)leaves, 2,
				       &f->alpha, ALPHA, NULL),
			 AC_OK);
	ac_buf_reset(&canon);
	assert_int_equal(stix_jcs(objs[0], &canon), AC_OK);
	assert_true(fed_content_leaf(canon.data, canon.len, got));
	assert_memory_equal(got, want, sizeof(got));
	signed_by(alone, &f->bravo, BRAVO);
	ac_buf_reset(&canon);
	assert_int_equal(stix_jcs(alone, &canon), AC_OK);
	assert_true(fed_content_leaf(canon.data, canon.len, got));
	assert_memory_equal(got, want, sizeof(got));
	ac_buf_release(&canon);
	json_decref(objs[0]);
	json_decref(objs[1]);
	json_decref(alone);
}

static void keyring_lookup(void **state)
{
	struct fixture *f = *state;
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];

	assert_true(fed_keyring_find(ALPHA, pk, f->ring));
	assert_memory_equal(pk, f->alpha.sign_pk, sizeof(pk));
	assert_true(fed_keyring_find(BRAVO, pk, f->ring));
	assert_memory_equal(pk, f->bravo.sign_pk, sizeof(pk));
	assert_false(fed_keyring_find(CAROL, pk, f->ring));
	assert_false(fed_keyring_find(NULL, pk, f->ring));
	assert_false(fed_keyring_find(ALPHA, pk, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(local_objects_are_signed, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(partner_objects_must_be_signed,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		tampered_unknown_and_malformed_rejected, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		local_import_keeps_foreign_signature, setup, teardown),
	    cmocka_unit_test_setup_teardown(shipped_objects_are_exempt, setup,
					    teardown),
	    cmocka_unit_test(shipped_identity_is_byte_exact),
	    cmocka_unit_test_setup_teardown(provenance_extension_is_validated,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(tree_provenance_is_validated, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(stream_signs_and_checks, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(redacted_copies, setup, teardown),
	    cmocka_unit_test_setup_teardown(sco_from_another_source_is_held,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(content_leaf_ignores_the_signature,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(keyring_lookup, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
