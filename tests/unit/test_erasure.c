/* Erasure propagation: the store records (disclosures, erasures, outbox),
 * the notice and confirmation messages, and receiving them. */
#include "base/common.h"
#include "base/time.h"
#include "crypto/keys.h"
#include "federation/erasure.h"
#include "federation/provenance.h"
#include "ingest/ingest.h"
#include "stix/ext.h"
#include "store/store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#define ALPHA "identity--a1b2c3d4-0000-4000-8000-000000000001"
#define BRAVO "identity--a1b2c3d4-0000-4000-8000-000000000002"
#define SELF "identity--a1b2c3d4-0000-4000-8000-000000000003"
#define OBJ "intrusion-set--e1e1e1e1-0000-4000-8000-000000000001"
#define NOTICE "accord-erasure-notice--0b0b0b0b-1111-4222-8333-444455556666"

struct fx {
	char dir[32];
	char db[64];
	struct store *s;
	struct ac_keys alpha, bravo, self;
};

static void add_partner(struct store *s, const char *name, const char *id,
			const struct ac_keys *k)
{
	struct store_partner p = {0};
	struct store_partner_link l = {0};

	snprintf(p.name, sizeof(p.name), "%s", name);
	snprintf(p.identity_id, sizeof(p.identity_id), "%s", id);
	snprintf(l.name, sizeof(l.name), "%s", name);
	snprintf(l.url, sizeof(l.url), "https://h/taxii2/api1/");
	snprintf(l.pin, sizeof(l.pin), "pin");
	memcpy(l.sign_pk, k->sign_pk, sizeof(l.sign_pk));
	assert_int_equal(store_partner_add(s, &p, NULL), AC_OK);
	assert_int_equal(store_partner_link_put(s, &l, NULL), AC_OK);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/accord-erase-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/s.db", f->dir);
	assert_int_equal(store_open(f->db, true, &f->s, NULL), AC_OK);
	assert_int_equal(ac_crypto_init(NULL), AC_OK);
	assert_int_equal(ac_keys_generate(&f->alpha, NULL), AC_OK);
	assert_int_equal(ac_keys_generate(&f->bravo, NULL), AC_OK);
	assert_int_equal(ac_keys_generate(&f->self, NULL), AC_OK);
	add_partner(f->s, "alpha", ALPHA, &f->alpha);
	add_partner(f->s, "bravo", BRAVO, &f->bravo);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->s);
	unlink(f->db);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Stores one version of OBJ from source. */
static void put_version(struct store *s, const char *modified,
			const char *source)
{
	char json[512];
	struct store_obj o = {.id = OBJ,
			      .type = "intrusion-set",
			      .version = modified,
			      .spec_version = "2.1",
			      .source = source,
			      .json = json};
	struct ac_buf words = AC_BUF_INIT(4096);
	enum store_put_result res;

	snprintf(json, sizeof(json),
		 "{\"created\":\"2026-01-01T00:00:00.000Z\",\"id\":\"%s\","
		 "\"modified\":\"%s\",\"name\":\"Night Couriers\","
		 "\"spec_version\":\"2.1\",\"type\":\"intrusion-set\"}",
		 OBJ, modified);
	o.json_len = strlen(json);
	o.hash[0] = (uint8_t)modified[6];
	/* the same full-text words ingest would index, so deletion finds them
	 */
	assert_int_equal(ingest_stored_text(json, o.json_len, &words), AC_OK);
	o.text = words.data;
	assert_int_equal(store_put(s, &o, &res, NULL), AC_OK);
	ac_buf_release(&words);
}

static int count_versions(const struct store_row *row, void *ctx)
{
	(void)row;
	(*(int *)ctx)++;
	return 0;
}

static int versions_of(struct store *s, const char *id)
{
	const char *ids[1] = {id};
	struct store_query q = {
	    .ids = ids, .nids = 1, .versions = STORE_VERSIONS_ALL};
	int n = 0;

	assert_int_equal(store_query(s, &q, count_versions, &n, NULL), AC_OK);
	return n;
}

static int collect_disclosure(const struct store_disclosure *d, void *ctx)
{
	struct store_disclosure *out = ctx;

	out[out[0].first_us ? 1 : 0] = *d;
	return 0;
}

static int collect_outbox(const struct store_outbox *o, void *ctx)
{
	struct store_outbox *out = ctx;
	size_t i = 0;

	while (out[i].id && i < 3)
		i++;
	out[i] = *o;
	return 0;
}

/* ---- store records ---- */

static void disclosure_records(void **state)
{
	struct fx *f = *state;
#define OTHER "indicator--e1e1e1e1-0000-4000-8000-000000000009"
	const char *ids[] = {OBJ, OBJ, OTHER};
	struct store_disclosure got[2];
	char longname[80];

	memset(got, 0, sizeof(got));
	assert_int_equal(store_disclosure_add(f->s, "bravo", ids, 3, 100, NULL),
			 AC_OK);
	assert_int_equal(store_disclosure_add(f->s, "bravo", ids, 1, 200, NULL),
			 AC_OK);
	assert_int_equal(store_disclosure_add(f->s, "alpha", ids, 1, 150, NULL),
			 AC_OK);
	assert_int_equal(
	    store_disclosure_list(f->s, OBJ, collect_disclosure, got, NULL),
	    AC_OK);
	assert_string_equal(got[0].partner, "alpha");
	assert_string_equal(got[1].partner, "bravo");
	assert_int_equal(got[1].first_us, 100);
	assert_int_equal(got[1].last_us, 200);
	/* bad input: empty or overlong partner, missing id */
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(store_disclosure_add(f->s, "", ids, 1, 1, NULL),
			 AC_ERR_LIMIT);
	assert_int_equal(store_disclosure_add(f->s, longname, ids, 1, 1, NULL),
			 AC_ERR_LIMIT);
	ids[1] = NULL;
	assert_int_equal(store_disclosure_add(f->s, "bravo", ids, 2, 1, NULL),
			 AC_ERR_LIMIT);
}

