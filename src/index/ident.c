/* Identifier normalisation (one canonical spelling per kind) and extraction
 * from STIX objects. See docs/internals/correlation.md for the rules. */
#include "base/common.h"
#include "index/ident.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <strings.h>

#include "stix/ext.h"
#include "stix/ext_check.h"
#include "stix/json.h"

#define RAW_MAX 1024 /* raw input longer than this is not looked at */

/* ---------- small text helpers ---------- */

static bool is_sep(unsigned char c)
{
	return c == ' ' || c == '-' || c == '.' || c == '_' || c == '/' ||
	       c == '\t';
}

/* Copies raw upper-cased without separators; false if empty or too long. */
static bool fold_upper(const char *raw, char *out, size_t cap)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)raw; *p; p++) {
		if (is_sep(*p))
			continue;
		if (n + 1 >= cap)
			return false;
		out[n++] = (char)toupper(*p);
	}
	out[n] = '\0';
	return n > 0;
}

static void lower_ascii(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Copies raw without leading and trailing white space. */
static bool trimmed(const char *raw, char *out, size_t cap)
{
	size_t len;

	while (isspace((unsigned char)*raw))
		raw++;
	len = strlen(raw);
	while (len && isspace((unsigned char)raw[len - 1]))
		len--;
	if (!len || len >= cap)
		return false;
	memcpy(out, raw, len);
	out[len] = '\0';
	return true;
}

static bool all_of(const char *s, const char *set)
{
	for (; *s; s++)
		if (!strchr(set, *s))
			return false;
	return true;
}

static bool alpha2(const char *c)
{
	return c && isupper((unsigned char)c[0]) &&
	       isupper((unsigned char)c[1]) && !c[2];
}

/* ---------- phone numbers ---------- */

struct dial {
	const char *country, *code, *trunk;
};

/* Calling codes and national trunk prefixes: the countries of the sample
 * data first, then common partners. "" = no trunk prefix. */
static const struct dial DIALS[] = {
    {"KG", "996", "0"}, {"KZ", "7", "8"},   {"RU", "7", "8"},
    {"UZ", "998", ""},	{"TJ", "992", ""},  {"TM", "993", "8"},
    {"AF", "93", "0"},	{"IR", "98", "0"},  {"TR", "90", "0"},
    {"AZ", "994", "0"}, {"AM", "374", "0"}, {"GE", "995", "0"},
    {"BY", "375", "8"}, {"UA", "380", "0"}, {"PK", "92", "0"},
    {"IN", "91", "0"},	{"CN", "86", "0"},  {"AE", "971", "0"},
    {"DE", "49", "0"},	{"FR", "33", "0"},  {"GB", "44", "0"},
    {"NL", "31", "0"},	{"BE", "32", "0"},  {"AT", "43", "0"},
    {"CH", "41", "0"},	{"SE", "46", "0"},  {"PL", "48", ""},
    {"IT", "39", ""},	{"ES", "34", ""},   {"US", "1", "1"},
    {"CA", "1", "1"},
};

static const struct dial *find_dial(const char *country)
{
	if (!country)
		return NULL;
	for (size_t i = 0; i < AC_ARRAY_LEN(DIALS); i++)
		if (!strcmp(DIALS[i].country, country))
			return &DIALS[i];
	return NULL;
}

/* Digits of raw; *intl is set for a leading '+'. Only digits, white space,
 * - . ( ) / and one leading + are allowed. */
static bool phone_digits(const char *raw, char *d, size_t cap, bool *intl)
{
	size_t n = 0;
	const char *p = raw;

	*intl = false;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+') {
		*intl = true;
		p++;
	}
	for (; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			if (n + 1 >= cap)
				return false;
			d[n++] = *p;
		} else if (!strchr(" \t-.()/", *p)) {
			return false;
		}
	}
	d[n] = '\0';
	return n > 0;
}

