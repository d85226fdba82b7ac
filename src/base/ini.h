/* A small strict INI reader: "[section]", "key = value", '#' or ';'
 * comments, blank lines. No library in Debian's set does this better for a
 * five-key file, so it is hand-written. */
#ifndef AC_INI_H
#define AC_INI_H

#include "base/rc.h"

/* Called for each key; return AC_OK to go on. Strings are valid only during
 * the call. */
typedef ac_rc (*ini_cb)(const char *section, const char *key,
			const char *value, int line, void *ctx);

/* Parses the file at path. Lines over 4 KiB, keys outside a section, a
 * missing '=', or a bad section header fail with AC_ERR_PARSE naming the file
 * and line. */
ac_rc ini_parse_file(const char *path, ini_cb cb, void *ctx,
		     struct ac_err *err);

#endif
