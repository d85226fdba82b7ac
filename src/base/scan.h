/* Word-at-a-time scanning of JSON string contents. */
#ifndef AC_BASE_SCAN_H
#define AC_BASE_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define AC_SCAN_ONES 0x0101010101010101ULL
#define AC_SCAN_HIGHS 0x8080808080808080ULL

/* Whether a byte of w is below 0x20, '"' or '\\' (or, unless allow_high,
 * 0x80 or above). A presence test only: which byte is left to the caller. */
static inline bool ac_scan_special(uint64_t w, bool allow_high)
{
	uint64_t quote = w ^ (AC_SCAN_ONES * '"');
	uint64_t bslash = w ^ (AC_SCAN_ONES * '\\');
	uint64_t hit = ((w - AC_SCAN_ONES * 0x20) & ~w) |
		       ((quote - AC_SCAN_ONES) & ~quote) |
		       ((bslash - AC_SCAN_ONES) & ~bslash);

	if (!allow_high)
		hit |= w;
	return (hit & AC_SCAN_HIGHS) != 0;
}

static inline bool ac_scan_plain_byte(unsigned char c, bool allow_high)
{
	return c >= 0x20 && c != '"' && c != '\\' && (allow_high || c < 0x80);
}

/* How many of the n bytes at p are plain string contents: no control
 * character, quote or backslash, and (unless allow_high) ASCII. Eight
 * bytes at a time: byte-by-byte loops were ~15% of an ingest worker's
 * instructions (parser and RFC 8785 output). */
static inline size_t ac_scan_plain_run(const void *p, size_t n,
				       bool allow_high)
{
	const unsigned char *s = p;
	size_t i = 0;
	uint64_t w;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		if (ac_scan_special(w, allow_high))
			break;
	}
	while (i < n && ac_scan_plain_byte(s[i], allow_high))
		i++;
	return i;
}

#endif
