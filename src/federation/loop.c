/* The sync loop of accord serve (loop.h). */
#include "base/common.h"
#include "federation/loop.h"

#include <inttypes.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "federation/erasure.h"
#include "base/log.h"
#include "base/time.h"
#include "federation/push.h"
#include "federation/sync.h"
#include "node/node.h"

#define NS_PER_S ((int64_t)1000000000)
#define IDLE_WAKE_S 5 /* re-read the partner list at least this often */
#define RUN_TIMEOUT_S 60

/* One partner's schedule. */
struct sched {
	char name[STORE_NAME_MAX + 1];
	uint32_t pull_s, push_s; /* 0 = off */
	int64_t next_pull_ns, next_push_ns;
	unsigned pull_fails, push_fails;
	bool seen; /* still linked at the last refresh */
};

struct fed_loop {
	char dir[NODE_PATH_MAX];
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	struct node *n;
	struct audit *a;
	struct sched s[FED_LOOP_PARTNERS_MAX];
	size_t ns;
};

static bool stopping(struct fed_loop *l)
{
	bool stop;

	pthread_mutex_lock(&l->mu);
	stop = l->stop;
	pthread_mutex_unlock(&l->mu);
	return stop;
}

static bool stop_requested(void *ctx)
{
	return stopping(ctx);
}

/* Next run after `fails` failures in a row: the interval, doubled per
 * failure up to the cap (or the interval, if longer). */
static int64_t delay_ns(uint32_t interval_s, unsigned fails)
{
	int64_t d = interval_s, cap = FED_LOOP_BACKOFF_CAP_S;

	if (cap < d)
		cap = d;
	for (unsigned i = 0; i < fails && d < cap; i++)
		d *= 2;
	return (d > cap ? cap : d) * NS_PER_S;
}

static struct sched *find(struct fed_loop *l, const char *name)
{
	for (size_t i = 0; i < l->ns; i++)
		if (!strcmp(l->s[i].name, name))
			return &l->s[i];
	if (l->ns == FED_LOOP_PARTNERS_MAX)
		return NULL;
	memset(&l->s[l->ns], 0, sizeof(l->s[0]));
	snprintf(l->s[l->ns].name, sizeof(l->s[0].name), "%s", name);
	l->s[l->ns].next_pull_ns = l->s[l->ns].next_push_ns = ac_mono_ns();
	return &l->s[l->ns++];
}

/* A partner is scheduled when it has a link and credentials. */
static int refresh_one(const struct store_partner *p, void *ctx)
{
	struct fed_loop *l = ctx;
	struct store_partner_link link;
	char path[NODE_PATH_MAX];
	struct sched *s;

	if (store_partner_link_get(l->n->store, p->name, &link, NULL) ||
	    fed_token_path(l->n, p->name, path, NULL) || access(path, R_OK))
		return 0;
	s = find(l, p->name);
	if (!s) {
		ac_log(AC_LOG_WARN, "sync: more than %d linked partners; "
				    "'%s' is not scheduled",
		       FED_LOOP_PARTNERS_MAX, p->name);
		return 0;
	}
	s->pull_s = link.pull_interval_s;
	s->push_s = link.push_interval_s;
	s->seen = true;
	return 0;
}

static void refresh(struct fed_loop *l)
{
	struct ac_err err = {0};

	for (size_t i = 0; i < l->ns; i++)
		l->s[i].seen = false;
	if (store_partner_list(l->n->store, refresh_one, l, &err))
		ac_log(AC_LOG_ERROR, "sync: cannot list partners: %s",
		       err.msg);
}

static void run_pull(struct fed_loop *l, struct sched *s)
{
	struct fed_pull_opts o = fed_pull_opts_default();
	struct fed_pull_stats st;
	struct ac_err err = {0};

	o.retries = 0;
	o.timeout_s = RUN_TIMEOUT_S;
	o.stop = stop_requested;
	o.stop_ctx = l;
	if (fed_pull(l->n, l->a, s->name, &o, &st, &err)) {
		s->pull_fails++;
		s->next_pull_ns = ac_mono_ns() + delay_ns(s->pull_s, s->pull_fails);
		ac_log(AC_LOG_WARN, "sync: pull from '%s' failed: %s (next in %" PRId64 " s)",
		       s->name, err.msg,
		       delay_ns(s->pull_s, s->pull_fails) / NS_PER_S);
		return;
	}
	s->pull_fails = 0;
	s->next_pull_ns = ac_mono_ns() + delay_ns(s->pull_s, 0);
	ac_log(AC_LOG_INFO,
	       "sync: pulled from '%s': %" PRIu64 " pages, %" PRIu64
	       " accepted, %" PRIu64 " duplicates, %" PRIu64 " rejected, %" PRIu64
	       " bad signatures",
	       s->name, st.pages, st.accepted, st.duplicates, st.rejected,
	       st.bad_signatures);
}

