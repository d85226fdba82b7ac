/* The access decision against the decision table in docs/policy.md (read
 * from the file and evaluated by a small independent engine), plus the
 * markings model, defaults, granular redaction and the handling extension. */
#include "base/common.h"
#include "base/buf.h"
#include "gen/gen.h"
#include "policy/policy.h"
#include "policy/markings.h"
#include "stix/ext.h"
#include "stix/jcs.h"
#include "stix/validate.h"

#include <setjmp.h>
#include <cmocka.h>

#define DAY (86400LL * 1000000LL)
#define NOW (1750000000LL * 1000000LL)

/* ---------- the table, as docs/policy.md writes it ---------- */

#define ROWS_MAX 64
#define CONDS_MAX 8

struct cond {
	char name[32];
	bool negate;
};

struct row {
	int number;
	char subject[16];
	char actions[64];
	struct cond conds[CONDS_MAX];
	size_t nconds;
	bool allow;
	char reason[32];
};

static struct row TABLE[ROWS_MAX];
static size_t NROWS;

static char *trim(char *s)
{
	char *e;
	while (*s == ' ')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Splits "| a | b | c |" into cells; returns their number. */
static size_t cells(char *line, char *out[8])
{
	size_t n = 0;
	char *p = strchr(line, '|');

	while (p && n < 8) {
		char *q = strchr(p + 1, '|');
		if (!q)
			break;
		*q = '\0';
		out[n++] = trim(p + 1);
		p = q;
	}
	return n;
}

static void parse_conds(char *text, struct row *r)
{
	char *save = NULL;
	for (char *t = strtok_r(text, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		t = trim(t);
		if (!*t)
			continue;
		assert_true(r->nconds < CONDS_MAX);
		r->conds[r->nconds].negate = t[0] == '!';
		snprintf(r->conds[r->nconds].name, 32, "%s",
			 t + (t[0] == '!'));
		r->nconds++;
	}
}

static void load_table(void)
{
	const char *data = getenv("ACCORD_TEST_DATA");
	char path[4096], line[1024];
	bool in = false;
	FILE *f;
	size_t n;

	assert_non_null(data);
	n = strlen(data);
	assert_true(n > 11 && strcmp(data + n - 11, "/tests/data") == 0);
	snprintf(path, sizeof(path), "%.*s/docs/policy.md", (int)(n - 11),
		 data);
	f = fopen(path, "r");
	assert_non_null(f);
	NROWS = 0;
	while (fgets(line, sizeof(line), f)) {
		char *c[8];
		struct row *r;
		if (strstr(line, "<!-- decision-table -->"))
			in = true;
		else if (strstr(line, "<!-- /decision-table -->"))
			in = false;
		if (!in || line[0] != '|' || cells(line, c) != 6 ||
		    atoi(c[0]) <= 0)
			continue;
		assert_true(NROWS < ROWS_MAX);
		r = &TABLE[NROWS++];
		memset(r, 0, sizeof(*r));
		r->number = atoi(c[0]);
		snprintf(r->subject, sizeof(r->subject), "%s", c[1]);
		snprintf(r->actions, sizeof(r->actions), "%s", c[2]);
		parse_conds(c[3], r);
		assert_true(!strcmp(c[4], "allow") || !strcmp(c[4], "deny"));
		r->allow = !strcmp(c[4], "allow");
		snprintf(r->reason, sizeof(r->reason), "%s", c[5]);
	}
	fclose(f);
	assert_true(NROWS >= 20);
}

/* The conditions of the table, computed from the case directly. */
static bool condition(const char *name, const struct policy_subject *s,
		      const struct policy_object *o)
{
	const struct policy_markings *m = &o->markings;
	const struct policy_agreement *ag = &s->agreement;
	bool from_partner = o->source == POLICY_SOURCE_PARTNER;

	if (!strcmp(name, "no-subject"))
		return s->kind == POLICY_SUBJECT_NONE || !s->name[0];
	if (!strcmp(name, "auditor"))
		return s->role == AUTH_ROLE_AUDITOR;
	if (!strcmp(name, "admin"))
		return s->role == AUTH_ROLE_ADMIN;
	if (!strcmp(name, "retention-passed"))
		return o->review_us && s->now_us >= o->review_us;
	if (!strcmp(name, "red"))
		return m->tlp == POLICY_TLP_RED;
	if (!strcmp(name, "named-user") || !strcmp(name, "named-partner")) {
		bool user = name[6] == 'u';
		size_t n = user ? m->nusers : m->npartners;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(user ? m->users[i] : m->partners[i],
				    s->name))
				return true;
		return false;
	}
	if (!strcmp(name, "agreement"))
		return s->has_agreement;
	if (!strcmp(name, "before-from"))
		return s->now_us < ag->valid_from_us;
	if (!strcmp(name, "after-until"))
		return s->now_us >= ag->valid_until_us;
	if (!strcmp(name, "areas-covered"))
		return (m->areas & ag->areas) == m->areas;
	if (!strcmp(name, "from-this-partner"))
		return from_partner && !strcmp(o->source_partner, s->name);
	if (!strcmp(name, "from-other-partner"))
		return from_partner && strcmp(o->source_partner, s->name);
	if (!strcmp(name, "above-green"))
		return m->tlp > POLICY_TLP_GREEN;
	if (!strcmp(name, "provider-onward-green"))
		return o->source_onward == POLICY_ONWARD_GREEN;
	if (!strcmp(name, "h2-or-h3"))
		return m->handling == POLICY_H2 || m->handling == POLICY_H3;
	if (!strcmp(name, "above-max-tlp"))
		return m->tlp > ag->max_tlp;
	fail_msg("docs/policy.md uses an unknown condition '%s'", name);
	return false;
}

static bool action_listed(const char *list, enum policy_action a)
{
	char copy[64], *save = NULL;
	if (!strcmp(list, "any"))
		return true;
	snprintf(copy, sizeof(copy), "%s", list);
	for (char *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save))
		if (!strcmp(trim(t), policy_action_name(a)))
			return true;
	return false;
}

