/* Check-digit helpers behind accord's extension rules, shared with the
 * sample-data generator (which must produce values that pass them). */
#ifndef AC_STIX_EXT_CHECK_H
#define AC_STIX_EXT_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* ISO 3779 VIN check digit ('0'..'9' or 'X', position 9) of a 17-character
 * VIN; '\0' when a character is outside the VIN alphabet (no I, O, Q). */
char stix_vin_check_digit(const char *vin);
/* True when s is 17 characters of the VIN alphabet. */
bool stix_vin_shape_ok(const char *s);
/* ISO 13616 mod-97 remainder of an IBAN (letters as 10..35, the first four
 * characters moved to the end); -1 when a character is not [A-Z0-9]. A
 * valid IBAN gives 1. */
int stix_iban_mod97(const char *iban);
/* True when s looks like an IBAN: two upper-case letters, two digits, then
 * 11..30 of [A-Z0-9]. */
bool stix_iban_shape_ok(const char *s);
/* Luhn sum over a digit string is a multiple of ten. */
bool stix_luhn_ok(const char *digits);

#endif
