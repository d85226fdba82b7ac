/* A minimal TAXII 2.1 client for partner links (libcurl).
 *
 * Trust: the partner's TLS public key pin from its card is the only trust
 * anchor. The certificate chain and host name are not checked against any
 * CA (partner nodes use self-signed certificates); instead curl compares
 * the SHA-256 of the server's SubjectPublicKeyInfo with the pin
 * (CURLOPT_PINNEDPUBLICKEY) and a mismatch aborts the connection before
 * any request is sent. Only https is allowed, redirects are not followed,
 * responses are capped and every transfer has timeouts. */
#ifndef AC_FEDERATION_CLIENT_H
#define AC_FEDERATION_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include "base/buf.h"
#include "base/rc.h"
#include "store/store.h"

#define FED_TOKEN_MAX 512
#define FED_RESPONSE_MAX ((size_t)64 << 20)

struct fed_client {
	char base[STORE_URL_MAX + 1]; /* the API root, ending in '/' */
	char pin[STORE_PIN_MAX + 1];
	char token[FED_TOKEN_MAX + 1]; /* secret: wiped by fed_client_close */
	long connect_timeout_s;	       /* default 10 */
	long timeout_s;		       /* whole transfer; default 120 */
	size_t max_response;	       /* default FED_RESPONSE_MAX */
	void *curl;		       /* CURL *, reused across requests */
};

struct fed_response {
	long status;	     /* HTTP status, 0 if none */
	struct ac_buf body;  /* capped at max_response */
	char added_last[64]; /* X-TAXII-Date-Added-Last, "" if none */
	bool transient;	     /* worth retrying (network, 5xx, 429) */
};

/* Sets up a client for the API root base with pin and token (both copied).
 * AC_ERR_INVALID for a base that is not https or too long, AC_ERR_NOMEM. */
ac_rc fed_client_open(struct fed_client *c, const char *base, const char *pin,
		      const char *token, struct ac_err *err);
/* Wipes the token and frees the handle. */
void fed_client_close(struct fed_client *c);

/* GETs base + rel with the TAXII Accept header and the bearer token into r
 * (released with fed_response_release). Errors: AC_ERR_CRYPTO for a pin
 * mismatch or TLS failure (hard: never transient), AC_ERR_IO for network
 * errors and non-200 statuses, AC_ERR_LIMIT for an oversized response. */
ac_rc fed_client_get(struct fed_client *c, const char *rel,
		     struct fed_response *r, struct ac_err *err);
void fed_response_release(struct fed_response *r);

/* POSTs body (len bytes, a TAXII envelope) to base + rel with the TAXII
 * media types and the bearer token; the answer (a status resource, HTTP
 * 202) goes to r. Errors as fed_client_get; any status but 202 is
 * AC_ERR_IO (5xx and 429 transient). */
ac_rc fed_client_post(struct fed_client *c, const char *rel,
		      const char *body, size_t len, struct fed_response *r,
		      struct ac_err *err);

/* Reads a token file: one line, at most FED_TOKEN_MAX printable ASCII
 * characters; the file must not be readable by group or others
 * (AC_ERR_PERM). out is wiped on failure. */
ac_rc fed_token_read(const char *path, char out[FED_TOKEN_MAX + 1],
		     struct ac_err *err);

#endif
