/*
 * compat: the few attributes postie uses, behind macros so that the code
 * stays C11 for compilers that lack them.
 */
#ifndef POSTIE_COMPAT_H
#define POSTIE_COMPAT_H

#if defined(__GNUC__) || defined(__clang__)
#define POSTIE_PRINTF(fmt, args) __attribute__((__format__(__printf__, fmt, args)))
#define POSTIE_NORETURN __attribute__((__noreturn__))
#define POSTIE_UNUSED __attribute__((__unused__))
#else
#define POSTIE_PRINTF(fmt, args)
#define POSTIE_NORETURN
#define POSTIE_UNUSED
#endif

#define POSTIE_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * mkostemp(3) (POSIX.1-2024, and in every libc postie builds on), which
 * glibc declares only with _GNU_SOURCE: temporary files are opened
 * O_CLOEXEC from the start.
 */
int	mkostemp(char *, int);

#endif
