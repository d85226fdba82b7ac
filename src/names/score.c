/* Similarity of two parsed names: per-token similarity from a weighted edit
 * distance on consonant skeletons (plus Jaro-Winkler on the vowelled forms
 * when both sides write vowels), then a greedy alignment of tokens and of
 * joined adjacent pairs, order-free. See docs/internals/names.md. */
#include "base/common.h"

#include <math.h>
#include <pthread.h>

#include "names/names.h"
#include "names/names_int.h"

#define ALIGN_MIN 0.6	   /* below this two tokens are not the same token */
#define EXTRA_PENALTY 0.3  /* weight of a token only one side has */
#define VOWEL_PENALTY 0.25 /* per vowel gap that cannot be the same name */

/* Weak letters: Persian vav of unknown value, word-initial y, final -i. */
static float letter_weight(char c)
{
	return c == 'W' ? 0.1f : c == 'Y' ? 0.3f : c == 'I' ? 0.5f : 1.0f;
}

static float cost_tab[128][128];
static pthread_once_t cost_once = PTHREAD_ONCE_INIT;

static void set_cost(const char *pair, float cost)
{
	cost_tab[(int)pair[0]][(int)pair[1]] = cost;
	cost_tab[(int)pair[1]][(int)pair[0]] = cost;
}

/* Cost of writing a for b: 0 for the same class, less for classes that
 * transliterations confuse, else the heavier letter's weight. */
static void init_costs(void)
{
	static const char *const near[] = {"fv", "pf", "JY", "KH", NULL};
	static const char *const far[] = {"bp", "bv", "Jz", "JC", "sz",
					  "sX", "td", "CX", NULL};

	for (int a = 0; a < 128; a++)
		for (int b = 0; b < 128; b++) {
			float wa = letter_weight((char)a),
			      wb = letter_weight((char)b);

			cost_tab[a][b] = a == b ? 0 : wa > wb ? wa : wb;
		}
	set_cost("vW", 0);
	for (size_t i = 0; near[i]; i++)
		set_cost(near[i], 0.3f);
	for (size_t i = 0; far[i]; i++)
		set_cost(far[i], 0.5f);
}

static float weight_of(const char *s)
{
	float w = 0;

	for (; *s; s++)
		w += letter_weight(*s);
	return w;
}

static inline float min3(float a, float b, float c)
{
	float m = a < b ? a : b;

	return m < c ? m : c;
}

/* 1 - weighted edit distance / weight of the heavier skeleton. Skeletons
 * hold ASCII only. */
static double skel_sim(const char *a, size_t na, float wa, const char *b,
		       size_t nb, float wb)
{
	float d[2 * NAMES_TOKEN_MAX + 1], prev[2 * NAMES_TOKEN_MAX + 1];
	float wmax = wa > wb ? wa : wb, r;

	if (wmax <= 0)
		return na == nb ? 1.0 : 0.0;
	prev[0] = 0;
	for (size_t j = 1; j <= nb; j++)
		prev[j] = prev[j - 1] + letter_weight(b[j - 1]);
	for (size_t i = 1; i <= na; i++) {
		const float *row = cost_tab[a[i - 1] & 0x7f];
		float wi = letter_weight(a[i - 1]);

		d[0] = prev[0] + wi;
		for (size_t j = 1; j <= nb; j++)
			d[j] = min3(prev[j - 1] + row[b[j - 1] & 0x7f],
				    prev[j] + wi,
				    d[j - 1] + letter_weight(b[j - 1]));
		memcpy(prev, d, (nb + 1) * sizeof(float));
	}
	r = 1.0f - prev[nb] / wmax;
	return r > 0 ? r : 0;
}

static double jaro_winkler(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b), m = 0, t = 0, k = 0, l = 0;
	bool ma[2 * NAMES_TOKEN_MAX] = {0}, mb[2 * NAMES_TOKEN_MAX] = {0};
	size_t win;
	double j;

	if (!na || !nb)
		return na == nb ? 1.0 : 0.0;
	win = (na > nb ? na : nb) / 2;
	win = win ? win - 1 : 0;
	for (size_t i = 0; i < na; i++) {
		size_t lo = i > win ? i - win : 0, hi = i + win + 1;

		for (size_t q = lo; q < nb && q < hi; q++)
			if (!mb[q] && a[i] == b[q]) {
				ma[i] = mb[q] = true;
				m++;
				break;
			}
	}
	if (!m)
		return 0;
	for (size_t i = 0; i < na; i++) {
		if (!ma[i])
			continue;
		while (!mb[k])
			k++;
		t += a[i] != b[k++];
	}
	j = ((double)m / na + (double)m / nb + (m - t / 2.0) / m) / 3.0;
	while (l < 4 && l < na && l < nb && a[l] == b[l])
		l++;
	return j + l * 0.1 * (1 - j);
}

