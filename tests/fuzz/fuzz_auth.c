/* libFuzzer: the Authorization header parser. */
#include "base/common.h"

#include "auth/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct auth_credentials cred;
	char *h = malloc(size + 1);

	if (!h)
		return 0;
	memcpy(h, data, size);
	h[size] = '\0';
	auth_parse_authorization(h, &cred, NULL);
	auth_credentials_wipe(&cred);
	free(h);
	return 0;
}
