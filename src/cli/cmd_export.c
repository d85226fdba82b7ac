#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>

#include "base/time.h"
#include "base/uuid.h"
#include "stix/jcs.h"
#include "stix/validate.h"

#define EXPORT_MAX_TYPES 64
#define CHUNK_OBJECTS 1000	  /* objects per audit entry */
#define CHUNK_BYTES (16u << 20) /* flush the chunk past this many bytes */

static const char help[] =
	"usage: accord export [--type T]... [--added-after TIMESTAMP]\n"
	"                     [--all-versions] [--purpose TEXT] [--case REF]\n"
	"                     [--as USER | --as-partner NAME] [--node DIR]\n\n"
	"Writes the newest version of each stored object (every version with\n"
	"--all-versions) to stdout as one STIX 2.1 bundle, streaming, in the\n"
	"order they were added. --type may be repeated. --added-after takes an\n"
	"RFC 3339 timestamp (e.g. 2026-01-01T00:00:00Z) and keeps objects the\n"
	"node added strictly later. Objects are written in chunks of 1000;\n"
	"each chunk's ids are recorded in the audit trail (a consult entry,\n"
	"channel export; a disclose entry with --as-partner, which also goes\n"
	"into the disclosure records that erasure notices follow) before the\n"
	"chunk is written. Only objects the viewer may see are written, redacted\n"
	"where granular markings require.\n" CLI_VIEW_HELP;

struct export_ctx {
	FILE *out;
	uint64_t n;
	struct audit *audit;
	struct audit_entry tmpl; /* purpose, case, filters */
	struct audit_ids ids;	 /* of the chunk */
	struct ac_buf chunk;	 /* its objects, not yet written */
	const struct policy_view *view;
	struct ac_err *err;
	ac_rc rc;
	const char *partner; /* --as-partner: the chunk is disclosed to it */
	/* its own connection for the disclosure records: a write on the
	 * connection that is reading would fail (its snapshot cannot become
	 * a write transaction) as soon as anyone else commits */
	struct store *store;
};

/* Records the chunk's ids, then writes the chunk. */
static ac_rc flush_chunk(struct export_ctx *c)
{
	struct audit_entry e = c->tmpl;

	if (c->ids.count == 0)
		return AC_OK;
	e.object_ids = (const char *const *)c->ids.ids;
	e.nobject_ids = c->ids.n;
	e.object_count = c->ids.count;
	if (audit_append(c->audit, &e, c->err))
		return c->err->rc;
	if (c->partner &&
	    store_disclosure_add(c->store, c->partner,
				 (const char *const *)c->ids.ids, c->ids.n,
				 ac_now_us(), c->err))
		return c->err->rc;
	if (fwrite(c->chunk.data, 1, c->chunk.len, c->out) != c->chunk.len)
		return ac_err_set(c->err, AC_ERR_IO, "cannot write to stdout");
	audit_ids_reset(&c->ids);
	ac_buf_reset(&c->chunk);
	return AC_OK;
}

/* Writes what the viewer may see of the row, in canonical form. */
static int write_row(const struct store_row *row, void *vctx)
{
	struct export_ctx *c = vctx;
	json_t *o = policy_view_row(c->view, row);
	ac_rc rc;

	if (!o)
		return 0;
	rc = (c->n++ && ac_buf_adds(&c->chunk, ",\n")) ? AC_ERR_NOMEM :
							   stix_jcs(o, &c->chunk);
	json_decref(o);
	if (rc || audit_ids_add(&c->ids, row->id)) {
		c->rc = ac_err_set(c->err, AC_ERR_NOMEM, "out of memory");
		return 1;
	}
	if (c->ids.count >= CHUNK_OBJECTS || c->chunk.len >= CHUNK_BYTES)
		c->rc = flush_chunk(c);
	return c->rc ? 1 : 0;
}

/* The filters of the export, for the audit entry's query field. */
static void describe(const struct store_query *q, char *out, size_t cap)
{
	int len = snprintf(out, cap, "export%s added_after_us=%lld types=",
			   q->versions == STORE_VERSIONS_ALL ? " all-versions" : "",
			   (long long)q->added_after_us);

	for (size_t i = 0; i < q->ntypes && len > 0 && (size_t)len < cap; i++)
		len += snprintf(out + len, cap - (size_t)len, "%s%s",
				i ? "," : "", q->types[i]);
}

/* A second connection to n's store. */
static ac_rc open_second(const struct node *n, struct store **out,
			 struct ac_err *err)
{
	char path[NODE_PATH_MAX];
	ac_rc rc = node_path(n->dir, n->cfg.store_path, path, err);

