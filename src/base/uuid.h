/* RFC 4122 UUIDs: parsing with version/variant, v4 generation and the
 * deterministic v5 that STIX uses for SCO ids. Strings are lower-case,
 * 36 characters plus NUL. */
#ifndef AC_UUID_H
#define AC_UUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/rc.h"

#define AC_UUID_STRLEN 37

/* The STIX 2.1 namespace for SCO UUIDv5 ids. */
extern const uint8_t AC_UUID_STIX_NS[16];

/* Parses a canonical 8-4-4-4-12 UUID (hex digits of either case). Returns
 * false on bad shape. Does not check version or variant. */
bool ac_uuid_parse(const char *s, size_t len, uint8_t out[16]);
/* Version nibble (1..8) and whether the variant is RFC 4122 (10xx). */
int ac_uuid_version(const uint8_t u[16]);
bool ac_uuid_is_rfc4122(const uint8_t u[16]);
void ac_uuid_format(const uint8_t u[16], char out[AC_UUID_STRLEN]);
/* Random version-4 UUID from libsodium's CSPRNG. */
void ac_uuid_v4(char out[AC_UUID_STRLEN]);
/* Name-based SHA-1 version-5 UUID. */
ac_rc ac_uuid_v5(const uint8_t ns[16], const void *name, size_t len,
		 char out[AC_UUID_STRLEN]);

#endif
