/* TAXII client over libcurl (client.h). */
#include "base/common.h"
#include "federation/client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"

#define TAXII_ACCEPT "Accept: application/taxii+json;version=2.1"
#define TAXII_CONTENT_TYPE "Content-Type: application/taxii+json;version=2.1"

ac_rc fed_client_open(struct fed_client *c, const char *base, const char *pin,
		      const char *token, struct ac_err *err)
{
	static bool curl_ready;

	memset(c, 0, sizeof(*c));
	if (strncmp(base, "https://", 8) || strlen(base) >= sizeof(c->base) ||
	    strlen(pin) >= sizeof(c->pin) || strlen(token) >= sizeof(c->token))
		return ac_err_set(err, AC_ERR_INVALID,
				  "cannot reach '%.200s': not an https URL, or "
				  "a field is too long",
				  base);
	if (!curl_ready && curl_global_init(CURL_GLOBAL_DEFAULT))
		return ac_err_set(err, AC_ERR_INTERNAL,
				  "cannot initialise libcurl");
	curl_ready = true;
	c->curl = curl_easy_init();
	if (!c->curl)
		return ac_err_set(err, AC_ERR_NOMEM,
				  "cannot create a libcurl handle");
	snprintf(c->base, sizeof(c->base), "%s", base);
	snprintf(c->pin, sizeof(c->pin), "%s", pin);
	snprintf(c->token, sizeof(c->token), "%s", token);
	c->connect_timeout_s = 10;
	c->timeout_s = 120;
	c->max_response = FED_RESPONSE_MAX;
	return AC_OK;
}

void fed_client_close(struct fed_client *c)
{
	sodium_memzero(c->token, sizeof(c->token));
	if (c->curl)
		curl_easy_cleanup(c->curl);
	c->curl = NULL;
}

void fed_response_release(struct fed_response *r)
{
	ac_buf_release(&r->body);
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct fed_response *r = ctx;

	if (ac_buf_add(&r->body, p, size * n))
		return 0; /* over the cap: curl stops with a write error */
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	static const char name[] = "x-taxii-date-added-last:";
	struct fed_response *r = ctx;
	size_t len = size * n, k = sizeof(name) - 1, end;

	if (len > k && !strncasecmp(p, name, k)) {
		p += k;
		len -= k;
		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		end = len;
		while (end && (p[end - 1] == '\r' || p[end - 1] == '\n' ||
			       p[end - 1] == ' '))
			end--;
		if (end < sizeof(r->added_last)) {
			memcpy(r->added_last, p, end);
			r->added_last[end] = '\0';
		}
	}
	return size * n;
}

static void set_options(struct fed_client *c, const char *url,
			struct curl_slist *hdrs, const char *pin,
			struct fed_response *r)
{
	CURL *h = c->curl;

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, pin);
	/* the pin is the trust anchor: no CA chain or host name check */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	/* nor the system's CA store, which GnuTLS would load and parse for
	 * every new connection */
	curl_easy_setopt(h, CURLOPT_CAINFO, NULL);
	curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->connect_timeout_s);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout_s);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)c->max_response);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
}

/* Turns a curl failure into an error; pin mismatches are hard and logged. */
static ac_rc transfer_error(struct fed_client *c, CURLcode cc,
			    struct fed_response *r, struct ac_err *err)
{
	if (cc == CURLE_SSL_PINNEDPUBKEYNOTMATCH) {
		ac_log(AC_LOG_ERROR,
		       "partner link %s: the TLS public key does not match "
		       "the pinned key sha256//%s; refusing the connection",
		       c->base, c->pin);
		return ac_err_set(err, AC_ERR_CRYPTO,
				  "partner '%s' presented a TLS key that does "
				  "not match its pinned key: refusing (check "
				  "the partner card)",
				  c->base);
	}
	if (cc == CURLE_WRITE_ERROR || cc == CURLE_FILESIZE_EXCEEDED)
		return ac_err_set(err, AC_ERR_LIMIT,
				  "response from '%s' is larger than %zu "
				  "bytes",
				  c->base, c->max_response);
	if (cc == CURLE_SSL_CONNECT_ERROR ||
	    cc == CURLE_PEER_FAILED_VERIFICATION)
		return ac_err_set(err, AC_ERR_CRYPTO,
				  "TLS with '%s' failed: %s", c->base,
				  curl_easy_strerror(cc));
	r->transient = true;
	return ac_err_set(err, AC_ERR_IO, "cannot reach '%s': %s", c->base,
			  curl_easy_strerror(cc));
}

