#include "base/common.h"
#include "http/http_int.h"

static const double bucket_le[HTTP_NBUCKETS - 1] = {
    0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5,
};

ac_rc http_metrics_init(struct http_metrics *m, size_t n)
{
	m->stats = calloc(n, sizeof(*m->stats));
	if (!m->stats)
		return AC_ERR_NOMEM;
	m->n = n;
	pthread_mutex_init(&m->mu, NULL);
	return AC_OK;
}

void http_metrics_release(struct http_metrics *m)
{
	if (!m->stats)
		return;
	pthread_mutex_destroy(&m->mu);
	free(m->stats);
	m->stats = NULL;
}

void http_metrics_record(struct http_metrics *m, size_t idx, int code,
			 double seconds)
{
	struct http_route_stats *s;
	size_t b = 0;

	if (idx >= m->n)
		return;
	while (b < HTTP_NBUCKETS - 1 && seconds > bucket_le[b])
		b++;
	pthread_mutex_lock(&m->mu);
	s = &m->stats[idx];
	s->buckets[b]++;
	s->sum += seconds;
	s->count++;
	for (size_t i = 0; i < HTTP_MAX_CODES; i++) {
		if (s->codes[i].code == code || s->codes[i].code == 0) {
			s->codes[i].code = code;
			s->codes[i].n++;
			break;
		}
	}
	pthread_mutex_unlock(&m->mu);
}

/* Label values from route names: escape \, " and newline. */
static ac_rc add_label(struct ac_buf *out, const char *v)
{
	ac_rc rc = AC_OK;
	for (; *v && !rc; v++) {
		if (*v == '\\' || *v == '"')
			rc = ac_buf_addf(out, "\\%c", *v);
		else if (*v == '\n')
			rc = ac_buf_adds(out, "\\n");
		else
			rc = ac_buf_addc(out, *v);
	}
	return rc;
}

static ac_rc render_counters(const struct http_route_stats *s,
			     struct ac_buf *out)
{
	ac_rc rc = AC_OK;
	for (size_t i = 0; i < HTTP_MAX_CODES && s->codes[i].code && !rc; i++) {
		rc = ac_buf_adds(out, "accord_http_requests_total{route=\"");
		if (!rc)
			rc = add_label(out, s->label);
		if (!rc)
			rc = ac_buf_addf(out, "\",code=\"%d\"} %llu\n",
					 s->codes[i].code,
					 (unsigned long long)s->codes[i].n);
	}
	return rc;
}

static ac_rc render_histogram(const struct http_route_stats *s,
			      struct ac_buf *out)
{
	const char *name = "accord_http_request_duration_seconds";
	uint64_t cum = 0;
	ac_rc rc = AC_OK;

	for (size_t b = 0; b < HTTP_NBUCKETS && !rc; b++) {
		cum += s->buckets[b];
		rc = ac_buf_addf(out, "%s_bucket{route=\"", name);
		if (!rc)
			rc = add_label(out, s->label);
		if (!rc && b < HTTP_NBUCKETS - 1)
			rc = ac_buf_addf(out, "\",le=\"%g\"} %llu\n",
					 bucket_le[b], (unsigned long long)cum);
		else if (!rc)
			rc = ac_buf_addf(out, "\",le=\"+Inf\"} %llu\n",
					 (unsigned long long)cum);
	}
	if (!rc)
		rc = ac_buf_addf(out, "%s_sum{route=\"", name);
	if (!rc)
		rc = add_label(out, s->label);
	if (!rc)
		rc = ac_buf_addf(out, "\"} %.9g\n%s_count{route=\"", s->sum,
				 name);
	if (!rc)
		rc = add_label(out, s->label);
	if (!rc)
		rc = ac_buf_addf(out, "\"} %llu\n",
				 (unsigned long long)s->count);
	return rc;
}

ac_rc http_metrics_render(struct http_metrics *m, struct ac_buf *out)
{
	ac_rc rc;

	pthread_mutex_lock(&m->mu);
	rc = ac_buf_adds(out, "# HELP accord_http_requests_total HTTP requests "
			      "by route and status code.\n"
			      "# TYPE accord_http_requests_total counter\n");
	for (size_t i = 0; i < m->n && !rc; i++)
		rc = render_counters(&m->stats[i], out);
	if (!rc)
		rc = ac_buf_adds(
		    out,
		    "# HELP accord_http_request_duration_seconds HTTP request "
		    "duration by route.\n"
		    "# TYPE accord_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i < m->n && !rc; i++)
		rc = render_histogram(&m->stats[i], out);
	pthread_mutex_unlock(&m->mu);
	return rc;
}

ac_rc http_metrics_gauge(struct ac_buf *out, const char *name, const char *help,
			 double value)
{
	return ac_buf_addf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %.17g\n",
			   name, help, name, name, value);
}
