/* The STIX 2.1 type registry: one table of property specs per core type and
 * predefined SCO extension, plus the cross-property MUST rules that a table
 * cannot express. Tables are sorted by name for bsearch. */
#include "base/common.h"
#include "stix/types.h"

#define NOLIM_MIN INT64_MIN
#define NOLIM_MAX INT64_MAX

#define PROP(n, k, r) { .name = (n), .kind = (k), .required = (r) }
#define STR(n) PROP(n, PK_STR, false)
#define STR_R(n) PROP(n, PK_STR, true)
#define TS(n) PROP(n, PK_TS, false)
#define TS_R(n) PROP(n, PK_TS, true)
#define BOOL(n) PROP(n, PK_BOOL, false)
#define BOOL_R(n) PROP(n, PK_BOOL, true)
#define STRS(n) PROP(n, PK_STRS, false)
#define DICT(n) PROP(n, PK_DICT, false)
#define DICT_R(n) PROP(n, PK_DICT, true)
#define HASHES(n) PROP(n, PK_HASHES, false)
#define KCP(n) PROP(n, PK_KCP, false)
#define INT(n, lo, hi) \
	{ .name = (n), .kind = PK_INT, .min = (lo), .max = (hi) }
#define INT_R(n, lo, hi) \
	{ .name = (n), .kind = PK_INT, .required = true, .min = (lo), .max = (hi) }
#define UINT(n) INT(n, 0, NOLIM_MAX)
#define NUM(n, lo, hi) \
	{ .name = (n), .kind = PK_NUM, .min = (lo), .max = (hi) }
#define ENUM(n, v) { .name = (n), .kind = PK_ENUM, .vals = (v) }
#define ENUM_R(n, v) { .name = (n), .kind = PK_ENUM, .required = true, .vals = (v) }
#define ENUMS_R(n, v) { .name = (n), .kind = PK_ENUMS, .required = true, .vals = (v) }
#define REF(n, c, t) { .name = (n), .kind = PK_REF, .ref_class = (c), .vals = (t) }
#define REF_R(n, c, t) \
	{ .name = (n), .kind = PK_REF, .required = true, .ref_class = (c), .vals = (t) }
#define REFS(n, c, t) { .name = (n), .kind = PK_REFS, .ref_class = (c), .vals = (t) }
#define REFS_R(n, c, t) \
	{ .name = (n), .kind = PK_REFS, .required = true, .ref_class = (c), .vals = (t) }

/* ---- reference target lists ---- */
static const char *const t_identity[] = { "identity", NULL };
static const char *const t_marking[] = { "marking-definition", NULL };
static const char *const t_software[] = { "software", NULL };
static const char *const t_file_artifact[] = { "file", "artifact", NULL };
static const char *const t_file_dir[] = { "file", "directory", NULL };
static const char *const t_file[] = { "file", NULL };
static const char *const t_directory[] = { "directory", NULL };
static const char *const t_artifact[] = { "artifact", NULL };
static const char *const t_sample[] = { "file", "network-traffic", "artifact",
					NULL };
static const char *const t_observed[] = { "observed-data", NULL };
static const char *const t_sighted[] = { "identity", "location", NULL };
static const char *const t_resolves[] = { "ipv4-addr", "ipv6-addr",
					  "domain-name", NULL };
static const char *const t_user[] = { "user-account", NULL };
static const char *const t_email[] = { "email-addr", NULL };
static const char *const t_mac[] = { "mac-addr", NULL };
static const char *const t_as[] = { "autonomous-system", NULL };
static const char *const t_endpoint[] = { "ipv4-addr", "ipv6-addr", "mac-addr",
					  "domain-name", NULL };
static const char *const t_traffic[] = { "network-traffic", NULL };
static const char *const t_process[] = { "process", NULL };

/* ---- closed enumerations ---- */
static const char *const e_opinion[] = { "strongly-disagree", "disagree",
					 "neutral", "agree", "strongly-agree",
					 NULL };
static const char *const e_encryption[] = { "AES-256-GCM", "ChaCha20-Poly1305",
					    "mime-type-indicated", NULL };
const char *const stix_extension_type_enum[] = {
	"new-sdo", "new-sco", "new-sro", "property-extension",
	"toplevel-property-extension", NULL
};
static const char *const e_addr_family[] = { "AF_UNSPEC", "AF_INET", "AF_IPX",
					     "AF_APPLETALK", "AF_NETBIOS",
					     "AF_INET6", "AF_IRDA", "AF_BTH",
					     NULL };
static const char *const e_socket_type[] = { "SOCK_STREAM", "SOCK_DGRAM",
					     "SOCK_RAW", "SOCK_RDM",
					     "SOCK_SEQPACKET", NULL };
