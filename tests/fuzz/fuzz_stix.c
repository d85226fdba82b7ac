/* libFuzzer: one object through the strict JSON parser, the validator,
 * canonicalisation, the markings reader and redaction. */
#include "base/common.h"

#include "policy/markings.h"
#include "policy/policy.h"
#include "stix/jcs.h"
#include "stix/json.h"
#include "stix/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stix_limits lim = STIX_LIMITS_DEFAULT;
	struct stix_report rep;
	struct ac_buf canon = AC_BUF_INIT(16u << 20);
	struct policy_object po;
	struct policy_subject subj;
	json_t *obj = NULL, *red;
	bool withheld, canonical = false;

	if (stix_json_precheck((const char *)data, size, &lim, NULL) ||
	    stix_json_parse_canon((const char *)data, size, &obj, &canonical,
				  NULL))
		return 0;
	stix_report_init(&rep);
	stix_validate(obj, &rep);
	/* text the parser calls canonical is exactly what JCS writes */
	if (!stix_jcs(obj, &canon) && canonical &&
	    (canon.len != size || memcmp(canon.data, data, size)))
		abort();
	memset(&po, 0, sizeof(po));
	memset(&subj, 0, sizeof(subj));
	if (!policy_markings_read(obj, NULL, &po.markings, NULL)) {
		subj.kind = POLICY_SUBJECT_USER;
		subj.role = AUTH_ROLE_ANALYST;
		red = policy_redact(&subj, &po, POLICY_READ, obj, &withheld);
		json_decref(red);
	}
	ac_buf_release(&canon);
	json_decref(obj);
	return 0;
}
