/* Streaming splitter (see stream.h).
 *
 * jansson has no streaming parser: json_loadb and json_loadf both build the
 * whole value, so a 1 GB bundle would need 1 GB of text plus its tree. This
 * file scans the input in fixed chunks with a small hand-written state
 * machine that only tracks what is needed to find object boundaries: strings
 * (with escapes), bracket nesting and, for a bundle, the grammar of the outer
 * object's members. It never builds values. Each object's bytes are collected
 * in a capped buffer and handed to the callback, which parses them strictly.
 *
 * Only the bundle envelope (its members and the "objects" array) is checked
 * for JSON grammar here; inside an object, and inside skipped envelope
 * members, only strings and bracket balance are tracked. UTF-8 and escape
 * validity are left to the per-object parse. */
#include "base/common.h"
#include "base/buf.h"
#include "ingest/stream.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#define STREAM_CHUNK ((size_t)64 * 1024)
#define WORD_MAX 16 /* longest envelope name or value we need to recognise */

enum scan_state {
	S_START,     /* before the first value */
	S_VALUE,     /* inside an object or array (see enum value_kind) */
	S_LINE,	     /* JSON Lines: between records */
	S_LINE_TAIL, /* JSON Lines: record closed, only blanks to the newline */
	S_SKIP_LINE, /* JSON Lines: skipping a bad line */
	S_KEY_OR_CLOSE,	 /* envelope: after '{' */
	S_KEY,		 /* envelope: after ',' */
	S_KEY_STR,	 /* envelope: inside a member name */
	S_COLON,	 /* envelope: after a member name */
	S_MEMBER,	 /* envelope: after ':' */
	S_MEMBER_STR,	 /* envelope: inside a string member value */
	S_SCALAR,	 /* envelope: inside a number / true / false / null */
	S_AFTER_MEMBER,	 /* envelope: after a member value */
	S_ELEM_OR_CLOSE, /* "objects": after '[' */
	S_ELEM,		 /* "objects": after ',' */
	S_AFTER_ELEM,	 /* "objects": after an element */
	S_TRAILER,	 /* the bundle closed; only whitespace may follow */
};

enum value_kind {
	V_RECORD,  /* a JSON Lines record */
	V_ELEMENT, /* an element of the bundle's "objects" */
	V_MEMBER,  /* another envelope member's value, skipped */
};

enum scan_mode {
	M_PENDING, /* STREAM_AUTO, still reading the first value */
	M_BUNDLE,
	M_JSONL,
};

enum env_key { K_OTHER, K_TYPE, K_OBJECTS };

struct scan {
	const struct stix_limits *lim;
	stream_object_cb cb;
	stream_bad_cb bad_line;
	void *ctx;
	struct ac_err *err;
	enum stream_format want;
	enum scan_mode mode;
	enum scan_state state;

	/* the current chunk; line counts newlines before chunk[line_at] */
	const unsigned char *chunk;
	size_t n;
	uint64_t base;
	uint64_t line;
	size_t line_at;

	/* bytes that stop the fast loops; '\n' too for JSON Lines */
	unsigned char stop_val[256];
	unsigned char stop_str[256];
	bool nl_ends;

	/* object / array scanner */
	enum value_kind kind;
	unsigned char *stack;
	size_t depth, depth_base, stack_cap;
	bool in_str, esc;
	uint64_t str_start;

	/* the current object's bytes */
	struct ac_buf obj;
	bool capturing;
	size_t cap_from;
	bool in_object;
	struct stream_pos pos;
	uint64_t next_index;

	/* envelope member names and values we look at */
	char word[WORD_MAX];
	size_t word_len;
	bool word_odd; /* too long or escaped: matches nothing */
	enum env_key key;
	bool seen_objects;
	bool seen_bundle_type; /* "type": "bundle" met in the envelope */
};

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static bool is_scalar_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' ||
	       c == '+' || c == '.' || c == 'E';
}

