/* Basic types for the freestanding kernel and its drivers. */
#ifndef KPP_TYPES_H
#define KPP_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>

typedef uint32_t status_t; /* NTSTATUS-style: KPP_STATUS_* */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define PAGE_SIZE 4096UL
#define PAGE_SHIFT 12
#define NORETURN __attribute__((noreturn))
#define UNUSED __attribute__((unused))
#define PACKED __attribute__((packed))
#define NT_SUCCESS(s) ((s) < 0x80000000u)

#endif
