/* libFuzzer: a partner's page and a signed object's canonical text through
 * the federation code that reads them without jansson: the envelope scan
 * (its ranges stay inside the input, the elements it lists too, in order), the provenance cut of fed_verify
 * (it must agree with the jansson path), and the splice of a provenance
 * entry (byte-identical to attaching it and canonicalising, or declined). */
#include "base/common.h"

#include "crypto/keys.h"
#include "federation/provenance.h"
#include "federation/sync.h"
#include "stix/jcs.h"
#include "stix/json.h"

#define SIGNER "identity--a1b2c3d4-0000-4000-8000-000000000001"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ac_keys keys;
static struct fed_tree tree;

static void setup_once(void)
{
	static bool done;
	unsigned char leaves[2][FED_LEAF_LEN] = {{1}, {2}};

	if (done)
		return;
	done = true;
	if (ac_crypto_init(NULL) || ac_keys_generate(&keys, NULL) ||
	    fed_tree_sign((const void *)leaves, 2, &keys, &tree, NULL))
		abort();
}

static void envelope(const char *s, size_t n)
{
	struct fed_envelope e, split;
	struct fed_elems el = {0};
	size_t last = 0;

	fed_envelope_parse(s, n, &e);
	fed_envelope_split(s, n, &split, &el);
	if (memcmp(&e, &split, sizeof(e)))
		abort();
	/* the elements lie in order inside the array, blanks trimmed */
	for (size_t i = 0; i < el.n; i++) {
		size_t a = el.at[i][0], b = el.at[i][1];
		if (a > b || a < e.start || a < last || b > n ||
		    (e.end && b > e.end) ||
		    (a < b && (s[a] == ' ' || s[b - 1] == ' ')))
			abort();
		last = b;
	}
	fed_elems_release(&el);
	if (e.malformed)
		return;
	if (e.end && (e.start > e.end || e.end >= n || s[e.end] != ']'))
		abort();
	if (e.objects && !e.end)
		abort();
}

/* The splice agrees with jansson, or declines. */
static void splice(json_t *obj, const struct ac_buf *canon)
{
	struct ac_buf entry = AC_BUF_INIT(1u << 16), got = AC_BUF_INIT(64u << 20),
		      want = AC_BUF_INIT(64u << 20);
	json_t *copy = json_deep_copy(obj);

	if (copy && !fed_is_signed(copy) &&
	    !fed_tree_entry(&tree, 1, SIGNER, &entry) &&
	    fed_canonical_with_entry(canon->data, canon->len, entry.data,
				     entry.len, &got)) {
		if (fed_tree_attach(copy, &tree, 1, SIGNER, NULL) ||
		    stix_jcs(copy, &want) || want.len != got.len ||
		    memcmp(want.data, got.data, got.len))
			abort();
	}
	json_decref(copy);
	ac_buf_release(&entry);
	ac_buf_release(&got);
	ac_buf_release(&want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stix_limits lim = STIX_LIMITS_DEFAULT;
	struct ac_buf canon = AC_BUF_INIT(64u << 20);
	json_t *obj = NULL;

	setup_once();
	envelope((const char *)data, size);
	if (stix_json_parse((const char *)data, size, &lim, &obj, NULL))
		return 0;
	if (json_is_object(obj) && !stix_jcs(obj, &canon)) {
		if (fed_verify_canonical(obj, &canon, keys.sign_pk) !=
		    fed_verify(obj, keys.sign_pk))
			abort();
		splice(obj, &canon);
	}
	ac_buf_release(&canon);
	json_decref(obj);
	return 0;
}
