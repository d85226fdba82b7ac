/* Calls that are easy to misuse; use snprintf / ac_buf instead. */
#ifndef AC_BANNED_H
#define AC_BANNED_H

#define AC_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) AC_BANNED(strcpy)
#undef strcat
#define strcat(x, y) AC_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) AC_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) AC_BANNED(strncat)
#undef sprintf
#define sprintf(...) AC_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) AC_BANNED(vsprintf)
#undef gets
#define gets(x) AC_BANNED(gets)

#endif
