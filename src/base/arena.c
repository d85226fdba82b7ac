/* The per-thread jansson arena (see arena.h). Blocks are 16-byte aligned;
 * a request that does not fit in what is left goes to malloc, and free tells
 * the two apart by address. */
#include "base/common.h"
#include "base/arena.h"

#include <jansson.h>

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_OFF 1
#endif
#endif

#ifdef ARENA_OFF

void ac_json_arena_begin(void)
{
}

void ac_json_arena_end(void)
{
}

void ac_json_arena_release(void)
{
}

#else

#define ARENA_BYTES (1u << 20) /* several typical objects' worth of values */
#define ARENA_ALIGN 16

struct arena {
	char *base;
	size_t used;
	bool active;
};

static _Thread_local struct arena arena;

static void *arena_malloc(size_t n)
{
	size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	void *p;

	if (!arena.active || need < n || need > ARENA_BYTES - arena.used)
		return malloc(n);
	p = arena.base + arena.used;
	arena.used += need;
	return p;
}

static void arena_free(void *p)
{
	if (arena.base && (char *)p >= arena.base &&
	    (char *)p < arena.base + ARENA_BYTES)
		return;
	free(p);
}

/* Installed before main, while there is only one thread. */
__attribute__((constructor)) static void arena_install(void)
{
	json_set_alloc_funcs(arena_malloc, arena_free);
}

void ac_json_arena_begin(void)
{
	if (!arena.base)
		arena.base = malloc(ARENA_BYTES);
	arena.used = 0;
	arena.active = arena.base != NULL;
}

void ac_json_arena_end(void)
{
	arena.active = false;
	arena.used = 0;
}

void ac_json_arena_release(void)
{
	arena.active = false;
	free(arena.base);
	arena.base = NULL;
}

#endif
