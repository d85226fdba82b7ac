#include "base/common.h"
#include "crypto/cert.h"

#include <arpa/inet.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>
#include <time.h>

#define SERIAL_LEN 16
#define DNS_NAME_MAX 253

static ac_rc tls_fail(struct ac_err *err, const char *what, int gerr)
{
	return ac_err_set(err, AC_ERR_CRYPTO, "cannot %s: %s", what,
			  gnutls_strerror(gerr));
}

/* Copies a gnutls datum into a NUL-terminated heap string. */
static char *datum_str(const gnutls_datum_t *d)
{
	char *s = malloc((size_t)d->size + 1);
	if (!s)
		return NULL;
	memcpy(s, d->data, d->size);
	s[d->size] = '\0';
	return s;
}

static int add_ip_san(gnutls_x509_crt_t crt, int family, const char *text)
{
	unsigned char ip[16];
	if (inet_pton(family, text, ip) != 1)
		return GNUTLS_E_INVALID_REQUEST;
	return gnutls_x509_crt_set_subject_alt_name(
	    crt, GNUTLS_SAN_IPADDRESS, ip, family == AF_INET ? 4 : 16,
	    GNUTLS_FSAN_APPEND);
}

static int add_sans(gnutls_x509_crt_t crt, const char *const *dns_names,
		    size_t ndns)
{
	int r = gnutls_x509_crt_set_subject_alt_name(
	    crt, GNUTLS_SAN_DNSNAME, "localhost", 9, GNUTLS_FSAN_APPEND);

	for (size_t i = 0; i < ndns && r >= 0; i++)
		r = gnutls_x509_crt_set_subject_alt_name(
		    crt, GNUTLS_SAN_DNSNAME, dns_names[i],
		    (unsigned)strlen(dns_names[i]), GNUTLS_FSAN_APPEND);
	if (r >= 0)
		r = add_ip_san(crt, AF_INET, "127.0.0.1");
	if (r >= 0)
		r = add_ip_san(crt, AF_INET6, "::1");
	return r;
}

/* Subject, validity, serial, extensions and key of a server certificate. */
static int fill_crt(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key,
		    const char *cn, const char *const *dns_names, size_t ndns,
		    int days)
{
	unsigned char serial[SERIAL_LEN], keyid[64];
	size_t keyid_len = sizeof(keyid);
	time_t now = time(NULL);
	int r;

	if ((r = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial))) < 0)
		return r;
	serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x01);
	if ((r = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (r = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) < 0 ||
	    (r = gnutls_x509_crt_set_activation_time(crt, now - 60)) < 0 ||
	    (r = gnutls_x509_crt_set_expiration_time(
		 crt, now + (time_t)days * 86400)) < 0 ||
	    (r = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME,
					       0, cn, (unsigned)strlen(cn))) <
		0 ||
	    (r = gnutls_x509_crt_set_key(crt, key)) < 0 ||
	    (r = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
	    (r = gnutls_x509_crt_set_key_usage(
		 crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
	    (r = gnutls_x509_crt_set_key_purpose_oid(
		 crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
	    (r = add_sans(crt, dns_names, ndns)) < 0 ||
	    (r = gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, keyid,
					    &keyid_len)) < 0)
		return r;
	return gnutls_x509_crt_set_subject_key_id(crt, keyid, keyid_len);
}

static ac_rc check_args(const char *cn, const char *const *dns_names,
			size_t ndns, int days, struct ac_err *err)
{
	if (!cn || !*cn || strlen(cn) > 64)
		return ac_err_set(
		    err, AC_ERR_USAGE,
		    "certificate common name '%s' must have 1..64 characters",
		    cn ? cn : "(null)");
	if (days < 1 || days > 3650)
		return ac_err_set(
		    err, AC_ERR_USAGE,
		    "certificate lifetime %d days is outside 1..3650", days);
	for (size_t i = 0; i < ndns; i++) {
		const char *n = dns_names[i];
		if (!n || !*n || strlen(n) > DNS_NAME_MAX ||
		    strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
			      "WXYZ0123456789-.*") != strlen(n))
			return ac_err_set(
			    err, AC_ERR_USAGE,
			    "certificate dns name '%s' is not a host name",
			    n ? n : "(null)");
	}
	return AC_OK;
}

ac_rc ac_cert_self_signed(const char *common_name, const char *const *dns_names,
			  size_t ndns, int days, char **cert_pem,
			  char **key_pem, struct ac_err *err)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t cd = {NULL, 0}, kd = {NULL, 0};
	ac_rc rc;
	int r;

	*cert_pem = *key_pem = NULL;
	rc = check_args(common_name, dns_names, ndns, days, err);
	if (rc)
		return rc;
	if ((r = gnutls_x509_privkey_init(&key)) < 0 ||
	    (r = gnutls_x509_privkey_generate(
		 key, GNUTLS_PK_ECDSA,
		 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0) {
		rc = tls_fail(err, "generate the tls key", r);
		goto out;
	}
	if ((r = gnutls_x509_crt_init(&crt)) < 0 ||
	    (r = fill_crt(crt, key, common_name, dns_names, ndns, days)) < 0 ||
	    (r = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) <
		0) {
		rc = tls_fail(err, "build the tls certificate", r);
		goto out;
	}
	if ((r = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cd)) < 0 ||
	    (r = gnutls_x509_privkey_export2_pkcs8(
		 key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &kd)) < 0) {
		rc = tls_fail(err, "export the tls certificate", r);
		goto out;
	}
	*cert_pem = datum_str(&cd);
	*key_pem = datum_str(&kd);
	if (!*cert_pem || !*key_pem) {
		free(*cert_pem);
		ac_cert_free_key(*key_pem);
		*cert_pem = *key_pem = NULL;
		rc = ac_err_set(err, AC_ERR_NOMEM,
				"out of memory for the certificate");
	}
out:
	if (kd.data) {
		sodium_memzero(kd.data, kd.size);
		gnutls_free(kd.data);
	}
	gnutls_free(cd.data);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return rc;
}

void ac_cert_free_key(char *key_pem)
{
	if (!key_pem)
		return;
	sodium_memzero(key_pem, strlen(key_pem));
	free(key_pem);
}

ac_rc ac_cert_pubkey_pin_sha256(const char *cert_pem, char out[AC_CERT_PIN_LEN],
				struct ac_err *err)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t in, spki = {NULL, 0};
	unsigned char digest[32];
	ac_rc rc = AC_OK;
	int r;

	out[0] = '\0';
	in.data = (unsigned char *)(uintptr_t)cert_pem;
	in.size = (unsigned)strlen(cert_pem);
	if ((r = gnutls_x509_crt_init(&crt)) < 0 ||
	    (r = gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_PEM)) < 0) {
		rc = ac_err_set(err, AC_ERR_PARSE,
				"cannot read the pem certificate: %s",
				gnutls_strerror(r));
		goto out;
	}
	if ((r = gnutls_pubkey_init(&pub)) < 0 ||
	    (r = gnutls_pubkey_import_x509(pub, crt, 0)) < 0 ||
	    (r = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &spki)) < 0 ||
	    (r = gnutls_hash_fast(GNUTLS_DIG_SHA256, spki.data, spki.size,
				  digest)) < 0) {
		rc = tls_fail(err, "hash the certificate public key", r);
		goto out;
	}
	sodium_bin2base64(out, AC_CERT_PIN_LEN, digest, sizeof(digest),
			  sodium_base64_VARIANT_ORIGINAL);
out:
	gnutls_free(spki.data);
	if (pub)
		gnutls_pubkey_deinit(pub);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return rc;
}
