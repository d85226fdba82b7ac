/* Person names of a STIX object (see extract.h). */
#include "base/common.h"
#include "names/extract.h"

#include "names/names.h"
#include "stix/ext.h"

static const json_t *person_ext(const json_t *obj)
{
	return json_object_get(json_object_get(obj, "extensions"),
			       STIX_EXT_PERSON);
}

bool names_is_person(const json_t *obj)
{
	const char *type = json_string_value(json_object_get(obj, "type"));
	const char *cls =
	    json_string_value(json_object_get(obj, "identity_class"));

	if (!type || strcmp(type, "identity"))
		return false;
	return (cls && !strcmp(cls, "individual")) ||
	       json_is_object(person_ext(obj));
}

struct collected {
	const char **out;
	size_t n, cap;
};

static void keep(struct collected *c, const json_t *v)
{
	const char *s = json_string_value(v);
	size_t len = s ? json_string_length(v) : 0;

	if (!s || !len || len > NAMES_MAX_BYTES || strlen(s) != len ||
	    c->n >= c->cap)
		return;
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->out[i], s))
			return;
	c->out[c->n++] = s;
}

static void keep_strings(struct collected *c, const json_t *list)
{
	size_t i;
	const json_t *v;

	json_array_foreach(list, i, v) {
		keep(c, v);
	}
}

/* Parts of a name (given, family, patronymic) are left out: the full name
 * holds them, and a lone family name would make every namesake a
 * probable match. */
static bool is_part(const json_t *entry)
{
	static const char *const parts[] = {"given", "family", "patronymic"};
	const char *kind = json_string_value(json_object_get(entry, "kind"));

	for (size_t i = 0; kind && i < AC_ARRAY_LEN(parts); i++)
		if (!strcmp(kind, parts[i]))
			return true;
	return false;
}

size_t names_of_person(const json_t *obj, const char **out, size_t cap)
{
	struct collected c = {out, 0, cap};
	const json_t *ext, *entry;
	size_t i;

	if (!names_is_person(obj))
		return 0;
	keep(&c, json_object_get(obj, "name"));
	keep_strings(&c, json_object_get(obj, "aliases"));
	keep_strings(&c, json_object_get(obj, "x_aliases"));
	ext = person_ext(obj);
	json_array_foreach(json_object_get(ext, "names"), i, entry) {
		if (!is_part(entry))
			keep(&c, json_object_get(entry, "value"));
	}
	return c.n;
}
