/* Private to src/taxii: GET /accord/v1/names (taxii_names.c). */
#ifndef AC_TAXII_NAMES_H
#define AC_TAXII_NAMES_H

#include "taxii/taxii_int.h"

/* Ranked person-name search: ?q=NAME (required, at most NAMES_MAX_BYTES)
 * and &top=K (1..100, default 10). Answers {"matches":[{"id","name",
 * "score"}]} with only the persons the caller may see; needs a purpose;
 * records a consult entry (channel names-search) naming the ids. */
void taxii_names(struct taxii_call *c);

#endif
