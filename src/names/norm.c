/* Name normalisation (ICU), tokenising and transliteration of Latin,
 * Cyrillic and Persian/Arabic script into the key alphabet (names.h). */
#include "base/common.h"

#include <pthread.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>

#include "names/names.h"

#define U16_CAP (NAMES_MAX_BYTES * 4 + 16)
#define CP_CAP (NAMES_MAX_BYTES * 4 + 16)

/* Code points after folding; 0x20 marks a separator. */
struct folded {
	UChar32 cp[CP_CAP];
	size_t n;
};

/* Latin letters that carry meaning lost by stripping marks (ş is sh). */
static const char *latin_special(UChar32 c)
{
	switch (c) {
	case 0x015F:
	case 0x0219:
	case 0x0161:
		return "sh"; /* ş ș š */
	case 0x00E7:
	case 0x010D:
		return "ch"; /* ç č */
	case 0x017E:
		return "zh"; /* ž */
	case 0x011F:
	case 0x01E7:
		return "gh"; /* ğ ǧ */
	case 0x021B:
		return "ts"; /* ț */
	case 0x0131:
		return "i"; /* ı */
	case 0x00F8:
		return "o"; /* ø */
	case 0x0142:
		return "l"; /* ł */
	case 0x0111:
	case 0x00F0:
		return "d"; /* đ ð */
	case 0x00E6:
		return "ae";
	case 0x0153:
		return "oe";
	case 0x00FE:
		return "th";
	case 0x014B:
		return "ng";
	case 0x0127:
		return "h"; /* ħ */
	case 0x0259:
		return "a"; /* ə */
	default:
		return NULL;
	}
}

/* Persian/Arabic letter variants, Arabic-Indic digits. Returns 0 to drop. */
static UChar32 arabic_fold(UChar32 c)
{
	switch (c) {
	case 0x064A:
	case 0x0649:
	case 0x06D2:
	case 0x06D0:
		return 0x06CC;
	case 0x0643:
	case 0x06AA:
		return 0x06A9;
	case 0x0629:
	case 0x06D5:
	case 0x06C1:
	case 0x06BE:
		return 0x0647;
	case 0x0623:
	case 0x0625:
	case 0x0622:
	case 0x0671:
	case 0x0672:
	case 0x0673:
	case 0x0675:
		return 0x0627;
	case 0x06C6:
	case 0x06C7:
	case 0x06C8:
	case 0x06CB:
		return 0x0648;
	case 0x0640:
	case 0x0621:
	case 0x0674:
		return 0;
	default:
		break;
	}
	if (c >= 0x0660 && c <= 0x0669)
		return '0' + (c - 0x0660);
	if (c >= 0x06F0 && c <= 0x06F9)
		return '0' + (c - 0x06F0);
	return c;
}

static bool is_token_char(UChar32 c)
{
	return u_isalnum(c) || u_charType(c) == U_COMBINING_SPACING_MARK;
}

static ac_rc icu_fail(struct ac_err *err, const char *step, UErrorCode st)
{
	return ac_err_set(err, AC_ERR_INTERNAL, "name %s failed: %s", step,
			  u_errorName(st));
}

/* UTF-8 -> UTF-16 with ZWNJ/ZWJ as spaces (they separate compound parts),
 * then NFKC with case folding. */
static ac_rc fold_case(const char *name, size_t len, UChar *out, int32_t *nout,
		       struct ac_err *err)
{
	UChar raw[U16_CAP];
	UErrorCode st = U_ZERO_ERROR;
	const UNormalizer2 *nfkc = unorm2_getNFKCCasefoldInstance(&st);
	int32_t n = 0;