	return rc ? rc : store_open(path, false, out, err);
}

static ac_rc run_export(struct node *n, struct store_query *q,
			const struct audit_entry *tmpl,
			const struct cli_view_args *va, struct ac_err *err)
{
	struct export_ctx c = { stdout, 0, NULL, *tmpl, { 0 },
				AC_BUF_INIT((size_t)CHUNK_BYTES * 2 + (64u << 20)),
				NULL, err, AC_OK, NULL, NULL };
	char uuid[AC_UUID_STRLEN], filters[1024], to[128];
	struct policy_view view;
	bool have_view = false;
	ac_rc rc;

	describe(q, filters, sizeof(filters));
	c.tmpl.query = filters;
	audit_ids_init(&c.ids);
	rc = cli_view_open(n, va, &view, err);
	have_view = !rc;
	if (!rc && va->as_partner) {
		c.partner = va->as_partner;
		c.tmpl.action = AUDIT_DISCLOSE;
		snprintf(to, sizeof(to), "to partner %s", va->as_partner);
		c.tmpl.detail = to;
		rc = open_second(n, &c.store, err);
	}
	c.view = &view;
	if (!rc)
		rc = cli_audit_open(n, &c.audit, err);
	if (rc)
		goto out;
	ac_uuid_v4(uuid);
	printf("{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[\n", uuid);
	rc = store_query(n->store, q, write_row, &c, err);
	if (!rc)
		rc = c.rc;
	if (!rc)
		rc = flush_chunk(&c);
	if (rc)
		goto out;
	fputs("\n]}\n", stdout);
	if (fflush(stdout) || ferror(stdout)) {
		rc = ac_err_set(err, AC_ERR_IO, "cannot write to stdout");
		goto out;
	}
	fprintf(stderr, "exported %llu objects\n", (unsigned long long)c.n);
out:
	if (have_view)
		policy_view_release(&view);
	audit_close(c.audit);
	store_close(c.store);
	audit_ids_release(&c.ids);
	ac_buf_release(&c.chunk);
	return rc;
}

static ac_rc parse_after(const char *s, int64_t *us, struct ac_err *err)
{
	struct ac_ts ts;

	if (!ac_ts_parse(s, &ts))
		return ac_err_set(err, AC_ERR_USAGE,
				  "--added-after '%s' is not an RFC 3339 UTC "
				  "timestamp like 2026-01-01T00:00:00Z",
				  s);
	*us = ts.sec * 1000000 + ts.nsec / 1000;
	return AC_OK;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, 0, 't' },
		{ "added-after", required_argument, 0, 'a' },
		{ "all-versions", no_argument, 0, 'A' },
		{ "purpose", required_argument, 0, 'p' },
		{ "case", required_argument, 0, 'c' },
		{ "node", required_argument, 0, 'N' },
		{ "help", no_argument, 0, 'h' },
		CLI_VIEW_OPTIONS,
		{ 0, 0, 0, 0 }
	};
	struct cli_view_args va = { NULL, NULL };
	const char *types[EXPORT_MAX_TYPES], *node_flag = NULL;
	struct store_query q = { 0 };
	struct audit_entry tmpl = { .action = AUDIT_CONSULT, .channel = "export",
				    .actor_kind = AUDIT_ACTOR_CLI };
	struct ac_err err = { 0 };
	struct node *n = NULL;
	int ch, code = EXIT_OK;

	while ((ch = getopt_long(argc, argv, "t:a:Ap:c:N:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			fputs(help, stdout);
			return EXIT_OK;
		case 't':
			if (q.ntypes == EXPORT_MAX_TYPES) {
				cli_error("at most %d --type options",
					  EXPORT_MAX_TYPES);
				return EXIT_USAGE;
			}
			types[q.ntypes++] = optarg;
			break;
		case 'a':
			if (parse_after(optarg, &q.added_after_us, &err))
				return cli_fail(&err);
			break;
		case 'A':
			q.versions = STORE_VERSIONS_ALL;
			break;
		case 'p':
			tmpl.purpose = optarg;
			break;
		case 'c':
			tmpl.case_ref = optarg;
			break;
		case 'N':
			node_flag = optarg;
			break;
		default:
			if (!cli_view_option(ch, optarg, &va))
				return cli_usage_hint("export");
		}
	}
	if (optind != argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		return cli_usage_hint("export");
	}
	q.types = types;
	tmpl.actor = cli_os_user();
	if (cli_open_node(node_flag, &n, &err) || run_export(n, &q, &tmpl, &va, &err))
		code = cli_fail(&err);
	node_close(n);
	return code;
}