static const char *const e_integrity[] = { "low", "medium", "high", "system",
					   NULL };
static const char *const e_start_type[] = {
	"SERVICE_AUTO_START", "SERVICE_BOOT_START", "SERVICE_DEMAND_START",
	"SERVICE_DISABLED", "SERVICE_SYSTEM_ALERT", NULL
};
static const char *const e_service_type[] = {
	"SERVICE_KERNEL_DRIVER", "SERVICE_FILE_SYSTEM_DRIVER",
	"SERVICE_WIN32_OWN_PROCESS", "SERVICE_WIN32_SHARE_PROCESS", NULL
};
static const char *const e_service_status[] = {
	"SERVICE_CONTINUE_PENDING", "SERVICE_PAUSE_PENDING", "SERVICE_PAUSED",
	"SERVICE_RUNNING", "SERVICE_START_PENDING", "SERVICE_STOP_PENDING",
	"SERVICE_STOPPED", NULL
};
static const char *const e_registry_type[] = {
	"REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD",
	"REG_DWORD_BIG_ENDIAN", "REG_DWORD_LITTLE_ENDIAN", "REG_LINK",
	"REG_MULTI_SZ", "REG_RESOURCE_LIST", "REG_FULL_RESOURCE_DESCRIPTION",
	"REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD", "REG_INVALID_TYPE", NULL
};

/* ---- common properties ---- */
static const struct prop_spec common_sdo[] = {
	REF("created_by_ref", REF_TYPES, t_identity),
	TS("created"),
	TS("modified"),
	BOOL("revoked"),
	STRS("labels"),
	INT("confidence", 0, 100),
	STR("lang"),
	REFS("object_marking_refs", REF_TYPES, t_marking),
};

static const struct prop_spec common_sco[] = {
	BOOL("defanged"),
	REFS("object_marking_refs", REF_TYPES, t_marking),
};

/* ---- cross-property rules ---- */
static bool has(const json_t *body, const char *key)
{
	return json_object_get(body, key) != NULL;
}

static void check_first_last_seen(struct vctx *v, const json_t *o,
				  const char *path)
{
	stix_v_ts_order(v, o, path, "first_seen", "last_seen", false);
}

static void check_indicator(struct vctx *v, const json_t *o, const char *path)
{
	stix_v_ts_order(v, o, path, "valid_from", "valid_until", true);
}

static void check_relationship(struct vctx *v, const json_t *o,
			       const char *path)
{
	const char *rt = json_string_value(json_object_get(o, "relationship_type"));
	stix_v_ts_order(v, o, path, "start_time", "stop_time", true);
	if (rt == NULL)
		return;
	for (const char *p = rt; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '-')) {
			stix_v_error(v, path, "relationship_type",
				     "must contain only a-z, 0-9 and '-'");
			return;
		}
	}
}

static void check_sighting(struct vctx *v, const json_t *o, const char *path)
{
	check_first_last_seen(v, o, path);
}

static void check_observed_data(struct vctx *v, const json_t *o,
				const char *path)
{
	bool refs = has(o, "object_refs"), objs = has(o, "objects");
	stix_v_ts_order(v, o, path, "first_observed", "last_observed", false);
	if (refs && objs)
		stix_v_error(v, path, "objects",
			     "must not be present together with object_refs");
	else if (!refs && !objs)
		stix_v_error(v, path, "object_refs",
			     "required property missing (or deprecated objects)");
	else if (objs)
		stix_v_warn(v, path, "objects",
			    "deprecated; use object_refs");
}

static void check_location(struct vctx *v, const json_t *o, const char *path)
{
	bool lat = has(o, "latitude"), lon = has(o, "longitude");
	if (lat != lon)
		stix_v_error(v, path, lat ? "longitude" : "latitude",
			     "latitude and longitude must be present together");
	if (has(o, "precision") && !(lat && lon))
		stix_v_error(v, path, "precision",
			     "requires latitude and longitude");
	if (!has(o, "region") && !has(o, "country") && !(lat && lon))
		stix_v_error(v, path, NULL,
			     "location needs region, country, or latitude and "
			     "longitude");
}

static void check_malware(struct vctx *v, const json_t *o, const char *path)
{
	check_first_last_seen(v, o, path);
	if (json_is_true(json_object_get(o, "is_family")) && !has(o, "name"))
		stix_v_error(v, path, "name",
			     "required property missing (is_family is true)");
}

static void check_malware_analysis(struct vctx *v, const json_t *o,
				   const char *path)
{
	if (!has(o, "result") && !has(o, "analysis_sco_refs"))
		stix_v_error(v, path, NULL,
			     "malware-analysis needs result or analysis_sco_refs");
}