	if (len > NAMES_MAX_BYTES)
		return ac_err_set(
		    err, AC_ERR_LIMIT,
		    "name of %zu bytes is longer than the %d-byte "
		    "limit",
		    len, NAMES_MAX_BYTES);
	u_strFromUTF8(raw, U16_CAP, &n, name, (int32_t)len, &st);
	if (st == U_INVALID_CHAR_FOUND || st == U_ILLEGAL_CHAR_FOUND)
		return ac_err_set(err, AC_ERR_PARSE, "name is not valid UTF-8");
	if (U_FAILURE(st))
		return icu_fail(err, "decoding", st);
	for (int32_t i = 0; i < n; i++)
		if (raw[i] == 0x200C || raw[i] == 0x200D || raw[i] == 0)
			raw[i] = ' ';
	*nout = unorm2_normalize(nfkc, raw, n, out, U16_CAP, &st);
	if (st == U_BUFFER_OVERFLOW_ERROR)
		return ac_err_set(err, AC_ERR_LIMIT,
				  "name too long once "
				  "normalised");
	return U_FAILURE(st) ? icu_fail(err, "normalisation", st) : AC_OK;
}

/* Replaces the special Latin letters by their ASCII spelling; for keys,
 * also ё by ьо (yo) before decomposition turns it into е. */
static ac_rc map_latin(const UChar *in, int32_t n, UChar *out, int32_t *nout,
		       bool keys, struct ac_err *err)
{
	int32_t i = 0, o = 0;

	while (i < n) {
		UChar32 c;
		const char *sp;

		U16_NEXT(in, i, n, c);
		sp = latin_special(c);
		if (o + 4 >= U16_CAP)
			return ac_err_set(err, AC_ERR_LIMIT,
					  "name too long once normalised");
		if (sp) {
			while (*sp)
				out[o++] = (UChar)*sp++;
		} else if (keys && c == 0x0451) {
			out[o++] = 0x044C;
			out[o++] = 0x043E;
		} else {
			U16_APPEND_UNSAFE(out, o, c);
		}
	}
	*nout = o;
	return AC_OK;
}

/* The whole folding: NFKC casefold, special Latin, NFD, marks removed,
 * Arabic variants; non-letters become single separators. */
static ac_rc fold_name(const char *name, size_t len, bool keys,
		       struct folded *f, struct ac_err *err)
{
	UChar a[U16_CAP], b[U16_CAP];
	int32_t na = 0, nb = 0, i = 0;
	UErrorCode st = U_ZERO_ERROR;
	const UNormalizer2 *nfd = unorm2_getNFDInstance(&st);
	ac_rc rc;

	if ((rc = fold_case(name, len, a, &na, err)) ||
	    (rc = map_latin(a, na, b, &nb, keys, err)))
		return rc;
	na = unorm2_normalize(nfd, b, nb, a, U16_CAP, &st);
	if (st == U_BUFFER_OVERFLOW_ERROR)
		return ac_err_set(err, AC_ERR_LIMIT,
				  "name too long once decomposed");
	if (U_FAILURE(st))
		return icu_fail(err, "decomposition", st);
	f->n = 0;
	while (i < na) {
		UChar32 c;

		U16_NEXT(a, i, na, c);
		if (u_charType(c) == U_NON_SPACING_MARK || c == 0x02BB ||
		    c == 0x02BC)
			continue;
		c = arabic_fold(c);
		if (!c)
			continue;
		if (!is_token_char(c))
			c = ' ';
		if (c == ' ' && (f->n == 0 || f->cp[f->n - 1] == ' '))
			continue;
		f->cp[f->n++] = c;
	}
	if (f->n && f->cp[f->n - 1] == ' ')
		f->n--;
	return AC_OK;
}

ac_rc names_normalize(const char *name, size_t len, char *out, size_t outsz,
		      struct ac_err *err)
{
	struct folded f;
	size_t o = 0;
	ac_rc rc;

	if (!outsz)
		return ac_err_set(err, AC_ERR_USAGE, "no room for the name");
	if ((rc = fold_name(name, len, false, &f, err)))
		return rc;
	for (size_t i = 0; i < f.n; i++) {
		uint8_t tmp[4];
		int32_t k = 0;
		UBool bad = false;

		U8_APPEND(tmp, k, 4, f.cp[i], bad);
		if (bad || o + (size_t)k + 1 > outsz)
			return ac_err_set(err, AC_ERR_LIMIT,
					  "normalised name does not fit in %zu "
					  "bytes",
					  outsz);
		memcpy(out + o, tmp, (size_t)k);
		o += (size_t)k;
	}
	out[o] = '\0';
	return AC_OK;
}

