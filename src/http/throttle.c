#include "base/common.h"
#include "base/time.h"
#include "http/http.h"

#include <pthread.h>
#include <time.h>

#define THROTTLE_DEFAULT_SLOTS 4096
#define THROTTLE_PROBE 8

struct throttle_slot {
	char addr[HTTP_ADDR_MAX]; /* "" = free */
	unsigned failures;
	int64_t last_ms; /* last failure, or last touch for eviction */
};

struct http_throttle {
	pthread_mutex_t mu;
	size_t nslots;
	struct throttle_slot *slots;
};

struct http_throttle *http_throttle_new(size_t nslots)
{
	struct http_throttle *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->nslots = nslots ? nslots : THROTTLE_DEFAULT_SLOTS;
	t->slots = calloc(t->nslots, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->mu, NULL);
	return t;
}

void http_throttle_free(struct http_throttle *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t->slots);
	free(t);
}

/* FNV-1a over the address text. */
static size_t addr_hash(const char *addr)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *addr; addr++)
		h = (h ^ (unsigned char)*addr) * 1099511628211ULL;
	return (size_t)h;
}

/* The slot of addr, or NULL when it has none and `create` is false; with
 * `create`, takes a free slot or evicts the least recently used one in the
 * probe window. Caller holds the lock. */
static struct throttle_slot *slot_find(struct http_throttle *t,
				       const char *addr, bool create)
{
	size_t h = addr_hash(addr);
	struct throttle_slot *victim = NULL;

	for (size_t i = 0; i < THROTTLE_PROBE && i < t->nslots; i++) {
		struct throttle_slot *s = &t->slots[(h + i) % t->nslots];
		if (strcmp(s->addr, addr) == 0)
			return s;
		if (!victim || (victim->addr[0] &&
				(!s->addr[0] || s->last_ms < victim->last_ms)))
			victim = s;
	}
	if (!create)
		return NULL;
	snprintf(victim->addr, sizeof(victim->addr), "%s", addr);
	victim->failures = 0;
	victim->last_ms = 0;
	return victim;
}

static unsigned delay_for(unsigned failures)
{
	unsigned shift;

	if (failures <= HTTP_THROTTLE_FREE)
		return 0;
	shift = failures - HTTP_THROTTLE_FREE - 1;
	if (shift >= 16)
		return HTTP_THROTTLE_MAX_MS;
	if ((HTTP_THROTTLE_BASE_MS << shift) > HTTP_THROTTLE_MAX_MS)
		return HTTP_THROTTLE_MAX_MS;
	return HTTP_THROTTLE_BASE_MS << shift;
}

static void decay(struct throttle_slot *s, int64_t now_ms)
{
	if (s->failures && now_ms - s->last_ms >= HTTP_THROTTLE_QUIET_MS)
		s->failures = 0;
}

unsigned http_throttle_fail(struct http_throttle *t, const char *addr,
			    int64_t now_ms)
{
	struct throttle_slot *s;
	unsigned d;

	pthread_mutex_lock(&t->mu);
	s = slot_find(t, addr, true);
	decay(s, now_ms);
	if (s->failures < UINT32_MAX)
		s->failures++;
	s->last_ms = now_ms;
	d = delay_for(s->failures);
	pthread_mutex_unlock(&t->mu);
	return d;
}

unsigned http_throttle_delay(struct http_throttle *t, const char *addr,
			     int64_t now_ms)
{
	struct throttle_slot *s;
	unsigned d = 0;

	pthread_mutex_lock(&t->mu);
	s = slot_find(t, addr, false);
	if (s) {
		decay(s, now_ms);
		d = delay_for(s->failures);
	}
	pthread_mutex_unlock(&t->mu);
	return d;
}

void http_throttle_ok(struct http_throttle *t, const char *addr)
{
	struct throttle_slot *s;

	pthread_mutex_lock(&t->mu);
	s = slot_find(t, addr, false);
	if (s)
		s->failures = 0;
	pthread_mutex_unlock(&t->mu);
}

int64_t http_now_ms(void)
{
	return ac_mono_ns() / 1000000;
}

void http_sleep_ms(unsigned ms)
{
	struct timespec ts;

	if (ms > HTTP_THROTTLE_MAX_MS)
		ms = HTTP_THROTTLE_MAX_MS;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}
