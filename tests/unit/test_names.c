#include "base/common.h"
#include "names/names.h"

#include <setjmp.h>
#include <cmocka.h>

static void assert_norm(const char *in, const char *want)
{
	char out[NAMES_NORM_MAX];
	struct ac_err err = {0};

	assert_int_equal(
	    names_normalize(in, strlen(in), out, sizeof(out), &err), AC_OK);
	assert_string_equal(out, want);
}

static double sim(const char *a, const char *b)
{
	double s = -1;
	struct ac_err err = {0};

	assert_int_equal(names_similarity(a, b, &s, &err), AC_OK);
	assert_true(s >= 0 && s <= 1);
	return s;
}

static struct names_parsed parse_ok(const char *s)
{
	struct names_parsed p;
	struct ac_err err = {0};

	assert_int_equal(names_parse(s, strlen(s), &p, &err), AC_OK);
	return p;
}

static ac_rc parse_rc(const char *s, size_t len)
{
	struct names_parsed p;
	struct ac_err err = {0};
	ac_rc rc = names_parse(s, len, &p, &err);

	if (rc)
		assert_true(err.msg[0] != '\0');
	return rc;
}

/* ---- normalisation ---------------------------------------------------- */

static void norm_persian_variants(void **state)
{
	(void)state;
	assert_norm("علي", "علی");     /* Arabic yeh */
	assert_norm("موسى", "موسی");   /* alef maksura */
	assert_norm("كريمي", "کریمی"); /* Arabic kaf and yeh */
	assert_norm("فاطمة", "فاطمه"); /* teh marbuta */
	assert_norm("زادۀ", "زاده");   /* heh with hamza */
	assert_norm("أحمد إبراهيم آرش", "احمد ابراهیم ارش");
	assert_norm("مُحَمَّد", "محمد");	 /* harakat and shadda */
	assert_norm("محـــمد", "محمد");	 /* tatweel */
	assert_norm("ﻣﺤﻤﺪ", "محمد");	 /* presentation forms */
	assert_norm("۱۲۳ ٤٥", "123 45"); /* Persian and Arabic digits */
}

static void norm_zwnj_splits(void **state)
{
	(void)state;
	assert_norm("نجیب\u200cالله", "نجیب الله");
	assert_norm("نجیبالله", "نجیبالله");
}

static void norm_diacritics_case(void **state)
{
	(void)state;
	assert_norm("José MÜLLER", "jose muller");
	assert_norm("Ёлкин Фёдор", "елкин федор");
	assert_norm("ＡＬＩ", "ali");
	assert_norm("Şahin", "shahin"); /* s-cedilla is sh, not s */
	assert_norm("  Ali -- Reza  ", "ali reza");
}

static void norm_rejects(void **state)
{
	char out[8], big[NAMES_MAX_BYTES + 2];
	struct ac_err err = {0};

	(void)state;
	assert_int_equal(names_normalize("\xff\xfe", 2, out, sizeof(out), &err),
			 AC_ERR_PARSE);
	assert_int_equal(
	    names_normalize("abcdefghijkl", 12, out, sizeof(out), &err),
	    AC_ERR_LIMIT);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(
	    names_normalize(big, strlen(big), out, sizeof(out), &err),
	    AC_ERR_LIMIT);
}

/* ---- transliteration -------------------------------------------------- */

static void assert_same_keys(const char *a, const char *b)
{
	struct names_parsed pa = parse_ok(a), pb = parse_ok(b);

	assert_int_equal(pa.ntok, pb.ntok);
	for (size_t i = 0; i < pa.ntok; i++) {
		char ka[NAMES_TOKEN_MAX], kb[NAMES_TOKEN_MAX];

		names_coarse_key(pa.tok[i].skel, ka);
		names_coarse_key(pb.tok[i].skel, kb);
		assert_string_equal(ka, kb);
	}
}