static void check_marking_definition(struct vctx *v, const json_t *o,
				     const char *path)
{
	static const char *const tlp_ids[][2] = {
		{ "white", "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9" },
		{ "green", "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da" },
		{ "amber", "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82" },
		{ "red", "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed" },
	};
	const char *dtype = json_string_value(json_object_get(o, "definition_type"));
	const json_t *def = json_object_get(o, "definition");
	const char *tlp;
	size_t i;

	if (!has(o, "extensions")) {
		if (dtype == NULL)
			stix_v_error(v, path, "definition_type",
				     "required when extensions is absent");
		if (def == NULL)
			stix_v_error(v, path, "definition",
				     "required when extensions is absent");
	}
	if (dtype == NULL || !json_is_object(def))
		return;
	if (strcmp(dtype, "statement") == 0) {
		if (!json_is_string(json_object_get(def, "statement")))
			stix_v_error(v, path, "definition",
				     "statement marking needs a string "
				     "'statement'");
		return;
	}
	if (strcmp(dtype, "tlp") != 0)
		return;
	tlp = json_string_value(json_object_get(def, "tlp"));
	for (i = 0; tlp != NULL && i < AC_ARRAY_LEN(tlp_ids); i++)
		if (strcmp(tlp, tlp_ids[i][0]) == 0)
			break;
	if (tlp == NULL || i == AC_ARRAY_LEN(tlp_ids)) {
		stix_v_error(v, path, "definition",
			     "tlp must be white, green, amber or red");
		return;
	}
	if (v->id == NULL || strcmp(v->id, tlp_ids[i][1]) != 0)
		stix_v_error(v, path, "id",
			     "TLP:%s must use the predefined id '%s'",
			     tlp, tlp_ids[i][1]);
}

static void check_extension_definition(struct vctx *v, const json_t *o,
				       const char *path)
{
	const json_t *types = json_object_get(o, "extension_types");
	bool toplevel = false;
	size_t i;
	json_t *t;

	json_array_foreach(types, i, t)
		if (json_is_string(t) &&
		    strcmp(json_string_value(t), "toplevel-property-extension") == 0)
			toplevel = true;
	if (has(o, "extension_properties") && !toplevel)
		stix_v_error(v, path, "extension_properties",
			     "only allowed when extension_types has "
			     "toplevel-property-extension");
}

static void check_language_content(struct vctx *v, const json_t *o,
				   const char *path)
{
	const json_t *c = json_object_get(o, "contents");
	const char *lang;
	json_t *val;

	if (!json_is_object(c))
		return;
	if (json_object_size(c) == 0)
		stix_v_error(v, path, "contents", "must not be empty");
	json_object_foreach((json_t *)c, lang, val) {
		if (!json_is_object(val)) {
			char p[256];
			snprintf(p, sizeof(p), "%s/contents", path);
			stix_v_error(v, p, lang,
				     "must be a dictionary of translations");
		}
	}
}

static void check_artifact(struct vctx *v, const json_t *o, const char *path)
{
	bool bin = has(o, "payload_bin"), url = has(o, "url");
	if (bin && url)
		stix_v_error(v, path, "url",
			     "must not be present together with payload_bin");
	else if (!bin && !url)
		stix_v_error(v, path, NULL, "artifact needs payload_bin or url");
	if (url && !has(o, "hashes"))
		stix_v_error(v, path, "hashes", "required when url is present");
	if (has(o, "decryption_key") && !has(o, "encryption_algorithm"))
		stix_v_error(v, path, "decryption_key",
			     "requires encryption_algorithm");
}

static void check_email_message(struct vctx *v, const json_t *o,
				const char *path)
{
	const json_t *multi = json_object_get(o, "is_multipart");
	if (json_is_true(multi) && has(o, "body"))
		stix_v_error(v, path, "body",
			     "must not be present when is_multipart is true");
	if (json_is_false(multi) && has(o, "body_multipart"))
		stix_v_error(v, path, "body_multipart",
			     "must not be present when is_multipart is false");
}

static void check_file(struct vctx *v, const json_t *o, const char *path)
{
	if (!has(o, "hashes") && !has(o, "name"))
		stix_v_error(v, path, NULL, "file needs hashes or name");
}

static void check_network_traffic(struct vctx *v, const json_t *o,
				  const char *path)
{
	if (!has(o, "src_ref") && !has(o, "dst_ref"))
		stix_v_error(v, path, NULL,
			     "network-traffic needs src_ref or dst_ref");
	stix_v_ts_order(v, o, path, "start", "end", false);
	if (json_is_true(json_object_get(o, "is_active")) && has(o, "end"))
		stix_v_error(v, path, "end",
			     "must not be present when is_active is true");
}

