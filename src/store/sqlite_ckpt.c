/* Background checkpoints for bulk commits (docs/internals/store.md).
 *
 * A checkpoint copies the write-ahead log into the database file and syncs
 * both: after a bulk commit it cost the storing thread ~0.5 s per 100k
 * pulled objects, most of it waiting for the disk. Here a thread with its
 * own connection runs it (PASSIVE: it never blocks the writer) while the
 * writer goes on. The log only restarts from its beginning when a writer
 * begins with everything copied, which a writer that keeps writing never
 * sees; so once the log reaches its bound the writer checkpoints in line
 * (only what the thread has not copied yet), as SQLite's own hook would. */
#include "base/common.h"
#include "store/store_sqlite.h"

#include <pthread.h>

#define BUSY_TIMEOUT_MS 5000

struct sq_ckpt {
	char *path;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* a request, quit, or a checkpoint done */
	bool want, busy, quit;
};

static void checkpoint_on(sqlite3 **db, const char *path)
{
	if (!*db) {
		if (sqlite3_open_v2(path, db,
				    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
				    NULL) != SQLITE_OK) {
			sqlite3_close_v2(*db);
			*db = NULL;
			return; /* the writer's in-line checkpoints still run */
		}
		sqlite3_busy_timeout(*db, BUSY_TIMEOUT_MS);
		/* a read opens the file and finds the log: until then a
		 * checkpoint does nothing (the file is not known to be in WAL
		 * mode) */
		sqlite3_exec(*db, "PRAGMA schema_version", NULL, NULL, NULL);
	}
	sqlite3_wal_checkpoint_v2(*db, "main", SQLITE_CHECKPOINT_PASSIVE,
				  NULL, NULL);
}

static void *ckpt_main(void *arg)
{
	struct sq_ckpt *c = arg;
	sqlite3 *db = NULL;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->want && !c->quit)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->quit)
			break;
		c->want = false;
		c->busy = true;
		pthread_mutex_unlock(&c->mu);
		checkpoint_on(&db, c->path);
		pthread_mutex_lock(&c->mu);
		c->busy = false;
		pthread_cond_broadcast(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	sqlite3_close_v2(db);
	return NULL;
}

struct sq_ckpt *sq_ckpt_start(const char *path)
{
	struct sq_ckpt *c = calloc(1, sizeof(*c));

	if (!c || !(c->path = strdup(path))) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (pthread_create(&c->th, NULL, ckpt_main, c)) {
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mu);
		free(c->path);
		free(c);
		return NULL;
	}
	pthread_setname_np(c->th, "store-ckpt");
	return c;
}

void sq_ckpt_request(struct sq_ckpt *c)
{
	pthread_mutex_lock(&c->mu);
	c->want = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

void sq_ckpt_wait(struct sq_ckpt *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	while (c->want || c->busy)
		pthread_cond_wait(&c->cv, &c->mu);
	pthread_mutex_unlock(&c->mu);
}

void sq_ckpt_stop(struct sq_ckpt *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->quit = true;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->th, NULL);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c->path);
	free(c);
}