/* ---- transliteration into the key alphabet ---------------------------
 * Vowels: a e i o u, and A for an initial Persian alef (any vowel). Consonant
 * classes: b p f v t d s z l m n r, J (j zh dzh), C (ch), X (sh shch), K (k g q
 * gh), H (h kh), W (Persian vav whose value is unknown: v or a vowel), Y (y at
 * the start of a word). */

struct emit {
	char *buf;
	size_t n, cap;
	bool over;
};

static void put(struct emit *e, const char *s)
{
	while (*s) {
		if (e->n + 1 >= e->cap) {
			e->over = true;
			return;
		}
		e->buf[e->n++] = *s++;
	}
}

static bool latin_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' ||
	       c == 'y';
}

/* One run of ASCII letters/digits; `first` says it starts the token. */
static void translit_latin(const char *s, size_t n, bool first, struct emit *e)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i], nx = i + 1 < n ? s[i + 1] : 0;
		const char *r = s + i;
		size_t left = n - i;

		if (left >= 4 && !memcmp(r, "shch", 4)) {
			put(e, "X"), i += 3;
		} else if (left >= 3 &&
			   (!memcmp(r, "dzh", 3) || !memcmp(r, "sch", 3))) {
			put(e, r[0] == 'd' ? "J" : "X"), i += 2;
		} else if (nx == 'h' && strchr("sczkgpd", c)) {
			static const char *const dig[] = {
			    "X", "C", "J", "H", "K", "f", "d",
			};
			put(e, dig[strchr("sczkgpd", c) - "sczkgpd"]), i++;
			if (c == 'd')
				put(e, "H");
		} else if (c == 'c') {
			put(e, nx == 'k'			       ? ""
			       : (nx == 'e' || nx == 'i' || nx == 'y') ? "s"
								       : "K");
		} else if (c == 'x') {
			put(e, "Ks");
		} else if (c == 'q' || c == 'k' || c == 'g') {
			put(e, "K");
		} else if (c == 'j' && nx == 0 && i > 0 && s[i - 1] == 'i') {
			put(e, "i"); /* Dmitrij: final -ij is -iy */
		} else if (c == 'j') {
			put(e, "J");
		} else if (c == 'w') {
			put(e, "v");
		} else if (c == 'i' && first && i == 0 && nx && nx != 'i' &&
			   latin_vowel(nx)) {
			put(e,
			    "Y"); /* Iurii, Iakov: initial i before a vowel */
		} else if (c == 'y') {
			put(e, first && i == 0 && latin_vowel(nx) ? "Y" : "i");
		} else if (c == 'h') {
			/* final h after a vowel is silent (Fatemeh, Abdullah)
			 */
			put(e, i > 0 && i + 1 == n && latin_vowel(s[i - 1])
				   ? ""
				   : "H");
		} else if ((c == 'o' && nx == 'u') || (c == 'o' && nx == 'o')) {
			put(e, "u"), i++;
		} else if (c == 'e' && nx == 'e') {
			put(e, "i"), i++;
		} else {
			char one[2] = {c, 0};
			put(e, one);
		}
	}
}