static void translit_three_scripts(void **state)
{
	struct names_parsed p;

	(void)state;
	assert_same_keys("Aibek Dzhunusov", "Айбек Жунусов");
	assert_same_keys("Aybek Junusov", "آیبک ژونوسوف");
	assert_same_keys("Aibek Zhunusov", "Aybek Junusov");
	assert_same_keys("Farkhod Rakhimov", "فرهود رحیموف");
	assert_same_keys("Majid Qasemi", "مجید قاسمی");
	assert_same_keys("Majid Ghasemi", "Маджид Гасеми");
	assert_same_keys("Nasrin Qorbani", "نسرین قربانی");
	assert_same_keys("Viktor Shcherbakov", "Виктор Щербаков");
	assert_same_keys("Victor Sherbakov", "Виктор Щербаков");
	assert_same_keys("Фёдоров", "Федоров");
	/* Persian: short vowels unwritten, vav as vowel */
	p = parse_ok("محمد رضایی");
	assert_string_equal(p.tok[0].skel, "mHmd");
	assert_string_equal(p.tok[1].skel, "rzI"); /* I: the final -i */
	p = parse_ok("Mohammad Rezaei");
	assert_string_equal(p.tok[0].skel, "mHmd");
	assert_string_equal(p.tok[1].skel, "rzI");
	/* the article's l assimilates to a sun letter, but not in Khalid */
	p = parse_ok("عبدالرحمان خالد");
	assert_string_equal(p.tok[0].skel, "bdrHmn");
	assert_string_equal(p.tok[1].skel, "Hld");
	/* different names keep different keys */
	p = parse_ok("Karimov Karimi");
	assert_string_not_equal(p.tok[0].skel, p.tok[1].skel);
}

static void translit_other_scripts(void **state)
{
	(void)state;
	/* Greek goes through ICU's Any-Latin */
	assert_true(sim("Αλέξανδρος Παπαδόπουλος", "Alexandros Papadopoulos") >=
		    NAMES_PROBABLE);
	/* mixed scripts in one token still transliterate letter by letter */
	assert_true(sim("Ali\xd1\x80"
			"eza",
			"Alireza") >= NAMES_PROBABLE);
}

/* ---- score ------------------------------------------------------------ */

static void score_cross_script(void **state)
{
	(void)state;
	assert_true(sim("Айбек Жунусов", "آیبک ژونوسوف") >= NAMES_PROBABLE);
	assert_true(sim("Aibek Dzhunusov", "آیبک ژونوسوف") >= NAMES_PROBABLE);
	assert_true(sim("Hossein Karimi", "حسین کریمی") >= NAMES_PROBABLE);
	assert_true(sim("Sergey Kuznetsov", "سرگئی کوزنتسوف") >=
		    NAMES_PROBABLE);
	assert_true(sim("Hekmatullah Wardak", "حکمت‌الله وردک") >=
		    NAMES_PROBABLE);
	/* unrelated names */
	assert_true(sim("Aibek Dzhunusov", "Olga Fedorova") < 0.3);
	assert_true(sim("Natalia Zhukova", "نسرین قربانی") < 0.3);
}

static void score_compounds(void **state)
{
	(void)state;
	assert_true(sim("Mohammadhossein Bagheri",
			"Mohammad Hossein Bagheri") >= NAMES_PROBABLE);
	assert_true(sim("محمدحسین باقری", "Mohammad Hossein Bagheri") >=
		    NAMES_PROBABLE);
	assert_true(sim("محمد\u200cحسین باقری", "Mohammadhossein Bagheri") >=
		    NAMES_PROBABLE);
	assert_true(sim("Gholamreza Nikpour", "Gholam Reza Nikpoor") >=
		    NAMES_PROBABLE);
	assert_true(
	    sim("Temirlan Zhumabaev", "تمیرلان جمعه‌بایف") >=
	    NAMES_PROBABLE);
	/* a compound is not any name that starts the same */
	assert_true(sim("Mohammadhossein Bagheri", "Mohammad Bagheri") <
		    NAMES_PROBABLE);
}

static void score_reorder_and_missing_middle(void **state)
{
	(void)state;
	assert_true(sim("Junusov Aibek", "Aibek Junusov") >= NAMES_PROBABLE);
	assert_true(sim("Жунусов Айбек", "Aybek Dzhunusov") >= NAMES_PROBABLE);
	assert_true(sim("Sayed Jalal Hashimi", "Jalal Hashimi") >=
		    NAMES_PROBABLE);
	assert_true(sim("Rustam Bakhtiyorovich Nazarov", "Rustam Nazarov") >=
		    NAMES_PROBABLE);
	/* a bare family name is not a probable match for a person */
	assert_true(sim("Karimi", "Hossein Karimi") < NAMES_PROBABLE);
}