static void set_tables(struct scan *s, bool nl_ends)
{
	memset(s->stop_val, 0, sizeof(s->stop_val));
	memset(s->stop_str, 0, sizeof(s->stop_str));
	s->stop_val['"'] = s->stop_val['{'] = s->stop_val['}'] = 1;
	s->stop_val['['] = s->stop_val[']'] = 1;
	s->stop_str['"'] = s->stop_str['\\'] = 1;
	s->stop_val['\n'] = s->stop_str['\n'] = nl_ends;
	s->nl_ends = nl_ends;
}

/* Line of chunk[p]; calls must come in increasing p within a chunk. */
static uint64_t line_of(struct scan *s, size_t p)
{
	const unsigned char *q = s->chunk + s->line_at, *end = s->chunk + p;

	if (p < s->line_at)
		return s->line;
	while (q < end) {
		q = memchr(q, '\n', (size_t)(end - q));
		if (!q)
			break;
		s->line++;
		q++;
	}
	s->line_at = p;
	return s->line;
}

static const char *byte_desc(unsigned char c, char *buf, size_t size)
{
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, size, "'%c'", c);
	else
		snprintf(buf, size, "byte 0x%02x", c);
	return buf;
}

static void note_stop(struct scan *s, ac_rc rc, const char *who)
{
	if (s->err && s->err->rc == AC_OK)
		ac_err_set(s->err, rc,
			   "object %" PRIu64 " (line %" PRIu64 ", byte %" PRIu64
			   "): stopped by the %s: %s",
			   s->pos.index, s->pos.line, s->pos.offset, who,
			   ac_rc_name(rc));
}

static ac_rc skip_bad_line(struct scan *s, const struct ac_err *why)
{
	ac_rc rc;

	s->capturing = false;
	s->in_object = false;
	s->state = S_SKIP_LINE;
	rc = s->bad_line(&s->pos, why, s->ctx);
	if (rc != AC_OK)
		note_stop(s, rc, "bad-line callback");
	return rc;
}

/* Reports a problem at chunk[p]. In JSON Lines with a bad_line callback the
 * record is skipped and AC_OK returned (state becomes S_SKIP_LINE); callers
 * must stop scanning the value either way. */
