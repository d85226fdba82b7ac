/* Base64 decoding for public values (b64.h). */
#include "base/common.h"
#include "base/b64.h"

#include <stdint.h>

/* Value of each byte in the standard alphabet; 0xff for any other. */
static uint8_t sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (uint8_t)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (uint8_t)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (uint8_t)(c - '0' + 52);
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return 0xff;
}

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
		v = sextet((unsigned char)s[i]);
		if (v == 0xff)
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