static bool subject_matches(const char *want, const struct policy_subject *s)
{
	if (!strcmp(want, "any"))
		return true;
	if (!strcmp(want, "user"))
		return s->kind == POLICY_SUBJECT_USER;
	if (!strcmp(want, "partner"))
		return s->kind == POLICY_SUBJECT_PARTNER;
	fail_msg("docs/policy.md uses an unknown subject '%s'", want);
	return false;
}

/* First matching row; fails the test if none matches. */
static const struct row *table_decide(const struct policy_subject *s,
				      const struct policy_object *o,
				      enum policy_action a)
{
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &TABLE[i];
		bool match = subject_matches(r->subject, s) &&
			     action_listed(r->actions, a);
		for (size_t k = 0; match && k < r->nconds; k++)
			match = condition(r->conds[k].name, s, o) !=
				r->conds[k].negate;
		if (match)
			return r;
	}
	fail_msg("no row of the decision table matches");
	return NULL;
}

/* ---------- the matrix ---------- */

static const policy_area_mask AGREED_AREAS =
    POLICY_AREA_BIT(POLICY_AREA_DRUG_TRAFFICKING) |
    POLICY_AREA_BIT(POLICY_AREA_WEAPONS);

static void user_subject(struct policy_subject *s, enum auth_role role,
			 const char *name)
{
	memset(s, 0, sizeof(*s));
	s->kind = POLICY_SUBJECT_USER;
	s->role = role;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->now_us = NOW;
}

enum partner_case {
	PC_MAX_CLEAR, PC_MAX_GREEN, PC_MAX_AMBER, PC_MAX_AMBER_STRICT,
	PC_MAX_RED, PC_EXPIRED, PC_NOT_YET, PC_NONE, PC_OTHER_AREA,
	PC_COUNT
};

static void partner_subject(struct policy_subject *s, enum partner_case pc)
{
	struct policy_agreement *ag = &s->agreement;

	memset(s, 0, sizeof(*s));
	s->kind = POLICY_SUBJECT_PARTNER;
	snprintf(s->name, sizeof(s->name), "p1");
	s->now_us = NOW;
	s->has_agreement = pc != PC_NONE;
	snprintf(ag->partner, sizeof(ag->partner), "p1");
	ag->areas = pc == PC_OTHER_AREA
			? POLICY_AREA_BIT(POLICY_AREA_CYBERCRIME)
			: AGREED_AREAS;
	ag->max_tlp = pc <= PC_MAX_RED ? (enum policy_tlp)pc : POLICY_TLP_RED;
	ag->valid_from_us = NOW - 30 * DAY;
	ag->valid_until_us = NOW + 30 * DAY;
	if (pc == PC_EXPIRED) {
		ag->valid_from_us = NOW - 60 * DAY;
		ag->valid_until_us = NOW - DAY;
	} else if (pc == PC_NOT_YET) {
		ag->valid_from_us = NOW + DAY;
		ag->valid_until_us = NOW + 60 * DAY;
	}
}

struct matrix_counts {
	unsigned long cases, allowed, leaks, overdenied, wrong_reason;
};

static void check_case(const struct policy_subject *s,
		       const struct policy_object *o, struct matrix_counts *n)
{
	for (int a = 0; a < POLICY_ACTION_COUNT; a++) {
		struct policy_reason why;
		const struct row *r = table_decide(s, o, (enum policy_action)a);
		bool got = policy_decide(s, o, (enum policy_action)a, &why);

		n->cases++;
		n->allowed += got;
		if (got && !r->allow)
			n->leaks++;
		else if (!got && r->allow)
			n->overdenied++;
		else if (strcmp(policy_code_name(why.code), r->reason))
			n->wrong_reason++;
		if (got != r->allow ||
		    strcmp(policy_code_name(why.code), r->reason))
			print_error("subject %s/%d action %s tlp %s %s src %d "
				    "(%s): got %s, table row %d says %s\n",
				    s->name, (int)s->role,
				    policy_action_name((enum policy_action)a),
				    policy_tlp_name(o->markings.tlp),
				    policy_handling_name(o->markings.handling),
				    (int)o->source, o->source_partner,
				    policy_code_name(why.code), r->number,
				    r->reason);
	}
}

/* Every object variant for one subject. */
static void cross_objects(const struct policy_subject *s,
			  struct matrix_counts *n)
{
	static const policy_area_mask areas[] = {
	    POLICY_AREA_BIT(POLICY_AREA_DRUG_TRAFFICKING),
	    POLICY_AREA_BIT(POLICY_AREA_TERRORISM),
	    POLICY_AREA_BIT(POLICY_AREA_DRUG_TRAFFICKING) |
		POLICY_AREA_BIT(POLICY_AREA_TERRORISM)};
	/* own, from p1 (the subject), from p2 (onward green), p3 (none) */
	static const char *const sources[] = {"", "p1", "p2", "p3"};
	struct policy_object *o = calloc(1, sizeof(*o));

