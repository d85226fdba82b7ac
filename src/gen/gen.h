/* Deterministic generator of realistic synthetic intelligence (no real
 * people): persons with names in Latin, Cyrillic and Persian script,
 * criminal groups, vehicles, phone numbers, documents, seizures, incidents,
 * reports and the relationships between them. Same seed and count, same
 * bytes out. */
#ifndef AC_GEN_GEN_H
#define AC_GEN_GEN_H

#include <stdint.h>
#include <stdio.h>
#include "base/rc.h"

struct gen_opts {
	uint64_t seed;
	uint64_t count;  /* number of STIX objects to emit (approximately
			    exact: never more than count) */
	const char *created_by; /* identity id to put in created_by_ref, or NULL */
};

enum gen_format { GEN_BUNDLE, GEN_JSONL };

/* Writes the objects to out, streaming (constant memory whatever count). */
ac_rc gen_write(const struct gen_opts *o, enum gen_format fmt, FILE *out,
		struct ac_err *err);

#endif