static const char *cyr_letter(UChar32 c)
{
	static const char *const basic[32] = {
	    "a",  "b", "v", "K", "d", "e", "J", "z", "i", "i", "K",
	    "l",  "m", "n", "o", "p", "r", "s", "t", "u", "f", "H",
	    "ts", "C", "X", "X", "",  "i", "",	"e", "u", "a",
	};
	if (c >= 0x0430 && c <= 0x044F)
		return basic[c - 0x0430];
	switch (c) {
	case 0x0456:
		return "i"; /* і */
	case 0x0491:
	case 0x0493:
	case 0x049B:
		return "K"; /* ґ ғ қ */
	case 0x04A3:
		return "n"; /* ң */
	case 0x04E9:
		return "o"; /* ө */
	case 0x04AF:
	case 0x04B1:
	case 0x045E:
		return "u"; /* ү ұ ў */
	case 0x04BB:
	case 0x04B3:
		return "H"; /* һ ҳ */
	case 0x04D9:
		return "a"; /* ә */
	case 0x04B7:
		return "J"; /* ҷ */
	case 0x0454:
		return "e"; /* є */
	case 0x0457:
		return "i"; /* ї */
	case 0x0458:
		return "Y"; /* ј */
	case 0x045F:
		return "J"; /* џ */
	default:
		return "";
	}
}

static void translit_cyrillic(const UChar32 *s, size_t n, bool first,
			      struct emit *e)
{
	for (size_t i = 0; i < n; i++) {
		UChar32 c = s[i];
		/* е ю я є ї start with y at the start or after a vowel */
		bool iot = c == 0x0435 || c == 0x044E || c == 0x044F ||
			   c == 0x0454 || c == 0x0457;

		if (iot && first && i == 0)
			put(e, "Y");
		else if (iot && i > 0 &&
			 (s[i - 1] == 0x044C || s[i - 1] == 0x044A))
			put(e, "i"); /* Наталья: ья is ya */
		put(e, cyr_letter(c));
	}
}

static const char *arab_letter(UChar32 c)
{
	switch (c) {
	case 0x0627:
		return "a";
	case 0x0628:
		return "b";
	case 0x067E:
		return "p";
	case 0x062A:
	case 0x0637:
		return "t";
	case 0x062B:
	case 0x0633:
	case 0x0635:
		return "s";
	case 0x062C:
	case 0x0698:
		return "J";
	case 0x0686:
		return "C";
	case 0x062D:
	case 0x062E:
	case 0x0647:
		return "H";
	case 0x062F:
		return "d";
	case 0x0630:
	case 0x0632:
	case 0x0636:
	case 0x0638:
		return "z";
	case 0x0631:
		return "r";
	case 0x0634:
		return "X";
	case 0x063A:
	case 0x0642:
	case 0x06A9:
	case 0x06AF:
		return "K";
	case 0x0641:
		return "f";
	case 0x0644:
		return "l";
	case 0x0645:
		return "m";
	case 0x0646:
		return "n";
	default:
		return "";
	}
}

#define AR_ALEF 0x0627
#define AR_VAV 0x0648
#define AR_YEH 0x06CC
#define AR_HEH 0x0647
#define AR_FEH 0x0641

/* Persian vav: a consonant at the start, next to alef or a second vav;
 * "-وف" at the end is the -ov ending; otherwise unknown (W). */
static const char *arab_vav(const UChar32 *s, size_t n, size_t i, bool first)
{
	UChar32 prev = i ? s[i - 1] : 0, next = i + 1 < n ? s[i + 1] : 0;

	if (i == 0)
		return first ? "v" : "W";
	if (i + 1 == n)
		return "u"; /* final vav after a letter: a vowel (Pavlenko) */
	if (i == 1 && prev == AR_ALEF && first)
		return "u"; /* او at the start: a vowel */
	if (i + 2 == n && next == AR_FEH)
		return "o";
	if (next == AR_ALEF || prev == AR_ALEF || prev == AR_VAV)
		return "v";
	if (next == AR_VAV)
		return "o";
	return "W";
}

/* Sun letters assimilate the l of a medial article: عبدالرحمان is
 * Abdurrahman, ضیاءالدین Ziauddin (ل itself keeps it: عبدالله). Only after
 * three letters, so that خالد stays Khalid. */
static bool sun_letter(UChar32 c)
{
	return c == 0x062A || c == 0x062B || c == 0x062F || c == 0x0630 ||
	       c == 0x0631 || c == 0x0632 || c == 0x0633 || c == 0x0634 ||
	       c == 0x0635 || c == 0x0636 || c == 0x0637 || c == 0x0638 ||
	       c == 0x0646;
}