	assert_non_null(o);
	for (int t = 0; t < POLICY_TLP_COUNT; t++)
	for (int h = 0; h < POLICY_HANDLING_COUNT; h++)
	for (size_t ar = 0; ar < AC_ARRAY_LEN(areas); ar++)
	for (size_t src = 0; src < AC_ARRAY_LEN(sources); src++)
	for (int named = 0; named < 2; named++)
	for (int expired = 0; expired < 2; expired++) {
		memset(o, 0, sizeof(*o));
		o->markings.tlp = (enum policy_tlp)t;
		o->markings.handling = (enum policy_handling)h;
		o->markings.areas = areas[ar];
		if (named) {
			snprintf(o->markings.users[0], 65, "alice");
			snprintf(o->markings.partners[0], 65, "p1");
			o->markings.nusers = o->markings.npartners = 1;
		}
		o->source = src ? POLICY_SOURCE_PARTNER : POLICY_SOURCE_OWN;
		snprintf(o->source_partner, sizeof(o->source_partner), "%s",
			 sources[src]);
		o->source_onward = src == 2 ? POLICY_ONWARD_GREEN
					    : POLICY_ONWARD_NONE;
		o->received_us = NOW - 100 * DAY;
		o->review_us = expired ? NOW - DAY : (t == 0 ? 0 : NOW + DAY);
		check_case(s, o, n);
	}
	free(o);
}

static void authorization_matrix(void **state)
{
	static const char *const names[] = {"alice", "bob"};
	struct matrix_counts n = {0};
	struct policy_subject s;
	(void)state;

	load_table();
	for (int role = 0; role < AUTH_ROLE_COUNT; role++)
		for (size_t k = 0; k < AC_ARRAY_LEN(names); k++) {
			user_subject(&s, (enum auth_role)role, names[k]);
			cross_objects(&s, &n);
		}
	for (int pc = 0; pc < PC_COUNT; pc++) {
		partner_subject(&s, (enum partner_case)pc);
		cross_objects(&s, &n);
	}
	memset(&s, 0, sizeof(s));
	s.now_us = NOW;
	cross_objects(&s, &n); /* nobody */
	print_message("authorization matrix: %lu cases (%zu table rows), %lu "
		      "allowed, %lu leaks, %lu over-denied, %lu wrong "
		      "reasons\n",
		      n.cases, NROWS, n.allowed, n.leaks, n.overdenied,
		      n.wrong_reason);
	assert_true(n.cases > 50000);
	assert_true(n.allowed > 1000); /* the matrix is not all "no" */
	assert_int_equal(n.leaks, 0);
	assert_int_equal(n.overdenied, 0);
	assert_int_equal(n.wrong_reason, 0);
}

/* Each table row is reached by some case of the matrix: a row that no case
 * reaches would be untested. */
static void every_row_is_reached(void **state)
{
	bool reached[ROWS_MAX] = {false};
	struct policy_subject s;
	struct policy_object obj, *o = &obj;
	(void)state;

	load_table();
	for (int pc = -5; pc < PC_COUNT; pc++)
	for (int t = 0; t < POLICY_TLP_COUNT; t++)
	for (int src = 0; src < 4; src++)
	for (int h = 0; h < POLICY_HANDLING_COUNT; h++)
	for (int ex = 0; ex < 2; ex++)
	for (int ar = 0; ar < 2; ar++)
	for (int a = 0; a < POLICY_ACTION_COUNT; a++) {
		if (pc < -1)
			user_subject(&s, (enum auth_role)(pc + 5), "bob");
		else if (pc == -1)
			memset(&s, 0, sizeof(s));
		else
			partner_subject(&s, (enum partner_case)pc);
		memset(o, 0, sizeof(*o));
		o->markings.tlp = (enum policy_tlp)t;
		o->markings.handling = (enum policy_handling)h;
		o->markings.areas =
		    POLICY_AREA_BIT(ar ? POLICY_AREA_TERRORISM
				       : POLICY_AREA_DRUG_TRAFFICKING);
		o->source = src ? POLICY_SOURCE_PARTNER : POLICY_SOURCE_OWN;
		snprintf(o->source_partner, 65, "%s",
			 src == 1 ? "p1" : src == 2 ? "p2" : "p3");
		o->source_onward = src == 2 ? POLICY_ONWARD_GREEN
					    : POLICY_ONWARD_NONE;
		o->review_us = ex ? 1 : 0;
		reached[table_decide(&s, o, (enum policy_action)a) - TABLE] =
		    true;
	}
	for (size_t i = 0; i < NROWS; i++)
		if (!reached[i])
			fail_msg("decision table row %d is never reached",
				 TABLE[i].number);
}

/* A few decisions spelled out, so that a table edit that loosens a
 * must-have rule fails here too. */
static void must_have_rules(void **state)
{
	struct policy_subject s;
	struct policy_object o;
	struct policy_reason why;
	(void)state;

	memset(&o, 0, sizeof(o));
	o.markings.tlp = POLICY_TLP_RED;
	o.markings.areas = AGREED_AREAS;
	user_subject(&s, AUTH_ROLE_ADMIN, "root");
	assert_false(policy_decide(&s, &o, POLICY_READ, &why));
	assert_int_equal(why.code, POLICY_DENY_RED_RECIPIENT);
	partner_subject(&s, PC_MAX_AMBER);
	o.markings.tlp = POLICY_TLP_AMBER_STRICT;
	assert_false(policy_decide(&s, &o, POLICY_SHARE, &why));
	assert_int_equal(why.code, POLICY_DENY_TLP);
	o.markings.tlp = POLICY_TLP_GREEN;
	o.source = POLICY_SOURCE_PARTNER;
	snprintf(o.source_partner, 65, "p2");
	o.source_onward = POLICY_ONWARD_GREEN;
	o.markings.handling = POLICY_H2;
	assert_false(policy_decide(&s, &o, POLICY_SHARE, &why));
	assert_int_equal(why.code, POLICY_DENY_ONWARD);
	o.markings.handling = POLICY_H1;
	assert_true(policy_decide(&s, &o, POLICY_SHARE, &why));
	partner_subject(&s, PC_EXPIRED);
	assert_false(policy_decide(&s, &o, POLICY_READ, &why));
	assert_int_equal(why.code, POLICY_DENY_AGREEMENT_EXPIRED);
	user_subject(&s, AUTH_ROLE_AUDITOR, "carol");
	assert_false(policy_decide(&s, &o, POLICY_READ, &why));
	assert_false(policy_decide(NULL, &o, POLICY_READ, &why));
	assert_int_equal(why.code, POLICY_DENY_NO_SUBJECT);
}