/* One request: GET when body is NULL, else POST of a TAXII envelope. */
static ac_rc client_request(struct fed_client *c, const char *rel,
			    const char *body, size_t body_len,
			    struct fed_response *r, struct ac_err *err)
{
	char url[STORE_URL_MAX + 1024], pin[STORE_PIN_MAX + 16];
	char auth[FED_TOKEN_MAX + 32];
	struct curl_slist *hdrs = NULL, *tmp;
	long want = body ? 202 : 200;
	CURLcode cc;
	ac_rc rc = AC_OK;

	memset(r, 0, sizeof(*r));
	ac_buf_init(&r->body, c->max_response);
	if ((size_t)snprintf(url, sizeof(url), "%s%s", c->base, rel) >=
	    sizeof(url))
		return ac_err_set(err, AC_ERR_LIMIT, "request URL too long");
	snprintf(pin, sizeof(pin), "sha256//%s", c->pin);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->token);
	hdrs = curl_slist_append(NULL, TAXII_ACCEPT);
	tmp = hdrs ? curl_slist_append(hdrs, auth) : NULL;
	hdrs = tmp ? curl_slist_append(tmp, "X-Accord-Purpose: partner-sync")
		   : hdrs;
	if (body && hdrs && tmp)
		hdrs = curl_slist_append(hdrs, TAXII_CONTENT_TYPE);
	sodium_memzero(auth, sizeof(auth));
	if (!tmp || !hdrs) {
		rc = ac_err_set(err, AC_ERR_NOMEM, "cannot build a request");
		goto out;
	}
	set_options(c, url, hdrs, pin, r);
	if (body) {
		curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)body_len);
	}
	cc = curl_easy_perform(c->curl);
	if (cc != CURLE_OK) {
		rc = transfer_error(c, cc, r, err);
		goto out;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->status != want) {
		r->transient = r->status >= 500 || r->status == 429;
		rc = ac_err_set(err, AC_ERR_IO, "%s '%s' answered HTTP %ld",
				body ? "POST" : "GET", url, r->status);
	}
out:
	/* the slist holds a copy of the token */
	for (tmp = hdrs; tmp; tmp = tmp->next)
		sodium_memzero(tmp->data, strlen(tmp->data));
	curl_slist_free_all(hdrs);
	return rc;
}

ac_rc fed_client_get(struct fed_client *c, const char *rel,
		     struct fed_response *r, struct ac_err *err)
{
	return client_request(c, rel, NULL, 0, r, err);
}

ac_rc fed_client_post(struct fed_client *c, const char *rel,
		      const char *body, size_t len, struct fed_response *r,
		      struct ac_err *err)
{
	if (!body)
		return ac_err_set(err, AC_ERR_INVALID, "POST without a body");
	return client_request(c, rel, body, len, r, err);
}

ac_rc fed_token_read(const char *path, char out[FED_TOKEN_MAX + 1],
		     struct ac_err *err)
{
	char buf[FED_TOKEN_MAX + 3];
	struct stat sb;
	ssize_t n;
	size_t len;
	ac_rc rc = AC_OK;
	int fd;

	out[0] = '\0';
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ac_err_set(
		    err, errno == ENOENT ? AC_ERR_NOTFOUND : AC_ERR_IO,
		    "cannot open token file '%s': %s", path, strerror(errno));
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		rc = ac_err_set(err, AC_ERR_IO, "'%s' is not a regular file",
				path);
		goto out;
	}
	if (sb.st_mode & 077) {
		rc = ac_err_set(err, AC_ERR_PERM,
				"token file '%s' is readable by others: "
				"chmod 600 it",
				path);
		goto out;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		rc = ac_err_set(err, AC_ERR_IO, "cannot read '%s': %s", path,
				strerror(errno));
		goto out;
	}
	len = (size_t)n;
	if (len && buf[len - 1] == '\n')
		len--;
	for (size_t i = 0; i < len; i++)
		if (buf[i] <= ' ' || buf[i] > '~')
			len = 0;
	if (len == 0 || len > FED_TOKEN_MAX) {
		rc = ac_err_set(err, AC_ERR_PARSE,
				"token file '%s' must hold one token line of "
				"at most %d printable characters",
				path, FED_TOKEN_MAX);
		goto out;
	}
	memcpy(out, buf, len);
	out[len] = '\0';
out:
	sodium_memzero(buf, sizeof(buf));
	close(fd);
	return rc;
}
