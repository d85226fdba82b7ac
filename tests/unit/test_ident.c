#include "base/common.h"
#include "index/ident.h"

#include <jansson.h>
#include <setjmp.h>
#include <cmocka.h>

static const struct ident_ctx KG = {"KG"};
static const struct ident_ctx NONE = {""};

static void phone_forms_agree(void **state)
{
	char a[32], b[32], c[32];
	(void)state;
	assert_true(ident_norm_phone("+996 555 12-34-56", "KG", a, sizeof(a)));
	assert_true(ident_norm_phone("0555123456", "KG", b, sizeof(b)));
	assert_true(ident_norm_phone("00996 (555) 123456", NULL, c, sizeof(c)));
	assert_string_equal(a, "+996555123456");
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	assert_true(ident_norm_phone("8 701 123 45 67", "KZ", a, sizeof(a)));
	assert_string_equal(a, "+77011234567");
	assert_true(ident_norm_phone("92 487 6347", "TJ", a, sizeof(a)));
	assert_string_equal(a, "+992924876347");
	assert_true(ident_norm_phone("030 1234567", "DE", a, sizeof(a)));
	assert_string_equal(a, "+49301234567");
}

static void phone_bad_rejected(void **state)
{
	char a[32];
	(void)state;
	/* national number without a default country */
	assert_false(ident_norm_phone("0555123456", NULL, a, sizeof(a)));
	assert_false(ident_norm_phone("0555123456", "ZZ", a, sizeof(a)));
	assert_false(ident_norm_phone("+996 555 ABC", "KG", a, sizeof(a)));
	assert_false(ident_norm_phone("+12345", NULL, a, sizeof(a)));
	assert_false(ident_norm_phone("+1234567890123456", NULL, a, sizeof(a)));
	assert_false(ident_norm_phone("", "KG", a, sizeof(a)));
	assert_false(ident_norm_phone("++996555123456", "KG", a, sizeof(a)));
}

static void email_domain_url(void **state)
{
	char o[IDENT_VALUE_MAX + 1];
	(void)state;
	assert_true(ident_norm_email(" John.Doe@Example.COM ", o, sizeof(o)));
	assert_string_equal(o, "john.doe@example.com");
	assert_false(ident_norm_email("no-at-sign", o, sizeof(o)));
	assert_false(ident_norm_email("a@b@c", o, sizeof(o)));
	assert_false(ident_norm_email("@example.com", o, sizeof(o)));
	assert_true(ident_norm_domain("Example.COM.", o, sizeof(o)));
	assert_string_equal(o, "example.com");
	assert_false(ident_norm_domain("bad..domain", o, sizeof(o)));
	assert_false(ident_norm_domain("sp ace.com", o, sizeof(o)));
	assert_true(ident_norm_url("HTTP://Example.COM:80/Path?q=A", o,
				   sizeof(o)));
	assert_string_equal(o, "http://example.com/Path?q=A");
	assert_true(ident_norm_url("https://EXAMPLE.com", o, sizeof(o)));
	assert_string_equal(o, "https://example.com/");
	assert_true(ident_norm_url("https://example.com:8443/x", o, sizeof(o)));
	assert_string_equal(o, "https://example.com:8443/x");
	assert_false(ident_norm_url("example.com/x", o, sizeof(o)));
	assert_false(ident_norm_url("http://:80/", o, sizeof(o)));
	assert_false(ident_norm_url("http://h:8x/", o, sizeof(o)));
}