/* ---------- subjects from authentication ---------- */

static void subject_from_auth(void **state)
{
	struct policy_agreement ag = {.partner = "bka",
				      .max_tlp = POLICY_TLP_GREEN};
	struct policy_agreements all = {1, &ag};
	struct auth_subject a;
	struct policy_subject s;
	(void)state;

	memset(&a, 0, sizeof(a));
	snprintf(a.user, sizeof(a.user), "partner.bka");
	snprintf(a.partner, sizeof(a.partner), "bka");
	a.is_partner = true;
	a.role = AUTH_ROLE_ADMIN; /* ignored for a partner token */
	policy_subject_from_auth(&a, &all, NOW, &s);
	assert_int_equal(s.kind, POLICY_SUBJECT_PARTNER);
	assert_string_equal(s.name, "bka");
	assert_true(s.has_agreement);
	assert_int_equal(s.agreement.max_tlp, POLICY_TLP_GREEN);
	snprintf(a.partner, sizeof(a.partner), "other");
	policy_subject_from_auth(&a, &all, NOW, &s);
	assert_int_equal(s.kind, POLICY_SUBJECT_PARTNER);
	assert_false(s.has_agreement);
	a.is_partner = false; /* a login as the reserved system user */
	policy_subject_from_auth(&a, &all, NOW, &s);
	assert_int_equal(s.kind, POLICY_SUBJECT_NONE);
	snprintf(a.user, sizeof(a.user), "alice");
	policy_subject_from_auth(&a, &all, NOW, &s);
	assert_int_equal(s.kind, POLICY_SUBJECT_USER);
	assert_int_equal(s.role, AUTH_ROLE_ADMIN);
}

/* ---------- markings ---------- */

#define TLP2_RED "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
#define TLP2_GREEN "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
#define TLP2_AMBER_STRICT                                                      \
	"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
#define TLP1_WHITE "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
#define TLP1_AMBER "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
#define STATEMENT "marking-definition--1d4d3cbc-6b8b-4a2a-8b2a-3b2c1a1f0e00"

static json_t *obj_with_refs(const char *json_refs)
{
	char text[1024];
	json_error_t e;
	snprintf(text, sizeof(text),
		 "{\"type\":\"indicator\",\"id\":\"indicator--8e2e2d2b-17d4-"
		 "4cbf-938f-98ee46b3cd3f\",\"object_marking_refs\":%s}",
		 json_refs);
	return json_loads(text, 0, &e);
}

static enum policy_tlp tlp_of(const char *refs)
{
	struct policy_markings m;
	struct ac_err err = {0};
	json_t *o = obj_with_refs(refs);
	assert_non_null(o);
	assert_int_equal(policy_markings_read(o, NULL, &m, &err), AC_OK);
	json_decref(o);
	return m.tlp;
}

static void markings_tlp(void **state)
{
	char refs[256];
	(void)state;
	for (int t = 0; t < POLICY_TLP_COUNT; t++) {
		snprintf(refs, sizeof(refs), "[\"%s\"]",
			 policy_tlp_marking_id((enum policy_tlp)t));
		assert_int_equal(tlp_of(refs), t);
	}
	assert_int_equal(tlp_of("[\"" TLP1_WHITE "\"]"), POLICY_TLP_CLEAR);
	assert_int_equal(tlp_of("[\"" TLP1_AMBER "\"]"), POLICY_TLP_AMBER);
	assert_int_equal(tlp_of("[\"" TLP2_GREEN "\",\"" TLP2_AMBER_STRICT
				"\",\"" TLP1_WHITE "\"]"),
			 POLICY_TLP_AMBER_STRICT);
	assert_int_equal(tlp_of("[\"" TLP2_RED "\",\"" TLP2_GREEN "\"]"),
			 POLICY_TLP_RED);
	/* no TLP at all: the default (AMBER) */
	assert_int_equal(tlp_of("[\"" STATEMENT "\"]"), POLICY_TLP_AMBER);
	assert_int_equal(tlp_of("[]"), POLICY_TLP_AMBER);
}

static void markings_bad_refs(void **state)
{
	struct policy_markings m;
	struct ac_err err = {0};
	json_t *o = obj_with_refs("[1]");
	(void)state;
	assert_int_equal(policy_markings_read(o, NULL, &m, &err),
			 AC_ERR_INVALID);
	json_decref(o);
	o = obj_with_refs("\"" TLP2_RED "\"");
	assert_int_equal(policy_markings_read(o, NULL, &m, &err),
			 AC_ERR_INVALID);
	json_decref(o);
}

static json_t *with_handling(const char *body)
{
	char text[2048];
	json_error_t e;
	json_t *o;
	snprintf(text, sizeof(text),
		 "{\"type\":\"identity\",\"spec_version\":\"2.1\","
		 "\"id\":\"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
		 "\"created\":\"2024-01-01T00:00:00.000Z\","
		 "\"modified\":\"2024-01-01T00:00:00.000Z\","
		 "\"name\":\"x\",\"object_marking_refs\":[\"" TLP2_RED "\"],"
		 "\"extensions\":{\"" STIX_EXT_HANDLING "\":%s}}",
		 body);
	o = json_loads(text, 0, &e);
	assert_non_null(o);
	return o;
}

