/* stix_report: bounded collection of validation errors and warnings. */
#include "base/common.h"
#include "stix/validate.h"

void stix_report_init(struct stix_report *rep)
{
	memset(rep, 0, sizeof(*rep));
}

static void report_add(struct stix_issue *list, size_t *count,
		       const char *objid, const char *path, const char *fmt,
		       va_list ap)
{
	struct stix_issue *is;
	int n;

	if (*count < STIX_REPORT_MAX) {
		is = &list[*count];
		n = snprintf(is->text, sizeof(is->text), "%s: %s: ",
			     objid != NULL ? objid : "<no id>",
			     path != NULL && path[0] != '\0' ? path : "/");
		if (n >= 0 && (size_t)n < sizeof(is->text))
			vsnprintf(is->text + n, sizeof(is->text) - (size_t)n,
				  fmt, ap);
	}
	(*count)++;
}

void stix_report_error(struct stix_report *rep, const char *objid,
		       const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report_add(rep->errors, &rep->nerrors, objid, path, fmt, ap);
	va_end(ap);
}

void stix_report_warn(struct stix_report *rep, const char *objid,
		      const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report_add(rep->warnings, &rep->nwarnings, objid, path, fmt, ap);
	va_end(ap);
}