/* Vowel sets as bits. */
enum { V_A = 1, V_E = 2, V_I = 4, V_O = 8, V_U = 16, V_ANY = 32 };

static unsigned vowel_bit(char c)
{
	switch (c) {
	case 'a':
		return V_A;
	case 'e':
		return V_E;
	case 'i':
	case 'Y':
		return V_I;
	case 'o':
		return V_O;
	case 'u':
	case 'W':
		return V_U;
	case 'A':
		return V_ANY;
	default:
		return 0;
	}
}

/* The vowels of each gap between consonants: slot 0 before the first,
 * slot k after the k-th. Weak letters count as vowels here. */
static void make_slots(struct names_unit *u)
{
	char prev = 0;

	u->nslot = 1;
	u->slot[0] = u->raw[0] = 0;
	for (const char *p = u->full; *p; prev = *p++) {
		unsigned b = vowel_bit(*p);
		uint8_t *slot = &u->slot[u->nslot - 1];

		if (!b) {
			if (u->nslot < sizeof(u->slot)) {
				u->slot[u->nslot] = u->raw[u->nslot] = 0;
				u->nslot++;
			}
			continue;
		}
		u->raw[u->nslot - 1] |= (uint8_t)b;
		/* i before another vowel is a glide: Natalya, Fyodor */
		if ((prev == 'i' || prev == 'Y') && *slot && b != V_I)
			*slot &= (uint8_t)~V_I;
		*slot |= (uint8_t)b;
	}
}

static void unit_done(struct names_unit *u)
{
	u->nskel = strlen(u->skel);
	u->w = weight_of(u->skel);
	make_slots(u);
}

/* Vowels that transliterations swap: a/o (Tajik o for Persian a), a/e,
 * e/i, o/u, e/o (Russian e for yo). */
static unsigned vowel_compat(unsigned v)
{
	unsigned m = V_ANY;

	if (v & V_ANY)
		return V_A | V_E | V_I | V_O | V_U | V_ANY;
	if (v & V_A)
		m |= V_A | V_O | V_E;
	if (v & V_E)
		m |= V_E | V_I | V_A | V_O;
	if (v & V_I)
		m |= V_I | V_E;
	if (v & V_O)
		m |= V_O | V_A | V_U | V_E;
	if (v & V_U)
		m |= V_U | V_O;
	return m;
}

/* Every vowel of x has a compatible one in y. */
static bool covered(unsigned x, unsigned y)
{
	for (unsigned b = 1; b <= V_ANY; b <<= 1)
		if ((x & b) && !(vowel_compat(b) & y))
			return false;
	return true;
}

/* Persian writes only long vowels (alef a, yeh i, vav u) and leaves out the
 * short ones: a written vowel must match a vowel the other spelling has
 * there (alef a or Tajik o, yeh i or e, vav u or o). Where the other has
 * none, Persian may have broken a consonant cluster (دیمیتری Dmitri), except
 * for an initial alef: the name starts with a vowel. */
static double persian_conflict(unsigned p, unsigned l, bool first, bool cluster)
{
	if (!l) /* Ahmad is not Hamid; but اسمیرنوف is Smirnov */
		return first && (p & V_ANY) && !cluster ? 1 : 0;
	p &= ~(unsigned)V_ANY;
	if ((p & V_A) && !(l & (V_A | V_O)))
		return 1;
	if ((p & V_I) && !(l & (V_I | V_E)))
		return 1;
	if ((p & V_U) && !(l & (V_U | V_O)))
		return 1;
	return 0;
}

/* Conflicting vowel gaps between two units whose consonants line up
 * (same count); 0 when they do not, as the vowels cannot be paired. */
static double vowel_conflicts(const struct names_unit *a,
			      const struct names_unit *b)
{
	double c = 0;

	if (a->nslot != b->nslot)
		return 0;
	for (size_t i = 0; i < a->nslot; i++) {
		unsigned x = a->slot[i], y = b->slot[i];

		bool last = i + 1 == a->nslot;

		if (a->arab != b->arab) {
			const struct names_unit *p = a->arab ? a : b;
			const struct names_unit *l = a->arab ? b : a;
			bool cluster = i == 0 && l->nslot > 1 && !l->raw[1];

			c += persian_conflict(p->raw[i], l->raw[i], i == 0,
					      cluster);
			/* a final vowel is written in Persian: Dariushova */
			if (last && i > 0 && !p->raw[i] != !l->raw[i])
				c += p->raw[i] ? 1 : 0.5;
		} else if (x && y) {
			c += !covered(x, y) || !covered(y, x);
		} else if (x != y) {
			/* a vowel against none: at either end it is another
			 * name (Hamid, Ahmad; -ov, -ova); inside, a dropped
			 * vowel */
			c += i == 0 || last || a->arab ? 0.5 : 0;
		}
	}
	return c;
}

