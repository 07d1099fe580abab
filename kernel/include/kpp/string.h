/* Freestanding string and memory routines (kernel/lib/string.c), shared by
 * the kernel and the ring-3 runtime. */
#ifndef KPP_STRING_H
#define KPP_STRING_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
size_t strlcpy(char *d, const char *s, size_t n);
/* Parse an unsigned number (decimal, or hex with 0x); returns false on junk. */
bool parse_u64(const char *s, uint64_t *out);

#endif
