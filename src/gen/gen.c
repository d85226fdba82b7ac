/* Deterministic synthetic law-enforcement data as STIX 2.1 (gen.h). All
 * randomness comes from one xoshiro256** stream seeded by splitmix64, so
 * the same seed and count give the same bytes. Memory is constant: each
 * object is built, written and freed; relationships and reports draw their
 * targets from fixed-size reservoir samples of the ids emitted so far. */
#include "base/common.h"
#include "base/time.h"
#include "base/uuid.h"
#include "gen/gen.h"
#include "gen/names.h"
#include "policy/markings.h"
#include "stix/ext.h"
#include "stix/ext_check.h"
#include "stix/sco_id.h"

#include <jansson.h>

#define POOL_CAP 256
#define ID_MAX 80
#define BASE_US 1704067200000000LL /* 2024-01-01T00:00:00Z */
#define DAY_S 86400LL
#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* ---------- PRNG ---------- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform-enough integer in [0, n); n > 0. */
static uint32_t below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static uint32_t between(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + below(r, hi - lo + 1);
}

static bool chance(struct rng *r, uint32_t percent)
{
	return below(r, 100) < percent;
}

static size_t list_len(const char *const *list)
{
	size_t n = 0;
	while (list[n])
		n++;
	return n;
}

static const char *pick(struct rng *r, const char *const *list)
{
	return list[below(r, (uint32_t)list_len(list))];
}

/* ---------- state ---------- */

enum kind {
	K_PERSON,
	K_GROUP,
	K_VEHICLE,
	K_PHONE,
	K_DOCUMENT,
	K_ACCOUNT,
	K_SEIZURE,
	K_INCIDENT,
	K_POOLED, /* kinds below are not referenced */
	K_REPORT = K_POOLED,
	K_RELATIONSHIP,
};

/* Reservoir sample of the ids of one kind emitted so far. */
struct pool {
	uint64_t seen;
	size_t n;
	char ids[POOL_CAP][ID_MAX];
};

struct gen {
	struct rng r;
	const struct gen_opts *o;
	FILE *out;
	enum gen_format fmt;
	uint64_t written;
	struct pool pools[K_POOLED];
	uint64_t *sco_seen; /* open-addressing set of SCO id fingerprints */
	size_t sco_cap, sco_n;
};

#define SCO_RETRIES 16

static uint64_t fingerprint(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return h ? h : 1;
}

/* Adds fp to the set; false if it was already there. */
static bool sco_set_add(struct gen *g, uint64_t fp)
{
	if (g->sco_n * 2 >= g->sco_cap) {
		size_t ncap = g->sco_cap ? g->sco_cap * 2 : 4096;
		uint64_t *n = calloc(ncap, sizeof(*n)), *old = g->sco_seen;
		if (!n)
			return true; /* degrade: allow a rare duplicate */
		g->sco_seen = n;
		g->sco_cap = ncap;
		g->sco_n = 0;
		for (size_t i = 0; old && i < ncap / 2; i++)
			if (old[i])
				sco_set_add(g, old[i]);
		free(old);
	}
	for (size_t i = fp & (g->sco_cap - 1);; i = (i + 1) & (g->sco_cap - 1)) {
		if (g->sco_seen[i] == fp)
			return false;
		if (!g->sco_seen[i]) {
			g->sco_seen[i] = fp;
			g->sco_n++;
			return true;
		}
	}
}

/* SCOs get the deterministic STIX id of their contributing properties;
 * returns false when that SCO was already emitted (the caller retries). */
static bool assign_sco_id(struct gen *g, json_t *o, char id[ID_MAX])
{
	char sco[STIX_ID_MAX];

	if (json_object_get(o, "created"))
		return true;
	if (stix_sco_id(o, sco) != AC_OK)
		return true;
	if (!sco_set_add(g, fingerprint(sco)))
		return false;
	snprintf(id, ID_MAX, "%s", sco);
	json_object_set_new(o, "id", json_string(sco));
	return true;
}

static void pool_add(struct gen *g, enum kind k, const char *id)
{
	struct pool *p = &g->pools[k];
	size_t slot;
	p->seen++;
	if (p->n < POOL_CAP) {
		slot = p->n++;
	} else {
		uint64_t j = rng_next(&g->r) % p->seen;
		if (j >= POOL_CAP)
			return;
		slot = (size_t)j;
	}
	snprintf(p->ids[slot], ID_MAX, "%s", id);
}

static const char *pool_pick(struct gen *g, enum kind k)
{
	struct pool *p = &g->pools[k];
	return p->n ? p->ids[below(&g->r, (uint32_t)p->n)] : NULL;
}

/* ---------- values ---------- */

static void make_id(struct gen *g, const char *type, char out[ID_MAX])
{
	uint8_t u[16];
	char s[AC_UUID_STRLEN];
	uint64_t a = rng_next(&g->r), b = rng_next(&g->r);
	memcpy(u, &a, 8);
	memcpy(u + 8, &b, 8);
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	ac_uuid_format(u, s);
	snprintf(out, ID_MAX, "%s--%s", type, s);
}

/* Millisecond-precision timestamp. */
static void fmt_ts(int64_t us, char out[AC_TS_STRLEN])
{
	ac_ts_format_us(us - us % 1000, out);
	out[23] = 'Z';
	out[24] = '\0';
}