static void score_family_name_distractor(void **state)
{
	double truth, other;

	(void)state;
	truth = sim("Hossein Karimi", "Хосейн Карими");
	other = sim("Hossein Karimi", "Хамид Карими");
	assert_true(truth >= NAMES_PROBABLE);
	assert_true(other < NAMES_PROBABLE);
	assert_true(other < truth);
	truth = sim("علی رضایی", "Ali Rezaei");
	other = sim("علی رضایی", "Mohammad Rezaei");
	assert_true(other < NAMES_PROBABLE && other < truth);
	/* the same family name with another ending is another family */
	assert_true(sim("Hossein Karimi", "Hossein Karimov") < NAMES_PROBABLE);
}

/* Same consonants, other vowels: other names. Persian writes the long
 * vowels, so حسین (Hossein) is not حسن (Hasan). */
static void score_vowels_separate_names(void **state)
{
	(void)state;
	assert_true(sim("Hasan Karimi", "Hossein Karimi") < NAMES_PROBABLE);
	assert_true(sim("Hasan Karimi", "حسین کریمی") < NAMES_PROBABLE);
	assert_true(sim("Hasan Karimi", "حسن کریمی") >= NAMES_PROBABLE);
	assert_true(sim("Hamid Karimi", "Ahmad Karimi") < NAMES_PROBABLE);
	assert_true(sim("Hamid Karimi", "احمد کریمی") < NAMES_PROBABLE);
	assert_true(sim("Hamid Karimi", "حمید کریمی") >= NAMES_PROBABLE);
	assert_true(sim("Leila Rostami", "Lola Rustami") < NAMES_PROBABLE);
	assert_true(sim("Leila Rostami", "لیلا رستمی") >= NAMES_PROBABLE);
	assert_true(sim("Firuza Dariushova", "Parviz Dariushov") <
		    NAMES_PROBABLE);
	assert_true(sim("Kamran Parvizi", "Parviz Kamrani") < NAMES_PROBABLE);
	/* vowel variants of one name stay together */
	assert_true(sim("Natalya Fyodorova", "Наталья Федорова") >=
		    NAMES_PROBABLE);
	assert_true(sim("Dmitrij Smirnov", "دیمیتری اسمیرنوف") >=
		    NAMES_PROBABLE);
	assert_true(sim("Bakhtiyor Ergashev", "بختیار ارگاشف") >=
		    NAMES_PROBABLE);
	assert_true(sim("Abdulaziz Abdurakhmonov", "عبدالعزیز عبدالرحمانوف") >=
		    NAMES_PROBABLE);
}

static void score_symmetric_in_range(void **state)
{
	static const char *const names[] = {
	    "Aibek Dzhunusov",
	    "آیبک ژونوسوف",
	    "Мохаммад Хосейн Багери",
	    "Mohammadhossein Bagheri",
	    "Ali",
	    "Jalal Hashimi",
	    "Sayed Jalal Hashimi",
	    "Hashimi",
	    "Yusuf Mamyrov",
	    "Jusup Mamyrov",
	    "نجیب‌الله صافی",
	    "Olga Fedorova",
	};

	(void)state;
	for (size_t i = 0; i < AC_ARRAY_LEN(names); i++) {
		assert_true(sim(names[i], names[i]) > 0.999);
		for (size_t j = 0; j < AC_ARRAY_LEN(names); j++) {
			double a = sim(names[i], names[j]);
			double b = sim(names[j], names[i]);

			assert_true(a - b < 1e-9 && b - a < 1e-9);
		}
	}
}

/* ---- hostile input ---------------------------------------------------- */

static void hostile_input(void **state)
{
	char big[NAMES_MAX_BYTES + 10], token[200];
	struct names_parsed p;

	(void)state;
	assert_int_equal(parse_rc("", 0), AC_ERR_INVALID);
	assert_int_equal(parse_rc(" - ' . ", 7), AC_ERR_INVALID);
	assert_int_equal(parse_rc("\xd8\xb9", 2),
			 AC_ERR_INVALID); /* ain only */
	assert_int_equal(parse_rc("\xff\xfe", 2), AC_ERR_PARSE);
	assert_int_equal(parse_rc("Ali \xc0\xaf", 6),
			 AC_ERR_PARSE); /* overlong */
	assert_int_equal(parse_rc("Ali \xed\xa0\x80", 7),
			 AC_ERR_PARSE); /* surrogate */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse_rc(big, strlen(big)), AC_ERR_LIMIT);
	memset(token, 'b', sizeof(token) - 1);
	token[sizeof(token) - 1] = '\0';
	assert_int_equal(parse_rc(token, strlen(token)), AC_ERR_LIMIT);
	assert_int_equal(parse_rc("a b c d e f g h i", 17), AC_ERR_LIMIT);
	/* control characters separate tokens; embedded NUL too */
	p = parse_ok("Ali\x01Reza\tKarimi");
	assert_int_equal(p.ntok, 3);
	assert_int_equal(parse_rc("Ali\0Reza", 8), AC_OK);
	assert_int_equal(parse_rc(NULL, 0), AC_ERR_INVALID);
}

