#include "base/common.h"
#include "base/uuid.h"

#include <gnutls/crypto.h>
#include <sodium.h>

const uint8_t AC_UUID_STIX_NS[16] = { 0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42,
				      0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2,
				      0x33, 0x15, 0xa9, 0xb7 };

/* Hex digit values by byte, -1 for anything else: every id and reference
 * of every object is parsed here (tolower through the locale was most of
 * it). */
static const int8_t hex_values[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
    ['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
    ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int hexval(char c)
{
	return hex_values[(unsigned char)c] - 1; /* 0 (not hex) gives -1 */
}

bool ac_uuid_parse(const char *s, size_t len, uint8_t out[16])
{
	size_t k = 0;

	if (len != 36)
		return false;
	for (size_t i = 0; i < 36;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return false;
			continue;
		}
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[k++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return true;
}

int ac_uuid_version(const uint8_t u[16])
{
	return u[6] >> 4;
}

bool ac_uuid_is_rfc4122(const uint8_t u[16])
{
	return (u[8] & 0xc0) == 0x80;
}

void ac_uuid_format(const uint8_t u[16], char out[AC_UUID_STRLEN])
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		out[k++] = hex[u[i] >> 4];
		out[k++] = hex[u[i] & 15];
	}
	out[k] = '\0';
}

static void set_version(uint8_t u[16], int version)
{
	u[6] = (uint8_t)((u[6] & 0x0f) | (version << 4));
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
}

void ac_uuid_v4(char out[AC_UUID_STRLEN])
{
	uint8_t u[16];
	randombytes_buf(u, sizeof(u));
	set_version(u, 4);
	ac_uuid_format(u, out);
}

ac_rc ac_uuid_v5(const uint8_t ns[16], const void *name, size_t len,
		 char out[AC_UUID_STRLEN])
{
	uint8_t digest[20];
	gnutls_hash_hd_t h;

	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA1) < 0)
		return AC_ERR_CRYPTO;
	gnutls_hash(h, ns, 16);
	gnutls_hash(h, name, len);
	gnutls_hash_deinit(h, digest);
	set_version(digest, 5);
	ac_uuid_format(digest, out);
	return AC_OK;
}
