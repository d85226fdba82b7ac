/* The node's key pairs: Ed25519 for signing, X25519 for encryption.
 * Private keys live in one file of mode 0600; public keys in another. */
#ifndef AC_CRYPTO_KEYS_H
#define AC_CRYPTO_KEYS_H

#include <sodium.h>
#include "base/rc.h"

struct ac_keys {
	unsigned char sign_pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sign_sk[crypto_sign_SECRETKEYBYTES];
	unsigned char box_pk[crypto_box_PUBLICKEYBYTES];
	unsigned char box_sk[crypto_box_SECRETKEYBYTES];
};

/* Initialises libsodium once; safe to call many times. */
ac_rc ac_crypto_init(struct ac_err *err);
/* Fresh random key pairs. */
ac_rc ac_keys_generate(struct ac_keys *k, struct ac_err *err);
/* Writes secret_path (mode 0600, created exclusively) and public_path
 * (0644, also exclusively). AC_ERR_EXISTS if either exists, AC_ERR_IO on
 * write errors; on failure neither file is left behind. */
ac_rc ac_keys_save(const struct ac_keys *k, const char *secret_path,
		   const char *public_path, struct ac_err *err);
/* Loads both files; refuses a secret file readable by group or others
 * (AC_ERR_PERM). AC_ERR_PARSE for a malformed or truncated file,
 * AC_ERR_CRYPTO when the public keys do not belong to the secret keys;
 * on failure k holds no secrets. */
ac_rc ac_keys_load(struct ac_keys *k, const char *secret_path,
		   const char *public_path, struct ac_err *err);
/* Wipes the secret keys from memory. */
void ac_keys_wipe(struct ac_keys *k);

#endif