static void ip_canonical_and_cidr(void **state)
{
	struct ident a, b, net, net2;
	(void)state;
	assert_true(ident_norm_ip("2001:DB8:0:0:0:0:0:1", &a));
	assert_true(ident_norm_ip("2001:db8::1", &b));
	assert_string_equal(a.value, b.value);
	assert_string_equal(a.kind, IDENT_IPV6);
	assert_true(ident_norm_ip("10.1.2.3/8", &net));
	assert_string_equal(net.value, "10.0.0.0/8");
	assert_string_equal(net.kind, IDENT_IPV4_NET);
	assert_true(ident_norm_ip("10.1.2.3/32", &a));
	assert_string_equal(a.kind, IDENT_IPV4);
	assert_string_equal(a.value, "10.1.2.3");
	assert_true(ident_ip_contains(&net, &a));
	assert_true(ident_norm_ip("11.1.2.3", &b));
	assert_false(ident_ip_contains(&net, &b));
	assert_true(ident_norm_ip("2001:db8::/32", &net2));
	assert_false(ident_ip_contains(&net2, &a)); /* other family */
	assert_true(ident_norm_ip("2001:db8:ffff::7", &b));
	assert_true(ident_ip_contains(&net2, &b));
	ident_ip_block(&a, 24, &net2);
	assert_string_equal(net2.value, "10.1.2.0/24");
	assert_false(ident_norm_ip("10.1.2.256", &a));
	assert_false(ident_norm_ip("10.1.2.3/33", &a));
	assert_false(ident_norm_ip("10.1.2.3/", &a));
	assert_false(ident_norm_ip("2001:db8::1/129", &a));
	assert_false(ident_norm_ip("not-an-ip", &a));
}

static void plate_cyrillic_equals_latin(void **state)
{
	char a[64], b[64];
	(void)state;
	/* Cyrillic А В Е К М Н О Р С Т У Х, upper and lower case */
	assert_true(ident_norm_plate("01 KG 123 ABE", a, sizeof(a)));
	assert_true(ident_norm_plate("01-KG-123-\xd0\x90\xd0\x92\xd0\x95", b,
				     sizeof(b)));
	assert_string_equal(a, "01KG123ABE");
	assert_string_equal(a, b);
	assert_true(ident_norm_plate("\xd0\xba\xd0\xbc\xd0\xbd\xd0\xbe "
				     "\xd1\x80\xd1\x81\xd1\x82\xd1\x83\xd1\x85",
				     b, sizeof(b)));
	assert_string_equal(b, "KMHOPCTYX");
	/* a Cyrillic letter with no Latin look-alike (Ж) is not folded */
	assert_false(ident_norm_plate("\xd0\x96 123", a, sizeof(a)));
	assert_false(ident_norm_plate(" - ", a, sizeof(a)));
}

static void document_with_country(void **state)
{
	char a[64], b[64];
	(void)state;
	assert_true(ident_norm_document("ac 622-8340", "KG", a, sizeof(a)));
	assert_true(ident_norm_document("AC6228340", "KG", b, sizeof(b)));
	assert_string_equal(a, "KG:AC6228340");
	assert_string_equal(a, b);
	assert_true(ident_norm_document("AC6228340", "UZ", b, sizeof(b)));
	assert_string_not_equal(a, b);
	assert_true(ident_norm_document("AC6228340", NULL, b, sizeof(b)));
	assert_string_equal(b, "ZZ:AC6228340");
	assert_false(ident_norm_document(" - ", "KG", b, sizeof(b)));
}

