/* Base64 encoding and decoding for public values (b64.h). */
#include "base/common.h"
#include "base/b64.h"

#include <stdint.h>

#define X 0xff
/* Value of each byte in the standard alphabet; X for any other. */
static const uint8_t sextets[256] = {
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  62, X,  X,  X,  63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X,  X,  X,  X,  X,  X,
    X,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X,  X,  X,  X,  X,
    X,  26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
};

/* The last, padded group of n % 3 = rest bytes (1 or 2): 2 or 3 sextets,
 * then '=' padding; the unused low bits must be zero. */
static bool decode_tail(const unsigned char *s, unsigned char *out,
			size_t rest)
{
	uint32_t a = sextets[s[0]], b = sextets[s[1]], c;

	if ((a | b) & 0x80)
		return false;
	if (rest == 1) {
		if (s[2] != '=' || s[3] != '=' || (b & 0xf))
			return false;
		out[0] = (unsigned char)(a << 2 | b >> 4);
		return true;
	}
	c = sextets[s[2]];
	if (c == X || s[3] != '=' || (c & 0x3))
		return false;
	out[0] = (unsigned char)(a << 2 | b >> 4);
	out[1] = (unsigned char)(b << 4 | c >> 2);
	return true;
}

/* Four characters at a time (one table lookup each, one test for all
 * four): the byte-at-a-time loop was ~5% of a sync worker. */
bool ac_b64_decode_exact(const char *s, size_t len, unsigned char *out,
			 size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t full = n / 3, rest = n % 3;

	if (len != 4 * (full + (rest ? 1 : 0)))
		return false;
	for (size_t g = 0; g < full; g++, u += 4, out += 3) {
		uint32_t a = sextets[u[0]], b = sextets[u[1]],
			 c = sextets[u[2]], d = sextets[u[3]];

		if ((a | b | c | d) & 0x80)
			return false;
		out[0] = (unsigned char)(a << 2 | b >> 4);
		out[1] = (unsigned char)(b << 4 | c >> 2);
		out[2] = (unsigned char)(c << 6 | d);
	}
	return !rest || decode_tail(u, out, rest);
}

static const char ALPHABET[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void ac_b64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i = 0;

	for (; i + 3 <= n; i += 3, out += 4) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
			     in[i + 2];
		out[0] = ALPHABET[v >> 18];
		out[1] = ALPHABET[v >> 12 & 63];
		out[2] = ALPHABET[v >> 6 & 63];
		out[3] = ALPHABET[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 |
			     (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
		out[0] = ALPHABET[v >> 18];
		out[1] = ALPHABET[v >> 12 & 63];
		out[2] = i + 1 < n ? ALPHABET[v >> 6 & 63] : '=';
		out[3] = '=';
		out += 4;
	}
	*out = '\0';
}