/* The article al- inside a name: Abdulaziz, Abdullah, Ziauddin; not the
 * ال of Natalia. */
static bool arab_article(const UChar32 *s, size_t n, size_t i)
{
	if (i < 3 || i + 2 >= n || s[i + 1] != 0x0644)
		return false;
	if (s[i - 3] == 0x0639 && s[i - 2] == 0x0628 && s[i - 1] == 0x062F)
		return true; /* عبد */
	return sun_letter(s[i + 2]) || s[i + 2] == 0x0644;
}

static void translit_arabic(const UChar32 *s, size_t n, bool first,
			    struct emit *e)
{
	for (size_t i = 0; i < n; i++) {
		UChar32 c = s[i];

		if (c == AR_ALEF && i >= 3 && i + 2 < n && s[i + 1] == 0x0644 &&
		    sun_letter(s[i + 2])) {
			put(e, "u"), i++;
		} else if (c == AR_VAV) {
			put(e, arab_vav(s, n, i, first));
		} else if (c == AR_YEH) {
			if (i + 2 == n && s[i + 1] == AR_FEH)
				put(e, "iv"), i++; /* -یف: the -iev ending */
			else
				put(e, i == 0 && first ? "Y" : "i");
		} else if (c == AR_FEH && i + 1 == n && i > 0 &&
			   s[i - 1] == AR_VAV) {
			put(e, "v");
		} else if (c == AR_ALEF && (i == 0 || arab_article(s, n, i))) {
			put(e, "A"); /* initial or article alef: any vowel */
		} else if (c == AR_HEH && i + 1 == n && i > 0) {
			put(e, "e"); /* final heh: the vowel e (Fatemeh) */
		} else {
			put(e, arab_letter(c));
		}
	}
}

/* Letters of other scripts go through ICU's Any-Latin; Latin-ASCII. */
static pthread_once_t any_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t any_lock = PTHREAD_MUTEX_INITIALIZER;
static UTransliterator *any_latin;

