/* Capped growable byte buffer (after curl's dynbuf).
 * The buffer owns `data`; it is always NUL-terminated when non-NULL.
 * Growing past `max` fails with AC_ERR_LIMIT and leaves the contents intact,
 * so request-controlled input can never grow memory without bound. */
#ifndef AC_BUF_H
#define AC_BUF_H

#include <stddef.h>
#include "base/rc.h"

struct ac_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* hard cap on len */
};

#define AC_BUF_INIT(maxbytes) { NULL, 0, 0, (maxbytes) }

void ac_buf_init(struct ac_buf *b, size_t max);
/* Frees the storage; the buffer can be reused after ac_buf_init. */
void ac_buf_release(struct ac_buf *b);
/* Empties the buffer, keeping its storage. */
void ac_buf_reset(struct ac_buf *b);
ac_rc ac_buf_add(struct ac_buf *b, const void *p, size_t n);
/* One byte; in line when it fits (it is called for every structural
 * character of canonical JSON: ~4% of an ingest worker as a call). */
static inline ac_rc ac_buf_addc(struct ac_buf *b, char c)
{
	if (b->len < b->max && b->len + 2 <= b->cap) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return AC_OK;
	}
	return ac_buf_add(b, &c, 1);
}
ac_rc ac_buf_adds(struct ac_buf *b, const char *s);
ac_rc ac_buf_addf(struct ac_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* s as a JSON string: quoted, with '"', '\\' and control characters
 * escaped (s is UTF-8; other bytes are copied as they are). */
ac_rc ac_buf_add_json_str(struct ac_buf *b, const char *s);
/* Returns the data (caller frees) and resets the buffer to empty. Never NULL
 * unless allocation fails. */
char *ac_buf_detach(struct ac_buf *b, size_t *len);

#endif