static void markings_handling(void **state)
{
	struct policy_markings m;
	struct ac_err err = {0};
	json_t *o = with_handling(
	    "{\"extension_type\":\"property-extension\","
	    "\"handling_code\":\"H3\",\"h3_text\":\"ask first\","
	    "\"source_reliability\":\"B\",\"information_accuracy\":2,"
	    "\"areas\":[\"weapons\",\"fraud\"],\"retention_days\":30,"
	    "\"recipients\":{\"users\":[\"alice\"],\"partners\":[\"bka\"]}}");
	(void)state;
	assert_int_equal(policy_markings_read(o, NULL, &m, &err), AC_OK);
	assert_int_equal(m.tlp, POLICY_TLP_RED);
	assert_int_equal(m.handling, POLICY_H3);
	assert_string_equal(m.h3_text, "ask first");
	assert_int_equal(m.reliability, 'B');
	assert_int_equal(m.accuracy, 2);
	assert_int_equal(m.areas, POLICY_AREA_BIT(POLICY_AREA_WEAPONS) |
				      POLICY_AREA_BIT(POLICY_AREA_FRAUD));
	assert_int_equal(m.retention_days, 30);
	assert_true(policy_markings_names_user(&m, "alice"));
	assert_false(policy_markings_names_user(&m, "bka"));
	assert_true(policy_markings_names_partner(&m, "bka"));
	json_decref(o);
	o = with_handling("{\"extension_type\":\"property-extension\","
			  "\"areas\":[\"knitting\"]}");
	assert_int_equal(policy_markings_read(o, NULL, &m, &err),
			 AC_ERR_INVALID);
	json_decref(o);
}

static void person_category(void **state)
{
	struct policy_markings m;
	struct ac_err err = {0};
	json_error_t e;
	json_t *o = json_loads(
	    "{\"type\":\"identity\",\"id\":\"identity--8e2e2d2b-17d4-4cbf-"
	    "938f-98ee46b3cd3f\",\"extensions\":{\"" STIX_EXT_PERSON "\":"
	    "{\"data_subject_category\":\"witness\"}}}",
	    0, &e);
	(void)state;
	assert_non_null(o);
	assert_int_equal(policy_markings_read(o, NULL, &m, &err), AC_OK);
	assert_string_equal(m.subject_category, "witness");
	assert_int_equal(m.areas, POLICY_AREA_BIT(POLICY_AREA_OTHER));
	json_decref(o);
}

/* policy_summary_read on text: when it takes it (it must when `taken`),
 * the same markings and granular flag as parsing and policy_markings_read,
 * which must then succeed. Returns whether it took it. */
static bool fast_reads_the_same(const char *text, size_t len, bool taken)
{
	struct policy_markings fast, slow;
	struct policy_defaults d;
	bool granular = false, took;
	json_error_t e;
	json_t *s;

	policy_defaults_init(&d);
	d.areas = POLICY_AREA_BIT(POLICY_AREA_WEAPONS);
	took = policy_summary_read(text, len, &d, &fast, &granular);
	if (taken && !took)
		fail_msg("not taken: %.*s", (int)len, text);
	if (!took)
		return false;
	s = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
	if (!s)
		fail_msg("taken, but does not parse: %.*s", (int)len, text);
	assert_int_equal(policy_markings_read(s, &d, &slow, NULL), AC_OK);
	assert_memory_equal(&fast, &slow, sizeof(fast));
	assert_int_equal(granular,
			 json_object_get(s, "granular_markings") != NULL);
	json_decref(s);
	return true;
}

/* policy_markings_summary keeps exactly what policy_markings_read reads. */
static void summary_reads_the_same(const char *text)
{
	struct policy_markings full, sum;
	struct ac_buf buf = AC_BUF_INIT(1u << 20), canon = AC_BUF_INIT(1u << 20);
	struct ac_err err = {0};
	json_error_t e;
	json_t *o = json_loads(text, 0, &e), *s;

	assert_non_null(o);
	assert_int_equal(policy_markings_summary(o, &buf), AC_OK);
	s = json_loadb(buf.data, buf.len, 0, &e);
	assert_non_null(s);
	assert_true(buf.len < strlen(text));
	assert_int_equal(policy_markings_read(o, NULL, &full, &err), AC_OK);
	assert_int_equal(policy_markings_read(s, NULL, &sum, &err), AC_OK);
	assert_memory_equal(&full, &sum, sizeof(full));
	assert_int_equal(json_object_get(o, "granular_markings") != NULL,
			 json_object_get(s, "granular_markings") != NULL);
	fast_reads_the_same(buf.data, buf.len, false);
	assert_null(json_object_get(s, "name"));
	/* written in RFC 8785 form: canonicalising it changes nothing */
	assert_int_equal(stix_jcs(s, &canon), AC_OK);
	assert_int_equal(canon.len, buf.len);
	assert_memory_equal(canon.data, buf.data, buf.len);
	json_decref(s);
	json_decref(o);
	ac_buf_release(&buf);
	ac_buf_release(&canon);
}

