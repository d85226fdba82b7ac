/* Invented name tables (see names.h). The combinations are random; any
 * likeness to a real person is chance. */
#include "base/common.h"
#include "gen/names.h"

const struct gen_given GEN_GIVEN[] = {
	{ "Aybek", "Aibek", "Айбек", "آیبک", false },
	{ "Nurlan", "Nurlon", "Нурлан", "نورلان", false },
	{ "Timur", "Temur", "Тимур", "تیمور", false },
	{ "Rustam", "Rostam", "Рустам", "رستم", false },
	{ "Farhod", "Farkhod", "Фарход", "فرهاد", false },
	{ "Jamshid", "Dzhamshid", "Джамшид", "جمشید", false },
	{ "Bakhtiyor", "Bakhtiyar", "Бахтиёр", "بختیار", false },
	{ "Dilshod", "Dilshad", "Дилшод", "دلشاد", false },
	{ "Azamat", NULL, "Азамат", "عظمت", false },
	{ "Shavkat", "Shawkat", "Шавкат", "شوکت", false },
	{ "Sardor", "Sardar", "Сардор", "سردار", false },
	{ "Umid", "Omid", "Умид", "امید", false },
	{ "Dariush", "Daryush", "Дариуш", "داریوش", false },
	{ "Kaveh", "Kave", "Кавэ", "کاوه", false },
	{ "Bahram", "Bakhram", "Бахрам", "بهرام", false },
	{ "Babak", "Bobak", "Бабак", "بابک", false },
	{ "Navid", "Naveed", "Навид", "نوید", false },
	{ "Arash", NULL, "Араш", "آرش", false },
	{ "Kamran", "Kamron", "Камран", "کامران", false },
	{ "Parviz", "Parvez", "Парвиз", "پرویز", false },
	{ "Behzod", "Behzad", "Бехзод", "بهزاد", false },
	{ "Yusuf", "Yusup", "Юсуф", "یوسف", false },
	{ "Ibrohim", "Ibragim", "Иброхим", "ابراهیم", false },
	{ "Ismoil", "Ismail", "Исмоил", "اسماعیل", false },
	{ "Khurshid", "Hurshid", "Хуршид", "خورشید", false },
	{ "Anvar", "Anwar", "Анвар", "انور", false },
	{ "Otabek", "Atabek", "Отабек", "اتابک", false },
	{ "Zafar", NULL, "Зафар", "ظفر", false },
	{ "Murod", "Murad", "Мурод", "مراد", false },
	{ "Ulan", NULL, "Улан", "اولان", false },
	{ "Bolot", NULL, "Болот", "بولوت", false },
	{ "Erlan", "Yerlan", "Ерлан", "ارلان", false },
	{ "Daniyar", "Doniyor", "Данияр", "دانیار", false },
	{ "Gulnara", "Gulnora", "Гульнара", "گلنارا", true },
	{ "Madina", "Medina", "Мадина", "مدینه", true },
	{ "Shirin", "Shireen", "Ширин", "شیرین", true },
	{ "Parisa", NULL, "Париса", "پریسا", true },
	{ "Lola", "Laleh", "Лола", "لاله", true },
	{ "Mahnaz", "Mahnoz", "Махназ", "مهناز", true },
	{ "Soraya", "Surayo", "Сорая", "ثریا", true },
	{ "Feruza", "Firuza", "Феруза", "فیروزه", true },
	{ "Zarina", "Zareena", "Зарина", "زرینه", true },
	{ "Nodira", "Nadira", "Нодира", "نادره", true },
	{ "Malika", "Maleka", "Малика", "ملیکه", true },
	{ "Yasmin", "Yasamin", "Ясмин", "یاسمین", true },
	{ "Nasrin", "Nasreen", "Насрин", "نسرین", true },
	{ "Leyla", "Leila", "Лейла", "لیلا", true },
	{ "Gulshan", "Golshan", "Гулшан", "گلشن", true },
	{ "Aziza", "Azize", "Азиза", "عزیزه", true },
	{ "Nigora", "Negar", "Нигора", "نگار", true },
	{ "Tahmina", "Tahmineh", "Тахмина", "تهمینه", true },
	{ "Aigerim", "Aygerim", "Айгерим", "آیگریم", true },
	{ "Dilnoza", "Dilnaza", "Дилноза", "دلنوازه", true },
};
const size_t GEN_GIVEN_COUNT = AC_ARRAY_LEN(GEN_GIVEN);