static int64_t random_time(struct gen *g)
{
	int64_t s = (int64_t)below(&g->r, (uint32_t)(730 * DAY_S));
	return BASE_US + s * 1000000LL + (int64_t)below(&g->r, 1000) * 1000;
}

static void digits(struct gen *g, char *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (char)('0' + below(&g->r, 10));
	out[n] = '\0';
}

static void letters(struct gen *g, char *out, size_t n, const char *set)
{
	size_t len = strlen(set);
	for (size_t i = 0; i < n; i++)
		out[i] = set[below(&g->r, (uint32_t)len)];
	out[n] = '\0';
}

static const char *tlp_marking(struct gen *g)
{
	static const char *const clear =
	    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
	static const char *const green =
	    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
	static const char *const amber =
	    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
	static const char *const amber_strict =
	    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
	static const char *const red =
	    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
	uint32_t x = below(&g->r, 100);
	if (x < 5)
		return clear;
	if (x < 30)
		return green;
	if (x < 75)
		return amber;
	return x < 90 ? amber_strict : red;
}

/* ---------- JSON helpers (a failed set leaves a NULL that dump rejects) */

static bool put_s(json_t *o, const char *k, const char *v)
{
	return json_object_set_new(o, k, json_string(v)) == 0;
}

static bool put(json_t *o, const char *k, json_t *v)
{
	return json_object_set_new(o, k, v) == 0;
}

/* Starts an object with the common properties. SDOs and SROs get
 * timestamps and created_by_ref; every object gets a TLP marking. */