bool ident_norm_phone(const char *raw, const char *country, char *out,
		      size_t cap)
{
	char d[40], e164[40];
	const char *nat = d;
	const struct dial *dial;
	bool intl;
	size_t len;

	if (cap)
		out[0] = '\0';
	if (!phone_digits(raw, d, sizeof(d), &intl))
		return false;
	if (!intl && d[0] == '0' && d[1] == '0') {
		intl = true; /* 00 international prefix */
		nat = d + 2;
	}
	if (intl) {
		snprintf(e164, sizeof(e164), "+%s", nat);
	} else {
		dial = find_dial(country);
		if (!dial) {
			snprintf(out, cap, "%s", d);
			return false;
		}
		len = strlen(dial->trunk);
		if (len && !strncmp(d, dial->trunk, len))
			nat = d + len;
		snprintf(e164, sizeof(e164), "+%s%s", dial->code, nat);
	}
	len = strlen(e164) - 1;
	snprintf(out, cap, "%s", e164);
	return e164[1] != '0' && len >= 7 && len <= 15 && strlen(out) == len + 1;
}

/* ---------- e-mail, domains, URLs ---------- */

bool ident_norm_email(const char *raw, char *out, size_t cap)
{
	const char *at;

	if (!trimmed(raw, out, cap))
		return false;
	lower_ascii(out);
	at = strchr(out, '@');
	return at && at != out && at[1] && !strchr(at + 1, '@') &&
	       !strpbrk(out, " \t<>");
}

static bool domain_ok(const char *d)
{
	size_t label = 0, total = strlen(d);

	if (!total || total > 253)
		return false;
	for (const unsigned char *p = (const unsigned char *)d;; p++) {
		if (*p == '.' || !*p) {
			if (label == 0 || label > 63)
				return false;
			if (!*p)
				return true;
			label = 0;
		} else if (isalnum(*p) || *p == '-' || *p == '_' || *p >= 0x80) {
			label++;
		} else {
			return false;
		}
	}
}

bool ident_norm_domain(const char *raw, char *out, size_t cap)
{
	size_t len;

	if (!trimmed(raw, out, cap))
		return false;
	lower_ascii(out);
	len = strlen(out);
	if (len > 1 && out[len - 1] == '.')
		out[len - 1] = '\0';
	return domain_ok(out);
}

static const char *default_port(const char *scheme)
{
	if (!strcmp(scheme, "http") || !strcmp(scheme, "ws"))
		return "80";
	if (!strcmp(scheme, "https") || !strcmp(scheme, "wss"))
		return "443";
	if (!strcmp(scheme, "ftp"))
		return "21";
	return NULL;
}

bool ident_norm_url(const char *raw, char *out, size_t cap)
{
	char t[IDENT_VALUE_MAX + 1], scheme[32], host[300], port[8] = "";
	const char *p, *auth, *end, *colon, *dport;
	size_t slen, hlen;

	if (!trimmed(raw, t, sizeof(t)))
		return false;
	p = strstr(t, "://");
	slen = p ? (size_t)(p - t) : 0;
	if (!p || !slen || slen >= sizeof(scheme) ||
	    !isalpha((unsigned char)t[0]))
		return false;
	memcpy(scheme, t, slen);
	scheme[slen] = '\0';
	lower_ascii(scheme);
	if (!all_of(scheme, "abcdefghijklmnopqrstuvwxyz0123456789+.-"))
		return false;
	auth = p + 3;
	end = auth + strcspn(auth, "/?#");
	/* user info stays as written; only the host is folded */
	for (const char *q = auth; q < end; q++)
		if (*q == '@')
			auth = q + 1;
	colon = NULL;
	for (const char *q = auth; q < end; q++)
		if (*q == ':' && !memchr(q, ']', (size_t)(end - q)))
			colon = q;
	hlen = (size_t)((colon ? colon : end) - auth);
	if (!hlen || hlen >= sizeof(host))
		return false;
	memcpy(host, auth, hlen);
	host[hlen] = '\0';
	lower_ascii(host);
	if (colon) {
		size_t plen = (size_t)(end - colon - 1);
		if (plen >= sizeof(port))
			return false;
		memcpy(port, colon + 1, plen);
		port[plen] = '\0';
		if (!all_of(port, "0123456789"))
			return false;
	}
	dport = default_port(scheme);
	if (dport && !strcmp(port, dport))
		port[0] = '\0';
	snprintf(out, cap, "%s://%.*s%s%s%s%s", scheme,
		 (int)(p + 3 == auth ? 0 : auth - (p + 3)), p + 3, host,
		 port[0] ? ":" : "", port, *end ? end : "/");
	return strlen(out) < cap - 1;
}

