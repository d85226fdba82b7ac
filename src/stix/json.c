/* Strict JSON parsing: a cheap pre-pass refuses oversized or too deeply
 * nested text before jansson builds anything, then jansson parses with
 * duplicate keys rejected (it also refuses invalid UTF-8 and \u0000). */
#include "base/common.h"
#include "stix/json.h"

ac_rc stix_json_precheck(const char *data, size_t len,
			 const struct stix_limits *lim, struct ac_err *err)
{
	size_t depth = 0, str_start = 0;
	bool in_str = false, esc = false;

	if (len > lim->max_object_bytes)
		return ac_err_set(err, AC_ERR_LIMIT,
				  "json text of %zu bytes exceeds the limit of "
				  "%zu bytes", len, lim->max_object_bytes);
	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		if (in_str) {
			if (esc) {
				esc = false;
			} else if (c == '\\') {
				esc = true;
			} else if (c == '"') {
				in_str = false;
				continue;
			}
			if (i - str_start >= lim->max_string_bytes)
				return ac_err_set(err, AC_ERR_LIMIT,
						  "json string at byte %zu is "
						  "longer than %zu bytes",
						  str_start, lim->max_string_bytes);
			continue;
		}
		if (c == '"') {
			in_str = true;
			str_start = i + 1;
		} else if (c == '{' || c == '[') {
			if (++depth > lim->max_depth)
				return ac_err_set(err, AC_ERR_LIMIT,
						  "json nesting at byte %zu is "
						  "deeper than %zu levels",
						  i, lim->max_depth);
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return AC_OK;
}

ac_rc stix_json_parse(const char *data, size_t len,
		      const struct stix_limits *lim, json_t **out,
		      struct ac_err *err)
{
	static const struct stix_limits defaults = STIX_LIMITS_DEFAULT;
	ac_rc rc;

	*out = NULL;
	if (lim == NULL)
		lim = &defaults;
	rc = stix_json_precheck(data, len, lim, err);
	if (rc != AC_OK)
		return rc;
	return stix_json_parse_checked(data, len, out, err);
}

ac_rc stix_json_parse_checked(const char *data, size_t len, json_t **out,
			      struct ac_err *err)
{
	json_error_t jerr;

	*out = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
			  &jerr);
	if (*out == NULL)
		return ac_err_set(err, AC_ERR_PARSE,
				  "invalid json at line %d, column %d (byte "
				  "%d): %s", jerr.line, jerr.column,
				  jerr.position, jerr.text);
	return AC_OK;
}

const char *stix_get_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}