static void markings_summary(void **state)
{
	struct ac_buf buf = AC_BUF_INIT(64);
	json_t *big;

	(void)state;
	summary_reads_the_same(
	    "{\"type\":\"identity\",\"id\":\"identity--8e2e2d2b-17d4-4cbf-938f-"
	    "98ee46b3cd3f\",\"name\":\"Some Person With A Long Name\","
	    "\"description\":\"a long description that the summary leaves out\","
	    "\"object_marking_refs\":[\"" TLP2_RED "\"],"
	    "\"granular_markings\":[{\"marking_ref\":\"" TLP2_RED "\","
	    "\"selectors\":[\"name\"]}],"
	    "\"extensions\":{\"" STIX_EXT_HANDLING "\":{\"extension_type\":"
	    "\"property-extension\",\"handling_code\":\"H2\",\"areas\":"
	    "[\"drug-trafficking\"],\"recipients\":{\"users\":[\"ana\"],"
	    "\"partners\":[\"bravo\"]},\"retention_days\":30},"
	    "\"" STIX_EXT_PERSON "\":{\"extension_type\":\"property-extension\","
	    "\"data_subject_category\":\"suspect\",\"names\":[]}}}");
	/* the person's category without a handling extension, and the
	 * handling extension alone */
	summary_reads_the_same(
	    "{\"type\":\"identity\",\"id\":\"identity--8e2e2d2b-17d4-4cbf-938f-"
	    "98ee46b3cd3f\",\"name\":\"Some Person With A Long Name\","
	    "\"extensions\":{\"" STIX_EXT_PERSON "\":{\"extension_type\":"
	    "\"property-extension\",\"data_subject_category\":\"victim\","
	    "\"names\":[]}}}");
	summary_reads_the_same(
	    "{\"type\":\"indicator\",\"id\":\"indicator--8e2e2d2b-17d4-4cbf-"
	    "938f-98ee46b3cd3f\",\"pattern\":\"[ipv4-addr:value = '1.2.3.4']\","
	    "\"extensions\":{\"" STIX_EXT_HANDLING "\":{\"extension_type\":"
	    "\"property-extension\",\"handling_code\":\"H1\","
	    "\"x_note\":\"\\u00e9\\u00e9 \\\"quoted\\\" \\ud83d\\ude00\"}}}");
	/* no markings at all: the defaults apply to both */
	summary_reads_the_same(
	    "{\"type\":\"indicator\",\"id\":\"indicator--8e2e2d2b-17d4-4cbf-"
	    "938f-98ee46b3cd3f\",\"pattern\":\"[ipv4-addr:value = '1.2.3.4']\"}");
	/* not an object; a summary over the buffer's cap */
	big = json_string("x");
	assert_int_equal(policy_markings_summary(big, &buf), AC_ERR_INVALID);
	json_decref(big);
	big = json_pack("{s:s,s:[s,s,s,s]}", "id", "identity--x",
			"object_marking_refs", TLP2_RED, TLP2_RED, TLP2_RED,
			TLP2_RED);
	assert_int_equal(policy_markings_summary(big, &buf), AC_ERR_LIMIT);
	json_decref(big);
	ac_buf_release(&buf);
}

#define H_EXT "\"extensions\":{\"" STIX_EXT_HANDLING "\":{"
#define H_END "}},\"id\":\"indicator--1\",\"type\":\"indicator\"}"

/* The summary read without parsing: every generated object's summary is
 * taken, with the parsed reading's markings; text it cannot read exactly
 * is left to the parser (which may refuse it). */
static void summary_fast_reader(void **state)
{
	static const char *const taken[] = {
	    "{}",
	    "{\"id\":\"x\",\"object_marking_refs\":[\"" TLP2_GREEN "\",\"" TLP2_RED
	    "\",\"marking-definition--other\"],\"type\":\"report\"}",
	    "{" H_EXT "\"areas\":[\"drug-trafficking\",\"weapons\"],"
	    "\"extension_type\":\"property-extension\",\"h3_text\":\"only "
	    "the desk\",\"handling_code\":\"H3\",\"information_accuracy\":2,"
	    "\"recipients\":{\"partners\":[\"bravo\",\"c-1.x_y\"],\"users\":"
	    "[\"ana\"]},\"retention_days\":36500,\"source_reliability\":\"X\""
	    "},\"" STIX_EXT_PERSON "\":{\"data_subject_category\":\"witness\""
	    H_END,
	    "{\"extensions\":{\"" STIX_EXT_PERSON "\":{\"data_subject_category\""
	    ":\"a-category-too-long\"}},\"granular_markings\":[],\"type\":\"x\"}",
	    "{" H_EXT "\"recipients\":{}" H_END,
	};
	static const char *const declined[] = {
	    /* what the parser refuses */
	    "{\"id\":\"x\",\"id\":\"y\"}",
	    "{" H_EXT "\"retention_days\":01" H_END,
	    "{\"id\":\"x\"} ",
	    "{\"id\":\"x\"",
	    "{\"id\":\"\x01\"}",
	    /* what the markings rules refuse */
	    "{" H_EXT "\"areas\":[]" H_END,
	    "{" H_EXT "\"areas\":[\"no-such-area\"]" H_END,
	    "{" H_EXT "\"handling_code\":\"H9\"" H_END,
	    "{" H_EXT "\"information_accuracy\":5" H_END,
	    "{" H_EXT "\"retention_days\":0" H_END,
	    "{" H_EXT "\"retention_days\":36501" H_END,
	    "{" H_EXT "\"source_reliability\":\"AB\"" H_END,
	    "{" H_EXT "\"recipients\":{\"users\":[\"Ana\"]}" H_END,
	    "{\"object_marking_refs\":\"" TLP2_RED "\"}",
	    "{\"object_marking_refs\":[1]}",
	    /* readable by the parser only */
	    "{" H_EXT "\"retention_days\":30.0" H_END,
	    "{" H_EXT "\"h3_text\":\"caf\xc3\xa9\"" H_END,
	    "{" H_EXT "\"h3_text\":\"a \\\"quote\\\"\"" H_END,
	    "{" H_EXT "\"x_custom\":true" H_END,
	    "{\"extensions\":{\"" STIX_EXT_PERSON "\":{\"data_subject_category\""
	    ":7}}}",
	    "{\"granular_markings\":[{}]}",
	    "{\"name\":\"x\"}",
	};
	struct gen_opts o = {.seed = 11, .count = 3000, .created_by = NULL};
	struct ac_buf buf = AC_BUF_INIT(1u << 20);
	char *all = NULL, *line, *save = NULL;
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&all, &len);

	(void)state;
	for (size_t i = 0; i < AC_ARRAY_LEN(taken); i++)
		fast_reads_the_same(taken[i], strlen(taken[i]), true);
	for (size_t i = 0; i < AC_ARRAY_LEN(declined); i++)
		if (fast_reads_the_same(declined[i], strlen(declined[i]), false))
			fail_msg("taken: %s", declined[i]);
	assert_non_null(f);
	assert_int_equal(gen_write(&o, GEN_JSONL, f, NULL), AC_OK);
	fclose(f);
	for (line = strtok_r(all, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), n++) {
		json_t *obj = json_loads(line, 0, NULL);

		assert_non_null(obj);
		assert_int_equal(policy_markings_summary(obj, &buf), AC_OK);
		fast_reads_the_same(buf.data, buf.len, true);
		json_decref(obj);
	}
	assert_true(n > 2000);
	free(all);
	ac_buf_release(&buf);
}

