/* Base64 decoding for public values (b64.h). */
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

bool ac_b64_decode_exact(const char *s, size_t len, unsigned char *out,
			 size_t n)
{
	size_t full = n / 3, rest = n % 3, o = 0;
	uint32_t acc = 0;

	if (len != 4 * (full + (rest ? 1 : 0)))
		return false;
	for (size_t i = 0; i < len; i++) {
		bool pad_here = rest && i >= len - (3 - rest);
		uint8_t v;

		if (pad_here) {
			if (s[i] != '=')
				return false;
			continue;
		}
		v = sextets[(unsigned char)s[i]];
		if (v == X)
			return false;
		acc = (acc << 6) | v;
		if (i % 4 == 3) {
			out[o++] = (unsigned char)(acc >> 16);
			out[o++] = (unsigned char)(acc >> 8);
			out[o++] = (unsigned char)acc;
			acc = 0;
		}
	}
	if (rest == 1) { /* 2 sextets: 8 bits used, 4 must be zero */
		if (acc & 0xf)
			return false;
		out[o] = (unsigned char)(acc >> 4);
	} else if (rest == 2) { /* 3 sextets: 16 bits used, 2 must be zero */
		if (acc & 0x3)
			return false;
		out[o++] = (unsigned char)(acc >> 10);
		out[o] = (unsigned char)(acc >> 2);
	}
	return true;
}
