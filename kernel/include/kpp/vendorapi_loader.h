/* What the driver loader calls in vendorapi/ (signing and the lifetime of
 * registrations). Drivers use kpp/vendorapi.h instead. */
#ifndef KPP_VENDORAPI_LOADER_H
#define KPP_VENDORAPI_LOADER_H

#include <kpp/types.h>

/* Before a driver image is placed: check its signature section (abi
 * KPP_SIG_*). A valid signature marks the image signed for the next
 * hook_image_load of a driver; a missing or wrong one is accepted (as
 * unsigned) only with `testsigning` on the command line. An error status
 * refuses the load; detail names the reason. */
status_t vendorapi_verify_image(const char *name, const void *image, size_t size, char *detail, size_t n);
/* Unload: false when the driver in [base, base+size) still has
 * registrations (the unload is refused). */
bool vendorapi_module_may_unload(const char *name, uint64_t base, uint64_t size);
/* The image in [base, base+size) is gone (unloaded or its entry failed):
 * drop its signed record and any registration pointing into it. */
void vendorapi_module_gone(uint64_t base, uint64_t size);

#endif