/* ---------- plates and documents ---------- */

/* Latin look-alike of a Cyrillic code point, or 0. */
static char cyrillic_lookalike(unsigned cp)
{
	static const struct {
		unsigned cp;
		char latin;
	} map[] = {
	    {0x410, 'A'}, {0x412, 'B'}, {0x415, 'E'}, {0x41A, 'K'},
	    {0x41C, 'M'}, {0x41D, 'H'}, {0x41E, 'O'}, {0x420, 'P'},
	    {0x421, 'C'}, {0x422, 'T'}, {0x423, 'Y'}, {0x425, 'X'},
	};
	if (cp >= 0x430 && cp <= 0x44F)
		cp -= 0x20; /* lower to upper case */
	for (size_t i = 0; i < AC_ARRAY_LEN(map); i++)
		if (map[i].cp == cp)
			return map[i].latin;
	return 0;
}

bool ident_norm_plate(const char *raw, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)raw;
	size_t n = 0;

	while (*p) {
		char c = 0;
		size_t step = 1;
		if (*p >= 0xD0 && *p <= 0xD1 && (p[1] & 0xC0) == 0x80) {
			c = cyrillic_lookalike(((unsigned)(*p & 0x1F) << 6) |
					       (p[1] & 0x3F));
			step = 2;
			if (!c)
				return false;
		} else if (isalnum(*p)) {
			c = (char)toupper(*p);
		} else if (!is_sep(*p)) {
			return false; /* other scripts are not folded */
		}
		if (c) {
			if (n + 1 >= cap)
				return false;
			out[n++] = c;
		}
		p += step;
	}
	out[n] = '\0';
	return n > 0;
}

bool ident_norm_document(const char *number, const char *country, char *out,
			 size_t cap)
{
	char num[IDENT_VALUE_MAX + 1];

	if (!fold_upper(number, num, sizeof(num)))
		return false;
	snprintf(out, cap, "%s:%s", alpha2(country) ? country : "ZZ", num);
	return strlen(out) < cap - 1;
}

/* ---------- checked numbers ---------- */

bool ident_norm_vin(const char *raw, char *out, size_t cap)
{
	if (!fold_upper(raw, out, cap))
		return false;
	return stix_vin_shape_ok(out) && stix_vin_check_digit(out) == out[8];
}

bool ident_norm_iban(const char *raw, char *out, size_t cap)
{
	if (!fold_upper(raw, out, cap))
		return false;
	return stix_iban_shape_ok(out) && stix_iban_mod97(out) == 1;
}

bool ident_norm_card(const char *raw, char *out, size_t cap)
{
	size_t len;

	if (!fold_upper(raw, out, cap))
		return false;
	len = strlen(out);
	return len >= 12 && len <= 19 && all_of(out, "0123456789") &&
	       stix_luhn_ok(out);
}

#define BASE58 "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
#define BECH32 "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
#define HEX "0123456789abcdef"