/* SCOs and extensions that must carry at least one property of their own. */
static void check_at_least_one(struct vctx *v, const json_t *o,
			       const char *path, size_t own)
{
	if (json_object_size(o) <= own)
		stix_v_error(v, path, NULL,
			     "must contain at least one property of its own");
}

static void check_nonempty_ext(struct vctx *v, const json_t *o,
			       const char *path)
{
	check_at_least_one(v, o, path, 0);
}

static void check_x509(struct vctx *v, const json_t *o, const char *path)
{
	size_t own = 2 + has(o, "spec_version") + has(o, "defanged") +
		     has(o, "object_marking_refs") + has(o, "granular_markings") +
		     has(o, "extensions");
	check_at_least_one(v, o, path, own);
	stix_v_ts_order(v, o, path, "validity_not_before", "validity_not_after",
			false);
}

static void check_process(struct vctx *v, const json_t *o, const char *path)
{
	size_t own = 2 + has(o, "spec_version") + has(o, "defanged") +
		     has(o, "object_marking_refs") + has(o, "granular_markings");
	check_at_least_one(v, o, path, own);
}

/* ---- list items with their own properties ---- */
static const char *const t_body_raw[] = { "artifact", "file", NULL };

static void check_mime_part(struct vctx *v, const json_t *o, const char *path)
{
	bool body = has(o, "body"), raw = has(o, "body_raw_ref");
	if (body == raw)
		stix_v_error(v, path, NULL,
			     "mime part needs exactly one of body or "
			     "body_raw_ref");
}

static const struct prop_spec i_mime_part[] = {
	STR("body"), REF("body_raw_ref", REF_TYPES, t_body_raw),
	STR("content_type"), STR("content_disposition"),
};
static const struct prop_spec i_registry_value[] = {
	STR("name"), STR("data"), ENUM("data_type", e_registry_type),
};
static const struct prop_spec i_ads[] = {
	STR_R("name"), HASHES("hashes"), UINT("size"),
};
static const struct prop_spec i_pe_section[] = {
	STR_R("name"), UINT("size"), NUM("entropy", NOLIM_MIN, NOLIM_MAX),
	HASHES("hashes"),
};

#define ITEM(n, p, c) { (n), STIX_KIND_SCO, (p), AC_ARRAY_LEN(p), (c), NULL }
static const struct type_spec item_mime_part =
	ITEM("mime-part", i_mime_part, check_mime_part);
static const struct type_spec item_registry_value =
	ITEM("windows-registry-value", i_registry_value, NULL);
static const struct type_spec item_ads =
	ITEM("alternate-data-stream", i_ads, NULL);
static const struct type_spec item_pe_section =
	ITEM("windows-pe-section", i_pe_section, NULL);
#define LIST_OF(n, it) { .name = (n), .kind = PK_LIST, .item = &(it) }