/* ---- index ------------------------------------------------------------ */

static void index_add_query_order(void **state)
{
	static const char *const aibek[] = {"Aibek Dzhunusov", "Айбек Жунусов"};
	static const char *const hamid[] = {"Hamid Karimi"};
	static const char *const hossein[] = {"حسین کریمی", "Hosein Karimi"};
	static const char *const olga[] = {"Olga Fedorova"};
	struct names_index *ix;
	struct names_match m[10];
	struct ac_err err = {0};
	size_t n = 0, skipped = 9;

	(void)state;
	assert_int_equal(names_index_new(&ix, &err), AC_OK);
	assert_int_equal(names_index_query(ix, "Ali", 5, m, &n, &err), AC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(
	    names_index_add(ix, "identity--a", aibek, 2, &skipped, &err),
	    AC_OK);
	assert_int_equal(skipped, 0);
	assert_int_equal(
	    names_index_add(ix, "identity--b", hamid, 1, NULL, &err), AC_OK);
	assert_int_equal(
	    names_index_add(ix, "identity--c", hossein, 2, NULL, &err), AC_OK);
	assert_int_equal(
	    names_index_add(ix, "identity--d", olga, 1, NULL, &err), AC_OK);
	assert_int_equal(names_index_count(ix), 6);
	assert_true(names_index_memory(ix) > 0);

	/* cross-script query: true person first, one hit per object */
	assert_int_equal(names_index_query(ix, "آیبک ژونوسوف", 10, m, &n, &err),
			 AC_OK);
	assert_true(n >= 1);
	assert_string_equal(m[0].ref, "identity--a");
	assert_true(m[0].score >= NAMES_PROBABLE);
	for (size_t i = 1; i < n; i++)
		assert_string_not_equal(m[i].ref, "identity--a");

	/* family-name distractor ranks below, descending scores */
	assert_int_equal(
	    names_index_query(ix, "Хосейн Карими", 10, m, &n, &err), AC_OK);
	assert_true(n >= 2);
	assert_string_equal(m[0].ref, "identity--c");
	assert_string_equal(m[1].ref, "identity--b");
	assert_true(m[1].score < NAMES_PROBABLE);
	for (size_t i = 1; i < n; i++)
		assert_true(m[i - 1].score >= m[i].score);

	/* top-K caps the list */
	assert_int_equal(
	    names_index_query(ix, "Hossein Karimi", 1, m, &n, &err), AC_OK);
	assert_int_equal(n, 1);
	assert_string_equal(m[0].ref, "identity--c");

	/* two objects with the very same name both come back */
	assert_int_equal(
	    names_index_add(ix, "identity--e", olga, 1, NULL, &err), AC_OK);
	assert_int_equal(names_index_count(ix), 7);
	assert_int_equal(
	    names_index_query(ix, "Ольга Федорова", 10, m, &n, &err), AC_OK);
	assert_true(n >= 2);
	assert_string_equal(m[0].ref, "identity--d");
	assert_string_equal(m[1].ref, "identity--e");
	assert_true(m[1].score >= NAMES_PROBABLE);

	assert_int_equal(names_index_query(ix, "Hossein", 0, m, &n, &err),
			 AC_ERR_USAGE);
	assert_int_equal(names_index_query(ix, "\xff", 3, m, &n, &err),
			 AC_ERR_PARSE);
	names_index_free(ix);
}

static void index_skips_bad_names(void **state)
{
	static const char *const names[] = {"", "\xff\xfe", "Ali Reza", NULL};
	struct names_index *ix;
	struct ac_err err = {0};
	size_t skipped = 0;

	(void)state;
	assert_int_equal(names_index_new(&ix, &err), AC_OK);
	assert_int_equal(
	    names_index_add(ix, "identity--x", names, 4, &skipped, &err),
	    AC_OK);
	assert_int_equal(skipped, 3);
	assert_true(strstr(err.msg, "identity--x") != NULL);
	assert_int_equal(names_index_count(ix), 1);
	assert_int_equal(names_index_add(ix, NULL, names, 1, NULL, &err),
			 AC_ERR_USAGE);
	names_index_free(ix);
}

/* ---- dev.tsv floor ---------------------------------------------------- */

struct dev_row {
	int cluster;
	char name[256];
};

static size_t load_dev(struct dev_row *rows, size_t max)
{
	const char *shared = getenv("ACCORD_SHARED");
	char path[1024], line[512];
	size_t n = 0;
	FILE *f;

	if (!shared)
		return 0;
	snprintf(path, sizeof(path), "%s/names/dev.tsv", shared);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		char *tab1, *tab2, *nl;

		if (line[0] == '#' || !(tab1 = strchr(line, '\t')) ||
		    !(tab2 = strchr(tab1 + 1, '\t')))
			continue;
		if ((nl = strchr(tab2, '\n')))
			*nl = '\0';
		rows[n].cluster = atoi(line);
		snprintf(rows[n].name, sizeof(rows[n].name), "%s", tab2 + 1);
		n++;
	}
	fclose(f);
	return n;
}