bool ident_norm_wallet(const char *raw, char *out, size_t cap)
{
	size_t len;

	if (!trimmed(raw, out, cap))
		return false;
	len = strlen(out);
	if (len == 42 && out[0] == '0' && (out[1] == 'x' || out[1] == 'X')) {
		lower_ascii(out); /* Ethereum: EIP-55 case is only a checksum */
		return all_of(out + 2, HEX);
	}
	if (!strncasecmp(out, "bc1", 3)) {
		/* bech32 is written in one case throughout */
		bool lower = strpbrk(out, "abcdefghijklmnopqrstuvwxyz");
		bool upper = strpbrk(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
		lower_ascii(out);
		return !(lower && upper) && len >= 14 && len <= 74 &&
		       all_of(out + 3, BECH32);
	}
	if (out[0] == '1' || out[0] == '3') /* Bitcoin P2PKH / P2SH */
		return len >= 26 && len <= 35 && all_of(out, BASE58);
	if (out[0] == 'T') /* Tron */
		return len == 34 && all_of(out, BASE58);
	return false;
}

bool ident_norm_hash(const char *raw, const char **kind, char *out,
		     size_t cap)
{
	size_t len;

	if (!trimmed(raw, out, cap))
		return false;
	lower_ascii(out);
	len = strlen(out);
	*kind = len == 32    ? IDENT_MD5
		: len == 40  ? IDENT_SHA1
		: len == 64  ? IDENT_SHA256
		: len == 128 ? IDENT_SHA512
			     : NULL;
	return *kind && all_of(out, HEX);
}

/* ---------- IP addresses and blocks ---------- */

static void mask_bits(uint8_t *a, size_t len, unsigned prefix)
{
	for (size_t i = 0; i < len; i++) {
		unsigned keep = prefix >= 8 * (i + 1) ? 8
				: prefix > 8 * i      ? prefix - 8 * (unsigned)i
						      : 0;
		a[i] &= (uint8_t)(0xFF00u >> keep);
	}
}

static void ip_text(struct ident *o)
{
	char addr[INET6_ADDRSTRLEN];
	bool v4 = o->ord_len == 4;
	unsigned full = v4 ? 32 : 128;

	inet_ntop(v4 ? AF_INET : AF_INET6, o->ord, addr, sizeof(addr));
	if (o->prefix == full) {
		snprintf(o->kind, sizeof(o->kind), "%s", v4 ? IDENT_IPV4 : IDENT_IPV6);
		snprintf(o->value, sizeof(o->value), "%s", addr);
	} else {
		snprintf(o->kind, sizeof(o->kind), "%s",
			 v4 ? IDENT_IPV4_NET : IDENT_IPV6_NET);
		snprintf(o->value, sizeof(o->value), "%s/%u", addr, o->prefix);
	}
	o->valid = true;
}

bool ident_norm_ip(const char *raw, struct ident *o)
{
	char t[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long prefix;
	bool v4;

	memset(o, 0, sizeof(*o));
	if (!trimmed(raw, t, sizeof(t)))
		return false;
	slash = strchr(t, '/');
	if (slash)
		*slash = '\0';
	v4 = !strchr(t, ':');
	if (inet_pton(v4 ? AF_INET : AF_INET6, t, o->ord) != 1)
		return false;
	o->ord_len = v4 ? 4 : 16;
	prefix = v4 ? 32 : 128;
	if (slash) {
		if (!isdigit((unsigned char)slash[1]))
			return false;
		errno = 0;
		prefix = strtoul(slash + 1, &end, 10);
		if (errno || *end || prefix > (v4 ? 32u : 128u))
			return false;
	}
	o->prefix = (uint8_t)prefix;
	mask_bits(o->ord, o->ord_len, o->prefix);
	ip_text(o);
	return true;
}

void ident_ip_block(const struct ident *ip, unsigned prefix, struct ident *net)
{
	memset(net, 0, sizeof(*net));
	memcpy(net->ord, ip->ord, ip->ord_len);
	net->ord_len = ip->ord_len;
	net->prefix = (uint8_t)(prefix < ip->prefix ? prefix : ip->prefix);
	mask_bits(net->ord, net->ord_len, net->prefix);
	ip_text(net);
}

bool ident_ip_contains(const struct ident *net, const struct ident *addr)
{
	uint8_t a[16];

	if (net->ord_len != addr->ord_len || !net->ord_len ||
	    net->prefix > addr->prefix)
		return false;
	memcpy(a, addr->ord, addr->ord_len);
	mask_bits(a, addr->ord_len, net->prefix);
	return !memcmp(a, net->ord, net->ord_len);
}

/* ---------- the set ---------- */

bool ident_kind_invalid(const char *kind)
{
	size_t n = strlen(kind);

	return n > 8 && !strcmp(kind + n - 8, "-invalid");
}

static void set_push(struct ident_set *set, const struct ident *id)
{
	for (size_t i = 0; i < set->n; i++)
		if (!strcmp(set->items[i].kind, id->kind) &&
		    !strcmp(set->items[i].value, id->value))
			return;
	if (set->n == IDENT_MAX_PER_OBJECT) {
		set->truncated = true;
		return;
	}
	set->items[set->n++] = *id;
}

/* Pushes value under kind, or under "<kind>-invalid" when !valid. */
static void push_checked(struct ident_set *set, const char *kind,
			 const char *value, bool valid)
{
	struct ident id;

	memset(&id, 0, sizeof(id));
	snprintf(id.kind, sizeof(id.kind), "%s%s", kind,
		 valid ? "" : "-invalid");
	snprintf(id.value, sizeof(id.value), "%s", value);
	id.valid = valid;
	set_push(set, &id);
}

/* A bank account number: an IBAN when it has the shape of one. */
static bool add_bank(struct ident_set *set, const char *raw)
{
	char v[IDENT_VALUE_MAX + 1];

	if (!fold_upper(raw, v, sizeof(v)))
		return false;
	if (stix_iban_shape_ok(v))
		push_checked(set, IDENT_IBAN, v, stix_iban_mod97(v) == 1);
	else
		push_checked(set, IDENT_BANK_ACCOUNT, v, true);
	return true;
}

static bool add_ip(struct ident_set *set, const char *raw)
{
	struct ident id;

	if (!ident_norm_ip(raw, &id))
		return false;
	set_push(set, &id);
	return true;
}

static bool add_hash(struct ident_set *set, const char *want, const char *raw)
{
	char v[IDENT_VALUE_MAX + 1];
	const char *kind;

	if (!ident_norm_hash(raw, &kind, v, sizeof(v)) ||
	    (want && strcmp(want, kind)))
		return false;
	push_checked(set, kind, v, true);
	return true;
}

typedef bool (*norm_fn)(const char *raw, char *out, size_t cap);

static bool add_norm(struct ident_set *set, const char *kind, norm_fn fn,
		     const char *raw, bool keep_invalid)
{
	char v[IDENT_VALUE_MAX + 1];
	bool ok = fn(raw, v, sizeof(v));

	if (!v[0] || (!ok && !keep_invalid))
		return false;
	push_checked(set, kind, v, ok);
	return true;
}

bool ident_add(struct ident_set *set, const char *kind, const char *raw,
	       const char *country, const struct ident_ctx *ctx)
{
	char v[IDENT_VALUE_MAX + 1];

	if (!raw || strnlen(raw, RAW_MAX + 1) > RAW_MAX)
		return false;
	if (!strcmp(kind, IDENT_PHONE)) {
		bool ok = ident_norm_phone(
		    raw, alpha2(country) ? country : ctx->default_country, v,
		    sizeof(v));
		if (!v[0])
			return false;
		push_checked(set, IDENT_PHONE, v, ok);
		return true;
	}
	if (!strcmp(kind, IDENT_DOCUMENT)) {
		if (!ident_norm_document(raw, country, v, sizeof(v)))
			return false;
		push_checked(set, IDENT_DOCUMENT, v, true);
		return true;
	}
	if (!strcmp(kind, IDENT_IPV4) || !strcmp(kind, IDENT_IPV6))
		return add_ip(set, raw);
	if (!strcmp(kind, IDENT_EMAIL))
		return add_norm(set, kind, ident_norm_email, raw, false);
	if (!strcmp(kind, IDENT_DOMAIN))
		return add_norm(set, kind, ident_norm_domain, raw, false);
	if (!strcmp(kind, IDENT_URL))
		return add_norm(set, kind, ident_norm_url, raw, false);
	if (!strcmp(kind, IDENT_PLATE))
		return add_norm(set, kind, ident_norm_plate, raw, false);
	if (!strcmp(kind, IDENT_VIN))
		return add_norm(set, kind, ident_norm_vin, raw, true);
	if (!strcmp(kind, IDENT_IBAN))
		return add_bank(set, raw);
	if (!strcmp(kind, IDENT_CARD))
		return add_norm(set, kind, ident_norm_card, raw, true);
	if (!strcmp(kind, IDENT_WALLET))
		return add_norm(set, kind, ident_norm_wallet, raw, true);
	if (!strcmp(kind, IDENT_MD5) || !strcmp(kind, IDENT_SHA1) ||
	    !strcmp(kind, IDENT_SHA256) || !strcmp(kind, IDENT_SHA512))
		return add_hash(set, kind, raw);
	if (!strcmp(kind, IDENT_USER_ACCOUNT)) {
		if (!trimmed(raw, v, sizeof(v)))
			return false;
		push_checked(set, kind, v, true);
		return true;
	}
	return false;
}

/* ---------- extraction from objects ---------- */

static void add_str(struct ident_set *set, const char *kind, const json_t *o,
		    const char *key, const char *country,
		    const struct ident_ctx *ctx)
{
	const char *s = stix_get_str(o, key);

	if (s)
		ident_add(set, kind, s, country, ctx);
}

static void add_account(struct ident_set *set, const json_t *o,
			const struct ident_ctx *ctx)
{
	const char *type = stix_get_str(o, "account_type");
	const char *num = stix_get_str(o, "number");

	if (!type || !num)
		return;
	if (!strcmp(type, "bank"))
		ident_add(set, IDENT_IBAN, num, NULL, ctx);
	else if (!strcmp(type, "crypto-wallet"))
		ident_add(set, IDENT_WALLET, num, NULL, ctx);
	else if (!strcmp(type, "payment-card"))
		ident_add(set, IDENT_CARD, num, NULL, ctx);
	else
		add_norm(set, IDENT_BANK_ACCOUNT, fold_upper, num, false);
}

static void add_file_hashes(struct ident_set *set, const json_t *hashes)
{
	static const struct {
		const char *key, *kind;
	} map[] = {{"MD5", IDENT_MD5},
		   {"SHA-1", IDENT_SHA1},
		   {"SHA-256", IDENT_SHA256},
		   {"SHA-512", IDENT_SHA512}};
	for (size_t i = 0; i < AC_ARRAY_LEN(map); i++) {
		const char *h = stix_get_str(hashes, map[i].key);
		if (h && strlen(h) <= RAW_MAX)
			add_hash(set, map[i].kind, h);
	}
}

static void add_person_documents(struct ident_set *set, const json_t *obj,
				 const struct ident_ctx *ctx)
{
	const json_t *ext = json_object_get(obj, "extensions");
	const json_t *docs =
	    json_object_get(json_object_get(ext, STIX_EXT_PERSON), "documents");
	const json_t *d;
	size_t i;

	json_array_foreach(docs, i, d) {
		add_str(set, IDENT_DOCUMENT, d, "number",
			stix_get_str(d, "issuing_country"), ctx);
	}
}

static void add_user_account(struct ident_set *set, const json_t *o,
			     const struct ident_ctx *ctx)
{
	const char *uid = stix_get_str(o, "user_id");
	const char *type = stix_get_str(o, "account_type");
	char v[IDENT_VALUE_MAX + 1];

	if (!uid || strlen(uid) > 256 || (type && strlen(type) > 64))
		return;
	snprintf(v, sizeof(v), "%s:%s", type ? type : "-", uid);
	ident_add(set, IDENT_USER_ACCOUNT, v, NULL, ctx);
}

/* ---------- indicator patterns ---------- */

enum tok_kind { TOK_END, TOK_WORD, TOK_STR, TOK_EQ, TOK_OTHER };

struct lexer {
	const char *p;
	char text[IDENT_VALUE_MAX + 1];
	bool too_long;
};

/* Appends c to the token text, remembering an overflow. */
static void lex_put(struct lexer *lx, size_t *n, char c)
{
	if (*n + 1 < sizeof(lx->text))
		lx->text[(*n)++] = c;
	else
		lx->too_long = true;
}

/* A quoted string with \' and \\ escapes; p is at the opening quote. */
static enum tok_kind lex_string(struct lexer *lx, size_t *n, bool keep_quotes)
{
	if (keep_quotes)
		lex_put(lx, n, '\'');
	for (lx->p++; *lx->p && *lx->p != '\''; lx->p++) {
		if (*lx->p == '\\' && lx->p[1])
			lx->p++;
		lex_put(lx, n, *lx->p);
	}
	if (!*lx->p)
		return TOK_END; /* unterminated: stop */
	lx->p++;
	if (keep_quotes)
		lex_put(lx, n, '\'');
	return TOK_STR;
}

static enum tok_kind lex_next(struct lexer *lx)
{
	size_t n = 0;
	enum tok_kind k;

	lx->too_long = false;
	while (isspace((unsigned char)*lx->p))
		lx->p++;
	if (!*lx->p)
		return TOK_END;
	if (*lx->p == '\'') {
		k = lex_string(lx, &n, false);
		lx->text[n] = '\0';
		return k;
	}
	if (*lx->p == '=') {
		lx->p++;
		return TOK_EQ;
	}
	if (strchr("[]()!<>", *lx->p)) {
		lx->p++;
		if (*lx->p == '=')
			lx->p++;
		return TOK_OTHER;
	}
	/* a word or an object path; paths may hold quoted keys
	 * (file:hashes.'SHA-256') */
	while (*lx->p && !isspace((unsigned char)*lx->p) &&
	       !strchr("[]()!<>=", *lx->p)) {
		if (*lx->p == '\'') {
			if (lex_string(lx, &n, true) != TOK_STR)
				return TOK_END;
			continue;
		}
		lex_put(lx, &n, *lx->p++);
	}
	lx->text[n] = '\0';
	return TOK_WORD;
}

static const struct {
	const char *path, *kind;
} PATTERN_PATHS[] = {
    {"ipv4-addr:value", IDENT_IPV4},
    {"ipv6-addr:value", IDENT_IPV6},
    {"domain-name:value", IDENT_DOMAIN},
    {"url:value", IDENT_URL},
    {"email-addr:value", IDENT_EMAIL},
    {"file:hashes.MD5", IDENT_MD5},
    {"file:hashes.'MD5'", IDENT_MD5},
    {"file:hashes.'SHA-1'", IDENT_SHA1},
    {"file:hashes.'SHA-256'", IDENT_SHA256},
    {"file:hashes.'SHA-512'", IDENT_SHA512},
    {"accord-phone-number:value", IDENT_PHONE},
    {"accord-vehicle:plate", IDENT_PLATE},
    {"accord-vehicle:vin", IDENT_VIN},
    {"accord-document:number", IDENT_DOCUMENT},
    {"accord-account:number", IDENT_IBAN},
    {"user-account:user_id", IDENT_USER_ACCOUNT},
};

static void add_pattern_value(struct ident_set *set, const char *path,
			      const char *value, const struct ident_ctx *ctx)
{
	for (size_t i = 0; i < AC_ARRAY_LEN(PATTERN_PATHS); i++) {
		if (strcmp(PATTERN_PATHS[i].path, path))
			continue;
		const char *kind = PATTERN_PATHS[i].kind;
		/* an account number in a pattern: a wallet if it looks
		 * like one, else a bank account or IBAN */
		if (!strcmp(kind, IDENT_IBAN) && value[0] &&
		    strchr("013Tb", value[0])) {
			char w[IDENT_VALUE_MAX + 1];
			if (ident_norm_wallet(value, w, sizeof(w)))
				kind = IDENT_WALLET;
		}
		if (!strcmp(kind, IDENT_USER_ACCOUNT))
			return; /* the account type is unknown here */
		ident_add(set, kind, value, NULL, ctx);
		return;
	}
}

/* Finds `path = 'value'` comparisons. Anything else (other operators, NOT,
 * LIKE, MATCHES, qualifiers) is skipped, so a negated or fuzzy comparison
 * never yields an identifier. */
static void add_pattern(struct ident_set *set, const char *pattern,
			const struct ident_ctx *ctx)
{
	char path[IDENT_VALUE_MAX + 1];
	struct lexer lx = {.p = pattern};
	enum tok_kind prev = TOK_OTHER, prev2 = TOK_OTHER, k;

	path[0] = '\0';
	while ((k = lex_next(&lx)) != TOK_END) {
		if (k == TOK_STR && prev == TOK_EQ && prev2 == TOK_WORD &&
		    !lx.too_long)
			add_pattern_value(set, path, lx.text, ctx);
		if (k == TOK_WORD)
			snprintf(path, sizeof(path), "%s",
				 lx.too_long ? "" : lx.text);
		prev2 = prev;
		prev = k;
	}
}

void ident_extract(const json_t *obj, const struct ident_ctx *ctx,
		   struct ident_set *out)
{
	const char *type = stix_get_str(obj, "type");

	out->n = 0;
	out->truncated = false;
	if (!type)
		return;
	if (!strcmp(type, "email-addr"))
		add_str(out, IDENT_EMAIL, obj, "value", NULL, ctx);
	else if (!strcmp(type, "ipv4-addr") || !strcmp(type, "ipv6-addr"))
		add_str(out, IDENT_IPV4, obj, "value", NULL, ctx);
	else if (!strcmp(type, "domain-name"))
		add_str(out, IDENT_DOMAIN, obj, "value", NULL, ctx);
	else if (!strcmp(type, "url"))
		add_str(out, IDENT_URL, obj, "value", NULL, ctx);
	else if (!strcmp(type, "file"))
		add_file_hashes(out, json_object_get(obj, "hashes"));
	else if (!strcmp(type, "user-account"))
		add_user_account(out, obj, ctx);
	else if (!strcmp(type, "accord-phone-number")) {
		const char *c = stix_get_str(obj, "country");
		add_str(out, IDENT_PHONE, obj, "value", c, ctx);
		add_str(out, IDENT_PHONE, obj, "raw", c, ctx);
	} else if (!strcmp(type, "accord-vehicle")) {
		add_str(out, IDENT_PLATE, obj, "plate", NULL, ctx);
		add_str(out, IDENT_VIN, obj, "vin", NULL, ctx);
	} else if (!strcmp(type, "accord-document")) {
		add_str(out, IDENT_DOCUMENT, obj, "number",
			stix_get_str(obj, "issuing_country"), ctx);
	} else if (!strcmp(type, "accord-account")) {
		add_account(out, obj, ctx);
	} else if (!strcmp(type, "identity")) {
		add_person_documents(out, obj, ctx);
	} else if (!strcmp(type, "indicator")) {
		const char *pt = stix_get_str(obj, "pattern_type");
		const char *pat = stix_get_str(obj, "pattern");
		if (pat && pt && !strcmp(pt, "stix"))
			add_pattern(out, pat, ctx);
	}
}