static json_t *start_object(struct gen *g, const char *type, bool sdo,
			    char id[ID_MAX], int64_t *created_us)
{
	json_t *o = json_object();
	char ts[AC_TS_STRLEN];
	bool ok;

	make_id(g, type, id);
	if (!o)
		return NULL;
	ok = put_s(o, "type", type) && put_s(o, "spec_version", "2.1") &&
	     put_s(o, "id", id);
	if (ok && sdo) {
		int64_t c = random_time(g), m = c;
		if (chance(&g->r, 40))
			m += (int64_t)below(&g->r, (uint32_t)(60 * DAY_S)) *
			     1000000LL;
		if (g->o->created_by)
			ok = put_s(o, "created_by_ref", g->o->created_by);
		fmt_ts(c, ts);
		ok = ok && put_s(o, "created", ts);
		fmt_ts(m, ts);
		ok = ok && put_s(o, "modified", ts);
		if (created_us)
			*created_us = c;
	}
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* accord's handling extension on about 40 % of objects: a handling code,
 * an evaluation, one or two crime areas, and for RED objects the named
 * recipients. */
static json_t *handling_body(struct gen *g, const char *tlp_ref)
{
	static const char *const codes[] = {"H0", "H0", "H0", "H1", "H2",
					    "H3"};
	static const char *const areas[] = {
	    "drug-trafficking", "organised-crime", "migrant-smuggling",
	    "human-trafficking", "weapons", "money-laundering",
	    "border-security", "terrorism-violent-extremism"};
	static const char *const rel = "ABCX";
	const char *code = codes[below(&g->r, AC_ARRAY_LEN(codes))];
	char r[2] = {rel[below(&g->r, 4)], '\0'};
	json_t *b = json_pack(
	    "{s:s, s:s, s:s, s:i, s:[s]}", "extension_type",
	    "property-extension", "handling_code", code, "source_reliability",
	    r, "information_accuracy", (int)below(&g->r, 4) + 1, "areas",
	    areas[below(&g->r, AC_ARRAY_LEN(areas))]);

	if (b && chance(&g->r, 20))
		json_array_append_new(json_object_get(b, "areas"),
				      json_string("organised-crime"));
	if (b && !strcmp(code, "H3"))
		json_object_set_new(b, "h3_text",
				    json_string("ask the provider before any "
						"operational use"));
	if (b && !strcmp(tlp_ref, policy_tlp_marking_id(POLICY_TLP_RED)))
		json_object_set_new(b, "recipients",
				    json_pack("{s:[s], s:[s]}", "users",
					      "analyst1", "partners",
					      "partner-a"));
	return b;
}

/* Adds the marking, for accord's own types the extension reference, and
 * on some objects the handling extension. */
static bool finish_object(struct gen *g, json_t *o, const char *ext_id,
			  const char *ext_type)
{
	const char *tlp = tlp_marking(g);
	json_t *ext = json_object();

	if (!ext || !put(o, "object_marking_refs", json_pack("[s]", tlp))) {
		json_decref(ext);
		return false;
	}
	if (ext_id)
		json_object_set_new(ext, ext_id,
				    json_pack("{s:s}", "extension_type",
					      ext_type));
	if (chance(&g->r, 40))
		json_object_set_new(ext, STIX_EXT_HANDLING,
				    handling_body(g, tlp));
	if (json_object_size(ext) == 0) {
		json_decref(ext);
		return true;
	}
	return put(o, "extensions", ext);
}

/* ---------- persons ---------- */

struct person_name {
	const struct gen_given *given;
	const struct gen_given *father;
	const struct gen_family *fam;
	bool female;
};

static void pick_name(struct gen *g, struct person_name *pn)
{
	pn->given = &GEN_GIVEN[below(&g->r, (uint32_t)GEN_GIVEN_COUNT)];
	pn->female = pn->given->female;
	do {
		pn->father =
		    &GEN_GIVEN[below(&g->r, (uint32_t)GEN_GIVEN_COUNT)];
	} while (pn->father->female);
	pn->fam = &GEN_FAMILY[below(&g->r, (uint32_t)GEN_FAMILY_COUNT)];
}

/* Family name in one script, female form where the name has one. */
static void family_form(const struct person_name *pn, const char *base,
			const char *suffix, char *out, size_t n)
{
	bool inflect = pn->female && pn->fam->arab_f;
	snprintf(out, n, "%s%s", base, inflect ? suffix : "");
}

static void latin_name(const struct person_name *pn, bool variant, char *out,
		       size_t n)
{
	char fam[64];
	const char *given = variant && pn->given->latn_alt ? pn->given->latn_alt
							   : pn->given->latn;
	const char *fbase =
	    variant && pn->fam->latn_alt ? pn->fam->latn_alt : pn->fam->latn;
	family_form(pn, fbase, "a", fam, sizeof(fam));
	snprintf(out, n, "%s %s", given, fam);
}

static json_t *name_entry(const char *value, const char *script,
			  const char *kind)
{
	return json_pack("{s:s, s:s, s:s}", "value", value, "script", script,
			 "kind", kind);
}

static bool has_patronymic(const struct person_name *pn)
{
	const char *f = pn->father->latn;
	char last = f[strlen(f) - 1];
	return pn->fam->arab_f && !strchr("aeiouh", last);
}

static json_t *person_names(struct gen *g, const struct person_name *pn)
{
	json_t *a = json_array();
	char buf[160], fam[96];
	bool variant = pn->given->latn_alt || pn->fam->latn_alt;

	if (!a)
		return NULL;
	latin_name(pn, false, buf, sizeof(buf));
	json_array_append_new(a, name_entry(buf, "latn", "full"));
	if (variant) {
		latin_name(pn, true, buf, sizeof(buf));
		json_array_append_new(a, name_entry(buf, "latn", "full"));
	}
	family_form(pn, pn->fam->cyrl, "а", fam, sizeof(fam));
	snprintf(buf, sizeof(buf), "%s %s", pn->given->cyrl, fam);
	json_array_append_new(a, name_entry(buf, "cyrl", "full"));
	snprintf(buf, sizeof(buf), "%s %s", pn->given->arab,
		 pn->female && pn->fam->arab_f ? pn->fam->arab_f
					       : pn->fam->arab);
	json_array_append_new(a, name_entry(buf, "arab", "full"));
	json_array_append_new(a, name_entry(pn->given->latn, "latn", "given"));
	family_form(pn, pn->fam->latn, "a", fam, sizeof(fam));
	json_array_append_new(a, name_entry(fam, "latn", "family"));
	if (has_patronymic(pn)) {
		snprintf(buf, sizeof(buf), "%s%s", pn->father->cyrl,
			 pn->female ? "овна" : "ович");
		json_array_append_new(a, name_entry(buf, "cyrl", "patronymic"));
		snprintf(buf, sizeof(buf), "%s%s", pn->father->latn,
			 pn->female ? "ovna" : "ovich");
		json_array_append_new(a, name_entry(buf, "latn", "patronymic"));
	}
	if (chance(&g->r, 20))
		json_array_append_new(
		    a, name_entry(pick(&g->r, GEN_ALIASES), "latn", "alias"));
	return a;
}

static const char *nationality_of(struct gen *g, const struct person_name *pn)
{
	static const char *const central[] = {"KG", "KG", "UZ", "UZ", "TJ",
					      "TJ", "KZ", "TM", NULL};
	static const char *const persian[] = {"IR", "IR", "IR", "AF",
					      "AF", "TJ", NULL};
	return pick(&g->r, pn->fam->arab_f ? central : persian);
}

static void passport_number(struct gen *g, const char *country, char *out,
			    size_t n)
{
	char d[16];
	digits(g, d, 7);
	if (strcmp(country, "KG") == 0)
		snprintf(out, n, "AC%s", d);
	else if (strcmp(country, "UZ") == 0)
		snprintf(out, n, "F%c%s", "ABC"[below(&g->r, 3)], d);
	else if (strcmp(country, "KZ") == 0)
		snprintf(out, n, "N%s%c", d, (char)('0' + below(&g->r, 10)));
	else if (strcmp(country, "IR") == 0)
		snprintf(out, n, "X%s%c", d, (char)('0' + below(&g->r, 10)));
	else
		snprintf(out, n, "P%s", d);
}

static void birth_date(struct gen *g, char *out, size_t n)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	int y = (int)between(&g->r, 1958, 2005);
	int m = (int)between(&g->r, 1, 12);
	int d = (int)between(&g->r, 1, (uint32_t)mdays[m - 1]);
	snprintf(out, n, "%04d-%02d-%02d", y, m, d);
}

static const char *subject_category(struct gen *g)
{
	uint32_t x = below(&g->r, 100);
	if (x < 50)
		return "suspect";
	if (x < 70)
		return "contact";
	if (x < 80)
		return "convicted";
	if (x < 88)
		return "witness";
	return x < 96 ? "victim" : "informant";
}