static void vin_iban_card_wallet(void **state)
{
	char o[IDENT_VALUE_MAX + 1];
	(void)state;
	assert_true(ident_norm_vin("1M8GDM9AXKP042788", o, sizeof(o)));
	assert_false(ident_norm_vin("1M8GDM9A1KP042788", o, sizeof(o)));
	assert_false(ident_norm_vin("1M8GDM9AXKP04278", o, sizeof(o)));
	assert_false(ident_norm_vin("1M8GDM9AXKP04278O", o, sizeof(o)));
	assert_true(ident_norm_iban("GB82 WEST 1234 5698 7654 32", o, sizeof(o)));
	assert_string_equal(o, "GB82WEST12345698765432");
	assert_false(ident_norm_iban("GB83WEST12345698765432", o, sizeof(o)));
	assert_false(ident_norm_iban("GB82", o, sizeof(o)));
	assert_true(ident_norm_card("4111 1111 1111 1111", o, sizeof(o)));
	assert_false(ident_norm_card("4111 1111 1111 1112", o, sizeof(o)));
	assert_true(ident_norm_wallet("0xAbC0000000000000000000000000000000000DeF",
				      o, sizeof(o)));
	assert_string_equal(o, "0xabc0000000000000000000000000000000000def");
	assert_false(ident_norm_wallet("0xabc", o, sizeof(o)));
	assert_true(ident_norm_wallet("1BoatSLRHtKNngkdXEeobR76b53LETtpyT", o,
				      sizeof(o)));
	assert_false(ident_norm_wallet("1BoatSLRHtKNngkdXEeobR76b53LETtpy0", o,
				       sizeof(o))); /* 0 is not base58 */
	assert_true(ident_norm_wallet(
	    "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", o, sizeof(o)));
	assert_string_equal(o, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
	assert_false(ident_norm_wallet(
	    "bc1qw508D6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", o, sizeof(o)));
	assert_false(ident_norm_wallet("hello", o, sizeof(o)));
}

static void hashes_by_length(void **state)
{
	char o[IDENT_VALUE_MAX + 1];
	const char *kind;
	(void)state;
	assert_true(ident_norm_hash("D41D8CD98F00B204E9800998ECF8427E", &kind, o,
				    sizeof(o)));
	assert_string_equal(kind, IDENT_MD5);
	assert_string_equal(o, "d41d8cd98f00b204e9800998ecf8427e");
	assert_true(ident_norm_hash(
	    "da39a3ee5e6b4b0d3255bfef95601890afd80709", &kind, o, sizeof(o)));
	assert_string_equal(kind, IDENT_SHA1);
	assert_true(ident_norm_hash("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
				    "934ca495991b7852b855",
				    &kind, o, sizeof(o)));
	assert_string_equal(kind, IDENT_SHA256);
	assert_false(ident_norm_hash("d41d8cd98f00b204e9800998ecf8427", &kind, o,
				     sizeof(o)));
	assert_false(ident_norm_hash("g41d8cd98f00b204e9800998ecf8427e", &kind,
				     o, sizeof(o)));
}

static const struct ident *find(const struct ident_set *s, const char *kind,
				const char *value)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->items[i].kind, kind) &&
		    (!value || !strcmp(s->items[i].value, value)))
			return &s->items[i];
	return NULL;
}

static json_t *load(const char *text)
{
	json_t *o = json_loads(text, 0, NULL);
	assert_non_null(o);
	return o;
}

static void extract_objects(void **state)
{
	struct ident_set *s = malloc(sizeof(*s));
	json_t *o;
	(void)state;
	assert_non_null(s);
	o = load("{\"type\":\"accord-vehicle\",\"plate\":\"01 KG 123 АВЕ\","
		 "\"vin\":\"1M8GDM9A1KP042788\"}");
	ident_extract(o, &KG, s);
	assert_non_null(find(s, IDENT_PLATE, "01KG123ABE"));
	/* a bad VIN is indexed only as vin-invalid, never as vin */
	assert_null(find(s, IDENT_VIN, NULL));
	assert_non_null(find(s, "vin-invalid", "1M8GDM9A1KP042788"));
	assert_false(find(s, "vin-invalid", NULL)->valid);
	json_decref(o);

	o = load("{\"type\":\"accord-account\",\"account_type\":\"bank\","
		 "\"number\":\"GB83WEST12345698765432\"}");
	ident_extract(o, &KG, s);
	assert_null(find(s, IDENT_IBAN, NULL));
	assert_non_null(find(s, "iban-invalid", NULL));
	json_decref(o);

	o = load("{\"type\":\"accord-phone-number\",\"value\":\"+996555123456\","
		 "\"raw\":\"0555 12 34 56\",\"country\":\"KG\"}");
	ident_extract(o, &NONE, s);
	assert_int_equal(s->n, 1); /* value and raw are the same number */
	assert_non_null(find(s, IDENT_PHONE, "+996555123456"));
	json_decref(o);

	o = load("{\"type\":\"identity\",\"extensions\":{\"extension-definition"
		 "--f6847bb6-02c2-41de-957f-cda80662ccdb\":{\"documents\":["
		 "{\"document_type\":\"passport\",\"number\":\"AC 6228340\","
		 "\"issuing_country\":\"KG\"}]}}}");
	ident_extract(o, &KG, s);
	assert_non_null(find(s, IDENT_DOCUMENT, "KG:AC6228340"));
	json_decref(o);

	o = load("{\"type\":\"file\",\"hashes\":{\"MD5\":"
		 "\"D41D8CD98F00B204E9800998ECF8427E\",\"SHA-256\":\"abc\"}}");
	ident_extract(o, &KG, s);
	assert_int_equal(s->n, 1); /* the short SHA-256 is left out */
	json_decref(o);
	free(s);
}

