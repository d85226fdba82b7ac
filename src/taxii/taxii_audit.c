/* The TAXII side of the audit trail: the purpose and case headers, the
 * person-data rule, and the batch of entries one request writes (committed
 * through the group-commit writer before the response is sent). */
#include "base/common.h"
#include "taxii/taxii.h"

#include "base/log.h"
#include "taxii/taxii_int.h"

/* Types that cannot hold person data (technical objects): reading only
 * these needs no purpose. Everything else (identity, threat-actor,
 * location, report, note, sighting, relationship, user-account,
 * email-addr, custom types...) may name or describe a person. */
static const char *const impersonal_types[] = {
	"attack-pattern", "autonomous-system", "course-of-action",
	"directory", "domain-name", "extension-definition", "file",
	"indicator", "infrastructure", "ipv4-addr", "ipv6-addr",
	"mac-addr", "malware", "malware-analysis", "marking-definition",
	"mutex", "network-traffic", "process", "software", "tool", "url",
	"vulnerability", "windows-registry-key", "x509-certificate",
};

static bool impersonal(const char *type)
{
	for (size_t i = 0; i < AC_ARRAY_LEN(impersonal_types); i++)
		if (!strcmp(type, impersonal_types[i]))
			return true;
	return false;
}

bool taxii_types_need_purpose(const char *const *types, size_t n)
{
	if (n == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (!impersonal(types[i]))
			return true;
	return false;
}

/* Length of the UTF-8 sequence at s (len bytes left) when it is a valid,
 * printable character (no C0/C1 controls, no DEL); 0 otherwise. */
static size_t printable_char(const unsigned char *s, size_t len)
{
	size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2
		 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	uint32_t cp;

	if (n == 0 || n > len)
		return 0;
	cp = n == 1 ? s[0] : s[0] & (0x7f >> n);
	for (size_t k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0; /* overlong, out of range or a surrogate */
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return 0;
	return n;
}

/* Copies header `name` into out when it is 1..cap bytes of printable
 * UTF-8; an absent header leaves out as it is. False after a 400. */
static bool text_header(struct taxii_call *c, const char *name, char *out,
			size_t cap)
{
	const char *v = http_req_header(c->req, name);
	size_t len, n;

	if (!v)
		return true;
	len = strlen(v);
	if (len == 0 || len > cap)
		goto bad;
	for (size_t i = 0; i < len; i += n)
		if (!(n = printable_char((const unsigned char *)v + i,
					 len - i)))
			goto bad;
	memcpy(out, v, len + 1);
	return true;
bad:
	taxii_error(c->resp, 400, "Bad request",
		    "%s must be 1 to %zu bytes of printable UTF-8 text", name,
		    cap);
	return false;
}

bool taxii_audit_headers(struct taxii_call *c)
{
	snprintf(c->purpose, sizeof(c->purpose), "%s", c->who.purpose);
	if (c->who.token_id[0] && c->who.is_partner)
		snprintf(c->who_detail, sizeof(c->who_detail),
			 "token %s; user %s", c->who.token_id, c->who.user);
	else if (c->who.token_id[0])
		snprintf(c->who_detail, sizeof(c->who_detail), "token %s",
			 c->who.token_id);
	else
		snprintf(c->who_detail, sizeof(c->who_detail), "password");
	return text_header(c, "X-Accord-Purpose", c->purpose,
			   AUTH_PURPOSE_MAX) &&
	       text_header(c, "X-Accord-Case", c->case_ref, TAXII_CASE_MAX);
}

struct query_text {
	struct ac_buf b;
	size_t n;
};

static bool add_arg(void *ctx, const char *key, const char *value)
{
	struct query_text *q = ctx;

	return !ac_buf_addf(&q->b, "%s%s%s%s", q->n++ ? "&" : "?", key,
			    value ? "=" : "", value ? value : "");
}

/* "PATH?k=v&..." of the request, cut at the cap, into c->query. */
static void describe_request(struct taxii_call *c)
{
	struct query_text q = {AC_BUF_INIT(TAXII_AUDIT_QUERY_MAX), 0};
	const char *path = http_req_path(c->req);

	if (!ac_buf_adds(&q.b, path ? path : ""))
		http_req_query_each(c->req, add_arg, &q);
	snprintf(c->query, sizeof(c->query), "%s", q.b.data ? q.b.data : "");
	ac_buf_release(&q.b);
}

static struct audit_entry *next_entry(struct taxii_call *c)
{
	struct audit_entry *e;

	if (!c->t->audit || c->npending == TAXII_AUDIT_PENDING)
		return NULL;
	e = &c->pending[c->npending++];
	memset(e, 0, sizeof(*e));
	return e;
}

void taxii_audit_add(struct taxii_call *c, enum audit_action action,
		     const char *channel, enum audit_outcome outcome,
		     const char *detail)
{
	struct audit_entry *e = next_entry(c);

	if (!e)
		return;
	if (!c->query[0])
		describe_request(c);
	e->actor_kind = c->who.is_partner ? AUDIT_ACTOR_PARTNER
					  : AUDIT_ACTOR_USER;
	e->actor = c->who.is_partner ? c->who.partner : c->who.user;
	e->action = action;
	e->object_ids = (const char *const *)c->ids.ids;
	e->nobject_ids = c->ids.n;
	e->object_count = c->ids.count;
	e->channel = channel;
	e->purpose = c->purpose;
	e->case_ref = c->case_ref;
	e->query = c->query;
	e->outcome = outcome;
	e->detail = detail ? detail : c->who_detail;
}

void taxii_audit_login(struct taxii_call *c, bool ok, const char *user,
		       const char *token_id, const char *reason)
{
	const char *addr = http_req_client_addr(c->req);
	struct audit_entry *e = next_entry(c);

	if (!e)
		return;
	snprintf(c->login_detail, sizeof(c->login_detail),
		 "client %s; %s%s%s%s", addr ? addr : "?",
		 token_id ? "token " : "password", token_id ? token_id : "",
		 reason ? "; " : "", reason ? reason : "");
	e->actor_kind = AUDIT_ACTOR_USER;
	snprintf(c->login_user, sizeof(c->login_user), "%s", user);
	e->actor = c->login_user;
	e->action = ok ? AUDIT_LOGIN_OK : AUDIT_LOGIN_FAIL;
	e->channel = "taxii";
	e->outcome = ok ? AUDIT_OK : AUDIT_DENIED;
	e->detail = c->login_detail;
}

bool taxii_audit_flush(struct taxii_call *c, struct ac_err *err)
{
	ac_rc rc;

	if (!c->t->audit || !c->npending)
		return true;
	rc = audit_writer_append(c->t->audit, c->pending, c->npending, err);
	c->npending = 0;
	if (rc)
		ac_log(AC_LOG_ERROR, "taxii: cannot write the audit entry: %s",
		       err->msg);
	return rc == AC_OK;
}

bool taxii_purpose_check(struct taxii_call *c, const char *const *types,
			 size_t ntypes, const char *channel)
{
	if (c->purpose[0] || !taxii_types_need_purpose(types, ntypes))
		return true;
	taxii_error(c->resp, 403, "Purpose required",
		    "reading objects that may hold person data needs a "
		    "purpose: send the X-Accord-Purpose header, or use a "
		    "token created with a default purpose (accord token "
		    "create --purpose)");
	taxii_audit_add(c, AUDIT_CONSULT, channel, AUDIT_DENIED,
		        "purpose required");
	return false;
}