static json_t *person_body(struct gen *g, const struct person_name *pn,
			   const char *cat)
{
	const char *nat = nationality_of(g, pn);
	char dob[16], num[32];
	json_t *b, *nats;

	birth_date(g, dob, sizeof(dob));
	passport_number(g, nat, num, sizeof(num));
	nats = json_pack("[s]", nat);
	if (nats && chance(&g->r, 12))
		json_array_append_new(
		    nats, json_string(
			      pick(&g->r, (const char *const[]){
					      "RU", "TR", "DE", "AE", NULL})));
	b = json_pack("{s:s, s:o, s:s, s:o, s:[{s:s, s:s, s:s}], s:s}",
		      "extension_type", "property-extension", "names",
		      person_names(g, pn), "date_of_birth", dob,
		      "nationalities", nats, "documents", "document_type",
		      "passport", "number", num, "issuing_country", nat,
		      "data_subject_category", cat);
	return b;
}

static json_t *gen_person(struct gen *g, char id[ID_MAX])
{
	struct person_name pn;
	char name[160], desc[256];
	const char *cat;
	json_t *o = start_object(g, "identity", true, id, NULL);
	json_t *exts;

	if (!o)
		return NULL;
	pick_name(g, &pn);
	latin_name(&pn, false, name, sizeof(name));
	cat = subject_category(g);
	snprintf(desc, sizeof(desc), "%s; %s active around %s, %s route", cat,
		 pick(&g->r, GEN_ROLES), pick(&g->r, GEN_PLACES),
		 pick(&g->r, (const char *const[]){
				 "heroin", "cannabis", "synthetic drugs",
				 "cigarettes", "firearms", "cash", NULL}));
	if (!put_s(o, "name", name) || !put_s(o, "description", desc) ||
	    !put_s(o, "identity_class", "individual") ||
	    !finish_object(g, o, NULL, NULL)) {
		json_decref(o);
		return NULL;
	}
	exts = json_object_get(o, "extensions");
	if (!exts && !put(o, "extensions", exts = json_object()))
		exts = NULL;
	if (!exts || json_object_set_new(exts, STIX_EXT_PERSON,
					 person_body(g, &pn, cat)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---------- criminal groups ---------- */

static json_t *gen_group(struct gen *g, char id[ID_MAX])
{
	char name[128], desc[256];
	json_t *o = start_object(g, "threat-actor", true, id, NULL);
	if (!o)
		return NULL;
	snprintf(name, sizeof(name), "%s %s %s", pick(&g->r, GEN_GROUP_ADJ),
		 pick(&g->r, GEN_GROUP_NOUN),
		 pick(&g->r, (const char *const[]){"Group", "Network",
						   "Organisation", NULL}));
	snprintf(desc, sizeof(desc),
		 "Organised crime group moving %s through %s towards %s",
		 pick(&g->r, (const char *const[]){"heroin", "opiates",
						   "hashish", "precursors",
						   "counterfeit cigarettes",
						   "weapons", NULL}),
		 pick(&g->r, GEN_PLACES), pick(&g->r, GEN_PLACES));
	if (!put_s(o, "name", name) || !put_s(o, "description", desc) ||
	    !put(o, "threat_actor_types", json_pack("[s]", "criminal")) ||
	    !put_s(o, "primary_motivation", "personal-gain") ||
	    !put_s(o, "resource_level", "organization") ||
	    !finish_object(g, o, NULL, NULL)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---------- vehicles ---------- */

struct make {
	const char *make, *wmi;
	const char *const models[4];
};

static const struct make MAKES[] = {
    {"Toyota", "JTE", {"Land Cruiser", "Camry", "Hilux", NULL}},
    {"Lada", "XTA", {"Priora", "Niva", "Vesta", NULL}},
    {"Mercedes-Benz", "WDB", {"Sprinter", "Actros", "E 220", NULL}},
    {"Volvo", "YV2", {"FH", "FM", NULL, NULL}},
    {"MAN", "WMA", {"TGX", "TGS", NULL, NULL}},
    {"Kamaz", "XTC", {"5490", "65115", NULL, NULL}},
    {"Hyundai", "KMH", {"Sonata", "Porter", "Tucson", NULL}},
    {"Chevrolet", "XWB", {"Cobalt", "Nexia", "Damas", NULL}},
    {"Honda", "JHM", {"Fit", "CR-V", NULL, NULL}},
    {"Ford", "WF0", {"Transit", "Focus", NULL, NULL}},
    {"Scania", "YS2", {"R450", "G410", NULL, NULL}},
};

static void make_vin(struct gen *g, const char *wmi, char vin[18])
{
	static const char alpha[] = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";
	static const char years[] = "56789ABCDEFGHJKLMNP"; /* 2005..2023 */
	memcpy(vin, wmi, 3);
	letters(g, vin + 3, 5, alpha);
	vin[8] = '0';
	vin[9] = years[below(&g->r, sizeof(years) - 1)];
	letters(g, vin + 10, 1, alpha);
	digits(g, vin + 11, 6);
	vin[8] = stix_vin_check_digit(vin);
}

static void make_plate(struct gen *g, const char *country, char *out, size_t n)
{
	static const char L[] = "ABEKMHOPCTYX";
	char a[4], b[4], d[5];
	letters(g, a, 3, L);
	letters(g, b, 2, L);
	digits(g, d, 4);
	if (strcmp(country, "KG") == 0)
		snprintf(out, n, "0%uKG%.3s%s", between(&g->r, 1, 9), d, a);
	else if (strcmp(country, "KZ") == 0)
		snprintf(out, n, "%.3s%s%02u", d, a, between(&g->r, 1, 17));
	else if (strcmp(country, "UZ") == 0)
		snprintf(out, n, "%02u%c%.3s%s", between(&g->r, 1, 95), a[0], d,
			 b);
	else if (strcmp(country, "TJ") == 0)
		snprintf(out, n, "%s%s%02u", d, b, between(&g->r, 1, 8));
	else if (strcmp(country, "TR") == 0)
		snprintf(out, n, "%02u%s%.3s", between(&g->r, 1, 81), a, d);
	else
		snprintf(out, n, "%c%.3s%s%02u", a[0], d, b,
			 between(&g->r, 1, 99));
}

static json_t *gen_vehicle(struct gen *g, char id[ID_MAX])
{
	static const char *const countries[] = {"KG", "KG", "KZ", "UZ",
						"TJ", "RU", "TR", NULL};
	static const char *const colours[] = {
	    "white", "black", "silver", "grey", "blue", "red", "green", NULL};
	const struct make *mk = &MAKES[below(&g->r, AC_ARRAY_LEN(MAKES))];
	size_t nmodels = mk->models[2] ? 3 : 2;
	const char *country = pick(&g->r, countries);
	uint32_t shape = below(&g->r, 100); /* <85 both, <95 plate, else vin */
	char plate[24], vin[18];
	bool ok;
	json_t *o = start_object(g, "accord-vehicle", false, id, NULL);

	if (!o)
		return NULL;
	make_plate(g, country, plate, sizeof(plate));
	make_vin(g, mk->wmi, vin);
	ok = true;
	if (shape < 95)
		ok = put_s(o, "plate", plate) &&
		     put_s(o, "plate_country", country);
	if (ok && (shape < 85 || shape >= 95))
		ok = put_s(o, "vin", vin);
	ok = ok && put_s(o, "make", mk->make) &&
	     put_s(o, "model", mk->models[below(&g->r, (uint32_t)nmodels)]) &&
	     put_s(o, "colour", pick(&g->r, colours)) &&
	     finish_object(g, o, STIX_EXT_VEHICLE, "new-sco");
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---------- phone numbers ---------- */

struct dial {
	const char *country, *code, *trunk;
	const char *const ops[4];
	size_t nsn; /* national significant number: operator + subscriber */
};

static const struct dial DIALS[] = {
    {"KG", "996", "0", {"555", "700", "777", "550"}, 9},
    {"KZ", "7", "8", {"701", "705", "747", "777"}, 10},
    {"UZ", "998", "", {"90", "91", "93", "97"}, 9},
    {"TJ", "992", "", {"93", "92", "90", "918"}, 9},
    {"IR", "98", "0", {"912", "935", "901", "915"}, 10},
    {"AF", "93", "0", {"70", "79", "77", "78"}, 9},
    {"RU", "7", "8", {"916", "926", "903", "985"}, 10},
    {"TR", "90", "0", {"532", "542", "505", "555"}, 10},
};

static json_t *gen_phone(struct gen *g, char id[ID_MAX])
{
	const struct dial *d = &DIALS[below(&g->r, AC_ARRAY_LEN(DIALS))];
	const char *op = d->ops[below(&g->r, 4)];
	char sub[16], value[32], raw[40];
	size_t sub_len = d->nsn - strlen(op);
	bool ok;
	json_t *o = start_object(g, "accord-phone-number", false, id, NULL);

	if (!o)
		return NULL;
	digits(g, sub, sub_len);
	snprintf(value, sizeof(value), "+%s%s%s", d->code, op, sub);
	snprintf(raw, sizeof(raw), "%s%s %.3s %s", d->trunk, op, sub, sub + 3);
	ok = put_s(o, "value", value) &&
	     (!chance(&g->r, 60) || put_s(o, "raw", raw)) &&
	     put_s(o, "country", d->country) &&
	     finish_object(g, o, STIX_EXT_PHONE, "new-sco");
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---------- documents ---------- */

/* Document types, weighted by repetition; prefix NULL: passport format. */
static const struct doc_kind {
	const char *type, *prefix;
} DOC_KINDS[] = {
    {"passport", NULL},	       {"passport", NULL},	   {"passport", NULL},
    {"passport", NULL},	       {"passport", NULL},	   {"id-card", "ID"},
    {"id-card", "ID"},	       {"residence-permit", "RP"}, {"visa", "V"},
    {"driving-licence", "DL"},
};

static json_t *gen_document(struct gen *g, char id[ID_MAX])
{
	static const char *const countries[] = {"KG", "UZ", "TJ", "KZ", "IR",
						"AF", "RU", "TR", NULL};
	const char *country = pick(&g->r, countries);
	const struct doc_kind *dk =
	    &DOC_KINDS[below(&g->r, AC_ARRAY_LEN(DOC_KINDS))];
	const char *type = dk->type;
	char num[32], d[12], until[16];
	bool ok;
	json_t *o = start_object(g, "accord-document", false, id, NULL);

	if (!o)
		return NULL;
	if (!dk->prefix) {
		passport_number(g, country, num, sizeof(num));
	} else {
		digits(g, d, 8);
		snprintf(num, sizeof(num), "%s%s", dk->prefix, d);
	}
	snprintf(until, sizeof(until), "%04u-%02u-%02u",
		 between(&g->r, 2024, 2034), between(&g->r, 1, 12),
		 between(&g->r, 1, 28));
	ok = put_s(o, "document_type", type) && put_s(o, "number", num) &&
	     put_s(o, "issuing_country", country) &&
	     put_s(o, "valid_until", until) &&
	     finish_object(g, o, STIX_EXT_DOCUMENT, "new-sco");
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---------- accounts ---------- */

struct iban_fmt {
	const char *country, *currency;
	size_t letters, digits;
};

static const struct iban_fmt IBANS[] = {
    {"DE", "EUR", 0, 18}, {"TR", "TRY", 0, 22}, {"KZ", "KZT", 0, 16},
    {"AE", "AED", 0, 19}, {"GE", "GEL", 2, 16}, {"AZ", "AZN", 4, 20},
};

static void make_iban(struct gen *g, const struct iban_fmt *f, char *out,
		      size_t n)
{
	char bban[40];
	int rem;
	letters(g, bban, f->letters, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
	digits(g, bban + f->letters, f->digits);
	snprintf(out, n, "%s00%s", f->country, bban);
	rem = stix_iban_mod97(out);
	snprintf(out, n, "%s%02d%s", f->country, 98 - rem, bban);
}

static void make_card(struct gen *g, char out[17])
{
	static const char *const prefixes[] = {"4",    "51",   "55", "9417",
					       "8600", "9860", NULL};
	const char *p = pick(&g->r, prefixes);
	size_t n = strlen(p);
	memcpy(out, p, n);
	digits(g, out + n, 15 - n);
	for (char c = '0'; c <= '9'; c++) {
		out[15] = c;
		out[16] = '\0';
		if (stix_luhn_ok(out))
			break;
	}
}

static bool account_fields(struct gen *g, json_t *o)
{
	char num[64];
	uint32_t x = below(&g->r, 100);
	if (x < 50) {
		const struct iban_fmt *f =
		    &IBANS[below(&g->r, AC_ARRAY_LEN(IBANS))];
		make_iban(g, f, num, sizeof(num));
		return put_s(o, "account_type", "bank") &&
		       put_s(o, "number", num) &&
		       put_s(o, "currency", f->currency);
	}
	if (x < 75) {
		num[0] = '0';
		num[1] = 'x';
		letters(g, num + 2, 40, "0123456789abcdef");
		return put_s(o, "account_type", "crypto-wallet") &&
		       put_s(o, "number", num) &&
		       put_s(o, "currency",
			     chance(&g->r, 70) ? "USDT" : "ETH") &&
		       put_s(o, "network", "ethereum");
	}
	if (x < 95) {
		make_card(g, num);
		return put_s(o, "account_type", "payment-card") &&
		       put_s(o, "number", num);
	}
	snprintf(num, sizeof(num), "HW-");
	digits(g, num + 3, 6);
	return put_s(o, "account_type", "other") && put_s(o, "number", num) &&
	       put_s(o, "network", "hawala");
}

static json_t *gen_account(struct gen *g, char id[ID_MAX])
{
	struct person_name pn;
	char holder[160];
	bool ok;
	json_t *o = start_object(g, "accord-account", false, id, NULL);

	if (!o)
		return NULL;
	ok = account_fields(g, o);
	if (ok && chance(&g->r, 70)) {
		pick_name(g, &pn);
		latin_name(&pn, chance(&g->r, 50), holder, sizeof(holder));
		for (char *p = holder; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		ok = put_s(o, "holder_name", holder);
	}
	ok = ok && finish_object(g, o, STIX_EXT_ACCOUNT, "new-sco");
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---------- seizures and incidents ---------- */

struct goods {
	const char *type, *unit;
	uint32_t lo, hi; /* quantity range; tenths when unit is kg */
};

static const struct goods GOODS[] = {
    {"heroin", "kg", 5, 1200},
    {"cocaine", "kg", 5, 600},
    {"cannabis", "kg", 10, 4000},
    {"synthetic-drugs", "g", 50, 9000},
    {"cigarettes", "pieces", 2000, 2000000},
    {"firearms", "pieces", 1, 40},
    {"cash", "usd", 5000, 900000},
    {"cash", "eur", 5000, 500000},
    {"other", "units", 1, 500},
};

static json_t *seizure_refs(struct gen *g)
{
	json_t *a = json_array();
	const char *p = pool_pick(g, K_PERSON), *v = pool_pick(g, K_VEHICLE);
	if (!a)
		return NULL;
	if (p)
		json_array_append_new(a, json_string(p));
	if (v && chance(&g->r, 50))
		json_array_append_new(a, json_string(v));
	return a;
}

static json_t *gen_seizure(struct gen *g, char id[ID_MAX])
{
	const struct goods *gd = &GOODS[below(&g->r, AC_ARRAY_LEN(GOODS))];
	uint32_t q = between(&g->r, gd->lo, gd->hi);
	bool kg = strcmp(gd->unit, "kg") == 0;
	const char *place = pick(&g->r, GEN_PLACES);
	char name[200], desc[256], qty[32], ts[AC_TS_STRLEN];
	int64_t created;
	json_t *refs = NULL;
	bool ok;
	json_t *o = start_object(g, "accord-seizure", true, id, &created);

	if (!o)
		return NULL;
	if (kg)
		snprintf(qty, sizeof(qty), "%u.%u", q / 10, q % 10);
	else
		snprintf(qty, sizeof(qty), "%u", q);
	snprintf(name, sizeof(name), "Seizure of %s %s %s at %s", qty, gd->unit,
		 gd->type, place);
	snprintf(
	    desc, sizeof(desc), "%s %s, found during a %s", gd->type,
	    pick(&g->r, GEN_CONCEALMENT),
	    pick(&g->r, (const char *const[]){
			    "routine check", "controlled delivery",
			    "joint operation", "search of premises", NULL}));
	fmt_ts(created -
		   (int64_t)below(&g->r, (uint32_t)(14 * DAY_S)) * 1000000LL,
	       ts);
	ok = put_s(o, "name", name) && put_s(o, "description", desc) &&
	     put_s(o, "goods_type", gd->type) &&
	     put(o, "quantity",
		 kg ? json_real(q / 10.0) : json_integer((json_int_t)q)) &&
	     put_s(o, "unit", gd->unit) && put_s(o, "place", place) &&
	     put_s(o, "seized_at", ts);
	if (ok && chance(&g->r, 60)) {
		refs = seizure_refs(g);
		if (refs && json_array_size(refs) > 0)
			ok = put(o, "object_refs", refs);
		else
			json_decref(refs);
	}
	ok = ok && finish_object(g, o, STIX_EXT_SEIZURE, "new-sdo");
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *gen_incident(struct gen *g, char id[ID_MAX])
{
	char name[200], desc[256];
	const char *place = pick(&g->r, GEN_PLACES);
	json_t *o = start_object(g, "incident", true, id, NULL);
	if (!o)
		return NULL;
	snprintf(name, sizeof(name), "%s near %s", pick(&g->r, GEN_EVENTS),
		 place);
	snprintf(
	    desc, sizeof(desc),
	    "Reported by a partner agency; %s involved, linked to %s "
	    "trafficking",
	    pick(&g->r, GEN_ROLES),
	    pick(&g->r, (const char *const[]){"heroin", "cannabis", "cigarette",
					      "firearms", "migrant", NULL}));
	if (!put_s(o, "name", name) || !put_s(o, "description", desc) ||
	    !finish_object(g, o, NULL, NULL)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---------- reports and relationships ---------- */

static bool array_has(const json_t *a, const char *s)
{
	size_t i;
	const json_t *v;
	json_array_foreach(a, i, v)
	{
		if (strcmp(json_string_value(v), s) == 0)
			return true;
	}
	return false;
}

/* NULL (and no object drawn) when nothing has been emitted yet. */
static json_t *gen_report(struct gen *g, char id[ID_MAX])
{
	char name[160], desc[200];
	uint32_t want = between(&g->r, 2, 8);
	json_t *refs = json_array(), *o;

	for (uint32_t i = 0;
	     refs && i < want * 2 && json_array_size(refs) < want; i++) {
		const char *ref =
		    pool_pick(g, (enum kind)below(&g->r, K_POOLED));
		if (ref && !array_has(refs, ref))
			json_array_append_new(refs, json_string(ref));
	}
	if (!refs || json_array_size(refs) == 0) {
		json_decref(refs);
		return NULL;
	}
	o = start_object(g, "report", true, id, NULL);
	if (!o) {
		json_decref(refs);
		return NULL;
	}
	snprintf(name, sizeof(name), "Situation report: %s %s",
		 pick(&g->r, GEN_GROUP_ADJ), pick(&g->r, GEN_GROUP_NOUN));
	snprintf(desc, sizeof(desc),
		 "Analysis of trafficking activity around %s and %s",
		 pick(&g->r, GEN_PLACES), pick(&g->r, GEN_PLACES));
	if (!put_s(o, "name", name) || !put_s(o, "description", desc) ||
	    !put(o, "report_types", json_pack("[s]", "threat-report")) ||
	    !put_s(o, "published",
		   json_string_value(json_object_get(o, "created"))) ||
	    !put(o, "object_refs", refs) || !finish_object(g, o, NULL, NULL)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

struct rel_template {
	enum kind src;
	const char *type;
	enum kind dst;
	const char *desc;
};

static const struct rel_template RELS[] = {
    {K_PERSON, "member-of", K_GROUP, "named as a member by an informant"},
    {K_PERSON, "owns", K_VEHICLE, "registered keeper of the vehicle"},
    {K_PERSON, "owns", K_ACCOUNT, "account holder"},
    {K_PERSON, "owns", K_DOCUMENT, "document holder"},
    {K_PERSON, "uses", K_PHONE, "phone seized during an arrest"},
    {K_GROUP, "uses", K_VEHICLE, "vehicle used for transport runs"},
    {K_GROUP, "uses", K_PHONE, "phone used to coordinate deliveries"},
    {K_GROUP, "uses", K_ACCOUNT, "account used to launder proceeds"},
    {K_PERSON, "related-to", K_PERSON, "seen together at a meeting"},
    {K_SEIZURE, "related-to", K_PERSON, "arrested at the seizure"},
    {K_SEIZURE, "related-to", K_VEHICLE, "goods found in the vehicle"},
    {K_INCIDENT, "attributed-to", K_GROUP, "group blamed by witnesses"},
    {K_INCIDENT, "related-to", K_PERSON, "person present at the scene"},
    {K_INCIDENT, "related-to", K_SEIZURE, "seizure followed the incident"},
};

/* NULL (and no object drawn) when no template has both ends yet. */
static json_t *gen_relationship(struct gen *g, char id[ID_MAX])
{
	size_t start = below(&g->r, AC_ARRAY_LEN(RELS));
	for (size_t k = 0; k < AC_ARRAY_LEN(RELS); k++) {
		const struct rel_template *t =
		    &RELS[(start + k) % AC_ARRAY_LEN(RELS)];
		const char *src = pool_pick(g, t->src);
		const char *dst = pool_pick(g, t->dst);
		json_t *o;
		if (!src || !dst || strcmp(src, dst) == 0)
			continue;
		o = start_object(g, "relationship", true, id, NULL);
		if (!o)
			return NULL;
		if (!put_s(o, "relationship_type", t->type) ||
		    !put_s(o, "description", t->desc) ||
		    !put_s(o, "source_ref", src) ||
		    !put_s(o, "target_ref", dst) ||
		    !put(o, "confidence",
			 json_integer(between(&g->r, 15, 95))) ||
		    !finish_object(g, o, NULL, NULL)) {
			json_decref(o);
			return NULL;
		}
		return o;
	}
	return NULL;
}

/* ---------- driver ---------- */

typedef json_t *(*builder)(struct gen *g, char id[ID_MAX]);

static const builder BUILDERS[] = {
    [K_PERSON] = gen_person,	 [K_GROUP] = gen_group,
    [K_VEHICLE] = gen_vehicle,	 [K_PHONE] = gen_phone,
    [K_DOCUMENT] = gen_document, [K_ACCOUNT] = gen_account,
    [K_SEIZURE] = gen_seizure,	 [K_INCIDENT] = gen_incident,
    [K_REPORT] = gen_report,	 [K_RELATIONSHIP] = gen_relationship,
};

/* Cumulative percentages of the mix, in enum order. */
static enum kind pick_kind(struct gen *g)
{
	static const uint32_t upto[] = {25, 30, 40, 50, 60,
					65, 70, 75, 77, 100};
	uint32_t x = below(&g->r, 100);
	for (size_t k = 0; k < AC_ARRAY_LEN(upto); k++)
		if (x < upto[k])
			return (enum kind)k;
	return K_RELATIONSHIP;
}

static ac_rc emit(struct gen *g, json_t *o, struct ac_err *err)
{
	if (g->written > 0 && g->fmt == GEN_BUNDLE &&
	    fputs(",\n", g->out) == EOF)
		goto io;
	if (json_dumpf(o, g->out, DUMP_FLAGS) != 0)
		goto io;
	if (g->fmt == GEN_JSONL && fputc('\n', g->out) == EOF)
		goto io;
	g->written++;
	return AC_OK;
io:
	return ac_err_set(err, AC_ERR_IO,
			  "cannot write generated object %llu: %s",
			  (unsigned long long)g->written + 1, strerror(errno));
}

static ac_rc emit_one(struct gen *g, struct ac_err *err)
{
	char id[ID_MAX];
	enum kind k = pick_kind(g);
	json_t *o = BUILDERS[k](g, id);
	ac_rc rc;

	for (int tries = 0; o && !assign_sco_id(g, o, id); tries++) {
		json_decref(o);
		o = tries < SCO_RETRIES ? BUILDERS[k](g, id) : NULL;
		if (!o) {
			k = K_PERSON; /* value space exhausted: emit a person */
			o = gen_person(g, id);
		}
	}
	if (!o && (k == K_REPORT || k == K_RELATIONSHIP)) {
		k = K_PERSON; /* nothing to point at yet */
		o = gen_person(g, id);
	}
	if (!o)
		return ac_err_set(err, AC_ERR_NOMEM,
				  "cannot build generated object %llu: out of "
				  "memory",
				  (unsigned long long)g->written + 1);
	rc = emit(g, o, err);
	json_decref(o);
	if (rc == AC_OK && k < K_POOLED)
		pool_add(g, k, id);
	return rc;
}

static ac_rc check_opts(const struct gen_opts *o, struct ac_err *err)
{
	const char *cb = o->created_by;
	uint8_t u[16];
	if (cb && (strncmp(cb, "identity--", 10) != 0 || strlen(cb) != 46 ||
		   !ac_uuid_parse(cb + 10, 36, u)))
		return ac_err_set(err, AC_ERR_USAGE,
				  "created-by '%s' is not an identity id "
				  "(identity--<uuid>)",
				  cb);
	return AC_OK;
}

ac_rc gen_write(const struct gen_opts *o, enum gen_format fmt, FILE *out,
		struct ac_err *err)
{
	struct gen *g = NULL;
	char bundle_id[ID_MAX];
	ac_rc rc = check_opts(o, err);

	if (rc != AC_OK)
		return rc;
	g = calloc(1, sizeof(*g));
	if (!g)
		return ac_err_set(err, AC_ERR_NOMEM,
				  "cannot start the generator: out of memory");
	rng_seed(&g->r, o->seed);
	g->o = o;
	g->out = out;
	g->fmt = fmt;
	if (fmt == GEN_BUNDLE) {
		make_id(g, "bundle", bundle_id);
		if (fprintf(out, "{\"type\":\"bundle\",\"id\":\"%s\"%s",
			    bundle_id, o->count ? ",\"objects\":[\n" : "") < 0)
			goto io;
	}
	for (uint64_t i = 0; i < o->count; i++) {
		rc = emit_one(g, err);
		if (rc != AC_OK)
			goto out;
	}
	if (fmt == GEN_BUNDLE && fputs(o->count ? "\n]}\n" : "}\n", out) == EOF)
		goto io;
	if (fflush(out) != 0)
		goto io;
	rc = AC_OK;
	goto out;
io:
	rc = ac_err_set(err, AC_ERR_IO, "cannot write generated data: %s",
			strerror(errno));
out:
	if (g)
		free(g->sco_seen);
	free(g);
	return rc;
}
