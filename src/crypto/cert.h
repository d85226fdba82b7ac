/* The node's TLS certificate: a self-signed ECDSA P-256 certificate made
 * with GnuTLS, and the public-key pin clients can check it with. */
#ifndef AC_CRYPTO_CERT_H
#define AC_CRYPTO_CERT_H

#include <stddef.h>
#include "base/rc.h"

#define AC_CERT_PIN_LEN 64 /* buffer for the base64 pin (44 chars + NUL) */

/* Makes a self-signed server certificate valid for `days` (1..3650) days
 * from a minute ago: subject CN common_name, SANs DNS "localhost" plus
 * dns_names, and IP 127.0.0.1 and ::1; random serial, SHA-256 signature.
 * On success *cert_pem and *key_pem are PEM strings the caller frees
 * (free the key with ac_cert_free_key, which wipes it). AC_ERR_USAGE for
 * bad arguments, AC_ERR_CRYPTO when GnuTLS fails. */
ac_rc ac_cert_self_signed(const char *common_name, const char *const *dns_names,
			  size_t ndns, int days, char **cert_pem,
			  char **key_pem, struct ac_err *err);

/* Wipes and frees a key from ac_cert_self_signed. NULL is a no-op. */
void ac_cert_free_key(char *key_pem);

/* Base64 SHA-256 of the certificate's SubjectPublicKeyInfo (DER), the value
 * after "sha256//" in curl's --pinnedpubkey. AC_ERR_PARSE when cert_pem
 * is not a PEM certificate. */
ac_rc ac_cert_pubkey_pin_sha256(const char *cert_pem, char out[AC_CERT_PIN_LEN],
				struct ac_err *err);

#endif
