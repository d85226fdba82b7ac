/* Included first by every accord source file: standard headers, the error
 * codes, then the banned-call list (after system headers, as git does). */
#ifndef AC_COMMON_H
#define AC_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rc.h"

#define AC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#include "base/banned.h"

#endif
