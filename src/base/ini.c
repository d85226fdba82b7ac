#include "base/common.h"
#include "base/ini.h"

#include <ctype.h>

#define INI_LINE_MAX 4096

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static ac_rc parse_line(char *line, char *section, size_t seclen,
			const char *path, int lineno, ini_cb cb, void *ctx,
			struct ac_err *err)
{
	char *s = trim(line), *eq;

	if (!*s || *s == '#' || *s == ';')
		return AC_OK;
	if (*s == '[') {
		char *end = strchr(s, ']');
		if (!end || end[1] != '\0' || end == s + 1)
			return ac_err_set(err, AC_ERR_PARSE,
					  "'%s' line %d: bad section header",
					  path, lineno);
		*end = '\0';
		snprintf(section, seclen, "%s", trim(s + 1));
		return AC_OK;
	}
	eq = strchr(s, '=');
	if (!eq)
		return ac_err_set(err, AC_ERR_PARSE,
				  "'%s' line %d: expected 'key = value'", path,
				  lineno);
	if (!*section)
		return ac_err_set(err, AC_ERR_PARSE,
				  "'%s' line %d: key outside a [section]", path,
				  lineno);
	*eq = '\0';
	if (!*trim(s))
		return ac_err_set(err, AC_ERR_PARSE, "'%s' line %d: empty key",
				  path, lineno);
	return cb(section, trim(s), trim(eq + 1), lineno, ctx);
}

ac_rc ini_parse_file(const char *path, ini_cb cb, void *ctx, struct ac_err *err)
{
	char line[INI_LINE_MAX], section[128] = "";
	int lineno = 0;
	ac_rc rc = AC_OK;
	FILE *f = fopen(path, "r");

	if (!f)
		return ac_err_set(err, errno == ENOENT ? AC_ERR_NOTFOUND : AC_ERR_IO,
				  "cannot open '%s': %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = ac_err_set(err, AC_ERR_PARSE,
					"'%s' line %d: line too long", path,
					lineno);
			goto out;
		}
		rc = parse_line(line, section, sizeof(section), path, lineno,
				cb, ctx, err);
		if (rc)
			goto out;
	}
	if (ferror(f))
		rc = ac_err_set(err, AC_ERR_IO, "cannot read '%s'", path);
out:
	fclose(f);
	return rc;
}