/* ---- SDOs ---- */
static const struct prop_spec p_attack_pattern[] = {
	STR_R("name"), STR("description"), STRS("aliases"),
	KCP("kill_chain_phases"),
};
static const struct prop_spec p_campaign[] = {
	STR_R("name"), STR("description"), STRS("aliases"), TS("first_seen"),
	TS("last_seen"), STR("objective"),
};
static const struct prop_spec p_course_of_action[] = {
	STR_R("name"), STR("description"),
};
static const struct prop_spec p_grouping[] = {
	STR("name"), STR("description"), STR_R("context"),
	REFS_R("object_refs", REF_ANY, NULL),
};
static const struct prop_spec p_identity[] = {
	STR_R("name"), STR("description"), STRS("roles"),
	STR("identity_class"), STRS("sectors"), STR("contact_information"),
};
static const struct prop_spec p_incident[] = {
	STR_R("name"), STR("description"), KCP("kill_chain_phases"),
};
static const struct prop_spec p_indicator[] = {
	STR("name"), STR("description"), STRS("indicator_types"),
	STR_R("pattern"), STR_R("pattern_type"), STR("pattern_version"),
	TS_R("valid_from"), TS("valid_until"), KCP("kill_chain_phases"),
};
static const struct prop_spec p_infrastructure[] = {
	STR_R("name"), STR("description"), STRS("infrastructure_types"),
	STRS("aliases"), KCP("kill_chain_phases"), TS("first_seen"),
	TS("last_seen"),
};
static const struct prop_spec p_intrusion_set[] = {
	STR_R("name"), STR("description"), STRS("aliases"), TS("first_seen"),
	TS("last_seen"), STRS("goals"), STR("resource_level"),
	STR("primary_motivation"), STRS("secondary_motivations"),
};
static const struct prop_spec p_location[] = {
	STR("name"), STR("description"), NUM("latitude", -90, 90),
	NUM("longitude", -180, 180), NUM("precision", 0, NOLIM_MAX),
	STR("region"), STR("country"), STR("administrative_area"),
	STR("city"), STR("street_address"), STR("postal_code"),
};
static const struct prop_spec p_malware[] = {
	STR("name"), STR("description"), STRS("malware_types"),
	BOOL_R("is_family"), STRS("aliases"), KCP("kill_chain_phases"),
	TS("first_seen"), TS("last_seen"),
	REFS("operating_system_refs", REF_TYPES, t_software),
	STRS("architecture_execution_envs"), STRS("implementation_languages"),
	STRS("capabilities"), REFS("sample_refs", REF_TYPES, t_file_artifact),
};
static const struct prop_spec p_malware_analysis[] = {
	STR_R("product"), STR("version"),
	REF("host_vm_ref", REF_TYPES, t_software),
	REF("operating_system_ref", REF_TYPES, t_software),
	REFS("installed_software_refs", REF_TYPES, t_software),
	STR("configuration_version"), STRS("modules"),
	STR("analysis_engine_version"), STR("analysis_definition_version"),
	TS("submitted"), TS("analysis_started"), TS("analysis_ended"),
	STR("result_name"), STR("result"),
	REFS("analysis_sco_refs", REF_SCO, NULL),
	REF("sample_ref", REF_TYPES, t_sample),
};
static const struct prop_spec p_note[] = {
	STR("abstract"), STR_R("content"), STRS("authors"),
	REFS_R("object_refs", REF_ANY, NULL),
};
static const struct prop_spec p_observed_data[] = {
	TS_R("first_observed"), TS_R("last_observed"),
	INT_R("number_observed", 1, 999999999), DICT("objects"),
	REFS("object_refs", REF_SCO_SRO, NULL),
};
static const struct prop_spec p_opinion[] = {
	STR("explanation"), STRS("authors"), ENUM_R("opinion", e_opinion),
	REFS_R("object_refs", REF_ANY, NULL),
};
static const struct prop_spec p_report[] = {
	STR_R("name"), STR("description"), STRS("report_types"),
	TS_R("published"), REFS_R("object_refs", REF_ANY, NULL),
};
static const struct prop_spec p_threat_actor[] = {
	STR_R("name"), STR("description"), STRS("threat_actor_types"),
	STRS("aliases"), TS("first_seen"), TS("last_seen"), STRS("roles"),
	STRS("goals"), STR("sophistication"), STR("resource_level"),
	STR("primary_motivation"), STRS("secondary_motivations"),
	STRS("personal_motivations"),
};
static const struct prop_spec p_tool[] = {
	STR_R("name"), STR("description"), STRS("tool_types"), STRS("aliases"),
	KCP("kill_chain_phases"), STR("tool_version"),
};
static const struct prop_spec p_vulnerability[] = {
	STR_R("name"), STR("description"),
};

/* ---- SROs ---- */
static const struct prop_spec p_relationship[] = {
	STR_R("relationship_type"), STR("description"),
	REF_R("source_ref", REF_SDO_SCO, NULL),
	REF_R("target_ref", REF_SDO_SCO, NULL), TS("start_time"),
	TS("stop_time"),
};
static const struct prop_spec p_sighting[] = {
	STR("description"), TS("first_seen"), TS("last_seen"),
	INT("count", 0, 999999999), REF_R("sighting_of_ref", REF_SDO, NULL),
	REFS("observed_data_refs", REF_TYPES, t_observed),
	REFS("where_sighted_refs", REF_TYPES, t_sighted), BOOL("summary"),
};

/* ---- meta objects ---- */
static const struct prop_spec p_language_content[] = {
	TS_R("created"), TS_R("modified"), REF_R("object_ref", REF_ANY, NULL),
	TS("object_modified"), DICT_R("contents"),
};
static const struct prop_spec p_marking_definition[] = {
	TS_R("created"), STR("name"), STR("definition_type"),
	DICT("definition"),
};
static const struct prop_spec p_extension_definition[] = {
	TS_R("created"), TS_R("modified"),
	REF_R("created_by_ref", REF_TYPES, t_identity), STR_R("name"),
	STR("description"), STR_R("schema"), STR_R("version"),
	ENUMS_R("extension_types", stix_extension_type_enum),
	STRS("extension_properties"),
};