static int log_rows(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int n = -1;

	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT count(*) FROM disclosure_log", -1,
			       &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* Long logs are merged into the keyed records; a pair in both reads as
 * one, with the earliest first and the latest last time. */
static void disclosure_log_merges(void **state)
{
	struct fx *f = *state;
	size_t n = STORE_DISCLOSE_LOG_MAX;
	const char *one[] = {OBJ};
	struct store_disclosure got[2];
	char(*id)[64] = calloc(n, sizeof(*id));
	const char **ids = calloc(n, sizeof(*ids));

	assert_non_null(id);
	assert_non_null(ids);
	for (size_t i = 0; i < n; i++) {
		snprintf(id[i], sizeof(id[i]),
			 "indicator--e1e1e1e1-0000-4000-8000-%012zu", i);
		ids[i] = id[i];
	}
	assert_int_equal(store_disclosure_add(f->s, "bravo", one, 1, 100, NULL),
			 AC_OK);
	/* logged twice before one merge */
	assert_int_equal(store_disclosure_add(f->s, "alpha", ids, 3, 250, NULL),
			 AC_OK);
	/* this one reaches the threshold: everything is merged */
	assert_int_equal(store_disclosure_add(f->s, "alpha", ids, n, 300, NULL),
			 AC_OK);
	assert_int_equal(store_disclosure_add(f->s, "bravo", one, 1, 400, NULL),
			 AC_OK);
	assert_int_equal(store_disclosure_add(f->s, "bravo", one, 1, 50, NULL),
			 AC_OK);
	assert_int_equal(log_rows(f->db), 2);
	memset(got, 0, sizeof(got));
	assert_int_equal(
	    store_disclosure_list(f->s, OBJ, collect_disclosure, got, NULL),
	    AC_OK);
	assert_string_equal(got[0].partner, "bravo");
	assert_int_equal(got[0].first_us, 50);
	assert_int_equal(got[0].last_us, 400);
	assert_string_equal(got[1].partner, "");
	memset(got, 0, sizeof(got));
	assert_int_equal(store_disclosure_list(f->s, ids[n - 1],
					       collect_disclosure, got, NULL),
			 AC_OK);
	assert_string_equal(got[0].partner, "alpha");
	assert_int_equal(got[0].first_us, 300);
	memset(got, 0, sizeof(got));
	assert_int_equal(
	    store_disclosure_list(f->s, ids[1], collect_disclosure, got, NULL),
	    AC_OK);
	assert_string_equal(got[0].partner, "alpha");
	assert_int_equal(got[0].first_us, 250);
	assert_int_equal(got[0].last_us, 300);
	assert_string_equal(got[1].partner, "");
	/* merged in the same transaction as the rows that filled the log:
	 * a rolled-back one leaves the log and the records as they were */
	assert_int_equal(store_begin(f->s, NULL), AC_OK);
	assert_int_equal(
	    store_disclosure_add(f->s, "charlie", ids, n, 500, NULL), AC_OK);
	assert_int_equal(store_rollback(f->s, NULL), AC_OK);
	memset(got, 0, sizeof(got));
	assert_int_equal(
	    store_disclosure_list(f->s, ids[0], collect_disclosure, got, NULL),
	    AC_OK);
	assert_string_equal(got[0].partner, "alpha");
	assert_string_equal(got[1].partner, "");
	free(ids);
	free(id);
}

static void outbox_records(void **state)
{
	struct fx *f = *state;
	struct store_outbox o = {.kind = STORE_OUTBOX_NOTICE,
				 .partner = "bravo",
				 .stix_id = NOTICE,
				 .object_id = OBJ,
				 .reason = "court order",
				 .origin = SELF,
				 .created_us = 5};
	struct store_outbox got[4];
	bool added, found;

	memset(got, 0, sizeof(got));
	assert_int_equal(store_outbox_add(f->s, &o, &added, NULL), AC_OK);
	assert_true(added);
	assert_int_equal(store_outbox_add(f->s, &o, &added, NULL), AC_OK);
	assert_false(added); /* the same message twice is one row */
	assert_int_equal(store_outbox_list(f->s, OBJ, NULL, true, 0,
					   collect_outbox, got, NULL),
			 AC_OK);
	assert_int_equal(got[0].attempts, 0);
	assert_string_equal(got[0].reason, "court order");
	assert_null(got[1].id ? "x" : NULL);
	assert_int_equal(
	    store_outbox_attempt(f->s, got[0].id, 7, "timeout", NULL), AC_OK);
	assert_int_equal(store_outbox_attempt(f->s, got[0].id, 9, NULL, NULL),
			 AC_OK);
	assert_int_equal(store_outbox_attempt(f->s, 999, 9, NULL, NULL),
			 AC_ERR_NOTFOUND);
	memset(got, 0, sizeof(got));
	assert_int_equal(store_outbox_list(f->s, OBJ, NULL, true, 0,
					   collect_outbox, got, NULL),
			 AC_OK);
	assert_int_equal(got[0].id, 0); /* sent: no longer pending */
	/* a confirmation counts only from the partner the notice went to */
	assert_int_equal(
	    store_outbox_confirm(f->s, NOTICE, "alpha", 11, &found, NULL),
	    AC_OK);
	assert_false(found);
	assert_int_equal(
	    store_outbox_confirm(f->s, NOTICE, "bravo", 11, &found, NULL),
	    AC_OK);
	assert_true(found);
	assert_int_equal(
	    store_outbox_confirm(f->s, NOTICE, "bravo", 12, &found, NULL),
	    AC_OK);
	assert_int_equal(store_outbox_list(f->s, OBJ, "bravo", false, 0,
					   collect_outbox, got, NULL),
			 AC_OK);
	assert_int_equal(got[0].attempts, 2);
	assert_int_equal(got[0].sent_us, 9);
	assert_int_equal(got[0].confirmed_us, 11); /* the first is kept */
	assert_string_equal(got[0].last_error, "");
	o.kind = 7;
	assert_int_equal(store_outbox_add(f->s, &o, NULL, NULL),
			 AC_ERR_INVALID);
}

static int count_outbox(const struct store_outbox *o, void *ctx)
{
	(void)o;
	(*(int *)ctx)++;
	return 0;
}

/* Whether any message is due at now_us. */
static bool due_at(struct fx *f, int64_t now_us)
{
	int n = 0;

	assert_int_equal(
	    store_outbox_due(f->s, NULL, now_us, 0, count_outbox, &n, NULL),
	    AC_OK);
	return n > 0;
}

/* A message that failed is due again 10 s later, then 20 s, 40 s...;
 * never more than an hour apart; a sent one never. */
static void outbox_retry_waits(void **state)
{
	struct fx *f = *state;
	struct store_outbox o = {.kind = STORE_OUTBOX_NOTICE,
				 .partner = "bravo",
				 .stix_id = NOTICE,
				 .object_id = OBJ,
				 .reason = "court order",
				 .origin = SELF,
				 .created_us = 5};
	struct store_outbox got[4];
	const int64_t s = 1000000, t0 = 1000 * s;
	int64_t at = t0;

	assert_int_equal(store_outbox_add(f->s, &o, NULL, NULL), AC_OK);
	memset(got, 0, sizeof(got));
	assert_int_equal(
	    store_outbox_due(f->s, NULL, t0, 0, collect_outbox, got, NULL),
	    AC_OK);
	assert_int_not_equal(got[0].id, 0); /* never tried: due */
	for (int i = 0; i < 14; i++) {
		int64_t wait = 10 * s << i;
		if (wait > 3600 * s)
			wait = 3600 * s;
		assert_int_equal(
		    store_outbox_attempt(f->s, got[0].id, at, "refused", NULL),
		    AC_OK);
		assert_false(due_at(f, at + wait - 1));
		assert_true(due_at(f, at + wait));
		at += wait;
	}
	/* store_outbox_list still shows it pending; once sent, never due */
	memset(got + 1, 0, sizeof(got) - sizeof(got[0]));
	assert_int_equal(store_outbox_list(f->s, OBJ, NULL, true, 0,
					   collect_outbox, got + 1, NULL),
			 AC_OK);
	assert_int_equal(got[1].attempts, 14);
	assert_int_equal(got[1].last_attempt_us, at - 3600 * s);
	assert_int_equal(store_outbox_attempt(f->s, got[0].id, at, NULL, NULL),
			 AC_OK);
	assert_false(due_at(f, at + 3600 * s));
}

/* ---- local erasure ---- */

static void erase_local_notifies_recipients(void **state)
{
	struct fx *f = *state;
	const char *ids[1] = {OBJ};
	struct fed_erase_req r = {.object_id = OBJ,
				  .reason = "court order",
				  .actor = "tester",
				  .self_identity = SELF,
				  .now_us = 42};
	struct fed_erase_result res;
	struct store_outbox got[4];
	struct ac_err err = {0};

	memset(got, 0, sizeof(got));
	assert_int_equal(fed_erase(f->s, &r, NULL, NULL, &res, &err),
			 AC_ERR_NOTFOUND);
	put_version(f->s, "2026-01-01T00:00:00.000Z", "local");
	put_version(f->s, "2026-02-01T00:00:00.000Z", "local");
	assert_int_equal(store_disclosure_add(f->s, "bravo", ids, 1, 1, NULL),
			 AC_OK);
	r.reason = " ";
	assert_int_equal(fed_erase(f->s, &r, NULL, NULL, &res, &err),
			 AC_ERR_USAGE);
	r.reason = "court order";
	if (fed_erase(f->s, &r, NULL, NULL, &res, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(res.versions, 2);
	assert_int_equal(res.notified, 1);
	assert_string_equal(res.origin, SELF);
	assert_int_equal(versions_of(f->s, OBJ), 0);
	assert_int_equal(store_outbox_list(f->s, OBJ, NULL, true, 0,
					   collect_outbox, got, NULL),
			 AC_OK);
	assert_string_equal(got[0].partner, "bravo");
	assert_string_equal(got[0].stix_id, res.notice_id);
	assert_null(got[1].id ? "x" : NULL);
}

/* Erasing some versions: only those go, and the notices name them. */
static void erase_some_versions_names_them(void **state)
{
	struct fx *f = *state;
	const char *ids[1] = {OBJ};
	const char *v1[1] = {"2026-01-01T00:00:00.000Z"};
	const char *bad[1] = {"yesterday"};
	struct fed_erase_req r = {.object_id = OBJ,
				  .reason = "wrong version",
				  .actor = "tester",
				  .self_identity = SELF,
				  .versions = v1,
				  .nversions = 1,
				  .now_us = 42};
	struct fed_erase_result res;
	struct store_outbox got[4];
	struct fed_msg msg;
	struct ac_err err = {0};
	json_t *m = NULL;

	memset(got, 0, sizeof(got));
	put_version(f->s, "2026-01-01T00:00:00.000Z", "local");
	put_version(f->s, "2026-02-01T00:00:00.000Z", "local");
	assert_int_equal(store_disclosure_add(f->s, "bravo", ids, 1, 1, NULL),
			 AC_OK);
	r.versions = bad;
	assert_int_equal(fed_erase(f->s, &r, NULL, NULL, &res, &err),
			 AC_ERR_USAGE);
	r.nversions = STIX_ERASE_VERSIONS_MAX + 1;
	assert_int_equal(fed_erase(f->s, &r, NULL, NULL, &res, &err),
			 AC_ERR_LIMIT);
	r.versions = v1;
	r.nversions = 1;
	if (fed_erase(f->s, &r, NULL, NULL, &res, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(res.versions, 1);
	assert_int_equal(res.notified, 1);
	assert_int_equal(versions_of(f->s, OBJ), 1);
	assert_int_equal(store_outbox_list(f->s, OBJ, NULL, true, 0,
					   collect_outbox, got, NULL),
			 AC_OK);
	assert_string_equal(got[0].versions, "2026-01-01T00:00:00.000Z");
	/* the message names them, and parses back */
	assert_int_equal(fed_msg_build(&got[0], SELF, &f->self, &m, NULL),
			 AC_OK);
	assert_int_equal(json_array_size(json_object_get(m, "versions")), 1);
	assert_int_equal(fed_msg_parse(m, &msg, NULL), AC_OK);
	assert_int_equal(msg.nversions, 1);
	assert_string_equal(msg.versions[0], "2026-01-01T00:00:00.000Z");
	/* a bad list is refused by validation */
	json_object_set_new(m, "versions",
			    json_pack("[s,s]", "2026-01-01T00:00:00.000Z",
				      "2026-01-01T00:00:00.000Z"));
	assert_int_equal(fed_msg_parse(m, &msg, NULL), AC_ERR_INVALID);
	json_object_set_new(m, "versions", json_pack("[i]", 5));
	assert_int_equal(fed_msg_parse(m, &msg, NULL), AC_ERR_INVALID);
	json_object_set_new(m, "versions", json_array());
	assert_int_equal(fed_msg_parse(m, &msg, NULL), AC_ERR_INVALID);
	json_decref(m);
}

/* A version indexed before signatures left the search text (its words
 * then included the signer, algorithm and signature) is deleted with
 * today's words: it is found by none of them afterwards. */
static void rows_indexed_with_signature_words_go(void **state)
{
	struct fx *f = *state;
	const char *ids[1] = {OBJ};
	struct store_query q = {
	    .ids = ids, .nids = 1, .versions = STORE_VERSIONS_ALL};
	const char *json = "{\"created\":\"2026-01-01T00:00:00.000Z\","
			   "\"id\":\"" OBJ "\",\"modified\":"
			   "\"2026-01-01T00:00:00.000Z\",\"name\":"
			   "\"Night Couriers\",\"spec_version\":\"2.1\","
			   "\"type\":\"intrusion-set\"}";
	struct store_obj o = {.id = OBJ,
			      .type = "intrusion-set",
			      .version = "2026-01-01T00:00:00.000Z",
			      .spec_version = "2.1",
			      .source = "local",
			      .json = json,
			      .text = "Night Couriers " SELF
				      " ed25519-merkle 3+9Uc3jkicLTVPLt/mTr=="};
	const char *words[] = {"Couriers", "merkle", "mTr", "ed25519"};
	uint64_t deleted = 0;
	int n;

	o.json_len = strlen(json);
	assert_int_equal(store_put(f->s, &o, NULL, NULL), AC_OK);
	n = 0;
	assert_int_equal(
	    store_search(f->s, "merkle", 10, count_versions, &n, NULL), AC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ingest_delete(f->s, &q, &deleted, NULL), AC_OK);
	assert_int_equal(deleted, 1);
	for (size_t i = 0; i < AC_ARRAY_LEN(words); i++) {
		n = 0;
		assert_int_equal(
		    store_search(f->s, words[i], 10, count_versions, &n, NULL),
		    AC_OK);
		assert_int_equal(n, 0);
	}
}

static void check_id_refuses(void **state)
{
	(void)state;
	assert_int_equal(fed_erase_check_id(OBJ, SELF, NULL), AC_OK);
	assert_int_equal(fed_erase_check_id("nope", SELF, NULL), AC_ERR_USAGE);
	assert_int_equal(fed_erase_check_id("Bad--e1e1e1e1-0000-4000-8000-"
					    "000000000001",
					    SELF, NULL),
			 AC_ERR_USAGE);
	assert_int_equal(
	    fed_erase_check_id("marking-definition--bab4a63c-aed9-4cf5-a766-"
			       "dfca5abac2bb",
			       SELF, NULL),
	    AC_ERR_PERM);
	assert_int_equal(fed_erase_check_id(STIX_EXT_PERSON, SELF, NULL),
			 AC_ERR_PERM);
	assert_int_equal(fed_erase_check_id(SELF, SELF, NULL), AC_ERR_PERM);
	assert_int_equal(fed_erase_check_id(NOTICE, SELF, NULL), AC_ERR_PERM);
}

/* ---- messages ---- */

/* A notice id about OBJ (originated by ALPHA) from sender, signed with k,
 * naming versions ("" = every version). */
static json_t *notice_full(const struct ac_keys *k, const char *sender,
			   const char *id, const char *reason,
			   const char *versions)
{
	struct store_outbox o = {.kind = STORE_OUTBOX_NOTICE,
				 .object_id = OBJ,
				 .origin = ALPHA,
				 .created_us = 1767225600000000LL};
	json_t *m = NULL;

	snprintf(o.stix_id, sizeof(o.stix_id), "%s", id);
	snprintf(o.reason, sizeof(o.reason), "%s", reason);
	snprintf(o.versions, sizeof(o.versions), "%s", versions);
	assert_int_equal(fed_msg_build(&o, sender, k, &m, NULL), AC_OK);
	return m;
}

static json_t *notice_from(const struct ac_keys *k, const char *sender,
			   const char *reason)
{
	return notice_full(k, sender, NOTICE, reason, "");
}

static void notice_parses(void **state)
{
	struct fx *f = *state;
	json_t *m = notice_from(&f->alpha, ALPHA, "court order");
	struct fed_msg msg;

	assert_true(fed_msg_is(m));
	assert_int_equal(fed_msg_parse(m, &msg, NULL), AC_OK);
	assert_int_equal(msg.kind, FED_MSG_NOTICE);
	assert_string_equal(msg.object_id, OBJ);
	assert_string_equal(msg.sender, ALPHA);
	assert_string_equal(msg.reason, "court order");
	assert_int_equal(fed_verify(m, f->alpha.sign_pk), FED_SIG_OK);
	json_decref(m);
}

static void malformed_messages_are_invalid(void **state)
{
	struct fx *f = *state;
	json_t *m = notice_from(&f->alpha, ALPHA, "court order");
	json_t *big = json_string("");
	struct fed_msg msg;
	char *text;

	json_object_del(m, "reason");
	assert_int_equal(fed_msg_parse(m, &msg, NULL), AC_ERR_INVALID);
	json_object_set_new(m, "reason", json_integer(5));
	assert_int_equal(fed_msg_parse(m, &msg, NULL), AC_ERR_INVALID);
	text = calloc(1, 5000);
	assert_non_null(text);
	memset(text, 'a', 4999);
	json_string_set(big, text);
	free(text);
	json_object_set_new(m, "reason", big); /* over the cap */
	assert_int_equal(fed_msg_parse(m, &msg, NULL), AC_ERR_INVALID);
	json_object_set_new(m, "reason", json_string("ok"));
	json_object_set_new(m, "object_ref", json_string("not an id"));
	assert_int_equal(fed_msg_parse(m, &msg, NULL), AC_ERR_INVALID);
	json_object_set_new(m, "object_ref", json_string(OBJ));
	json_object_set_new(m, "originator_ref", json_string(OBJ));
	assert_int_equal(fed_msg_parse(m, &msg, NULL), AC_ERR_INVALID);
	json_object_set_new(m, "originator_ref", json_string(ALPHA));
	json_object_del(json_object_get(m, "extensions"),
			STIX_EXT_ERASURE_NOTICE);
	assert_int_equal(fed_msg_parse(m, &msg, NULL), AC_ERR_INVALID);
	json_decref(m);
	m = json_pack("{s:s}", "type", "indicator");
	assert_false(fed_msg_is(m));
	assert_int_equal(fed_msg_parse(m, &msg, NULL), AC_ERR_INVALID);
	json_decref(m);
	assert_false(fed_msg_is(NULL));
}

/* ---- receiving ---- */

static void notice_from_provider_is_honoured(void **state)
{
	struct fx *f = *state;
	const char *ids[1] = {OBJ};
	json_t *m = notice_from(&f->alpha, ALPHA, "court order");
	struct store_outbox got[4];
	struct fed_receive in;

	memset(got, 0, sizeof(got));
	put_version(f->s, "2026-01-01T00:00:00.000Z", "partner:alpha");
	put_version(f->s, "2026-02-01T00:00:00.000Z", "partner:alpha");
	assert_int_equal(store_disclosure_add(f->s, "bravo", ids, 1, 1, NULL),
			 AC_OK);
	assert_int_equal(store_disclosure_add(f->s, "alpha", ids, 1, 1, NULL),
			 AC_OK);
	assert_int_equal(
	    fed_erasure_receive(f->s, "alpha", m, NULL, NULL, &in, NULL),
	    AC_OK);
	assert_true(in.accepted);
	assert_int_equal(in.versions, 2);
	assert_int_equal(versions_of(f->s, OBJ), 0);
	/* a notice on to bravo (not back to alpha) and a confirmation */
	assert_int_equal(store_outbox_list(f->s, OBJ, NULL, true, 0,
					   collect_outbox, got, NULL),
			 AC_OK);
	assert_int_equal(got[0].kind, STORE_OUTBOX_CONFIRMATION);
	assert_string_equal(got[0].partner, "alpha");
	assert_string_equal(got[0].notice_ref, NOTICE);
	assert_int_equal(got[1].kind, STORE_OUTBOX_NOTICE);
	assert_string_equal(got[1].partner, "bravo");
	assert_string_equal(got[1].origin, ALPHA);
	assert_null(got[2].id ? "x" : NULL);
	/* again (the sender missed our answer): accepted, carried out once:
	 * nothing erased, no second confirmation or notice */
	memset(got, 0, sizeof(got));
	assert_int_equal(
	    fed_erasure_receive(f->s, "alpha", m, NULL, NULL, &in, NULL),
	    AC_OK);
	assert_true(in.accepted);
	assert_true(in.replayed);
	assert_int_equal(in.versions, 0);
	assert_int_equal(store_outbox_list(f->s, OBJ, NULL, false, 0,
					   collect_outbox, got, NULL),
			 AC_OK);
	assert_null(got[2].id ? "x" : NULL);
	json_decref(m);
}

/* A notice naming versions erases those and passes them on. */
static void notice_of_some_versions(void **state)
{
	struct fx *f = *state;
	const char *ids[1] = {OBJ};
	const char *versions = "2026-02-01T00:00:00.000Z "
			       "2026-03-01T00:00:00.000Z";
	struct store_outbox got[4];
	struct fed_receive in;
	json_t *m =
	    notice_full(&f->alpha, ALPHA, NOTICE, "wrong version", versions);

	memset(got, 0, sizeof(got));
	put_version(f->s, "2026-01-01T00:00:00.000Z", "partner:alpha");
	put_version(f->s, "2026-02-01T00:00:00.000Z", "partner:alpha");
	assert_int_equal(store_disclosure_add(f->s, "bravo", ids, 1, 1, NULL),
			 AC_OK);
	assert_int_equal(
	    fed_erasure_receive(f->s, "alpha", m, NULL, NULL, &in, NULL),
	    AC_OK);
	assert_true(in.accepted);
	assert_int_equal(in.versions, 1); /* 2026-03 was never here */
	assert_int_equal(versions_of(f->s, OBJ), 1);
	assert_int_equal(store_outbox_list(f->s, OBJ, NULL, true, 0,
					   collect_outbox, got, NULL),
			 AC_OK);
	assert_int_equal(got[0].kind, STORE_OUTBOX_CONFIRMATION);
	assert_int_equal(got[1].kind, STORE_OUTBOX_NOTICE);
	assert_string_equal(got[1].partner, "bravo");
	assert_string_equal(got[1].versions, versions);
	json_decref(m);
}

static void unentitled_or_forged_notices_are_refused(void **state)
{
	struct fx *f = *state;
	json_t *from_bravo = notice_from(&f->bravo, BRAVO, "court order");
	json_t *forged = notice_from(&f->bravo, ALPHA, "court order");
	json_t *unsigned_ = notice_from(&f->alpha, ALPHA, "court order");
	json_t *changed = notice_from(&f->alpha, ALPHA, "court order");
	struct fed_receive in;

	put_version(f->s, "2026-01-01T00:00:00.000Z", "partner:alpha");
	json_object_del(json_object_get(unsigned_, "extensions"),
			FED_PROVENANCE_EXT);
	json_object_set_new(changed, "reason", json_string("tampered"));
	/* bravo is a partner with a good signature, but not entitled */
	assert_int_equal(fed_erasure_receive(f->s, "bravo", from_bravo, NULL,
					     NULL, &in, NULL),
			 AC_OK);
	assert_false(in.accepted);
	assert_non_null(strstr(in.why, "may not erase"));
	/* signed with bravo's key but claiming to be alpha */
	assert_int_equal(
	    fed_erasure_receive(f->s, "alpha", forged, NULL, NULL, &in, NULL),
	    AC_OK);
	assert_false(in.accepted);
	assert_non_null(strstr(in.why, "does not verify"));
	/* alpha's notice posted with bravo's token */
	assert_int_equal(
	    fed_erasure_receive(f->s, "bravo", changed, NULL, NULL, &in, NULL),
	    AC_OK);
	assert_false(in.accepted);
	assert_non_null(strstr(in.why, "is not partner"));
	assert_int_equal(fed_erasure_receive(f->s, "alpha", unsigned_, NULL,
					     NULL, &in, NULL),
			 AC_OK);
	assert_false(in.accepted);
	assert_non_null(strstr(in.why, "not signed"));
	assert_int_equal(
	    fed_erasure_receive(f->s, "alpha", changed, NULL, NULL, &in, NULL),
	    AC_OK);
	assert_false(in.accepted);
	assert_int_equal(
	    fed_erasure_receive(f->s, "nobody", changed, NULL, NULL, &in, NULL),
	    AC_OK);
	assert_false(in.accepted);
	assert_int_equal(versions_of(f->s, OBJ), 1);
	json_decref(from_bravo);
	json_decref(forged);
	json_decref(unsigned_);
	json_decref(changed);
}

static void confirmation_marks_its_notice(void **state)
{
	struct fx *f = *state;
	struct store_outbox n = {.kind = STORE_OUTBOX_NOTICE,
				 .partner = "bravo",
				 .stix_id = NOTICE,
				 .object_id = OBJ,
				 .reason = "r",
				 .origin = SELF};
	struct store_outbox c = {.kind = STORE_OUTBOX_CONFIRMATION,
				 .stix_id = "accord-erasure-confirmation--"
					    "0c0c0c0c-1111-4222-8333-"
					    "444455556666",
				 .object_id = OBJ,
				 .notice_ref = NOTICE,
				 .created_us = 1767225600000000LL};
	struct store_outbox got[4];
	struct fed_receive in;
	json_t *from_alpha = NULL, *from_bravo = NULL, *other = NULL;

	memset(got, 0, sizeof(got));
	assert_int_equal(store_outbox_add(f->s, &n, NULL, NULL), AC_OK);
	assert_int_equal(fed_msg_build(&c, ALPHA, &f->alpha, &from_alpha, NULL),
			 AC_OK);
	assert_int_equal(fed_msg_build(&c, BRAVO, &f->bravo, &from_bravo, NULL),
			 AC_OK);
	/* alpha never got that notice */
	assert_int_equal(fed_erasure_receive(f->s, "alpha", from_alpha, NULL,
					     NULL, &in, NULL),
			 AC_OK);
	assert_false(in.accepted);
	/* bravo confirms the notice, but about another object */
	c.stix_id[strlen(c.stix_id) - 1] = '7';
	snprintf(c.object_id, sizeof(c.object_id), "%s",
		 "indicator--e1e1e1e1-0000-4000-8000-000000000009");
	assert_int_equal(fed_msg_build(&c, BRAVO, &f->bravo, &other, NULL),
			 AC_OK);
	assert_int_equal(
	    fed_erasure_receive(f->s, "bravo", other, NULL, NULL, &in, NULL),
	    AC_OK);
	assert_false(in.accepted);
	assert_int_equal(store_outbox_list(f->s, OBJ, "bravo", false, 0,
					   collect_outbox, got, NULL),
			 AC_OK);
	assert_int_equal(got[0].confirmed_us, 0);
	memset(got, 0, sizeof(got));
	assert_int_equal(fed_erasure_receive(f->s, "bravo", from_bravo, NULL,
					     NULL, &in, NULL),
			 AC_OK);
	assert_true(in.accepted);
	assert_int_equal(store_outbox_list(f->s, OBJ, "bravo", false, 0,
					   collect_outbox, got, NULL),
			 AC_OK);
	assert_true(got[0].confirmed_us > 0);
	json_decref(from_alpha);
	json_decref(from_bravo);
	json_decref(other);
}

/* Erasure messages are handled, never stored: ingest (import, pull, the
 * pipeline) refuses them, since fed_erase_check_id would refuse to erase
 * a stored one. */
static void messages_are_not_ingested(void **state)
{
	struct fx *f = *state;
	json_t *m = notice_from(&f->alpha, ALPHA, "court order");
	struct ingest_opts o = ingest_opts_default();
	enum ingest_outcome out;
	struct ingest in;
	char *text = json_dumps(m, JSON_COMPACT);
	char bundle[8192];
	FILE *fp;

	assert_non_null(text);
	o.source = "partner:alpha";
	ingest_init(&in, f->s, &o, NULL, NULL, NULL);
	assert_int_equal(ingest_json(&in, m, NULL, &out, NULL), AC_OK);
	assert_int_equal(out, INGEST_REJECTED);
	snprintf(bundle, sizeof(bundle), "{\"objects\":[%s]}", text);
	fp = fmemopen(bundle, strlen(bundle), "r");
	assert_non_null(fp);
	assert_int_equal(ingest_stream(&in, fp, STREAM_BUNDLE, NULL), AC_OK);
	fclose(fp);
	assert_int_equal(ingest_finish(&in, NULL), AC_OK);
	assert_int_equal(in.stats.accepted, 0);
	assert_int_equal(in.stats.rejected, 2);
	assert_int_equal(versions_of(f->s, NOTICE), 0);
	/* the good case next to it: an ordinary object is stored */
	json_object_set_new(m, "type", json_string("intrusion-set"));
	json_object_set_new(m, "id", json_string(OBJ));
	json_object_set_new(m, "name", json_string("n"));
	json_object_del(m, "extensions");
	json_object_del(m, "reason");
	json_object_del(m, "originator_ref");
	json_object_del(m, "object_ref");
	json_object_del(m, "created_by_ref");
	ingest_init(&in, f->s, &o, NULL, NULL, NULL);
	assert_int_equal(ingest_json(&in, m, NULL, &out, NULL), AC_OK);
	assert_int_equal(ingest_finish(&in, NULL), AC_OK);
	assert_int_equal(out, INGEST_ACCEPTED);
	free(text);
	json_decref(m);
}

static int count_ident(const struct store_ident *id, void *ctx)
{
	(void)id;
	(*(int *)ctx)++;
	return 0;
}

/* An observable both nodes hold: our copy stays local; a notice from the
 * partner whose copy was held (not stored) removes only what that copy
 * added to the index, and is confirmed. */
static void notice_for_a_held_copy_forgets_its_index_rows(void **state)
{
	struct fx *f = *state;
	json_t *from_bravo = notice_from(&f->bravo, BRAVO, "court order");
	struct store_ident mine = {
	    "phone", "+996555123456", OBJ, "local", true, NULL, 0};
	struct store_ident theirs = mine;
	struct fed_receive in;
	int n = 0;

	theirs.source = "partner:bravo";
	put_version(f->s, "2026-01-01T00:00:00.000Z", "local");
	assert_int_equal(store_ident_add(f->s, &mine, 1, NULL, NULL), AC_OK);
	assert_int_equal(store_ident_add(f->s, &theirs, 1, NULL, NULL), AC_OK);
	assert_int_equal(fed_erasure_receive(f->s, "bravo", from_bravo, NULL,
					     NULL, &in, NULL),
			 AC_OK);
	assert_true(in.accepted);
	assert_int_equal(versions_of(f->s, OBJ), 1);
	assert_int_equal(store_ident_match(f->s, "phone", "+996555123456", 10,
					   count_ident, &n, NULL),
			 AC_OK);
	assert_int_equal(n, 1);
	/* the same notice again: carried out already, accepted */
	assert_int_equal(fed_erasure_receive(f->s, "bravo", from_bravo, NULL,
					     NULL, &in, NULL),
			 AC_OK);
	assert_true(in.accepted);
	assert_true(in.replayed);
	assert_int_equal(versions_of(f->s, OBJ), 1);
	json_decref(from_bravo);
	/* another notice finds nothing of bravo's any more: refused */
	from_bravo = notice_full(&f->bravo, BRAVO,
				 STIX_TYPE_ERASURE_NOTICE
				 "--0b0b0b0b-1111-4222-8333-999955556666",
				 "again", "");
	assert_int_equal(fed_erasure_receive(f->s, "bravo", from_bravo, NULL,
					     NULL, &in, NULL),
			 AC_OK);
	assert_false(in.accepted);
	assert_int_equal(versions_of(f->s, OBJ), 1);
	json_decref(from_bravo);
}

/* The object erased by court_order(). */
static json_t *intrusion_set(void)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "type", "intrusion-set",
			 "spec_version", "2.1", "id", OBJ, "created",
			 "2026-01-01T00:00:00.000Z", "modified",
			 "2026-03-01T00:00:00.000Z", "name", "n");
}

static struct fed_erase_req court_order(void)
{
	struct fed_erase_req r = {.object_id = OBJ,
				  .reason = "court order",
				  .actor = "tester",
				  .self_identity = SELF,
				  .now_us = 42};
	return r;
}

/* One ingest of o with opts, committed; its outcome. */
static enum ingest_outcome ingest_once(struct store *s,
				       const struct ingest_opts *opts,
				       const json_t *o)
{
	enum ingest_outcome out;
	struct ingest in;

	ingest_init(&in, s, opts, NULL, NULL, NULL);
	assert_int_equal(ingest_json(&in, o, NULL, &out, NULL), AC_OK);
	assert_int_equal(ingest_finish(&in, NULL), AC_OK);
	return out;
}

/* A partner's copy of an object this node erased is not stored again;
 * the same object from a partner is stored when nothing was erased, and
 * a local import is the operator's own decision. */
static void erased_objects_are_not_taken_back(void **state)
{
	struct fx *f = *state;
	json_t *o = intrusion_set();
	struct fed_erase_req r = court_order();
	struct ingest_opts opts = ingest_opts_default();
	struct fed_erase_result res;

	assert_non_null(o);
	opts.source = "partner:alpha";
	opts.corr.store = f->s;
	assert_int_equal(ingest_once(f->s, &opts, o), INGEST_ACCEPTED);
	assert_int_equal(fed_erase(f->s, &r, NULL, NULL, &res, NULL), AC_OK);
	assert_int_equal(versions_of(f->s, OBJ), 0);
	json_object_set_new(o, "modified",
			    json_string("2026-04-01T00:00:00.000Z"));
	assert_int_equal(ingest_once(f->s, &opts, o), INGEST_REJECTED);
	assert_int_equal(versions_of(f->s, OBJ), 0);
	opts.source = "local";
	assert_int_equal(ingest_once(f->s, &opts, o), INGEST_ACCEPTED);
	json_decref(o);
}

/* Whether anything was erased is asked once per ingest transaction: an
 * erasure between two transactions of one ingest still counts. */
static void erasure_between_transactions_counts(void **state)
{
	struct fx *f = *state;
	const char *other = "intrusion-set--7c8b3e0a-1d2f-4a5b-8c9d-0e1f2a3b4c5d";
	json_t *o = intrusion_set();
	struct fed_erase_req r = court_order();
	struct ingest_opts opts = ingest_opts_default();
	struct fed_erase_result res;
	enum ingest_outcome out;
	struct ingest in;

	assert_non_null(o);
	opts.source = "partner:alpha";
	opts.corr.store = f->s;
	opts.batch_size = 1; /* each object commits */
	ingest_init(&in, f->s, &opts, NULL, NULL, NULL);
	assert_int_equal(ingest_json(&in, o, NULL, &out, NULL), AC_OK);
	assert_int_equal(out, INGEST_ACCEPTED);
	assert_false(in.in_txn);
	assert_int_equal(fed_erase(f->s, &r, NULL, NULL, &res, NULL), AC_OK);
	json_object_set_new(o, "modified",
			    json_string("2026-04-01T00:00:00.000Z"));
	assert_int_equal(ingest_json(&in, o, NULL, &out, NULL), AC_OK);
	assert_int_equal(out, INGEST_REJECTED);
	json_object_set_new(o, "id", json_string(other));
	assert_int_equal(ingest_json(&in, o, NULL, &out, NULL), AC_OK);
	assert_int_equal(out, INGEST_ACCEPTED);
	assert_int_equal(ingest_finish(&in, NULL), AC_OK);
	assert_int_equal(versions_of(f->s, OBJ), 0);
	assert_int_equal(versions_of(f->s, other), 1);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		rows_indexed_with_signature_words_go, setup, teardown),
	    cmocka_unit_test_setup_teardown(erasure_between_transactions_counts,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(erase_some_versions_names_them,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(notice_of_some_versions, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(disclosure_log_merges, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(disclosure_records, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(outbox_records, setup, teardown),
	    cmocka_unit_test_setup_teardown(outbox_retry_waits, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(erase_local_notifies_recipients,
					    setup, teardown),
	    cmocka_unit_test(check_id_refuses),
	    cmocka_unit_test_setup_teardown(erased_objects_are_not_taken_back,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(notice_parses, setup, teardown),
	    cmocka_unit_test_setup_teardown(malformed_messages_are_invalid,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(notice_from_provider_is_honoured,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		unentitled_or_forged_notices_are_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(messages_are_not_ingested, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		notice_for_a_held_copy_forgets_its_index_rows, setup, teardown),
	    cmocka_unit_test_setup_teardown(confirmation_marks_its_notice,
					    setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
