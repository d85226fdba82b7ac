/* Every object in every OASIS example bundle must validate with no errors. */
#include "base/common.h"
#include "base/buf.h"
#include "stix/json.h"
#include "stix/validate.h"

#include <dirent.h>
#include <sys/stat.h>
#include <setjmp.h>
#include <cmocka.h>

#define MAX_FILE (16u << 20)
#define MAX_DIR_DEPTH 8

static char examples_dir[1024];
static size_t files_seen, objects_seen;

static ac_rc read_file(const char *path, struct ac_buf *b)
{
	char chunk[8192];
	size_t n;
	ac_rc rc = AC_OK;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return AC_ERR_IO;
	while (rc == AC_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = ac_buf_add(b, chunk, n);
	if (ferror(f))
		rc = AC_ERR_IO;
	fclose(f);
	return rc;
}

static void check_object(const char *path, size_t i, const json_t *o)
{
	struct stix_report rep;

	stix_report_init(&rep);
	if (stix_validate(o, &rep) != AC_OK || rep.nerrors != 0) {
		for (size_t e = 0; e < rep.nerrors && e < STIX_REPORT_MAX; e++)
			print_error("%s: %s\n", path, rep.errors[e].text);
		fail_msg("%s: object %zu has %zu errors", path, i,
			 rep.nerrors);
	}
	objects_seen++;
}

/* Files are bundles, but a bare object or array of objects is accepted. */
static void check_bundle_file(const char *path)
{
	struct stix_limits lim = STIX_LIMITS_DEFAULT;
	struct ac_buf b = AC_BUF_INIT(MAX_FILE);
	struct ac_err err;
	json_t *bundle = NULL, *o;
	size_t i;

	lim.max_object_bytes = MAX_FILE;
	assert_int_equal(read_file(path, &b), AC_OK);
	if (stix_json_parse(b.data, b.len, &lim, &bundle, &err) != AC_OK)
		fail_msg("%s: %s", path, err.msg);
	if (json_is_array(bundle)) {
		json_array_foreach(bundle, i, o)
			check_object(path, i, o);
	} else if (stix_get_str(bundle, "type") != NULL &&
		   strcmp(stix_get_str(bundle, "type"), "bundle") == 0) {
		json_array_foreach(json_object_get(bundle, "objects"), i, o)
			check_object(path, i, o);
	} else {
		check_object(path, 0, bundle);
	}
	files_seen++;
	json_decref(bundle);
	ac_buf_release(&b);
}

static void walk(const char *dir, int depth)
{
	char path[2048];
	struct dirent *de;
	struct stat st;
	DIR *d;

	assert_true(depth < MAX_DIR_DEPTH);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			walk(path, depth + 1);
		else if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0)
			check_bundle_file(path);
	}
	closedir(d);
}

static void oasis_examples_validate(void **state)
{
	(void)state;
	walk(examples_dir, 0);
	print_message("validated %zu objects in %zu files\n", objects_seen,
		      files_seen);
	assert_true(files_seen > 0);
	assert_true(objects_seen > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(oasis_examples_validate),
	};
	const char *shared = getenv("ACCORD_SHARED");
	struct stat st;

	if (shared == NULL) {
		printf("skipped: ../shared/stix-oasis absent\n");
		return 77;
	}
	snprintf(examples_dir, sizeof(examples_dir), "%s/stix-oasis/examples",
		 shared);
	if (stat(examples_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		printf("skipped: ../shared/stix-oasis absent\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
