/* tap.h — the few TAP helpers lockstep's C tests use (meson runs them with protocol 'tap'). */
#ifndef LOCKSTEP_TAP_H
#define LOCKSTEP_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define TAP_OK(cond, ...)                                                             \
	do {                                                                          \
		int ok_ = !!(cond);                                                   \
		printf("%sok %d - ", ok_ ? "" : "not ", ++tap_n);                     \
		printf(__VA_ARGS__);                                                  \
		printf("\n");                                                         \
		if (!ok_) {                                                           \
			tap_failed++;                                                 \
			printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                     \
	} while (0)

#define TAP_EQ_INT(got, want, name)                                                         \
	do {                                                                                \
		long long g_ = (long long)(got), w_ = (long long)(want);                   \
		TAP_OK(g_ == w_, "%s", name);                                               \
		if (g_ != w_)                                                               \
			printf("#   got %lld, want %lld\n", g_, w_);                            \
	} while (0)

#define TAP_EQ_STR(got, want, name)                                                         \
	do {                                                                                \
		const char *g_ = (got), *w_ = (want);                                       \
		int same_ = g_ && w_ && strcmp(g_, w_) == 0;                                \
		TAP_OK(same_, "%s", name);                                                  \
		if (!same_)                                                                 \
			printf("#   got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