static void areas_parse(void **state)
{
	policy_area_mask m;
	char out[POLICY_AREAS_STRLEN];
	struct ac_err err = {0};
	(void)state;
	assert_int_equal(policy_areas_parse("weapons, drug-trafficking", &m,
					    &err),
			 AC_OK);
	policy_areas_format(m, out);
	assert_string_equal(out, "drug-trafficking,weapons");
	assert_int_equal(policy_areas_parse("weapons,,fraud", &m, &err),
			 AC_ERR_PARSE);
	assert_int_equal(policy_areas_parse("", &m, &err), AC_ERR_PARSE);
	assert_int_equal(policy_areas_parse("Weapons", &m, &err),
			 AC_ERR_PARSE);
	assert_non_null(strstr(err.msg, "Weapons"));
}

/* ---------- defaults ---------- */

static void defaults_applied(void **state)
{
	struct policy_defaults d;
	struct policy_markings m;
	struct stix_report rep;
	struct ac_err err = {0};
	json_error_t e;
	json_t *o = json_loads(
	    "{\"type\":\"threat-actor\",\"spec_version\":\"2.1\","
	    "\"id\":\"threat-actor--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
	    "\"created\":\"2024-01-01T00:00:00.000Z\","
	    "\"modified\":\"2024-01-01T00:00:00.000Z\",\"name\":\"x\"}",
	    0, &e);
	(void)state;
	assert_non_null(o);
	policy_defaults_init(&d);
	d.tlp = POLICY_TLP_GREEN;
	d.handling = POLICY_H1;
	d.areas = POLICY_AREA_BIT(POLICY_AREA_CYBERCRIME);
	assert_int_equal(policy_apply_defaults(o, &d), AC_OK);
	stix_report_init(&rep);
	assert_int_equal(stix_validate(o, &rep), AC_OK);
	assert_int_equal(rep.nwarnings, 0);
	/* now stored in the object: reading without defaults gives them */
	assert_int_equal(policy_markings_read(o, NULL, &m, &err), AC_OK);
	assert_true(m.tlp_given && m.handling_given && m.areas_given);
	assert_int_equal(m.tlp, POLICY_TLP_GREEN);
	assert_int_equal(m.handling, POLICY_H1);
	assert_int_equal(m.areas, d.areas);
	/* an object that has markings keeps them */
	d.tlp = POLICY_TLP_RED;
	d.handling = POLICY_H2;
	assert_int_equal(policy_apply_defaults(o, &d), AC_OK);
	assert_int_equal(policy_markings_read(o, NULL, &m, &err), AC_OK);
	assert_int_equal(m.tlp, POLICY_TLP_GREEN);
	assert_int_equal(m.handling, POLICY_H1);
	assert_int_equal(json_array_size(json_object_get(
			     o, "object_marking_refs")),
			 1);
	json_decref(o);
	/* meta objects are left alone; wrong shapes are refused */
	o = json_loads("{\"type\":\"marking-definition\"}", 0, &e);
	assert_int_equal(policy_apply_defaults(o, &d), AC_OK);
	assert_int_equal(json_object_size(o), 1);
	json_decref(o);
	o = json_loads("{\"type\":\"note\",\"extensions\":[]}", 0, &e);
	assert_int_equal(policy_apply_defaults(o, &d), AC_ERR_INVALID);
	json_decref(o);
}

static void review_dates(void **state)
{
	struct policy_markings m;
	struct policy_defaults d;
	struct policy_agreement ag;
	(void)state;
	memset(&m, 0, sizeof(m));
	memset(&ag, 0, sizeof(ag));
	policy_defaults_init(&d);
	assert_int_equal(policy_review_date(&m, POLICY_SOURCE_OWN, NULL, &d,
					    NOW),
			 0);
	d.retention_days = 365;
	assert_int_equal(policy_review_date(&m, POLICY_SOURCE_OWN, NULL, &d,
					    NOW),
			 NOW + 365 * DAY);
	ag.retention_days = 90;
	assert_int_equal(policy_review_date(&m, POLICY_SOURCE_PARTNER, &ag, &d,
					    NOW),
			 NOW + 90 * DAY);
	/* the agreement binds only data from that partner */
	assert_int_equal(policy_review_date(&m, POLICY_SOURCE_OWN, &ag, &d,
					    NOW),
			 NOW + 365 * DAY);
	m.retention_days = 10;
	assert_int_equal(policy_review_date(&m, POLICY_SOURCE_PARTNER, &ag, &d,
					    NOW),
			 NOW + 10 * DAY);
}

/* ---------- granular markings ---------- */

static const char GRANULAR[] =
    "{\"type\":\"threat-actor\",\"spec_version\":\"2.1\","
    "\"id\":\"threat-actor--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
    "\"created\":\"2024-01-01T00:00:00.000Z\","
    "\"modified\":\"2024-01-01T00:00:00.000Z\",\"name\":\"Group X\","
    "\"description\":\"informant says\",\"aliases\":[\"A\",\"B\",\"C\"],"
    "\"goals\":[\"money\"],"
    "\"object_marking_refs\":[\"" TLP2_GREEN "\"],"
    "\"granular_markings\":["
    "{\"marking_ref\":\"" TLP2_RED "\",\"selectors\":[\"description\","
    "\"aliases.[1]\"]},"
    "{\"marking_ref\":\"" TLP2_GREEN "\",\"selectors\":[\"name\","
    "\"description\"]},"
    "{\"lang\":\"en\",\"selectors\":[\"goals\"]}]}";