static void extract_patterns(void **state)
{
	struct ident_set *s = malloc(sizeof(*s));
	json_t *o;
	(void)state;
	assert_non_null(s);
	o = load("{\"type\":\"indicator\",\"pattern_type\":\"stix\",\"pattern\":"
		 "\"[ipv4-addr:value = '1.2.3.4' OR domain-name:value = "
		 "'Evil.EXAMPLE.'] AND [file:hashes.'SHA-256' = "
		 "'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852"
		 "B855'] AND [accord-phone-number:value = '+996 555 12-34-56'] "
		 "AND [url:value = 'it\\\\'s'] "
		 "AND [ipv4-addr:value != '9.9.9.9'] "
		 "AND [ipv4-addr:value NOT = '8.8.8.8'] "
		 "AND [email-addr:value LIKE '%@x.com'] "
		 "AND [ipv4-addr:value ISSUBSET '10.0.0.0/8']\"}");
	ident_extract(o, &KG, s);
	assert_non_null(find(s, IDENT_IPV4, "1.2.3.4"));
	assert_non_null(find(s, IDENT_DOMAIN, "evil.example"));
	assert_non_null(find(s, IDENT_SHA256, NULL));
	assert_non_null(find(s, IDENT_PHONE, "+996555123456"));
	assert_null(find(s, IDENT_IPV4, "9.9.9.9"));
	assert_null(find(s, IDENT_IPV4, "8.8.8.8"));
	assert_null(find(s, IDENT_EMAIL, NULL));
	assert_null(find(s, IDENT_IPV4_NET, NULL));
	assert_int_equal(s->n, 4);
	json_decref(o);

	/* other pattern languages and broken patterns yield nothing */
	o = load("{\"type\":\"indicator\",\"pattern_type\":\"snort\","
		 "\"pattern\":\"[ipv4-addr:value = '1.2.3.4']\"}");
	ident_extract(o, &KG, s);
	assert_int_equal(s->n, 0);
	json_decref(o);
	o = load("{\"type\":\"indicator\",\"pattern_type\":\"stix\","
		 "\"pattern\":\"[ipv4-addr:value = '1.2.3.4\"}");
	ident_extract(o, &KG, s);
	assert_int_equal(s->n, 0);
	json_decref(o);
	free(s);
}

static void set_caps_identifiers(void **state)
{
	struct ident_set *s = calloc(1, sizeof(*s));
	char buf[64];
	(void)state;
	assert_non_null(s);
	for (int i = 0; i < IDENT_MAX_PER_OBJECT + 5; i++) {
		snprintf(buf, sizeof(buf), "10.0.%d.%d", i / 200, i % 200);
		ident_add(s, IDENT_IPV4, buf, NULL, &KG);
	}
	assert_int_equal(s->n, IDENT_MAX_PER_OBJECT);
	assert_true(s->truncated);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(phone_forms_agree),
		cmocka_unit_test(phone_bad_rejected),
		cmocka_unit_test(email_domain_url),
		cmocka_unit_test(ip_canonical_and_cidr),
		cmocka_unit_test(plate_cyrillic_equals_latin),
		cmocka_unit_test(document_with_country),
		cmocka_unit_test(vin_iban_card_wallet),
		cmocka_unit_test(hashes_by_length),
		cmocka_unit_test(extract_objects),
		cmocka_unit_test(extract_patterns),
		cmocka_unit_test(set_caps_identifiers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