static void dev_recall_floor(void **state)
{
	static struct dev_row rows[1024];
	size_t n = load_dev(rows, AC_ARRAY_LEN(rows)), pairs = 0, found = 0;
	struct names_index *ix;
	struct ac_err err = {0};

	(void)state;
	if (!n) {
		print_message(
		    "dev.tsv not found under ACCORD_SHARED: skipped\n");
		skip();
	}
	assert_int_equal(names_index_new(&ix, &err), AC_OK);
	for (size_t i = 0; i < n; i++) {
		char ref[32];
		const char *nm = rows[i].name;

		snprintf(ref, sizeof(ref), "%zu", i);
		assert_int_equal(names_index_add(ix, ref, &nm, 1, NULL, &err),
				 AC_OK);
	}
	for (size_t i = 0; i < n; i++) {
		struct names_match m[11];
		size_t nm = 0;

		assert_int_equal(
		    names_index_query(ix, rows[i].name, 11, m, &nm, &err),
		    AC_OK);
		for (size_t j = 0; j < n; j++)
			pairs += j != i && rows[j].cluster == rows[i].cluster;
		for (size_t k = 0; k < nm; k++) {
			size_t j = strtoul(m[k].ref, NULL, 10);

			found += j != i && rows[j].cluster == rows[i].cluster;
		}
	}
	print_message("dev.tsv recall@10 (dev names only): %.3f\n",
		      (double)found / (double)pairs);
	assert_true((double)found >= 0.8 * (double)pairs);
	names_index_free(ix);
}

/* Clusters 61 and 62 share a name with others: the true person wins. */
static void dev_distractors_rank_below(void **state)
{
	static struct dev_row rows[1024];
	size_t n = load_dev(rows, AC_ARRAY_LEN(rows)), checked = 0;

	(void)state;
	if (!n) {
		print_message(
		    "dev.tsv not found under ACCORD_SHARED: skipped\n");
		skip();
	}
	for (size_t i = 0; i < n; i++) {
		double best_same = 0, best_other = 0;

		if (rows[i].cluster < 61)
			continue;
		for (size_t j = 0; j < n; j++) {
			double s;

			if (j == i)
				continue;
			s = sim(rows[i].name, rows[j].name);
			if (rows[j].cluster == rows[i].cluster)
				best_same = s > best_same ? s : best_same;
			else
				best_other = s > best_other ? s : best_other;
		}
		assert_true(best_same > best_other);
		assert_true(best_other < NAMES_PROBABLE);
		checked++;
	}
	assert_true(checked > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(norm_persian_variants),
	    cmocka_unit_test(norm_zwnj_splits),
	    cmocka_unit_test(norm_diacritics_case),
	    cmocka_unit_test(norm_rejects),
	    cmocka_unit_test(translit_three_scripts),
	    cmocka_unit_test(translit_other_scripts),
	    cmocka_unit_test(score_cross_script),
	    cmocka_unit_test(score_compounds),
	    cmocka_unit_test(score_reorder_and_missing_middle),
	    cmocka_unit_test(score_family_name_distractor),
	    cmocka_unit_test(score_vowels_separate_names),
	    cmocka_unit_test(score_symmetric_in_range),
	    cmocka_unit_test(hostile_input),
	    cmocka_unit_test(index_add_query_order),
	    cmocka_unit_test(index_skips_bad_names),
	    cmocka_unit_test(dev_recall_floor),
	    cmocka_unit_test(dev_distractors_rank_below),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