static void redaction(void **state)
{
	struct policy_subject s;
	struct policy_object o;
	struct stix_report rep;
	json_error_t e;
	json_t *obj = json_loads(GRANULAR, 0, &e), *out;
	bool withheld;
	(void)state;

	assert_non_null(obj);
	memset(&o, 0, sizeof(o));
	o.markings.tlp = POLICY_TLP_GREEN;
	o.markings.areas = AGREED_AREAS;
	/* RED parts name nobody: an analyst loses them */
	user_subject(&s, AUTH_ROLE_ANALYST, "bob");
	out = policy_redact(&s, &o, POLICY_READ, obj, &withheld);
	assert_non_null(out);
	assert_false(withheld);
	assert_null(json_object_get(out, "description"));
	assert_string_equal(json_string_value(json_object_get(out, "name")),
			    "Group X");
	assert_int_equal(json_array_size(json_object_get(out, "aliases")), 2);
	assert_string_equal(json_string_value(json_array_get(
				json_object_get(out, "aliases"), 1)),
			    "C");
	/* the RED marking is gone, the GREEN one lost "description" */
	assert_int_equal(
	    json_array_size(json_object_get(out, "granular_markings")), 2);
	assert_int_equal(json_array_size(json_object_get(
			     json_array_get(json_object_get(
						out, "granular_markings"),
					    0),
			     "selectors")),
			 1);
	stix_report_init(&rep);
	assert_int_equal(stix_validate(out, &rep), AC_OK);
	json_decref(out);
	/* a named recipient keeps everything */
	snprintf(o.markings.users[0], 65, "bob");
	o.markings.nusers = 1;
	out = policy_redact(&s, &o, POLICY_READ, obj, &withheld);
	assert_true(json_equal(out, obj));
	json_decref(out);
	/* a partner with max GREEN loses the RED parts too */
	partner_subject(&s, PC_MAX_GREEN);
	out = policy_redact(&s, &o, POLICY_SHARE, obj, &withheld);
	assert_null(json_object_get(out, "description"));
	json_decref(out);
	/* a hidden selector on the id withholds the whole object */
	json_array_append_new(
	    json_object_get(
		json_array_get(json_object_get(obj, "granular_markings"), 0),
		"selectors"),
	    json_string("id"));
	user_subject(&s, AUTH_ROLE_ANALYST, "eve");
	assert_null(policy_redact(&s, &o, POLICY_READ, obj, &withheld));
	assert_true(withheld);
	json_decref(obj);
}

/* ---------- the handling extension's validator ---------- */

static size_t handling_errors(const char *body)
{
	struct stix_report rep;
	json_t *o = with_handling(body);
	stix_report_init(&rep);
	stix_validate(o, &rep);
	json_decref(o);
	return rep.nerrors;
}

static void handling_validator(void **state)
{
	(void)state;
	assert_int_equal(
	    handling_errors(
		"{\"extension_type\":\"property-extension\","
		"\"handling_code\":\"H3\",\"h3_text\":\"ask\","
		"\"source_reliability\":\"X\",\"information_accuracy\":4,"
		"\"areas\":[\"other\"],\"retention_days\":1,"
		"\"recipients\":{\"users\":[\"a.b\"],\"partners\":[\"p-1\"]}}"),
	    0);
	/* wrong extension_type: ours, and the core rule for identity */
	assert_int_equal(handling_errors("{\"extension_type\":\"new-sdo\"}"),
			 2);
	assert_int_equal(
	    handling_errors("{\"extension_type\":\"property-extension\","
			    "\"handling_code\":\"H4\"}"),
	    1);
	assert_int_equal(
	    handling_errors("{\"extension_type\":\"property-extension\","
			    "\"handling_code\":\"H3\"}"),
	    1);
	assert_int_equal(
	    handling_errors("{\"extension_type\":\"property-extension\","
			    "\"handling_code\":\"H1\",\"h3_text\":\"x\"}"),
	    1);
	assert_int_equal(
	    handling_errors("{\"extension_type\":\"property-extension\","
			    "\"source_reliability\":\"D\","
			    "\"information_accuracy\":5}"),
	    2);
	assert_int_equal(
	    handling_errors("{\"extension_type\":\"property-extension\","
			    "\"areas\":[]}"),
	    1);
	assert_int_equal(
	    handling_errors("{\"extension_type\":\"property-extension\","
			    "\"areas\":[\"weapons\",\"knitting\"]}"),
	    1);
	assert_int_equal(
	    handling_errors("{\"extension_type\":\"property-extension\","
			    "\"recipients\":{\"users\":[\"Bob\"]}}"),
	    1);
	assert_int_equal(
	    handling_errors("{\"extension_type\":\"property-extension\","
			    "\"retention_days\":0}"),
	    1);
	assert_int_equal(handling_errors("[]"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(authorization_matrix),
	    cmocka_unit_test(every_row_is_reached),
	    cmocka_unit_test(must_have_rules),
	    cmocka_unit_test(subject_from_auth),
	    cmocka_unit_test(markings_tlp),
	    cmocka_unit_test(markings_bad_refs),
	    cmocka_unit_test(markings_handling),
	    cmocka_unit_test(person_category),
	    cmocka_unit_test(areas_parse),
	    cmocka_unit_test(defaults_applied),
	    cmocka_unit_test(review_dates),
	    cmocka_unit_test(redaction),
	    cmocka_unit_test(handling_validator),
	    cmocka_unit_test(markings_summary),
	    cmocka_unit_test(summary_fast_reader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