static ac_rc scan_fail(struct scan *s, size_t p, ac_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static ac_rc scan_fail(struct scan *s, size_t p, ac_rc rc, const char *fmt, ...)
{
	char what[256];
	struct ac_err why;
	uint64_t line = line_of(s, p);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (s->in_object)
		ac_err_set(&why, rc,
			   "line %" PRIu64 ", byte %" PRIu64 ": object %" PRIu64
			   " (starts line %" PRIu64 ", byte %" PRIu64 "): %s",
			   line, s->base + p, s->pos.index, s->pos.line,
			   s->pos.offset, what);
	else
		ac_err_set(&why, rc, "line %" PRIu64 ", byte %" PRIu64 ": %s",
			   line, s->base + p, what);
	if (s->mode == M_JSONL && s->in_object && s->bad_line)
		return skip_bad_line(s, &why);
	if (s->err)
		*s->err = why;
	return rc;
}

static ac_rc emit(struct scan *s)
{
	ac_rc rc = s->cb(s->obj.data, s->obj.len, &s->pos, s->ctx);

	s->in_object = false;
	ac_buf_reset(&s->obj);
	if (rc != AC_OK)
		note_stop(s, rc, "callback");
	return rc;
}

static void object_start(struct scan *s, size_t p)
{
	s->pos.index = s->next_index++;
	s->pos.offset = s->base + p;
	s->pos.line = line_of(s, p);
	s->in_object = true;
}

static void cap_start(struct scan *s, size_t p)
{
	ac_buf_reset(&s->obj);
	s->capturing = true;
	s->cap_from = p;
}

/* Appends chunk[cap_from..p) to the object being captured. */
static ac_rc cap_flush(struct scan *s, size_t p)
{
	size_t from = s->cap_from, room;
	ac_rc rc;

	s->cap_from = p;
	if (!s->capturing || p == from)
		return AC_OK;
	room = s->obj.max - s->obj.len;
	rc = ac_buf_add(&s->obj, s->chunk + from, p - from);
	if (rc == AC_ERR_LIMIT)
		return scan_fail(s, from + room, AC_ERR_LIMIT,
				 "object is larger than %zu bytes",
				 s->lim->max_object_bytes);
	if (rc != AC_OK)
		return ac_err_set(s->err, rc,
				  "out of memory buffering object %" PRIu64,
				  s->pos.index);
	return AC_OK;
}

static ac_rc check_string_len(struct scan *s, size_t p)
{
	if (s->base + p - s->str_start <= s->lim->max_string_bytes)
		return AC_OK;
	return scan_fail(s, p, AC_ERR_LIMIT, "string longer than %zu bytes",
			 s->lim->max_string_bytes);
}

static ac_rc push(struct scan *s, size_t p, unsigned char open)
{
	unsigned char *grown;
	size_t cap;

	if (s->depth_base + s->depth >= s->lim->max_depth)
		return scan_fail(s, p, AC_ERR_LIMIT,
				 "nesting deeper than %zu levels",
				 s->lim->max_depth);
	if (s->depth == s->stack_cap) {
		cap = s->stack_cap ? s->stack_cap * 2 : 32;
		grown = realloc(s->stack, cap);
		if (!grown)
			return ac_err_set(s->err, AC_ERR_NOMEM,
					  "out of memory tracking nesting");
		s->stack = grown;
		s->stack_cap = cap;
	}
	s->stack[s->depth++] = open;
	return AC_OK;
}

static ac_rc pop(struct scan *s, size_t p, unsigned char close)
{
	unsigned char open = s->stack[s->depth - 1];

	if ((close == '}') != (open == '{'))
		return scan_fail(s, p, AC_ERR_PARSE,
				 "unbalanced brackets: '%c' closes '%c'", close,
				 open);
	s->depth--;
	return AC_OK;
}

/* Starts scanning the object or array opening at chunk[*pp]. */
static ac_rc value_begin(struct scan *s, size_t *pp, enum value_kind kind,
			 size_t depth_base)
{
	ac_rc rc;

	s->state = S_VALUE;
	s->kind = kind;
	s->depth = 0;
	s->depth_base = depth_base;
	s->in_str = false;
	s->esc = false;
	rc = push(s, *pp, s->chunk[*pp]);
	if (rc == AC_OK && s->state == S_VALUE)
		(*pp)++;
	return rc;
}

/* The value closed just before chunk[end]. */
static ac_rc value_done(struct scan *s, size_t end)
{
	ac_rc rc;

	switch (s->kind) {
	case V_ELEMENT:
		rc = cap_flush(s, end);
		if (rc != AC_OK)
			return rc;
		s->capturing = false;
		s->state = S_AFTER_ELEM;
		return emit(s);
	case V_RECORD:
		rc = cap_flush(s, end);
		if (rc != AC_OK || s->state != S_VALUE)
			return rc;
		s->capturing = false;
		s->state = S_LINE_TAIL;
		if (!s->nl_ends)
			set_tables(s, true);
		return AC_OK;
	case V_MEMBER:
		s->state = S_AFTER_MEMBER;
		return AC_OK;
	}
	return ac_err_set(s->err, AC_ERR_INTERNAL, "bad value kind");
}

static ac_rc string_byte(struct scan *s, size_t *pp)
{
	ac_rc rc;

	switch (s->chunk[*pp]) {
	case '"':
		rc = check_string_len(s, *pp);
		if (rc != AC_OK || s->state != S_VALUE)
			return rc;
		s->in_str = false;
		break;
	case '\\':
		s->esc = true;
		break;
	default: /* '\n' in JSON Lines */
		return scan_fail(s, *pp, AC_ERR_PARSE,
				 "unterminated string at end of line");
	}
	(*pp)++;
	return AC_OK;
}

static ac_rc structure_byte(struct scan *s, size_t *pp)
{
	unsigned char c = s->chunk[*pp];
	ac_rc rc;

	switch (c) {
	case '"':
		s->in_str = true;
		s->str_start = s->base + *pp + 1;
		break;
	case '{':
	case '[':
		rc = push(s, *pp, c);
		if (rc != AC_OK || s->state != S_VALUE)
			return rc;
		break;
	case '}':
	case ']':
		rc = pop(s, *pp, c);
		if (rc != AC_OK || s->state != S_VALUE)
			return rc;
		(*pp)++;
		return s->depth ? AC_OK : value_done(s, *pp);
	default: /* '\n' in JSON Lines */
		return scan_fail(s, *pp, AC_ERR_PARSE,
				 "object not closed at end of line");
	}
	(*pp)++;
	return AC_OK;
}

/* Skips string bytes up to the next '"' (memchr) when no '\\' (nor, in
 * JSON Lines, '\n') comes before it; else stays, and the byte loop after
 * it finds the exact byte. On these mostly short strings this beats an
 * eight-byte scan (callgrind, bench_ingest). */
static size_t skip_plain_string(const struct scan *s, size_t p)
{
	const unsigned char *c = s->chunk;
	const unsigned char *q = memchr(c + p, '"', s->n - p);
	size_t end = q ? (size_t)(q - c) : s->n;

	if (memchr(c + p, '\\', end - p) ||
	    (s->nl_ends && memchr(c + p, '\n', end - p)))
		return p;
	return end;
}

/* The hot loop: runs over every byte of every object. */
static ac_rc scan_value(struct scan *s, size_t *pp)
{
	const unsigned char *c = s->chunk;
	size_t p = *pp, n = s->n;
	ac_rc rc = AC_OK;

	while (p < n && rc == AC_OK && s->state == S_VALUE) {
		if (s->esc) {
			s->esc = false;
			if (c[p] == '\n' && s->nl_ends)
				rc = scan_fail(
				    s, p, AC_ERR_PARSE,
				    "unterminated string at end of line");
			else
				p++;
		} else if (s->in_str) {
			p = skip_plain_string(s, p);
			while (p < n && !s->stop_str[c[p]])
				p++;
			if (p < n && c[p] == '"' &&
			    s->base + p - s->str_start <=
				s->lim->max_string_bytes) {
				s->in_str = false;
				p++;
			} else if (p < n) {
				rc = string_byte(s, &p);
			}
		} else {
			while (p < n && !s->stop_val[c[p]])
				p++;
			if (p < n && c[p] == '"') {
				/* the common case, kept out of the switch */
				s->in_str = true;
				s->str_start = s->base + p + 1;
				p++;
			} else if (p < n) {
				rc = structure_byte(s, &p);
			}
		}
	}
	*pp = p;
	return rc;
}

static bool skip_ws(struct scan *s, size_t *pp)
{
	while (*pp < s->n && is_ws(s->chunk[*pp]))
		(*pp)++;
	return *pp < s->n;
}

static bool word_is(const struct scan *s, const char *w)
{
	return !s->word_odd && s->word_len == strlen(w) &&
	       !memcmp(s->word, w, s->word_len);
}

static void word_begin(struct scan *s, size_t p, enum scan_state next)
{
	s->word_len = 0;
	s->word_odd = false;
	s->esc = false;
	s->str_start = s->base + p + 1;
	s->state = next;
}

/* AUTO: the first value is a bundle; forget what was buffered. */
static void decide_bundle(struct scan *s)
{
	s->mode = M_BUNDLE;
	s->capturing = false;
	s->in_object = false;
	ac_buf_reset(&s->obj);
}

/* AUTO: the first value is a plain object, i.e. JSON Lines record 0. Keeps
 * capturing; the rest of the value is scanned as an object at depth 1. */
static ac_rc decide_jsonl(struct scan *s, size_t p)
{
	s->mode = M_JSONL;
	s->next_index = 1;
	s->state = S_VALUE;
	s->kind = V_RECORD;
	s->depth = 0;
	s->depth_base = 0;
	s->in_str = false;
	s->esc = false;
	return push(s, p, '{');
}

/* The value of a "type" member at depth 1 ended at chunk[p]. */
static ac_rc type_value(struct scan *s, size_t p, bool is_string)
{
	bool is_bundle = is_string && word_is(s, "bundle");
	char shown[WORD_MAX + 8];

	s->seen_bundle_type |= is_bundle;
	if (s->mode == M_PENDING) {
		if (!is_bundle)
			return decide_jsonl(s, p);
		decide_bundle(s);
		return AC_OK;
	}
	if (is_bundle)
		return AC_OK;
	if (!is_string)
		return scan_fail(s, p, AC_ERR_PARSE,
				 "bundle member 'type' is not a string");
	snprintf(shown, sizeof(shown), "%.*s%s", (int)s->word_len, s->word,
		 s->word_odd ? "..." : "");
	return scan_fail(s, p, AC_ERR_PARSE,
			 "bundle member 'type' is '%s', expected 'bundle'",
			 shown);
}

/* A member name or string value in the envelope: recognised words only. */
static ac_rc on_env_string(struct scan *s, size_t *pp)
{
	const unsigned char *c = s->chunk;
	size_t p = *pp;
	ac_rc rc;

	for (; p < s->n; p++) {
		if (s->esc) {
			s->esc = false;
			s->word_odd = true;
		} else if (c[p] == '"') {
			break;
		} else if (c[p] == '\\') {
			s->esc = true;
		} else if (c[p] < 0x20) {
			*pp = p;
			return scan_fail(s, p, AC_ERR_PARSE,
					 "control character 0x%02x in a string",
					 c[p]);
		} else if (s->word_len < WORD_MAX) {
			s->word[s->word_len++] = (char)c[p];
		} else {
			s->word_odd = true;
		}
	}
	*pp = p;
	if (p == s->n)
		return AC_OK;
	rc = check_string_len(s, p);
	if (rc != AC_OK)
		return rc;
	(*pp)++;
	if (s->state == S_KEY_STR) {
		s->key = word_is(s, "objects") ? K_OBJECTS
			 : word_is(s, "type")  ? K_TYPE
					       : K_OTHER;
		s->state = S_COLON;
		return AC_OK;
	}
	s->state = S_AFTER_MEMBER;
	return s->key == K_TYPE ? type_value(s, p, true) : AC_OK;
}

static ac_rc on_objects_value(struct scan *s, size_t *pp)
{
	char d[16];

	if (s->chunk[*pp] != '[')
		return scan_fail(s, *pp, AC_ERR_PARSE,
				 "bundle member 'objects' is not an array "
				 "(found %s)",
				 byte_desc(s->chunk[*pp], d, sizeof(d)));
	if (s->seen_objects)
		return scan_fail(s, *pp, AC_ERR_PARSE,
				 "bundle has a second 'objects' member");
	if (s->mode == M_PENDING)
		decide_bundle(s);
	s->seen_objects = true;
	s->state = S_ELEM_OR_CLOSE;
	(*pp)++;
	return AC_OK;
}

static ac_rc on_member_value(struct scan *s, size_t *pp)
{
	unsigned char c = s->chunk[*pp];
	char d[16];

	if (s->key == K_OBJECTS && (s->mode == M_BUNDLE || c == '['))
		return on_objects_value(s, pp);
	if (s->key == K_TYPE && c != '"')
		return type_value(s, *pp, false);
	if (c == '"') {
		word_begin(s, *pp, S_MEMBER_STR);
		(*pp)++;
		return AC_OK;
	}
	if (c == '{' || c == '[')
		return value_begin(s, pp, V_MEMBER, 1);
	if (is_scalar_char(c)) {
		s->state = S_SCALAR;
		return AC_OK;
	}
	return scan_fail(s, *pp, AC_ERR_PARSE, "expected a value, found %s",
			 byte_desc(c, d, sizeof(d)));
}

/* '}' at depth 1 of the first value (or of the bundle). */
static ac_rc close_envelope(struct scan *s, size_t *pp)
{
	ac_rc rc;

	if (s->mode == M_BUNDLE) {
		/* STIX 2.1 makes a bundle's "objects" optional */
		if (!s->seen_objects && !s->seen_bundle_type)
			return scan_fail(s, *pp, AC_ERR_PARSE,
					 "bundle has no 'objects' array");
		(*pp)++;
		s->state = S_TRAILER;
		return AC_OK;
	}
	/* AUTO: the first value was not a bundle, so it is record 0. */
	(*pp)++;
	rc = cap_flush(s, *pp);
	if (rc != AC_OK)
		return rc;
	s->capturing = false;
	s->mode = M_JSONL;
	s->next_index = 1;
	s->state = S_LINE_TAIL;
	set_tables(s, true);
	return AC_OK;
}

static ac_rc element_start(struct scan *s, size_t *pp)
{
	char d[16];

	object_start(s, *pp);
	if (s->chunk[*pp] != '{')
		return scan_fail(s, *pp, AC_ERR_PARSE,
				 "element is not a json object (found %s)",
				 byte_desc(s->chunk[*pp], d, sizeof(d)));
	cap_start(s, *pp);
	return value_begin(s, pp, V_ELEMENT, 0);
}

static ac_rc expected(struct scan *s, size_t p, const char *what)
{
	char d[16];

	return scan_fail(s, p, AC_ERR_PARSE, "expected %s, found %s", what,
			 byte_desc(s->chunk[p], d, sizeof(d)));
}

/* Envelope states that expect a token after optional whitespace. */
static ac_rc on_envelope(struct scan *s, size_t *pp)
{
	unsigned char c;

	if (!skip_ws(s, pp))
		return AC_OK;
	c = s->chunk[*pp];
	switch (s->state) {
	case S_KEY_OR_CLOSE:
		if (c == '}')
			return close_envelope(s, pp);
		/* fall through */
	case S_KEY:
		if (c != '"')
			return expected(s, *pp, "a member name");
		word_begin(s, *pp, S_KEY_STR);
		break;
	case S_COLON:
		if (c != ':')
			return expected(s, *pp, "':' after a member name");
		s->state = S_MEMBER;
		break;
	case S_MEMBER:
		return on_member_value(s, pp);
	case S_AFTER_MEMBER:
		if (c == '}')
			return close_envelope(s, pp);
		if (c != ',')
			return expected(s, *pp, "',' or '}' after a member");
		s->state = S_KEY;
		break;
	case S_ELEM_OR_CLOSE:
		if (c != ']')
			return element_start(s, pp);
		s->state = S_AFTER_MEMBER;
		break;
	case S_ELEM:
		return element_start(s, pp);
	case S_AFTER_ELEM:
		if (c == ']')
			s->state = S_AFTER_MEMBER;
		else if (c == ',')
			s->state = S_ELEM;
		else
			return expected(s, *pp, "',' or ']' after an object");
		break;
	default:
		return ac_err_set(s->err, AC_ERR_INTERNAL, "bad scan state");
	}
	(*pp)++;
	return AC_OK;
}

static ac_rc on_scalar(struct scan *s, size_t *pp)
{
	while (*pp < s->n && is_scalar_char(s->chunk[*pp]))
		(*pp)++;
	if (*pp < s->n)
		s->state = S_AFTER_MEMBER;
	return AC_OK;
}

static ac_rc on_start(struct scan *s, size_t *pp)
{
	static const unsigned char bom[3] = {0xef, 0xbb, 0xbf};
	char d[16];

	if (s->base + *pp == 0 && s->n >= 3 && !memcmp(s->chunk, bom, 3))
		*pp += 3;
	if (!skip_ws(s, pp))
		return AC_OK;
	if (s->want == STREAM_JSONL ||
	    (s->want == STREAM_AUTO && s->chunk[*pp] != '{')) {
		s->mode = M_JSONL;
		s->state = S_LINE;
		set_tables(s, true);
		return AC_OK;
	}
	if (s->chunk[*pp] != '{')
		return scan_fail(s, *pp, AC_ERR_PARSE,
				 "expected '{' to open the bundle, found %s",
				 byte_desc(s->chunk[*pp], d, sizeof(d)));
	if (s->want == STREAM_AUTO) {
		s->mode = M_PENDING;
		object_start(s, *pp);
		s->next_index = 0; /* elements count from 0 if it is a bundle */
		cap_start(s, *pp);
	} else {
		s->mode = M_BUNDLE;
	}
	s->state = S_KEY_OR_CLOSE;
	(*pp)++;
	return AC_OK;
}

static ac_rc on_line(struct scan *s, size_t *pp)
{
	if (!skip_ws(s, pp))
		return AC_OK;
	object_start(s, *pp);
	if (s->chunk[*pp] != '{')
		return scan_fail(s, *pp, AC_ERR_PARSE,
				 "line is not a json object");
	cap_start(s, *pp);
	return value_begin(s, pp, V_RECORD, 0);
}

static ac_rc on_line_tail(struct scan *s, size_t *pp)
{
	char d[16];
	unsigned char c;

	for (; *pp < s->n; (*pp)++) {
		c = s->chunk[*pp];
		if (c == '\n') {
			(*pp)++;
			s->state = S_LINE;
			return emit(s);
		}
		if (c != ' ' && c != '\t' && c != '\r')
			return scan_fail(s, *pp, AC_ERR_PARSE,
					 "unexpected %s after the object "
					 "(one object per line)",
					 byte_desc(c, d, sizeof(d)));
	}
	return AC_OK;
}

static ac_rc on_skip_line(struct scan *s, size_t *pp)
{
	const unsigned char *nl = memchr(s->chunk + *pp, '\n', s->n - *pp);

	if (!nl) {
		*pp = s->n;
		return AC_OK;
	}
	*pp = (size_t)(nl - s->chunk) + 1;
	s->state = S_LINE;
	return AC_OK;
}

static ac_rc on_trailer(struct scan *s, size_t *pp)
{
	char d[16];

	if (!skip_ws(s, pp))
		return AC_OK;
	return scan_fail(s, *pp, AC_ERR_PARSE,
			 "unexpected %s after the end of the bundle",
			 byte_desc(s->chunk[*pp], d, sizeof(d)));
}

static ac_rc step(struct scan *s, size_t *pp)
{
	switch (s->state) {
	case S_VALUE:
		return scan_value(s, pp);
	case S_START:
		return on_start(s, pp);
	case S_LINE:
		return on_line(s, pp);
	case S_LINE_TAIL:
		return on_line_tail(s, pp);
	case S_SKIP_LINE:
		return on_skip_line(s, pp);
	case S_KEY_STR:
	case S_MEMBER_STR:
		return on_env_string(s, pp);
	case S_SCALAR:
		return on_scalar(s, pp);
	case S_TRAILER:
		return on_trailer(s, pp);
	default:
		return on_envelope(s, pp);
	}
}

static bool in_string(const struct scan *s)
{
	return (s->state == S_VALUE && s->in_str) || s->state == S_KEY_STR ||
	       s->state == S_MEMBER_STR;
}

static ac_rc scan_chunk(struct scan *s)
{
	size_t p = 0;
	ac_rc rc = AC_OK;

	s->cap_from = 0;
	while (rc == AC_OK && p < s->n)
		rc = step(s, &p);
	if (rc == AC_OK && in_string(s))
		rc = check_string_len(s, s->n);
	if (rc == AC_OK)
		rc = cap_flush(s, s->n);
	line_of(s, s->n);
	s->line_at = 0;
	return rc;
}

static ac_rc scan_finish(struct scan *s)
{
	const char *what;

	switch (s->state) {
	case S_START:
		return scan_fail(s, 0, AC_ERR_PARSE,
				 "no objects found: the input is empty");
	case S_LINE_TAIL:
		return emit(s);
	case S_LINE: /* entered only at a record, so the input was not empty */
	case S_SKIP_LINE:
	case S_TRAILER:
		return AC_OK;
	case S_VALUE:
		what = s->in_str		       ? "string"
		       : s->stack[s->depth - 1] == '{' ? "object"
						       : "array";
		break;
	case S_KEY_STR:
	case S_MEMBER_STR:
		what = "string";
		break;
	case S_ELEM_OR_CLOSE:
	case S_ELEM:
	case S_AFTER_ELEM:
		what = "'objects' array";
		break;
	default:
		what = s->mode == M_BUNDLE ? "bundle" : "object";
		break;
	}
	return scan_fail(s, 0, AC_ERR_PARSE,
			 "unterminated %s (input truncated?)", what);
}

/* The descriptor of a pipe, socket or terminal, else -1 (files and
 * memory streams go through fread, which fills whole chunks). */
static int live_fd(FILE *in)
{
	struct stat st;
	int fd = fileno(in);

	if (fd < 0 || fstat(fd, &st))
		return -1;
	return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
		       S_ISCHR(st.st_mode)
		   ? fd
		   : -1;
}

/* Whether fd has nothing to read right now (its next read would wait). */
static bool fd_would_wait(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int n;

	do
		n = poll(&p, 1, 0);
	while (n < 0 && errno == EINTR);
	return n == 0;
}

/* Reads what has arrived on fd, up to cap bytes, waiting for some: 0 at
 * the end of the input, or with *read_err (an errno) on a read error. */
static size_t read_live(int fd, unsigned char *buf, size_t cap,
			int *read_err)
{
	ssize_t n;

	do
		n = read(fd, buf, cap);
	while (n < 0 && errno == EINTR);
	*read_err = n < 0 ? errno : 0;
	return n > 0 ? (size_t)n : 0;
}

/* The next piece of the input into chunk: *end once it is over, with
 * *read_err (an errno) if a read failed. A live input that pauses gets
 * idle first. */
static ac_rc next_chunk(FILE *in, int fd, unsigned char *chunk,
			stream_idle_cb idle, void *ctx, size_t *n, bool *end,
			int *read_err)
{
	ac_rc rc;

	if (fd < 0) {
		*n = fread(chunk, 1, STREAM_CHUNK, in);
		*end = *n < STREAM_CHUNK;
		*read_err = *end && ferror(in) ? (errno ? errno : EIO) : 0;
		return AC_OK;
	}
	if (idle && fd_would_wait(fd) && (rc = idle(ctx)))
		return rc;
	*n = read_live(fd, chunk, STREAM_CHUNK, read_err);
	*end = *n == 0;
	return AC_OK;
}

ac_rc stream_read(FILE *in, enum stream_format fmt,
		  const struct stix_limits *lim, stream_object_cb cb,
		  stream_bad_cb bad_line, void *ctx, struct ac_err *err)
{
	return stream_read_live(in, fmt, lim, cb, bad_line, NULL, ctx, err);
}

ac_rc stream_read_live(FILE *in, enum stream_format fmt,
		       const struct stix_limits *lim, stream_object_cb cb,
		       stream_bad_cb bad_line, stream_idle_cb idle, void *ctx,
		       struct ac_err *err)
{
	struct scan s;
	unsigned char *chunk = NULL;
	bool end = false;
	size_t n;
	int fd, read_err = 0;
	ac_rc rc;

	ac_err_clear(err);
	memset(&s, 0, sizeof(s));
	ac_buf_init(&s.obj, lim ? lim->max_object_bytes : 0);
	if (!in || !lim || !cb ||
	    (fmt != STREAM_AUTO && fmt != STREAM_BUNDLE &&
	     fmt != STREAM_JSONL)) {
		rc = ac_err_set(
		    err, AC_ERR_USAGE,
		    "stream_read: missing input, limits or callback, "
		    "or unknown format");
		goto out;
	}
	chunk = malloc(STREAM_CHUNK);
	if (!chunk) {
		rc = ac_err_set(err, AC_ERR_NOMEM,
				"out of memory for the read buffer");
		goto out;
	}
	s.lim = lim;
	s.cb = cb;
	s.bad_line = bad_line;
	s.ctx = ctx;
	s.err = err;
	s.want = fmt;
	s.state = S_START;
	s.chunk = chunk;
	s.line = 1;
	set_tables(&s, false);
	fd = live_fd(in);
	do {
		rc = next_chunk(in, fd, chunk, idle, ctx, &n, &end, &read_err);
		if (rc != AC_OK)
			goto out;
		s.n = n;
		rc = scan_chunk(&s);
		if (rc != AC_OK)
			goto out;
		s.base += n;
	} while (!end);
	if (read_err) {
		rc = ac_err_set(err, AC_ERR_IO,
				"cannot read the input at byte %" PRIu64 ": %s",
				s.base, strerror(read_err));
		goto out;
	}
	s.n = 0;
	rc = scan_finish(&s);
out:
	free(chunk);
	free(s.stack);
	ac_buf_release(&s.obj);
	return rc;
}