/* ---- SCOs ---- */
static const struct prop_spec p_artifact[] = {
	STR("mime_type"), STR("payload_bin"), STR("url"), HASHES("hashes"),
	ENUM("encryption_algorithm", e_encryption), STR("decryption_key"),
};
static const struct prop_spec p_autonomous_system[] = {
	INT_R("number", NOLIM_MIN, NOLIM_MAX), STR("name"), STR("rir"),
};
static const struct prop_spec p_directory[] = {
	STR_R("path"), STR("path_enc"), TS("ctime"), TS("mtime"), TS("atime"),
	REFS("contains_refs", REF_TYPES, t_file_dir),
};
static const struct prop_spec p_domain_name[] = {
	STR_R("value"), REFS("resolves_to_refs", REF_TYPES, t_resolves),
};
static const struct prop_spec p_email_addr[] = {
	STR_R("value"), STR("display_name"),
	REF("belongs_to_ref", REF_TYPES, t_user),
};
static const struct prop_spec p_email_message[] = {
	BOOL_R("is_multipart"), TS("date"), STR("content_type"),
	REF("from_ref", REF_TYPES, t_email), REF("sender_ref", REF_TYPES, t_email),
	REFS("to_refs", REF_TYPES, t_email), REFS("cc_refs", REF_TYPES, t_email),
	REFS("bcc_refs", REF_TYPES, t_email), STR("message_id"),
	STR("subject"), STRS("received_lines"),
	DICT("additional_header_fields"), STR("body"),
	LIST_OF("body_multipart", item_mime_part),
	REF("raw_email_ref", REF_TYPES, t_artifact),
};
static const struct prop_spec p_file[] = {
	HASHES("hashes"), UINT("size"), STR("name"), STR("name_enc"),
	STR("magic_number_hex"), STR("mime_type"), TS("ctime"), TS("mtime"),
	TS("atime"), REF("parent_directory_ref", REF_TYPES, t_directory),
	REFS("contains_refs", REF_SCO, NULL),
	REF("content_ref", REF_TYPES, t_artifact),
};
static const struct prop_spec p_ip_addr[] = {
	STR_R("value"), REFS("resolves_to_refs", REF_TYPES, t_mac),
	REFS("belongs_to_refs", REF_TYPES, t_as),
};
static const struct prop_spec p_value_only[] = {
	STR_R("value"),
};
static const struct prop_spec p_mutex[] = {
	STR_R("name"),
};
static const struct prop_spec p_network_traffic[] = {
	TS("start"), TS("end"), BOOL("is_active"),
	REF("src_ref", REF_TYPES, t_endpoint),
	REF("dst_ref", REF_TYPES, t_endpoint), INT("src_port", 0, 65535),
	INT("dst_port", 0, 65535),
	{ .name = "protocols", .kind = PK_STRS, .required = true },
	UINT("src_byte_count"), UINT("dst_byte_count"), UINT("src_packets"),
	UINT("dst_packets"), DICT("ipfix"),
	REF("src_payload_ref", REF_TYPES, t_artifact),
	REF("dst_payload_ref", REF_TYPES, t_artifact),
	REFS("encapsulates_refs", REF_TYPES, t_traffic),
	REF("encapsulated_by_ref", REF_TYPES, t_traffic),
};
static const struct prop_spec p_process[] = {
	BOOL("is_hidden"), INT("pid", NOLIM_MIN, NOLIM_MAX), TS("created_time"),
	STR("cwd"), STR("command_line"), DICT("environment_variables"),
	REFS("opened_connection_refs", REF_TYPES, t_traffic),
	REF("creator_user_ref", REF_TYPES, t_user),
	REF("image_ref", REF_TYPES, t_file), REF("parent_ref", REF_TYPES, t_process),
	REFS("child_refs", REF_TYPES, t_process),
};
static const struct prop_spec p_software[] = {
	STR_R("name"), STR("cpe"), STR("swid"), STRS("languages"),
	STR("vendor"), STR("version"),
};
static const struct prop_spec p_user_account[] = {
	STR("user_id"), STR("credential"), STR("account_login"),
	STR("account_type"), STR("display_name"), BOOL("is_service_account"),
	BOOL("is_privileged"), BOOL("can_escalate_privs"), BOOL("is_disabled"),
	TS("account_created"), TS("account_expires"),
	TS("credential_last_changed"), TS("account_first_login"),
	TS("account_last_login"),
};
static const struct prop_spec p_registry_key[] = {
	STR("key"), LIST_OF("values", item_registry_value), TS("modified_time"),
	REF("creator_user_ref", REF_TYPES, t_user), UINT("number_of_subkeys"),
};
static const struct prop_spec p_x509[] = {
	BOOL("is_self_signed"), HASHES("hashes"), STR("version"),
	STR("serial_number"), STR("signature_algorithm"), STR("issuer"),
	TS("validity_not_before"), TS("validity_not_after"), STR("subject"),
	STR("subject_public_key_algorithm"), STR("subject_public_key_modulus"),
	INT("subject_public_key_exponent", NOLIM_MIN, NOLIM_MAX), DICT("x509_v3_extensions"),
};