/* Sends the erasure notices and confirmations queued for the partner. */
static void run_outbox(struct fed_loop *l, struct sched *s)
{
	struct fed_outbox_stats st;
	struct ac_err err = {0};

	if (fed_outbox_deliver(l->n, l->a, s->name, true, &st, &err)) {
		ac_log(AC_LOG_WARN, "sync: erasure messages to '%s': %s",
		       s->name, err.msg);
		return;
	}
	if (st.sent)
		ac_log(AC_LOG_INFO,
		       "sync: delivered %" PRIu64 " erasure messages to '%s'",
		       st.sent, s->name);
}

static void run_push(struct fed_loop *l, struct sched *s)
{
	struct fed_push_opts o = fed_push_opts_default();
	struct fed_push_stats st;
	struct ac_err err = {0};
	bool due = false;

	s->next_push_ns = ac_mono_ns() + delay_ns(s->push_s, s->push_fails);
	run_outbox(l, s);
	if (fed_push_due(l->n->store, s->name, &due, &err)) {
		ac_log(AC_LOG_ERROR, "sync: push to '%s': %s", s->name, err.msg);
		return;
	}
	if (!due)
		return;
	o.retries = 0;
	o.timeout_s = RUN_TIMEOUT_S;
	o.stop = stop_requested;
	o.stop_ctx = l;
	if (fed_push(l->n, l->a, s->name, &o, &st, &err)) {
		s->push_fails++;
		s->next_push_ns = ac_mono_ns() + delay_ns(s->push_s, s->push_fails);
		ac_log(AC_LOG_WARN, "sync: push to '%s' failed: %s (next in %" PRId64 " s)",
		       s->name, err.msg,
		       delay_ns(s->push_s, s->push_fails) / NS_PER_S);
		return;
	}
	s->push_fails = 0;
	s->next_push_ns = ac_mono_ns() + delay_ns(s->push_s, 0);
	ac_log(AC_LOG_INFO,
	       "sync: pushed to '%s': %" PRIu64 " batches, %" PRIu64
	       " sent, %" PRIu64 " accepted, %" PRIu64 " refused, %" PRIu64
	       " withheld",
	       s->name, st.batches, st.sent, st.accepted, st.failed,
	       st.withheld);
}

/* Runs what is due; returns when the next run is due (monotonic ns). */
static int64_t run_due(struct fed_loop *l)
{
	int64_t next = ac_mono_ns() + IDLE_WAKE_S * NS_PER_S;

	for (size_t i = 0; i < l->ns && !stopping(l); i++) {
		struct sched *s = &l->s[i];

		if (!s->seen)
			continue;
		if (s->pull_s && ac_mono_ns() >= s->next_pull_ns)
			run_pull(l, s);
		if (s->push_s && !stopping(l) && ac_mono_ns() >= s->next_push_ns)
			run_push(l, s);
		if (s->pull_s && s->next_pull_ns < next)
			next = s->next_pull_ns;
		if (s->push_s && s->next_push_ns < next)
			next = s->next_push_ns;
	}
	return next;
}

/* Waits until the monotonic time `until` or a stop request. */
static void wait_until(struct fed_loop *l, int64_t until)
{
	struct timespec ts = {.tv_sec = until / NS_PER_S,
			      .tv_nsec = until % NS_PER_S};

	pthread_mutex_lock(&l->mu);
	while (!l->stop && ac_mono_ns() < until)
		if (pthread_cond_timedwait(&l->cv, &l->mu, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&l->mu);
}

static void *loop_main(void *arg)
{
	struct fed_loop *l = arg;

	while (!stopping(l)) {
		refresh(l);
		wait_until(l, run_due(l));
	}
	return NULL;
}

static ac_rc open_handles(struct fed_loop *l, struct ac_err *err)
{
	ac_rc rc = node_open(l->dir, &l->n, err);

	if (!rc)
		rc = audit_open_node(
		    l->dir, l->n->cfg.audit_checkpoint_entries,
		    (int64_t)l->n->cfg.audit_checkpoint_seconds * 1000000, &l->a,
		    NULL, err);
	return rc;
}

static void free_loop(struct fed_loop *l)
{
	audit_close(l->a);
	if (l->n)
		node_close(l->n);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

ac_rc fed_loop_start(const char *dir, struct fed_loop **out,
		     struct ac_err *err)
{
	struct fed_loop *l = calloc(1, sizeof(*l));
	pthread_condattr_t ca;
	ac_rc rc;

	*out = NULL;
	if (!l)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	snprintf(l->dir, sizeof(l->dir), "%s", dir);
	pthread_mutex_init(&l->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cv, &ca);
	pthread_condattr_destroy(&ca);
	rc = open_handles(l, err);
	if (!rc && pthread_create(&l->thread, NULL, loop_main, l))
		rc = ac_err_set(err, AC_ERR_INTERNAL,
				"cannot start the sync loop thread");
	if (rc) {
		free_loop(l);
		return rc;
	}
	*out = l;
	return AC_OK;
}

void fed_loop_stop(struct fed_loop *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = true;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->thread, NULL);
	free_loop(l);
}
