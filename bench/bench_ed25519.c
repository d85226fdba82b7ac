/* What signed provenance costs on this machine: Ed25519 signing and
 * verification (libsodium) of a 1 KiB message, the size of a typical
 * canonical STIX object, on one thread and on one thread per core at once.
 * The baseline in the same run is BLAKE2b-256 of the same message (the
 * content hash every version gets anyway).
 *
 *   bench_ed25519 [N]     (default N = 20000 operations per thread)
 */
#include "base/common.h"

#include <pthread.h>
#include <sodium.h>
#include <unistd.h>

#include "base/time.h"

#define MSG_LEN 1024
#define THREADS_MAX 8

enum op { OP_SIGN, OP_VERIFY, OP_HASH };

struct job {
	enum op op;
	size_t n;
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	unsigned char sig[crypto_sign_BYTES];
	unsigned char msg[MSG_LEN];
	size_t bad; /* verifications that failed: must stay 0 */
};

static void *run(void *arg)
{
	struct job *j = arg;
	unsigned char h[32];

	for (size_t i = 0; i < j->n; i++) {
		if (j->op == OP_SIGN)
			crypto_sign_detached(j->sig, NULL, j->msg, MSG_LEN,
					     j->sk);
		else if (j->op == OP_VERIFY)
			j->bad += crypto_sign_verify_detached(
				      j->sig, j->msg, MSG_LEN, j->pk) != 0;
		else
			crypto_generichash(h, sizeof(h), j->msg, MSG_LEN,
					   NULL, 0);
	}
	return NULL;
}

/* Microseconds per operation with `threads` threads running at once. */
static double per_op(enum op op, size_t n, size_t threads)
{
	static struct job jobs[THREADS_MAX];
	pthread_t th[THREADS_MAX];
	int64_t t0;
	size_t bad = 0;

	for (size_t t = 0; t < threads; t++) {
		struct job *j = &jobs[t];

		j->op = op;
		j->n = n;
		j->bad = 0;
		crypto_sign_keypair(j->pk, j->sk);
		randombytes_buf(j->msg, sizeof(j->msg));
		crypto_sign_detached(j->sig, NULL, j->msg, MSG_LEN, j->sk);
	}
	t0 = ac_mono_ns();
	for (size_t t = 0; t < threads; t++)
		if (pthread_create(&th[t], NULL, run, &jobs[t])) {
			fprintf(stderr, "bench_ed25519: no thread\n");
			exit(1);
		}
	for (size_t t = 0; t < threads; t++) {
		pthread_join(th[t], NULL);
		bad += jobs[t].bad;
	}
	if (bad) {
		fprintf(stderr, "bench_ed25519: %zu verifications failed\n",
			bad);
		exit(1);
	}
	/* each thread did n operations in the elapsed time */
	return (ac_mono_ns() - t0) / 1e3 / (double)n;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t threads = cores < 1 ? 1 : cores > THREADS_MAX ? THREADS_MAX
							     : (size_t)cores;
	static const char *const names[] = {"sign", "verify", "blake2b"};
	double one[3], all[3];

	if (n == 0 || sodium_init() < 0) {
		fprintf(stderr, "usage: bench_ed25519 [N > 0]\n");
		return 2;
	}
	for (int op = OP_SIGN; op <= OP_HASH; op++) {
		one[op] = per_op((enum op)op, n, 1);
		all[op] = per_op((enum op)op, n, threads);
	}
	printf("%zu operations per thread on a %d-byte message; %zu "
	       "thread(s) = the cores online\n",
	       n, MSG_LEN, threads);
	for (int op = OP_SIGN; op <= OP_HASH; op++)
		printf("%-8s one thread %7.1f us/op (%6.0f/s)   %zu threads "
		       "%7.1f us/op each (%6.0f/s in all)\n",
		       names[op], one[op], 1e6 / one[op], threads, all[op],
		       1e6 * (double)threads / all[op]);
	printf("ratio verify/blake2b (one thread): %.0f\n",
	       one[OP_VERIFY] / one[OP_HASH]);
	return 0;
}