const struct gen_family GEN_FAMILY[] = {
	{ "Karimov", "Kerimov", "Каримов", "کریموف", "کریموا" },
	{ "Dzhunusov", "Junusov", "Джунусов", "جونوسوف", "جونوسوا" },
	{ "Rakhimov", "Rahimov", "Рахимов", "رحیموف", "رحیموا" },
	{ "Yusupov", "Yusufov", "Юсупов", "یوسوپوف", "یوسوپوا" },
	{ "Mirzaev", "Mirzayev", "Мирзаев", "میرزایف", "میرزایوا" },
	{ "Nazarov", NULL, "Назаров", "نظروف", "نظروا" },
	{ "Sharipov", "Sharifov", "Шарипов", "شریپوف", "شریپوا" },
	{ "Kholmatov", "Holmatov", "Холматов", "خولماتوف", "خولماتوا" },
	{ "Abdullaev", "Abdullayev", "Абдуллаев", "عبداللایف", "عبداللایوا" },
	{ "Usmonov", "Usmanov", "Усмонов", "عثمانوف", "عثمانوا" },
	{ "Saidov", "Saydov", "Саидов", "سعیدوف", "سعیدوا" },
	{ "Ergashev", "Ergashov", "Эргашев", "ارگاشف", "ارگاشوا" },
	{ "Tursunov", NULL, "Турсунов", "تورسونوف", "تورسونوا" },
	{ "Bakirov", "Bakyrov", "Бакиров", "باکیروف", "باکیروا" },
	{ "Mamatov", NULL, "Маматов", "ماماتوف", "ماماتوا" },
	{ "Kadyrov", "Kadirov", "Кадыров", "قادروف", "قادروا" },
	{ "Ismoilov", "Ismailov", "Исмоилов", "اسماعیلوف", "اسماعیلوا" },
	{ "Rahimi", "Rahimy", "Рахими", "رحیمی", NULL },
	{ "Tehrani", NULL, "Тегерани", "تهرانی", NULL },
	{ "Golzari", "Golzary", "Гользари", "گلزاری", NULL },
	{ "Shirazi", "Shirazy", "Ширази", "شیرازی", NULL },
	{ "Kazemi", "Kazimi", "Каземи", "کاظمی", NULL },
	{ "Najafi", "Nadzhafi", "Наджафи", "نجفی", NULL },
	{ "Soltani", "Sultani", "Солтани", "سلطانی", NULL },
	{ "Bahrami", "Bakhrami", "Бахрами", "بهرامی", NULL },
	{ "Farahani", NULL, "Фарахани", "فراهانی", NULL },
	{ "Tavakoli", "Tavakkoli", "Таваколи", "توکلی", NULL },
	{ "Nouri", "Nuri", "Нури", "نوری", NULL },
	{ "Afshar", NULL, "Афшар", "افشار", NULL },
	{ "Mohseni", "Muhseni", "Мохсени", "محسنی", NULL },
	{ "Yaghoubi", "Yaqubi", "Ягуби", "یعقوبی", NULL },
	{ "Ghaffari", "Gafari", "Гаффари", "غفاری", NULL },
};
const size_t GEN_FAMILY_COUNT = AC_ARRAY_LEN(GEN_FAMILY);

const char *const GEN_ALIASES[] = {
	"Chorny", "Doktor", "Sultan", "Bek", "Kurbash", "Tatar", "Malysh",
	"Pamir", "Shah", "Kosoy", "Amaki", "Bratan", "Ustoz", "Sedoy", NULL,
};

const char *const GEN_PLACES[] = {
	"Osh", "Bishkek", "Batken", "Sary-Tash", "Irkeshtam border crossing",
	"Torugart border crossing", "Khorog", "Dushanbe",
	"Panj river crossing", "Termez", "Samarkand", "Tashkent", "Almaty",
	"Khorgos", "Mashhad", "Herat", "Zahedan", "Bandar Abbas", "Istanbul",
	"Moscow", "Yekaterinburg", "Aktau port", NULL,
};

const char *const GEN_GROUP_ADJ[] = {
	"Northern", "Eastern", "Pamir", "Fergana", "Caspian", "Silver",
	"Black", "Golden Crescent", "Steppe", "Highland", "Border", "Red Sand",
	"Blue", "Iron", NULL,
};

const char *const GEN_GROUP_NOUN[] = {
	"Route", "Caravan", "Bridge", "Valley", "Pass", "Wolves", "Falcons",
	"Brothers", "Line", "Road", "Camel", NULL,
};

const char *const GEN_ROLES[] = {
	"courier", "driver", "money handler", "organiser", "recruiter",
	"lookout", "warehouse keeper", "document forger", "broker",
	"supplier", NULL,
};

const char *const GEN_CONCEALMENT[] = {
	"concealed in a fuel tank", "hidden among dried fruit cargo",
	"in a false floor of a minibus", "carried by a courier on foot",
	"in a parcel from Istanbul", "inside cement sacks",
	"in a truck trailer wall", "swallowed by a courier", NULL,
};

const char *const GEN_EVENTS[] = {
	"Drug handover", "Shooting", "Border incident", "Smuggling attempt",
	"Kidnapping", "Arson attack on warehouse",
	"Attack on customs officers", "Courier arrest", "Cash collection",
	NULL,
};
