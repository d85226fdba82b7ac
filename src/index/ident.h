/* Identifier extraction and normalisation: the values two agencies may both
 * hold (phone numbers, documents, plates, VINs, IBANs, wallets, addresses,
 * hashes, ...) found in a parsed STIX object, each brought to one canonical
 * spelling so that equal things compare equal as strings.
 * Rules per kind: docs/internals/correlation.md.
 *
 * Everything here is pure and thread-safe: workers call it in the ingest
 * prepare step. Nothing allocates; results go into caller-owned structs. */
#ifndef AC_INDEX_IDENT_H
#define AC_INDEX_IDENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDENT_KIND_MAX 16    /* longest kind name, without NUL */
#define IDENT_VALUE_MAX 512  /* longer values are not indexed */
#define IDENT_MAX_PER_OBJECT 64 /* more are dropped (ident_set.truncated) */

/* Kind names as stored. A kind ending in "-invalid" holds a value whose
 * check failed (bad VIN check digit, bad IBAN mod 97, phone that cannot be
 * brought to E.164, ...): it is indexed with valid = false and never
 * correlates. */
#define IDENT_EMAIL "email"
#define IDENT_IPV4 "ipv4"
#define IDENT_IPV4_NET "ipv4-net"
#define IDENT_IPV6 "ipv6"
#define IDENT_IPV6_NET "ipv6-net"
#define IDENT_DOMAIN "domain"
#define IDENT_URL "url"
#define IDENT_PHONE "phone"
#define IDENT_DOCUMENT "document"
#define IDENT_PLATE "plate"
#define IDENT_VIN "vin"
#define IDENT_IBAN "iban"
#define IDENT_BANK_ACCOUNT "bank-account"
#define IDENT_CARD "card"
#define IDENT_WALLET "wallet"
#define IDENT_USER_ACCOUNT "user-account"
#define IDENT_MD5 "md5"
#define IDENT_SHA1 "sha1"
#define IDENT_SHA256 "sha256"
#define IDENT_SHA512 "sha512"

/* One identifier. For IP kinds `ord` holds the (network) address in network
 * byte order (4 or 16 bytes) and `prefix` the prefix length (32/128 for a
 * plain address); ord_len is 0 for other kinds. */
struct ident {
	char kind[IDENT_KIND_MAX + 1];
	char value[IDENT_VALUE_MAX + 1];
	bool valid;
	uint8_t ord[16];
	uint8_t ord_len;
	uint8_t prefix;
};

/* The identifiers of one object, without duplicates. */
struct ident_set {
	size_t n;
	bool truncated; /* more than IDENT_MAX_PER_OBJECT were found */
	struct ident items[IDENT_MAX_PER_OBJECT];
};

/* Node settings extraction depends on. */
struct ident_ctx {
	char default_country[3]; /* ISO alpha-2 for national phone numbers;
				  * "" = none (national numbers are invalid) */
};

/* Collects the identifiers of obj into out (reset first): SCO values,
 * accord's extensions (person documents, vehicles, phones, documents,
 * accounts) and equality comparisons in STIX indicator patterns. Values that
 * do not normalise (empty, too long, wrong shape) are left out; values that
 * normalise but fail a check go in as "<kind>-invalid". */
void ident_extract(const json_t *obj, const struct ident_ctx *ctx,
		   struct ident_set *out);

/* Adds one identifier of `kind` (one of the IDENT_* kinds above, before
 * validation) from raw text. country: alpha-2 context (issuing country of
 * a document; country of a national phone number), or NULL. Returns false
 * when raw does not normalise at all (nothing added). */
bool ident_add(struct ident_set *set, const char *kind, const char *raw,
	       const char *country, const struct ident_ctx *ctx);

/* Normalisers, exposed for tests and for other modules (hit/no-hit
 * queries normalise the same way). Each writes the canonical form into
 * out (cap bytes) and returns true if the input is valid for that kind. */
bool ident_norm_phone(const char *raw, const char *country, char *out,
		      size_t cap);
bool ident_norm_email(const char *raw, char *out, size_t cap);
bool ident_norm_domain(const char *raw, char *out, size_t cap);
bool ident_norm_url(const char *raw, char *out, size_t cap);
/* Folds separators, upper-cases, and maps Cyrillic letters that look Latin
 * (А В Е К М Н О Р С Т У Х, either case) to A B E K M H O P C T Y X. */
bool ident_norm_plate(const char *raw, char *out, size_t cap);
/* "<COUNTRY>:<NUMBER>", "ZZ" when the country is unknown. */
bool ident_norm_document(const char *number, const char *country, char *out,
			 size_t cap);
/* Upper-cases and strips separators; false when the shape or the check
 * (VIN check digit, IBAN mod 97, card Luhn, wallet shape) fails. */
bool ident_norm_vin(const char *raw, char *out, size_t cap);
bool ident_norm_iban(const char *raw, char *out, size_t cap);
bool ident_norm_card(const char *raw, char *out, size_t cap);
bool ident_norm_wallet(const char *raw, char *out, size_t cap);
/* Lower-case hex; *kind gets md5/sha1/sha256/sha512 by length. */
bool ident_norm_hash(const char *raw, const char **kind, char *out,
		     size_t cap);
/* An IPv4/IPv6 address or CIDR block: canonical text (inet_ntop; a block's
 * host bits cleared, "/32" and "/128" dropped), kind, ord and prefix. */
bool ident_norm_ip(const char *raw, struct ident *out);

/* True if address (an IP ident) lies inside net (an IP net ident of the
 * same family). */
bool ident_ip_contains(const struct ident *net, const struct ident *addr);

/* Writes into net the block of `prefix` bits containing the address or
 * block ip (same family; prefix not longer than ip's). */
void ident_ip_block(const struct ident *ip, unsigned prefix,
		    struct ident *net);

/* True for a kind that never correlates (ends in "-invalid"). */
bool ident_kind_invalid(const char *kind);

#endif
