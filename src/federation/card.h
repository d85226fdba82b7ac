/* Node cards: what a partner needs to trust this node, exchanged out of
 * band as a small JSON document:
 *
 *   {"accord_card": 1,
 *    "identity": {"id": "identity--...", "name": "..."},
 *    "sign_pk": "<base64 Ed25519 public key>",
 *    "taxii_url": "https://host:port/taxii2/api1/",
 *    "tls_pin_sha256": "<base64 SHA-256 of the TLS SubjectPublicKeyInfo>"}
 */
#ifndef AC_FEDERATION_CARD_H
#define AC_FEDERATION_CARD_H

#include <jansson.h>
#include "base/rc.h"
#include "node/node.h"
#include "store/store.h"

#define FED_CARD_MAX_BYTES 16384

struct fed_card {
	char identity_id[STORE_IDENTITY_ID_MAX + 1];
	char name[STORE_PARTNER_TITLE_MAX + 1];
	unsigned char sign_pk[32];
	char url[STORE_URL_MAX + 1];
	char pin[STORE_PIN_MAX + 1];
};

/* Builds n's card. url overrides the TAXII URL derived from [server]
 * listen and port (NULL = derive). Reads the node's keys, identity.json and
 * TLS certificate. *out is a new JSON object the caller releases. */
ac_rc fed_card_build(const struct node *n, const char *url, json_t **out,
		     struct ac_err *err);

/* Parses and checks a card's text: every field present and well-formed,
 * an https URL ending in '/', a 32-byte key, a 44-character pin.
 * AC_ERR_PARSE or AC_ERR_INVALID naming the field otherwise. */
ac_rc fed_card_parse(const char *text, size_t len, struct fed_card *out,
		     struct ac_err *err);

#endif