static void open_any_latin(void)
{
	static const char id[] = "Any-Latin; Latin-ASCII; Lower";
	UChar uid[sizeof(id)];
	UErrorCode st = U_ZERO_ERROR;

	u_uastrcpy(uid, id);
	any_latin = utrans_openU(uid, -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
	if (U_FAILURE(st))
		any_latin = NULL;
}

static void translit_other(const UChar32 *s, size_t n, bool first,
			   struct emit *e)
{
	UChar u[256];
	char ascii[256];
	int32_t len = 0, limit, cap = (int32_t)AC_ARRAY_LEN(u);
	size_t na = 0;
	UErrorCode st = U_ZERO_ERROR;

	pthread_once(&any_once, open_any_latin);
	if (!any_latin)
		return;
	for (size_t i = 0; i < n && len + 2 < cap / 2; i++)
		U16_APPEND_UNSAFE(u, len, s[i]);
	limit = len;
	pthread_mutex_lock(&any_lock);
	utrans_transUChars(any_latin, u, &len, cap, 0, &limit, &st);
	pthread_mutex_unlock(&any_lock);
	if (U_FAILURE(st))
		return;
	for (int32_t i = 0; i < len && na + 1 < sizeof(ascii); i++)
		if ((u[i] >= 'a' && u[i] <= 'z') ||
		    (u[i] >= '0' && u[i] <= '9'))
			ascii[na++] = (char)u[i];
	translit_latin(ascii, na, first, e);
}

static enum names_script script_of(UChar32 c)
{
	if (c < 0x80)
		return NAMES_LATN;
	if (c >= 0x0400 && c <= 0x052F)
		return NAMES_CYRL;
	if (c >= 0x0600 && c <= 0x06FF)
		return NAMES_ARAB;
	return NAMES_OTHER;
}

/* Collapses dJ -> J, tC -> C and doubled symbols; writes the skeleton. */
static void finish_token(struct names_token *t)
{
	size_t o = 0, k = 0;
	char *f = t->full;

	for (size_t i = 0; f[i]; i++) {
		char c = f[i];

		if (o && ((f[o - 1] == 'd' && c == 'J') ||
			  (f[o - 1] == 't' && c == 'C')))
			o--;
		if (o && f[o - 1] == c)
			continue;
		f[o++] = c;
	}
	f[o] = '\0';
	for (size_t i = 0; i < o; i++)
		if (!strchr("aeiouA", f[i]))
			t->skel[k++] = f[i];
	/* a final -i (Karimi, Dmitrii, رضایی) is written in every script:
	 * kept as the weak letter I, so Karim and Karimi differ a little */
	if (o > 1 && f[o - 1] == 'i' && k + 1 < sizeof(t->skel))
		t->skel[k++] = 'I';
	t->skel[k] = '\0';
}

/* Transliterates one token (code points s[0..n)) run by run. */
static ac_rc translit_token(const UChar32 *s, size_t n, struct names_token *t,
			    struct ac_err *err)
{
	struct emit e = {t->full, 0, sizeof(t->full), false};
	bool arab = false;
	size_t i = 0;

	while (i < n) {
		enum names_script sc = script_of(s[i]);
		size_t j = i;

		while (j < n && script_of(s[j]) == sc)
			j++;
		arab |= sc == NAMES_ARAB;
		if (i == 0)
			t->script = (uint8_t)sc;
		if (sc == NAMES_LATN) {
			char a[CP_CAP];

			for (size_t k = i; k < j; k++)
				a[k - i] = (char)s[k];
			translit_latin(a, j - i, i == 0, &e);
		} else if (sc == NAMES_CYRL) {
			translit_cyrillic(s + i, j - i, i == 0, &e);
		} else if (sc == NAMES_ARAB) {
			translit_arabic(s + i, j - i, i == 0, &e);
		} else {
			translit_other(s + i, j - i, i == 0, &e);
		}
		i = j;
	}
	if (arab)
		t->script = NAMES_ARAB;
	t->full[e.n] = '\0';
	if (e.over)
		return ac_err_set(err, AC_ERR_LIMIT,
				  "a name token is longer "
				  "than %d key letters",
				  NAMES_TOKEN_MAX - 1);
	finish_token(t);
	return AC_OK;
}

ac_rc names_parse(const char *name, size_t len, struct names_parsed *out,
		  struct ac_err *err)
{
	struct folded f;
	size_t i = 0;
	ac_rc rc;

	out->ntok = 0;
	if (!name)
		return ac_err_set(err, AC_ERR_INVALID, "name is missing");
	if ((rc = fold_name(name, len, true, &f, err)))
		return rc;
	while (i < f.n) {
		size_t j = i;

		while (j < f.n && f.cp[j] != ' ')
			j++;
		if (j > i) {
			struct names_token *t;

			if (out->ntok == NAMES_MAX_TOKENS)
				return ac_err_set(err, AC_ERR_LIMIT,
						  "name has more than %d parts",
						  NAMES_MAX_TOKENS);
			t = &out->tok[out->ntok];
			if ((rc = translit_token(f.cp + i, j - i, t, err)))
				return rc;
			if (t->full[0])
				out->ntok++;
		}
		i = j + 1;
	}
	if (!out->ntok)
		return ac_err_set(err, AC_ERR_INVALID,
				  "name has no letters to match on");
	return AC_OK;
}

void names_coarse_key(const char *skel, char out[NAMES_TOKEN_MAX])
{
	size_t o = 0;

	for (size_t i = 0; skel[i] && o + 1 < NAMES_TOKEN_MAX; i++) {
		char c = skel[i];

		if (c == 'v' || c == 'W' || c == 'Y' || c == 'I')
			continue;
		if (c == 'f')
			c = 'p';
		if (o && out[o - 1] == c)
			continue;
		out[o++] = c;
	}
	out[o] = '\0';
}
