/* Fast encoding and decoding of public base64 data (signatures, hashes): standard
 * alphabet with padding, as sodium_base642bin(..., VARIANT_ORIGINAL)
 * accepts it, without its constant-time cost (which secrets need and
 * public values do not: use libsodium for keys and tokens). */
#ifndef AC_BASE_B64_H
#define AC_BASE_B64_H

#include <stdbool.h>
#include <stddef.h>

/* Decodes s[0..len) into exactly n bytes at out. True only for the
 * canonical encoding of n bytes: length 4 * ceil(n / 3), '=' padding only
 * where needed, unused bits zero, no whitespace. */
bool ac_b64_decode_exact(const char *s, size_t len, unsigned char *out,
			 size_t n);

/* Encodes in[0..n) into out as sodium_bin2base64(..., VARIANT_ORIGINAL)
 * does (padded, NUL-terminated: 4 * ceil(n / 3) + 1 bytes), without its
 * constant-time cost. Public data only. */
void ac_b64_encode(const unsigned char *in, size_t n, char *out);

#endif