#define T(n, k, p, c) { (n), (k), (p), AC_ARRAY_LEN(p), (c), NULL }

/* Sorted by name (strcmp) for bsearch. */
static const struct type_spec core_types[] = {
	T("artifact", STIX_KIND_SCO, p_artifact, check_artifact),
	T("attack-pattern", STIX_KIND_SDO, p_attack_pattern, NULL),
	T("autonomous-system", STIX_KIND_SCO, p_autonomous_system, NULL),
	T("campaign", STIX_KIND_SDO, p_campaign, check_first_last_seen),
	T("course-of-action", STIX_KIND_SDO, p_course_of_action, NULL),
	T("directory", STIX_KIND_SCO, p_directory, NULL),
	T("domain-name", STIX_KIND_SCO, p_domain_name, NULL),
	T("email-addr", STIX_KIND_SCO, p_email_addr, NULL),
	T("email-message", STIX_KIND_SCO, p_email_message, check_email_message),
	T("extension-definition", STIX_KIND_META, p_extension_definition,
	  check_extension_definition),
	T("file", STIX_KIND_SCO, p_file, check_file),
	T("grouping", STIX_KIND_SDO, p_grouping, NULL),
	T("identity", STIX_KIND_SDO, p_identity, NULL),
	T("incident", STIX_KIND_SDO, p_incident, NULL),
	T("indicator", STIX_KIND_SDO, p_indicator, check_indicator),
	T("infrastructure", STIX_KIND_SDO, p_infrastructure,
	  check_first_last_seen),
	T("intrusion-set", STIX_KIND_SDO, p_intrusion_set, check_first_last_seen),
	T("ipv4-addr", STIX_KIND_SCO, p_ip_addr, NULL),
	T("ipv6-addr", STIX_KIND_SCO, p_ip_addr, NULL),
	T("language-content", STIX_KIND_META, p_language_content,
	  check_language_content),
	T("location", STIX_KIND_SDO, p_location, check_location),
	T("mac-addr", STIX_KIND_SCO, p_value_only, NULL),
	T("malware", STIX_KIND_SDO, p_malware, check_malware),
	T("malware-analysis", STIX_KIND_SDO, p_malware_analysis,
	  check_malware_analysis),
	T("marking-definition", STIX_KIND_META, p_marking_definition,
	  check_marking_definition),
	T("mutex", STIX_KIND_SCO, p_mutex, NULL),
	T("network-traffic", STIX_KIND_SCO, p_network_traffic,
	  check_network_traffic),
	T("note", STIX_KIND_SDO, p_note, NULL),
	T("observed-data", STIX_KIND_SDO, p_observed_data, check_observed_data),
	T("opinion", STIX_KIND_SDO, p_opinion, NULL),
	T("process", STIX_KIND_SCO, p_process, check_process),
	T("relationship", STIX_KIND_SRO, p_relationship, check_relationship),
	T("report", STIX_KIND_SDO, p_report, NULL),
	T("sighting", STIX_KIND_SRO, p_sighting, check_sighting),
	T("software", STIX_KIND_SCO, p_software, NULL),
	T("threat-actor", STIX_KIND_SDO, p_threat_actor, check_first_last_seen),
	T("tool", STIX_KIND_SDO, p_tool, NULL),
	T("url", STIX_KIND_SCO, p_value_only, NULL),
	T("user-account", STIX_KIND_SCO, p_user_account, NULL),
	T("vulnerability", STIX_KIND_SDO, p_vulnerability, NULL),
	T("windows-registry-key", STIX_KIND_SCO, p_registry_key, NULL),
	T("x509-certificate", STIX_KIND_SCO, p_x509, check_x509),
};

