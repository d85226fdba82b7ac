/* Internal to src/names: a parsed name prepared for scoring (its tokens and
 * its joined adjacent pairs), so a query is prepared once per search. */
#ifndef AC_NAMES_INT_H
#define AC_NAMES_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "names/names.h"

#define NAMES_UNIT_MAX (NAMES_MAX_TOKENS * 2)

struct names_unit {
	char full[2 * NAMES_TOKEN_MAX];
	char skel[2 * NAMES_TOKEN_MAX];
	unsigned mask; /* tokens covered */
	int ntok;      /* 1, or 2 for a joined pair */
	bool arab;     /* vowels unwritten: compare skeletons only */
	size_t nskel;
	float w;			       /* skeleton weight */
	uint8_t nslot;			       /* consonants + 1 */
	uint8_t slot[2 * NAMES_TOKEN_MAX + 1]; /* vowels between consonants */
	uint8_t raw[2 * NAMES_TOKEN_MAX + 1];  /* the same, glides kept */
};

struct names_units {
	struct names_unit u[NAMES_UNIT_MAX];
	size_t n, ntok;
};

void names_units_make(const struct names_parsed *p, struct names_units *out);
double names_units_score(const struct names_units *a,
			 const struct names_units *b);

#endif