static void join(char *out, const char *x, const char *y)
{
	size_t nx = strlen(x), ny = strlen(y);

	if (nx + ny >= 2 * NAMES_TOKEN_MAX)
		ny = 2 * NAMES_TOKEN_MAX - 1 - nx;
	memcpy(out, x, nx);
	memcpy(out + nx, y, ny);
	out[nx + ny] = '\0';
}

void names_units_make(const struct names_parsed *p, struct names_units *out)
{
	struct names_unit *u = out->u;
	size_t n = 0;

	for (size_t i = 0; i < p->ntok; i++) {
		const struct names_token *t = &p->tok[i];

		join(u[n].full, t->full, "");
		join(u[n].skel, t->skel, "");
		u[n].mask = 1u << i;
		u[n].ntok = 1;
		u[n].arab = t->script == NAMES_ARAB;
		unit_done(&u[n]);
		n++;
	}
	for (size_t i = 0; i + 1 < p->ntok; i++) {
		const struct names_token *t = &p->tok[i], *v = &p->tok[i + 1];

		join(u[n].full, t->full, v->full);
		join(u[n].skel, t->skel, v->skel);
		u[n].mask = 3u << i;
		u[n].ntok = 2;
		u[n].arab = t->script == NAMES_ARAB || v->script == NAMES_ARAB;
		unit_done(&u[n]);
		n++;
	}
	out->n = n;
	out->ntok = p->ntok;
}

static double unit_sim(const struct names_unit *a, const struct names_unit *b)
{
	double s;

	if (!a->skel[0] && !b->skel[0])
		return a->arab || b->arab ? (strcmp(a->full, b->full) ? 0.5 : 1)
					  : jaro_winkler(a->full, b->full);
	s = skel_sim(a->skel, a->nskel, a->w, b->skel, b->nskel, b->w);
	if (s < ALIGN_MIN - 0.2)
		return s;
	if (!a->arab && !b->arab)
		s = 0.8 * s + 0.2 * jaro_winkler(a->full, b->full);
	return s * fmax(0.5, 1.0 - VOWEL_PENALTY * vowel_conflicts(a, b));
}

struct pair {
	double sim;
	unsigned char ia, ib;
};

static int pair_cmp(const void *x, const void *y)
{
	const struct pair *a = x, *b = y;

	if (a->sim != b->sim)
		return a->sim < b->sim ? 1 : -1;
	return 0;
}

static int popcount(unsigned m)
{
	int n = 0;

	for (; m; m &= m - 1)
		n++;
	return n;
}

double names_units_score(const struct names_units *a,
			 const struct names_units *b)
{
	struct pair pairs[NAMES_UNIT_MAX * NAMES_UNIT_MAX];
	size_t np = 0;
	unsigned used_a = 0, used_b = 0;
	double num = 0, den = 0;
	int left_a, left_b;

	pthread_once(&cost_once, init_costs);
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++) {
			double s;

			if (a->u[i].ntok == 2 && b->u[j].ntok == 2)
				continue; /* two single matches cover it */
			s = unit_sim(&a->u[i], &b->u[j]);
			if (s >= ALIGN_MIN)
				pairs[np++] = (struct pair){s, (unsigned char)i,
							    (unsigned char)j};
		}
	if (np > 1)
		qsort(pairs, np, sizeof(pairs[0]), pair_cmp);
	for (size_t k = 0; k < np; k++) {
		const struct names_unit *x = &a->u[pairs[k].ia];
		const struct names_unit *y = &b->u[pairs[k].ib];
		double w = (x->ntok + y->ntok) / 2.0;

		if ((x->mask & used_a) || (y->mask & used_b))
			continue;
		used_a |= x->mask;
		used_b |= y->mask;
		num += w * pairs[k].sim * pairs[k].sim;
		den += w;
	}
	if (den <= 0)
		return 0;
	left_a = (int)a->ntok - popcount(used_a);
	left_b = (int)b->ntok - popcount(used_b);
	/* tokens on both sides left over contradict each other (two different
	 * given names); tokens on one side only are a missing middle name */
	den += (left_a && left_b ? 1.0 : EXTRA_PENALTY) * (left_a + left_b);
	return num / den;
}

double names_score(const struct names_parsed *a, const struct names_parsed *b)
{
	struct names_units ua = {0}, ub = {0};

	names_units_make(a, &ua);
	names_units_make(b, &ub);
	return names_units_score(&ua, &ub);
}

ac_rc names_similarity(const char *a, const char *b, double *score,
		       struct ac_err *err)
{
	struct names_parsed pa, pb;
	ac_rc rc;

	*score = 0;
	if (!a || !b)
		return ac_err_set(err, AC_ERR_INVALID, "name is missing");
	if ((rc = names_parse(a, strlen(a), &pa, err)) ||
	    (rc = names_parse(b, strlen(b), &pb, err)))
		return rc;
	*score = names_score(&pa, &pb);
	return AC_OK;
}
