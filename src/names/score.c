/* Similarity of two parsed names: per-token similarity from a weighted edit
 * distance on consonant skeletons (plus Jaro-Winkler on the vowelled forms
 * when both sides write vowels), then a greedy alignment of tokens and of
 * joined adjacent pairs, order-free. See docs/internals/names.md. */
#include "base/common.h"

#include <math.h>

#include "names/names.h"

#define UNIT_MAX (NAMES_MAX_TOKENS * 2)
#define ALIGN_MIN 0.6     /* below this two tokens are not the same token */
#define EXTRA_PENALTY 0.3 /* weight of a token only one side has */

/* Weak letters: Persian vav of unknown value, word-initial y. */
static double letter_weight(char c)
{
	return c == 'W' ? 0.1 : c == 'Y' ? 0.3 : 1.0;
}

static bool related(char a, char b, const char *pair)
{
	return (a == pair[0] && b == pair[1]) || (a == pair[1] && b == pair[0]);
}

/* Cost of writing a for b: 0 for the same class, less for classes that
 * transliterations confuse. */
static double subst_cost(char a, char b)
{
	static const char *const close[] = { "vW", NULL };
	static const char *const near[] = { "fv", "pf", "JY", NULL };
	static const char *const far[] = { "bp", "bv", "Jz", "JC", "sz",
					   "sX", "KH", "td", "CX", NULL };

	if (a == b)
		return 0;
	for (size_t i = 0; close[i]; i++)
		if (related(a, b, close[i]))
			return 0;
	for (size_t i = 0; near[i]; i++)
		if (related(a, b, near[i]))
			return 0.3;
	for (size_t i = 0; far[i]; i++)
		if (related(a, b, far[i]))
			return 0.5;
	return fmax(letter_weight(a), letter_weight(b));
}

static double skel_weight(const char *s)
{
	double w = 0;

	for (; *s; s++)
		w += letter_weight(*s);
	return w;
}

/* 1 - weighted edit distance / weight of the heavier skeleton. */
static double skel_sim(const char *a, const char *b)
{
	double d[2 * NAMES_TOKEN_MAX + 1], prev[2 * NAMES_TOKEN_MAX + 1];
	size_t na = strlen(a), nb = strlen(b);
	double wmax = fmax(skel_weight(a), skel_weight(b));

	if (wmax <= 0)
		return na == nb ? 1.0 : 0.0;
	prev[0] = 0;
	for (size_t j = 1; j <= nb; j++)
		prev[j] = prev[j - 1] + letter_weight(b[j - 1]);
	for (size_t i = 1; i <= na; i++) {
		d[0] = prev[0] + letter_weight(a[i - 1]);
		for (size_t j = 1; j <= nb; j++) {
			double del = prev[j] + letter_weight(a[i - 1]);
			double ins = d[j - 1] + letter_weight(b[j - 1]);
			double sub = prev[j - 1] + subst_cost(a[i - 1], b[j - 1]);

			d[j] = fmin(sub, fmin(del, ins));
		}
		memcpy(prev, d, (nb + 1) * sizeof(double));
	}
	return fmax(0.0, 1.0 - prev[nb] / wmax);
}

static double jaro_winkler(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b), m = 0, t = 0, k = 0, l = 0;
	bool ma[2 * NAMES_TOKEN_MAX] = { 0 }, mb[2 * NAMES_TOKEN_MAX] = { 0 };
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

/* A token or two adjacent tokens joined (Mohammad Hossein). */
struct unit {
	char full[2 * NAMES_TOKEN_MAX];
	char skel[2 * NAMES_TOKEN_MAX];
	unsigned mask; /* tokens covered */
	int ntok;
	bool arab;
};

static size_t make_units(const struct names_parsed *p, struct unit *u)
{
	size_t n = 0;

	for (size_t i = 0; i < p->ntok; i++) {
		const struct names_token *t = &p->tok[i];

		snprintf(u[n].full, sizeof(u[n].full), "%s", t->full);
		snprintf(u[n].skel, sizeof(u[n].skel), "%s", t->skel);
		u[n].mask = 1u << i;
		u[n].ntok = 1;
		u[n].arab = t->script == NAMES_ARAB;
		n++;
	}
	for (size_t i = 0; i + 1 < p->ntok; i++) {
		const struct names_token *t = &p->tok[i], *v = &p->tok[i + 1];

		snprintf(u[n].full, sizeof(u[n].full), "%s%s", t->full, v->full);
		snprintf(u[n].skel, sizeof(u[n].skel), "%s%s", t->skel, v->skel);
		u[n].mask = 3u << i;
		u[n].ntok = 2;
		u[n].arab = t->script == NAMES_ARAB || v->script == NAMES_ARAB;
		n++;
	}
	return n;
}

static double unit_sim(const struct unit *a, const struct unit *b)
{
	double s;

	if (!a->skel[0] && !b->skel[0])
		return a->arab || b->arab ? (strcmp(a->full, b->full) ? 0.5 : 1)
					  : jaro_winkler(a->full, b->full);
	s = skel_sim(a->skel, b->skel);
	if (!a->arab && !b->arab)
		s = 0.8 * s + 0.2 * jaro_winkler(a->full, b->full);
	return s;
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

double names_score(const struct names_parsed *a, const struct names_parsed *b)
{
	struct unit ua[UNIT_MAX], ub[UNIT_MAX];
	struct pair pairs[UNIT_MAX * UNIT_MAX];
	size_t na = make_units(a, ua), nb = make_units(b, ub), np = 0;
	unsigned used_a = 0, used_b = 0;
	double num = 0, den = 0;
	int left_a, left_b;

	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++) {
			double s = unit_sim(&ua[i], &ub[j]);

			if (s >= ALIGN_MIN)
				pairs[np++] = (struct pair){ s, (unsigned char)i,
							     (unsigned char)j };
		}
	qsort(pairs, np, sizeof(pairs[0]), pair_cmp);
	for (size_t k = 0; k < np; k++) {
		const struct unit *x = &ua[pairs[k].ia], *y = &ub[pairs[k].ib];
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
