/* Content hashes (BLAKE2b-256 via libsodium) and hex encoding. */
#ifndef AC_CRYPTO_HASH_H
#define AC_CRYPTO_HASH_H

#include <stddef.h>
#include <stdint.h>

#define AC_HASH_LEN 32

/* BLAKE2b-256 (unkeyed) of the len bytes at data, into out. */
void ac_hash(const void *data, size_t len, uint8_t out[AC_HASH_LEN]);
/* Lower-case hex of n bytes into out (2n+1 bytes). */
void ac_hex(const uint8_t *in, size_t n, char *out);

#endif