/* ---- predefined SCO extensions ---- */
static const struct prop_spec x_archive[] = {
	REFS_R("contains_refs", REF_TYPES, t_file_dir), STR("comment"),
};
static const struct prop_spec x_ntfs[] = {
	STR("sid"), LIST_OF("alternate_data_streams", item_ads),
};
static const struct prop_spec x_pdf[] = {
	STR("version"), BOOL("is_optimized"), DICT("document_info_dict"),
	STR("pdfid0"), STR("pdfid1"),
};
static const struct prop_spec x_raster[] = {
	INT("image_height", NOLIM_MIN, NOLIM_MAX),
	INT("image_width", NOLIM_MIN, NOLIM_MAX),
	INT("bits_per_pixel", NOLIM_MIN, NOLIM_MAX),
	DICT("exif_tags"),
};
static const struct prop_spec x_pebinary[] = {
	STR_R("pe_type"), STR("imphash"), STR("machine_hex"),
	INT("number_of_sections", NOLIM_MIN, NOLIM_MAX), TS("time_date_stamp"),
	STR("pointer_to_symbol_table_hex"), INT("number_of_symbols", NOLIM_MIN, NOLIM_MAX),
	INT("size_of_optional_header", NOLIM_MIN, NOLIM_MAX), STR("characteristics_hex"),
	HASHES("file_header_hashes"), DICT("optional_header"),
	LIST_OF("sections", item_pe_section),
};
static const struct prop_spec x_http[] = {
	STR_R("request_method"), STR_R("request_value"),
	STR("request_version"), DICT("request_header"),
	UINT("message_body_length"),
	REF("message_body_data_ref", REF_TYPES, t_artifact),
};
static const struct prop_spec x_icmp[] = {
	STR_R("icmp_type_hex"), STR_R("icmp_code_hex"),
};
static const struct prop_spec x_socket[] = {
	ENUM_R("address_family", e_addr_family), BOOL("is_blocking"),
	BOOL("is_listening"), DICT("options"),
	ENUM("socket_type", e_socket_type), UINT("socket_descriptor"),
	INT("socket_handle", NOLIM_MIN, NOLIM_MAX),
};
static const struct prop_spec x_tcp[] = {
	STR("src_flags_hex"), STR("dst_flags_hex"),
};
static const struct prop_spec x_unix_account[] = {
	INT("gid", NOLIM_MIN, NOLIM_MAX), STRS("groups"), STR("home_dir"),
	STR("shell"),
};
static const struct prop_spec x_win_process[] = {
	BOOL("aslr_enabled"), BOOL("dep_enabled"), STR("priority"),
	STR("owner_sid"), STR("window_title"), DICT("startup_info"),
	ENUM("integrity_level", e_integrity),
};
static const struct prop_spec x_win_service[] = {
	STR("service_name"), STRS("descriptions"), STR("display_name"),
	STR("group_name"), ENUM("start_type", e_start_type),
	REFS("service_dll_refs", REF_TYPES, t_file),
	ENUM("service_type", e_service_type),
	ENUM("service_status", e_service_status),
};

#define X(n, p, owner) \
	{ (n), STIX_KIND_SCO, (p), AC_ARRAY_LEN(p), check_nonempty_ext, (owner) }

/* Sorted by name for bsearch. */
static const struct type_spec sco_exts[] = {
	X("archive-ext", x_archive, "file"),
	X("http-request-ext", x_http, "network-traffic"),
	X("icmp-ext", x_icmp, "network-traffic"),
	X("ntfs-ext", x_ntfs, "file"),
	X("pdf-ext", x_pdf, "file"),
	X("raster-image-ext", x_raster, "file"),
	X("socket-ext", x_socket, "network-traffic"),
	X("tcp-ext", x_tcp, "network-traffic"),
	X("unix-account-ext", x_unix_account, "user-account"),
	X("windows-pebinary-ext", x_pebinary, "file"),
	X("windows-process-ext", x_win_process, "process"),
	X("windows-service-ext", x_win_service, "process"),
};

static int cmp_type(const void *key, const void *elem)
{
	return strcmp(key, ((const struct type_spec *)elem)->name);
}

const struct type_spec *stix_types_find(const char *type)
{
	if (type == NULL)
		return NULL;
	return bsearch(type, core_types, AC_ARRAY_LEN(core_types),
		       sizeof(core_types[0]), cmp_type);
}

const struct type_spec *stix_types_find_ext(const char *name)
{
	if (name == NULL)
		return NULL;
	return bsearch(name, sco_exts, AC_ARRAY_LEN(sco_exts),
		       sizeof(sco_exts[0]), cmp_type);
}

static const struct prop_spec *find_prop(const struct prop_spec *p, size_t n,
					 const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].name[0] == name[0] && strcmp(p[i].name, name) == 0)
			return &p[i];
	return NULL;
}

const struct prop_spec *stix_types_prop(const struct type_spec *ts,
					const char *name)
{
	if (ts == NULL)
		return NULL;
	return find_prop(ts->props, ts->nprops, name);
}

const struct prop_spec *stix_types_common_prop(enum stix_kind kind,
					       const char *name)
{
	if (kind == STIX_KIND_SCO)
		return find_prop(common_sco, AC_ARRAY_LEN(common_sco), name);
	return find_prop(common_sdo, AC_ARRAY_LEN(common_sdo), name);
}

bool stix_types_in(const char *const *vals, const char *s)
{
	for (; vals != NULL && *vals != NULL; vals++)
		if (strcmp(*vals, s) == 0)
			return true;
	return false;
}

enum stix_kind stix_type_kind(const char *type)
{
	const struct type_spec *ts = stix_types_find(type);
	return ts != NULL ? ts->kind : STIX_KIND_CUSTOM;
}
