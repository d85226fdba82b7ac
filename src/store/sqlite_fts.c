/* Search words tokenised before they reach the storing thread
 * (docs/internals/store.md, "Search"). The full-text table names the
 * built-in `unicode61` tokenizer; every connection of the store registers
 * a tokenizer of that name that hands text starting with FTS_PRE_MARK to
 * FTS5 as the tokens it already holds and everything else (queries,
 * deletions, text not tokenised before) to the built-in one. Ingest
 * workers produce such text with the built-in tokenizer itself
 * (store_fts_text), so the index gets exactly the tokens it would have
 * got, and tokenising (8% of the storing thread) moves to the workers.
 * 0xFF and 0xFE never occur in UTF-8, so no collected text is mistaken for
 * tokens. */
#include "base/common.h"
#include "store/store.h"
#include "store/store_sqlite.h"

#include <limits.h>

#define FTS_PRE_MARK 0xFF
#define FTS_PRE_SEP 0xFE

/* The built-in tokenizer a wrapper hands text to. */
struct fts_inner {
	fts5_tokenizer api;
	void *ud;
};

struct fts_wrap {
	const struct fts_inner *inner;
	Fts5Tokenizer *tok;
};

static fts5_api *fts5_api_of(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) !=
	    SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return api;
}

static int wrap_create(void *ud, const char **argv, int argc,
		       Fts5Tokenizer **out)
{
	const struct fts_inner *inner = ud;
	struct fts_wrap *w = sqlite3_malloc(sizeof(*w));
	int src;

	if (!w)
		return SQLITE_NOMEM;
	w->inner = inner;
	src = inner->api.xCreate(inner->ud, argv, argc, &w->tok);
	if (src != SQLITE_OK) {
		sqlite3_free(w);
		return src;
	}
	*out = (Fts5Tokenizer *)w;
	return SQLITE_OK;
}

static void wrap_delete(Fts5Tokenizer *t)
{
	struct fts_wrap *w = (struct fts_wrap *)t;

	w->inner->api.xDelete(w->tok);
	sqlite3_free(w);
}

typedef int (*token_fn)(void *ctx, int flags, const char *tok, int n,
			int start, int end);

/* Pre-tokenised text: the tokens between FTS_PRE_SEP bytes, in order. */
static int split_tokens(const char *text, int n, void *ctx, token_fn emit)
{
	int start = 1, src = SQLITE_OK;

	for (int i = 1; i <= n && src == SQLITE_OK; i++) {
		if (i < n && (unsigned char)text[i] != FTS_PRE_SEP)
			continue;
		if (i > start)
			src = emit(ctx, 0, text + start, i - start, start, i);
		start = i + 1;
	}
	return src;
}

static int wrap_tokenize(Fts5Tokenizer *t, void *ctx, int flags,
			 const char *text, int n, token_fn emit)
{
	struct fts_wrap *w = (struct fts_wrap *)t;

	if ((flags & FTS5_TOKENIZE_DOCUMENT) && n > 0 &&
	    (unsigned char)text[0] == FTS_PRE_MARK)
		return split_tokens(text, n, ctx, emit);
	return w->inner->api.xTokenize(w->tok, ctx, flags, text, n, emit);
}

ac_rc store_sqlite_fts_register(sqlite3 *db, const char *path,
				struct ac_err *err)
{
	static fts5_tokenizer wrap = {wrap_create, wrap_delete, wrap_tokenize};
	fts5_api *api = fts5_api_of(db);
	struct fts_inner *inner = sqlite3_malloc(sizeof(*inner));

	if (!api || !inner ||
	    api->xFindTokenizer(api, "unicode61", &inner->ud, &inner->api) !=
		SQLITE_OK ||
	    api->xCreateTokenizer(api, "unicode61", inner, &wrap,
				  sqlite3_free) != SQLITE_OK) {
		sqlite3_free(inner);
		return ac_err_set(err, AC_ERR_STORE,
				  "cannot open store '%s': full-text search "
				  "(FTS5) is not available",
				  path);
	}
	return AC_OK;
}

/* ---- the workers' side ------------------------------------------------ */

struct store_fts_text {
	sqlite3 *db; /* private, in memory: only for its FTS5 API */
	fts5_tokenizer api;
	Fts5Tokenizer *tok;
};

struct store_fts_text *store_fts_text_open(void)
{
	static const char *args[] = {"remove_diacritics", "2"};
	struct store_fts_text *t = calloc(1, sizeof(*t));
	fts5_api *api;
	void *ud = NULL;

	if (!t)
		return NULL;
	if (sqlite3_open_v2(":memory:", &t->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK ||
	    !(api = fts5_api_of(t->db)) ||
	    api->xFindTokenizer(api, "unicode61", &ud, &t->api) != SQLITE_OK ||
	    t->api.xCreate(ud, args, 2, &t->tok) != SQLITE_OK) {
		t->tok = NULL;
		store_fts_text_close(t);
		return NULL;
	}
	return t;
}

static int add_token(void *ctx, int flags, const char *tok, int n, int start,
		     int end)
{
	struct ac_buf *out = ctx;

	(void)flags;
	(void)start;
	(void)end;
	if (ac_buf_addc(out, (char)FTS_PRE_SEP) || ac_buf_add(out, tok, (size_t)n))
		return SQLITE_NOMEM;
	return SQLITE_OK;
}

ac_rc store_fts_text(struct store_fts_text *t, const char *text, size_t len,
		     struct ac_buf *out)
{
	ac_rc rc;

	ac_buf_reset(out);
	if (len > INT_MAX)
		return AC_ERR_LIMIT;
	rc = ac_buf_addc(out, (char)FTS_PRE_MARK);
	if (!rc && t->api.xTokenize(t->tok, out, FTS5_TOKENIZE_DOCUMENT, text,
				    (int)len, add_token) != SQLITE_OK)
		rc = AC_ERR_LIMIT;
	if (rc)
		ac_buf_reset(out);
	return rc;
}

void store_fts_text_close(struct store_fts_text *t)
{
	if (!t)
		return;
	if (t->tok)
		t->api.xDelete(t->tok);
	sqlite3_close_v2(t->db);
	free(t);
}
