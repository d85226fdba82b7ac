/* Granular markings on output: properties under a TLP level the subject
 * may not see are removed from a copy of the object. */
#include "base/common.h"
#include "policy/policy.h"

#define SELECTOR_MAX 512  /* bytes of one selector */
#define GRANULAR_MAX 256  /* granular markings looked at */
#define SELECTORS_MAX 256 /* selectors per granular marking */

/* The properties that make an object what it is: never removed alone. */
static bool is_identity_prop(const char *sel)
{
	return strcmp(sel, "id") == 0 || strcmp(sel, "type") == 0 ||
	       strcmp(sel, "spec_version") == 0;
}

/* Parses "[n]" into *idx. */
static bool parse_index(const char *tok, size_t len, size_t *idx)
{
	size_t v = 0;

	if (len < 3 || tok[0] != '[' || tok[len - 1] != ']')
		return false;
	for (size_t i = 1; i + 1 < len; i++) {
		if (tok[i] < '0' || tok[i] > '9' || v > 100000000)
			return false;
		v = v * 10 + (size_t)(tok[i] - '0');
	}
	*idx = v;
	return true;
}

/* Where a selector points: its container and the key or index there. */
struct place {
	json_t *parent;
	char key[SELECTOR_MAX];
	size_t idx;
	bool by_index;
};

/* The value a selector names in root (NULL when it names nothing), and
 * where it sits. */
static json_t *resolve(json_t *root, const char *sel, struct place *at)
{
	json_t *cur = root;
	const char *p = sel;

	at->parent = NULL;
	if (strlen(sel) >= SELECTOR_MAX || !sel[0])
		return NULL;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		if (len == 0 || !cur || (dot && !dot[1]))
			return NULL;
		at->parent = cur;
		if (json_is_array(cur) && parse_index(p, len, &at->idx)) {
			at->by_index = true;
			cur = json_array_get(cur, at->idx);
		} else if (json_is_object(cur)) {
			at->by_index = false;
			memcpy(at->key, p, len);
			at->key[len] = '\0';
			cur = json_object_get(cur, at->key);
		} else {
			return NULL;
		}
		p = dot ? dot + 1 : p + len;
	}
	return cur;
}

/* Replaces the value the selector names with mark (nothing if none). */
static void mark_path(json_t *root, const char *sel, json_t *mark)
{
	struct place at;

	if (!resolve(root, sel, &at) || !at.parent)
		return;
	json_incref(mark);
	if (at.by_index)
		json_array_set_new(at.parent, at.idx, mark);
	else
		json_object_set_new(at.parent, at.key, mark);
}

/* Drops selectors of the remaining granular markings that name removed
 * properties, and markings left without selectors. */
static void prune_granular(json_t *copy, json_t *gms)
{
	struct place at;
	size_t i, j;

	for (i = json_array_size(gms); i > 0; i--) {
		json_t *sels = json_object_get(json_array_get(gms, i - 1),
					       "selectors");
		for (j = json_array_size(sels); j > 0; j--) {
			const char *t = json_string_value(
			    json_array_get(sels, j - 1));
			if (!t || !resolve(copy, t, &at))
				json_array_remove(sels, j - 1);
		}
		if (json_is_array(sels) && json_array_size(sels) == 0)
			json_array_remove(gms, i - 1);
	}
}

/* Removes every value that is mark from v, depth first. */
static void sweep(json_t *v, const json_t *mark)
{
	const char *key;
	json_t *child;
	void *tmp;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach_safe(v, tmp, key, child)
		{
			if (child == mark)
				json_object_del(v, key);
			else
				sweep(child, mark);
		}
	} else if (json_is_array(v)) {
		for (i = json_array_size(v); i > 0; i--) {
			child = json_array_get(v, i - 1);
			if (child == mark)
				json_array_remove(v, i - 1);
			else
				sweep(child, mark);
		}
	}
}

/* May the subject see a property marked at level t? */
static bool level_visible(const struct policy_subject *s,
			  const struct policy_object *o, enum policy_action a,
			  enum policy_tlp t)
{
	struct policy_object *tmp;
	bool ok;

	if (t <= o->markings.tlp)
		return true; /* the object's own level was already decided */
	tmp = malloc(sizeof(*tmp));
	if (!tmp)
		return false;
	*tmp = *o;
	tmp->markings.tlp = t;
	ok = policy_decide(s, tmp, a, NULL);
	free(tmp);
	return ok;
}

/* Marks the selectors of one granular marking; returns false if the whole
 * object must be withheld. */
static bool mark_selectors(json_t *copy, const json_t *selectors, json_t *mark)
{
	const json_t *sel;
	size_t i;

	json_array_foreach(selectors, i, sel)
	{
		const char *text = json_string_value(sel);
		if (!text || i >= SELECTORS_MAX)
			return false;
		if (is_identity_prop(text))
			return false;
		mark_path(copy, text, mark);
	}
	return true;
}

json_t *policy_redact(const struct policy_subject *s,
		      const struct policy_object *o, enum policy_action a,
		      const json_t *obj, bool *withheld)
{
	json_t *copy = NULL, *mark = NULL, *gms, *gm;
	bool ok = true;
	size_t i;

	*withheld = false;
	copy = json_deep_copy(obj);
	mark = json_object();
	if (!copy || !mark)
		goto fail;
	gms = json_object_get(copy, "granular_markings");
	if (gms && (!json_is_array(gms) ||
		    json_array_size(gms) > GRANULAR_MAX))
		ok = false;
	for (i = json_array_size(gms); ok && i > 0; i--) {
		enum policy_tlp t;
		gm = json_array_get(gms, i - 1);
		if (!policy_tlp_of_marking(
			json_string_value(json_object_get(gm, "marking_ref")),
			&t) ||
		    level_visible(s, o, a, t))
			continue;
		ok = mark_selectors(copy, json_object_get(gm, "selectors"),
				    mark);
		json_array_remove(gms, i - 1); /* its properties are gone */
	}
	if (!ok) {
		*withheld = true;
		goto fail;
	}
	sweep(copy, mark);
	prune_granular(copy, gms);
	if (gms && json_array_size(gms) == 0)
		json_object_del(copy, "granular_markings");
	json_decref(mark);
	return copy;
fail:
	json_decref(copy);
	json_decref(mark);
	return NULL;
}
