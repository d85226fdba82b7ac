/* A per-thread bump arena for jansson's allocations while one thread builds,
 * uses and drops short-lived JSON values (an ingest worker's current
 * object). jansson's malloc/free are replaced once for the whole process:
 * they use the calling thread's arena only between ac_json_arena_begin and
 * ac_json_arena_end, and plain malloc/free otherwise, so values made on any
 * other thread, or outside that window, are ordinary heap memory.
 *
 * Invariant the caller keeps: no json_t allocated inside the window is used
 * or freed after ac_json_arena_end, nor handed to another thread. Freeing an
 * arena block is a no-op; ac_json_arena_end takes all of it back at once.
 * Under AddressSanitizer the arena is off (plain malloc), so ASan still sees
 * every use after free. */
#ifndef AC_BASE_ARENA_H
#define AC_BASE_ARENA_H

/* Starts serving this thread's jansson allocations from its arena. */
void ac_json_arena_begin(void);

/* Stops, and takes back everything allocated since ac_json_arena_begin. */
void ac_json_arena_end(void);

/* Frees this thread's arena (call before the thread exits). */
void ac_json_arena_release(void);

#endif
