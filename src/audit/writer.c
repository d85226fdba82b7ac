/* Group commit: one writer thread appends the batches of many request
 * threads, all batches waiting at the moment it wakes in one transaction.
 * Submitters sleep on a condition variable until their batch is committed.
 * See docs/internals/audit.md. */
#include "base/common.h"
#include "audit/audit_int.h"

#include <pthread.h>
#include <time.h>

#include "base/log.h"
#include "base/time.h"

/* One submitted batch; lives on the submitter's stack until done. */
struct job {
	const struct audit_entry *e;
	size_t n;
	bool done;
	ac_rc rc;
	struct ac_err err;
	struct job *next;
};

struct audit_writer {
	struct audit *a;
	int64_t tick_ns;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work; /* the writer waits for jobs or stop */
	pthread_cond_t done; /* submitters wait for their job */
	struct job *head, *tail;
	bool stopping;
	struct audit_entry *all; /* writer thread only: a group's entries */
	size_t all_cap;
};

static void deadline_after(struct timespec *ts, int64_t ns)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ns += ts->tv_nsec;
	ts->tv_sec += (time_t)(ns / 1000000000);
	ts->tv_nsec = (long)(ns % 1000000000);
}

/* Detaches the first jobs of the queue, at most AUDIT_BATCH_MAX entries
 * together (always at least one job). Under the lock. */
static struct job *take_group(struct audit_writer *w, size_t *total)
{
	struct job *first = w->head, *last = first;

	*total = first->n;
	while (last->next && *total + last->next->n <= AUDIT_BATCH_MAX) {
		last = last->next;
		*total += last->n;
	}
	w->head = last->next;
	if (!w->head)
		w->tail = NULL;
	last->next = NULL;
	return first;
}

static void append_alone(struct audit_writer *w, struct job *j)
{
	j->rc = audit_append_batch(w->a, j->e, j->n, NULL, &j->err);
}

/* Appends a group in one transaction; if that fails, each batch alone, so
 * one bad batch fails only its own submitter. */
static void commit_group(struct audit_writer *w, struct job *group,
			 size_t total)
{
	struct ac_err err = {0};
	size_t off = 0;
	ac_rc rc;

	if (!group->next) {
		append_alone(w, group);
		return;
	}
	if (total > w->all_cap) {
		struct audit_entry *grown =
			realloc(w->all, total * sizeof(*grown));
		if (!grown)
			goto one_by_one;
		w->all = grown;
		w->all_cap = total;
	}
	for (struct job *j = group; j; j = j->next) {
		memcpy(w->all + off, j->e, j->n * sizeof(*j->e));
		off += j->n;
	}
	rc = audit_append_batch(w->a, w->all, total, NULL, &err);
	if (!rc) {
		for (struct job *j = group; j; j = j->next)
			j->rc = AC_OK;
		return;
	}
one_by_one:
	for (struct job *j = group; j; j = j->next)
		append_alone(w, j);
}

static void tick(struct audit_writer *w)
{
	struct ac_err err = {0};

	if (audit_checkpoint_if_due(w->a, &err))
		ac_log(AC_LOG_ERROR, "audit: %s", err.msg);
}

static void *writer_main(void *p)
{
	struct audit_writer *w = p;
	int64_t last_tick = ac_mono_ns();
	struct timespec deadline;
	struct job *group;
	size_t total;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		if (ac_mono_ns() - last_tick >= w->tick_ns) {
			pthread_mutex_unlock(&w->mu);
			tick(w);
			pthread_mutex_lock(&w->mu);
			last_tick = ac_mono_ns();
		}
		if (!w->head) {
			if (w->stopping)
				break;
			deadline_after(&deadline,
				       w->tick_ns - (ac_mono_ns() - last_tick));
			pthread_cond_timedwait(&w->work, &w->mu, &deadline);
			continue;
		}
		group = take_group(w, &total);
		pthread_mutex_unlock(&w->mu);
		commit_group(w, group, total);
		pthread_mutex_lock(&w->mu);
		for (struct job *j = group, *next; j; j = next) {
			next = j->next; /* j may be gone once done is seen */
			j->done = true;
		}
		pthread_cond_broadcast(&w->done);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

ac_rc audit_writer_start(struct audit *a, int64_t tick_us,
			 struct audit_writer **out, struct ac_err *err)
{
	struct audit_writer *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	bool cond_ok = false;

	*out = NULL;
	if (!w)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	w->a = a;
	w->tick_ns = (tick_us > 0 ? tick_us : AUDIT_WRITER_TICK_US_DEFAULT) *
		     1000;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->done, NULL);
	if (!pthread_condattr_init(&ca)) {
		cond_ok = !pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) &&
			  !pthread_cond_init(&w->work, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (!cond_ok || pthread_create(&w->thread, NULL, writer_main, w)) {
		if (cond_ok)
			pthread_cond_destroy(&w->work);
		pthread_cond_destroy(&w->done);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return ac_err_set(err, AC_ERR_IO,
				  "cannot start the audit writer thread");
	}
	*out = w;
	return AC_OK;
}

ac_rc audit_writer_append(struct audit_writer *w, const struct audit_entry *e,
			  size_t n, struct ac_err *err)
{
	struct job j = {e, n, false, AC_OK, {0}, NULL};

	if (n == 0 || n > AUDIT_BATCH_MAX)
		return ac_err_set(err, AC_ERR_USAGE,
				  "an audit batch holds 1 to %d entries",
				  AUDIT_BATCH_MAX);
	pthread_mutex_lock(&w->mu);
	if (w->stopping) {
		pthread_mutex_unlock(&w->mu);
		return ac_err_set(err, AC_ERR_INVALID,
				  "the audit writer is stopping");
	}
	/* j lives on this stack until the writer marks it done, below */
	if (w->tail)
		w->tail->next = &j; // cppcheck-suppress autoVariables
	else
		w->head = &j; // cppcheck-suppress autoVariables
	w->tail = &j; // cppcheck-suppress autoVariables
	pthread_cond_signal(&w->work);
	while (!j.done)
		pthread_cond_wait(&w->done, &w->mu);
	pthread_mutex_unlock(&w->mu);
	if (j.rc && err)
		*err = j.err;
	return j.rc;
}

ac_rc audit_writer_stop(struct audit_writer *w, struct ac_err *err)
{
	ac_rc rc = AC_OK;

	if (!w)
		return AC_OK;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	if (w->a->have_key)
		rc = audit_checkpoint(w->a, err);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->done);
	pthread_mutex_destroy(&w->mu);
	free(w->all);
	free(w);
	return rc;
}
