/* Private to src/taxii: the application object and what every handler
 * shares (checks, errors, replies). */
#ifndef AC_TAXII_INT_H
#define AC_TAXII_INT_H

#include <pthread.h>
#include "auth/auth.h"
#include "store/store.h"
#include "taxii/taxii.h"

struct taxii {
	char *store_path;
	char *title;
	size_t max_page;
	size_t max_content_length;
	size_t batch_size;
	struct stix_limits limits;
	bool tls;
	pthread_key_t store_key; /* this thread's struct store * */
	struct http_server *srv; /* set once started; atomic access */
};

/* One request after the common checks passed. */
struct taxii_call {
	struct taxii *t;
	struct http_req *req;
	struct http_resp *resp;
	struct store *store;
	struct auth_subject who;
	struct store_collection coll; /* after taxii_collection */
	bool can_read, can_write;
};

/* Common start of every handler: this thread's store, the caller
 * (401 on failure), the Accept header (406) and the API root (404). On
 * false the error response is already filled. */
bool taxii_begin(struct taxii *t, struct http_req *req, struct http_resp *resp,
		 struct taxii_call *c);

/* Loads the collection named by the {cid} path parameter and the caller's
 * rights on it; a collection the caller can neither read nor write is 404.
 * On false the error response is filled. */
bool taxii_collection(struct taxii_call *c);

/* Fills resp with a TAXII error message (title, description, http_status). */
void taxii_error(struct http_resp *resp, int status, const char *title,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A 500 for a store or internal failure; the detail goes to the log only. */
void taxii_fail(struct http_resp *resp, const struct ac_err *err);

/* Sets status and the TAXII content type; the body is already written. */
void taxii_ok(struct http_resp *resp, int status);

/* Appends s as a JSON string (quoted, escaped). */
ac_rc taxii_buf_str(struct ac_buf *b, const char *s);

/* True when the Content-Type names the TAXII 2.1 media type. */
bool taxii_content_type_ok(const char *ctype);
/* True when an Accept header allows the TAXII 2.1 media type. */
bool taxii_accept_ok(const char *accept);

/* Objects endpoints (taxii_objects.c), listed in taxii.c's route table. */
void taxii_get_objects(void *app, struct http_req *req, struct http_resp *resp);
void taxii_add_objects(void *app, struct http_req *req, struct http_resp *resp);
void taxii_get_object(void *app, struct http_req *req, struct http_resp *resp);
void taxii_delete_object(void *app, struct http_req *req,
			 struct http_resp *resp);
void taxii_versions(void *app, struct http_req *req, struct http_resp *resp);
void taxii_manifest(void *app, struct http_req *req, struct http_resp *resp);

#endif
