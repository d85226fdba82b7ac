/* Cross-script person-name matching: Latin, Cyrillic and Persian/Arabic
 * script mapped to one phonetic key space, a similarity score and an
 * in-memory index. The pipeline, the keys and the score are described in
 * docs/internals/names.md. */
#ifndef AC_NAMES_H
#define AC_NAMES_H

#include <stddef.h>
#include <stdint.h>
#include "base/rc.h"

#define NAMES_MAX_BYTES 512 /* longest accepted name, UTF-8 bytes */
#define NAMES_MAX_TOKENS 8  /* most tokens in one name */
#define NAMES_TOKEN_MAX 40  /* key buffer per token, including NUL */
#define NAMES_NORM_MAX 2048 /* normalised text buffer, UTF-8 bytes */

/* A score at or above this is a "probable match" (same person). */
#define NAMES_PROBABLE 0.85

enum names_script {
	NAMES_LATN = 0,
	NAMES_CYRL,
	NAMES_ARAB,
	NAMES_OTHER,
};

/* One token of a parsed name. `full` is the transliteration into the key
 * alphabet with vowels (a e i o u) and consonant classes; `skel` is the
 * consonant skeleton (full without vowels). */
struct names_token {
	char full[NAMES_TOKEN_MAX];
	char skel[NAMES_TOKEN_MAX];
	uint8_t script; /* enum names_script of the token's letters */
};

struct names_parsed {
	size_t ntok;
	struct names_token tok[NAMES_MAX_TOKENS];
};

/* Normalises a UTF-8 name for display and comparison: NFKC with case
 * folding, diacritics removed, Persian/Arabic letter variants folded, tatweel
 * dropped, ZWNJ turned into a space, Arabic-Indic digits made ASCII. Writes
 * NUL-terminated UTF-8 into out (outsz bytes). Errors: AC_ERR_PARSE for
 * invalid UTF-8, AC_ERR_LIMIT when the input exceeds NAMES_MAX_BYTES or the
 * result does not fit. */
ac_rc names_normalize(const char *name, size_t len, char *out, size_t outsz,
		      struct ac_err *err);

/* Parses a UTF-8 name into tokens with keys. Errors: AC_ERR_PARSE (invalid
 * UTF-8), AC_ERR_LIMIT (too long, too many tokens, token too long),
 * AC_ERR_INVALID (no letters at all). */
ac_rc names_parse(const char *name, size_t len, struct names_parsed *out,
		  struct ac_err *err);

/* Similarity of two parsed names, 0..1, symmetric. */
double names_score(const struct names_parsed *a, const struct names_parsed *b);

/* Parses both names and scores them. */
ac_rc names_similarity(const char *a, const char *b, double *score,
		       struct ac_err *err);

/* The blocking key of a token: its skeleton with the weak letters (v, w, y)
 * dropped, f/p merged and doubles collapsed. out holds NAMES_TOKEN_MAX. */
void names_coarse_key(const char *skel, char out[NAMES_TOKEN_MAX]);

/* --- index ---------------------------------------------------------------
 * In memory. Keys are derived from the stored names only, so an index is
 * rebuilt from the names kept in the store at startup. Not thread-safe:
 * callers serialise add and query. */
struct names_index;

struct names_match {
	const char *ref; /* the object id given to add; owned by the index */
	const char
	    *name; /* the indexed name that matched; owned by the index */
	double score;
};

ac_rc names_index_new(struct names_index **out, struct ac_err *err);
void names_index_free(struct names_index *ix);

/* Indexes the names of one object (ref, e.g. an identity id). Names that do
 * not parse are skipped and counted in *skipped (may be NULL); the first such
 * error is left in err. Returns AC_ERR_NOMEM or AC_ERR_LIMIT (more than 2^31
 * names) on failure, else AC_OK. */
ac_rc names_index_add(struct names_index *ix, const char *ref,
		      const char *const *names, size_t n, size_t *skipped,
		      struct ac_err *err);

/* The best matches for name, at most top (<= 1000), best first, one per
 * ref. out has room for top entries; *nout gets the count. Errors as
 * names_parse. */
ac_rc names_index_query(struct names_index *ix, const char *name, size_t top,
			struct names_match *out, size_t *nout,
			struct ac_err *err);

size_t names_index_count(const struct names_index *ix);	 /* indexed names */
size_t names_index_memory(const struct names_index *ix); /* bytes held */

#endif
