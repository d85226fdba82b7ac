/* Invented name and place tables for the sample-data generator. Each name
 * is a transliteration set: Latin, a Latin variant spelling (or NULL),
 * Cyrillic and Persian script. */
#ifndef AC_GEN_NAMES_H
#define AC_GEN_NAMES_H

#include <stdbool.h>
#include <stddef.h>

struct gen_given {
	const char *latn, *latn_alt, *cyrl, *arab;
	bool female;
};

/* Family names ending in -ov/-ev take -a / -а in the female form, and
 * arab_f then holds the female Persian spelling; arab_f NULL means the name
 * does not change with gender (Persian surnames). */
struct gen_family {
	const char *latn, *latn_alt, *cyrl, *arab, *arab_f;
};

extern const struct gen_given GEN_GIVEN[];
extern const size_t GEN_GIVEN_COUNT;
extern const struct gen_family GEN_FAMILY[];
extern const size_t GEN_FAMILY_COUNT;

/* NULL-terminated word lists. */
extern const char *const GEN_ALIASES[];
extern const char *const GEN_PLACES[];
extern const char *const GEN_GROUP_ADJ[];
extern const char *const GEN_GROUP_NOUN[];
extern const char *const GEN_ROLES[];
extern const char *const GEN_CONCEALMENT[];
extern const char *const GEN_EVENTS[];

#endif
