# images.mk — build the guest images in images/bin from source, byte for
# byte reproducibly. Included by the root Makefile; `make -f images.mk images`
# works on its own too.

IMG_CC      ?= gcc
IMG_LD      ?= ld
IMG_OBJ     := images/obj
IMG_BIN     := images/bin
IMG_PREFIX  := -ffile-prefix-map=$(CURDIR)=. -ffile-prefix-map=$(CURDIR)/=

# Flags shared by the kernel and drivers: no FPU/SSE/AVX, no CET, no red
# zone, kernel code model, freestanding, reproducible; frame pointers kept
# everywhere, leaves included, so that a debugger can walk the stack.
IMG_CFLAGS  := -std=gnu11 -O2 -g0 -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fno-common -fno-ident \
	-mcmodel=kernel -mno-red-zone -mgeneral-regs-only -mno-mmx -mno-sse -mno-sse2 \
	-mno-avx -mno-80387 -fcf-protection=none -fno-jump-tables \
	-Wall -Wextra -Wno-unused-parameter -Werror \
	-nostdlib -nostdinc -isystem $(shell $(IMG_CC) -print-file-name=include) \
	-Ikernel/include $(IMG_PREFIX)
# The code linked into the kernel image also gets call-frame information
# for debuggers: -g1 without unwind tables puts it in .debug_frame (debug
# information does not change the generated code); kernel/linker.ld keeps
# .debug_frame in kernel.elf, outside the loaded image, and drops the rest.
IMG_KCFLAGS := $(IMG_CFLAGS) -g1
IMG_ASFLAGS := -D__ASSEMBLER__ -Ikernel/include $(IMG_PREFIX)
IMG_LDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack --build-id=none -static

KERNEL_C    := $(sort $(wildcard kernel/*.c))
KERNEL_S    := $(sort $(wildcard kernel/*.S))
KERNEL_OBJS := $(patsubst kernel/%.c,$(IMG_OBJ)/kernel/%.o,$(KERNEL_C)) \
	$(patsubst kernel/%.S,$(IMG_OBJ)/kernel/%.o,$(KERNEL_S))
# kernel/lib: the string routines and the formatter, built into the kernel
# and, from the same sources, into every ring-3 program.
KLIB_C      := $(sort $(wildcard kernel/lib/*.c))
KLIB_NAMES  := $(patsubst kernel/lib/%.c,%,$(KLIB_C))
KERNEL_OBJS += $(patsubst kernel/lib/%.c,$(IMG_OBJ)/kernel/lib/%.o,$(KLIB_C))
# PatchGuard (patchguard/) is linked into the kernel image.
PG_C        := $(sort $(wildcard patchguard/*.c))
PG_S        := $(sort $(wildcard patchguard/*.S))
KERNEL_OBJS += $(patsubst patchguard/%.c,$(IMG_OBJ)/patchguard/%.o,$(PG_C)) \
	$(patsubst patchguard/%.S,$(IMG_OBJ)/patchguard/%.o,$(PG_S))
# The vendor callback APIs (vendorapi/) are linked into the kernel image.
VAPI_C      := $(sort $(wildcard vendorapi/*.c))
KERNEL_OBJS += $(patsubst vendorapi/%.c,$(IMG_OBJ)/vendorapi/%.o,$(VAPI_C))
VAPI_HDRS   := $(wildcard vendorapi/*.h)
KERNEL_HDRS := $(wildcard kernel/include/kpp/*.h)
PG_HDRS     := $(wildcard patchguard/*.h)

# Drivers: one C file each in images/drivers, built to an ELF64 relocatable
# object; malformed variants derived from hello.ko by images/internal/mkbad.
DRIVER_C    := $(sort $(wildcard images/drivers/*.c))
DRIVER_KOS  := $(patsubst images/drivers/%.c,$(IMG_BIN)/drivers/%.ko,$(DRIVER_C))
BAD_DEFECTS := magic machine shoff section reloc-type reloc-offset symbol-index
BAD_KOS     := $(foreach d,$(BAD_DEFECTS),$(IMG_BIN)/drivers/bad_$(subst -,_,$(d)).ko)
ALL_KOS     := $(sort $(DRIVER_KOS) $(BAD_KOS))
IMG_GO      ?= go

# Ring-3 programs: one C file each in images/programs, linked with the
# runtime in images/programs/lib into a static ELF64 executable, non-PIE at
# 0x400000 or (PROG_PIE) position-independent. No SSE or x87 code from the
# compiler (programs may use SSE in assembly: the kernel switches its state).
PROG_C      := $(sort $(wildcard images/programs/*.c))
PROG_NAMES  := $(patsubst images/programs/%.c,%,$(PROG_C))
PROG_PIE    := hello spawn
PROG_BINS   := $(addprefix $(IMG_BIN)/programs/,$(PROG_NAMES))
PROG_HDRS   := $(wildcard images/programs/lib/*.h) $(KERNEL_HDRS)
PROG_CFLAGS := -std=gnu11 -O2 -g0 -ffreestanding -fno-stack-protector -fno-builtin \
	-fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fno-common -fno-ident -mgeneral-regs-only -mno-mmx -mno-sse -mno-sse2 -mno-avx -mno-80387 \
	-fcf-protection=none -Wall -Wextra -Wno-unused-parameter -Werror \
	-nostdlib -nostdinc -isystem $(shell $(IMG_CC) -print-file-name=include) \
	-Ikernel/include -Iimages/programs/lib $(IMG_PREFIX)
# benchfp is ordinary compiled C with floating point: SSE2 and x87 code from
# the compiler (square roots as instructions: no errno).
PROG_FP_CFLAGS := $(filter-out -mgeneral-regs-only -mno-mmx -mno-sse -mno-sse2 -mno-80387,$(PROG_CFLAGS)) -fno-math-errno
PROG_LDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack --build-id=none -e _start --gc-sections
PROG_LIB    := crt0 libc $(addprefix klib-,$(KLIB_NAMES))
# kernel/lib holds routines a program may not use: one section each, and
# the linker drops what no program code reaches (--gc-sections), so that
# a program is no larger than it needs to be.
KLIB_PROG_CFLAGS := -ffunction-sections -fdata-sections

.PHONY: images images-clean images-check
images: $(IMG_BIN)/kernel.elf $(ALL_KOS) $(PROG_BINS) $(IMG_BIN)/initrd.tar

$(IMG_OBJ)/programs/%/crt0.o: images/programs/lib/crt0.S images.mk
	@mkdir -p $(dir $@)
	@echo "  AS $<"; $(IMG_CC) $(IMG_ASFLAGS) -c $< -o $@

$(IMG_OBJ)/programs/nopie/%.o: images/programs/lib/%.c $(PROG_HDRS) images.mk
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(IMG_CC) $(PROG_CFLAGS) -fno-pic -fno-pie -c $< -o $@

$(IMG_OBJ)/programs/pie/%.o: images/programs/lib/%.c $(PROG_HDRS) images.mk
	@mkdir -p $(dir $@)
	@echo "  CC $< (pie)"; $(IMG_CC) $(PROG_CFLAGS) -fpie -c $< -o $@

$(IMG_OBJ)/programs/nopie/klib-%.o: kernel/lib/%.c $(PROG_HDRS) images.mk
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(IMG_CC) $(PROG_CFLAGS) $(KLIB_PROG_CFLAGS) -fno-pic -fno-pie -c $< -o $@

$(IMG_OBJ)/programs/pie/klib-%.o: kernel/lib/%.c $(PROG_HDRS) images.mk
	@mkdir -p $(dir $@)
	@echo "  CC $< (pie)"; $(IMG_CC) $(PROG_CFLAGS) $(KLIB_PROG_CFLAGS) -fpie -c $< -o $@

$(IMG_OBJ)/programs/nopie/%.o: images/programs/%.c $(PROG_HDRS) images.mk
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(IMG_CC) $(PROG_CFLAGS) -fno-pic -fno-pie -c $< -o $@

$(IMG_OBJ)/programs/pie/%.o: images/programs/%.c $(PROG_HDRS) images.mk
	@mkdir -p $(dir $@)
	@echo "  CC $< (pie)"; $(IMG_CC) $(PROG_CFLAGS) -fpie -c $< -o $@

$(IMG_OBJ)/programs/nopie/benchfp.o: PROG_CFLAGS := $(PROG_FP_CFLAGS)

define PROG_RULE
$(IMG_BIN)/programs/$(1): $(IMG_OBJ)/programs/$(2)/$(1).o $(addprefix $(IMG_OBJ)/programs/$(2)/,$(addsuffix .o,$(PROG_LIB)))
	@mkdir -p $$(dir $$@)
	@echo "  LD $$@"; $(IMG_LD) $(PROG_LDFLAGS) $(3) -o $$@ $$^
endef
$(foreach p,$(PROG_NAMES),$(eval $(call PROG_RULE,$(p),$(if $(filter $(p),$(PROG_PIE)),pie,nopie),$(if $(filter $(p),$(PROG_PIE)),-pie --no-dynamic-linker -z text,-static -Ttext-segment=0x400000))))

$(IMG_BIN)/drivers/%.ko: images/drivers/%.c $(KERNEL_HDRS) $(PG_HDRS) $(wildcard images/drivers/*.h) images.mk
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(IMG_CC) $(IMG_CFLAGS) -c $< -o $@
	$(call sign_driver,$@,$*)

# Driver signatures (docs/vendorapi.md): every driver is signed with the kpp-test
# key, vendor_* drivers with the vendor-sample key, *_unsigned* not at all.
SIGN_TOOL   := $(IMG_OBJ)/kppsign
sign_driver = @$(if $(findstring unsigned,$(2)),echo "  UNSIGNED $(1)",echo "  SIGN $(1)"; \
	$(SIGN_TOOL) -key $(if $(filter vendor_%,$(2)),vendor-sample,kpp-test) $(1))
$(ALL_KOS) $(DRIVER_KOS): $(SIGN_TOOL)
$(SIGN_TOOL): $(wildcard images/sign/*.go images/sign/kppsign/*.go) kernel/abi/abi.go
	@mkdir -p $(dir $@)
	@echo "  GO $@"; $(IMG_GO) build -trimpath -o $@ ./images/sign/kppsign

$(IMG_OBJ)/vendorapi/%.o: vendorapi/%.c $(KERNEL_HDRS) $(VAPI_HDRS) images.mk
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(IMG_CC) $(IMG_KCFLAGS) -c $< -o $@

$(BAD_KOS): $(IMG_BIN)/drivers/bad_%.ko: $(IMG_BIN)/drivers/hello.ko images/internal/mkbad/main.go
	@echo "  BAD $@"; $(IMG_GO) run ./images/internal/mkbad -in $< -defect $(subst _,-,$*) -o $@

# The initial module archive: every driver (NAME.ko), then every program
# (NAME), by file name, with fixed metadata so the bytes depend on the
# contents only.
$(IMG_BIN)/initrd.tar: $(ALL_KOS) $(PROG_BINS)
	@echo "  TAR $@"; tar --format=ustar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
		--mode=0644 -C $(IMG_BIN)/drivers -cf $@ $(notdir $(ALL_KOS)) -C ../programs $(PROG_NAMES)

# Rebuild everything from clean and fail if images/bin changed.
images-check:
	rm -rf $(IMG_OBJ) $(IMG_BIN)
	$(MAKE) -f images.mk images
	git diff --exit-code -- $(IMG_BIN)

$(IMG_OBJ)/kernel/%.o: kernel/%.c $(KERNEL_HDRS) images.mk
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(IMG_CC) $(IMG_KCFLAGS) -c $< -o $@

$(IMG_OBJ)/kernel/%.o: kernel/%.S $(KERNEL_HDRS) images.mk
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(IMG_CC) $(IMG_ASFLAGS) -c $< -o $@

$(IMG_OBJ)/patchguard/%.o: patchguard/%.c $(KERNEL_HDRS) $(PG_HDRS) images.mk
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(IMG_CC) $(IMG_KCFLAGS) -c $< -o $@

$(IMG_OBJ)/patchguard/%.o: patchguard/%.S $(KERNEL_HDRS) images.mk
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(IMG_CC) $(IMG_ASFLAGS) -c $< -o $@

# The kernel is linked three times: with --emit-relocs to list the image's
# absolute self-references (mkkreloc), again with that table at the end of
# .data (checked against that link's own relocations), and once more the
# same way without the relocation records, which is the image. The table
# lets the boot code move the kernel to a per-boot random base (kaslr=1).
KRELOC_TOOL := $(IMG_OBJ)/mkkreloc
$(KRELOC_TOOL): images/internal/mkkreloc/main.go
	@mkdir -p $(dir $@)
	@echo "  GO $@"; $(IMG_GO) build -trimpath -o $@ ./images/internal/mkkreloc

$(IMG_BIN)/kernel.elf: $(KERNEL_OBJS) kernel/linker.ld $(KRELOC_TOOL)
	@mkdir -p $(dir $@) $(IMG_OBJ)/kreloc
	@echo "  LD $@"; $(IMG_LD) $(IMG_LDFLAGS) --emit-relocs -T kernel/linker.ld -o $(IMG_OBJ)/kreloc/pass1.elf $(KERNEL_OBJS)
	@$(KRELOC_TOOL) -in $(IMG_OBJ)/kreloc/pass1.elf -o $(IMG_OBJ)/kreloc/kreloc.S
	@$(IMG_CC) $(IMG_ASFLAGS) -c $(IMG_OBJ)/kreloc/kreloc.S -o $(IMG_OBJ)/kreloc/kreloc.o
	@$(IMG_LD) $(IMG_LDFLAGS) --emit-relocs -T kernel/linker.ld -o $(IMG_OBJ)/kreloc/pass2.elf $(KERNEL_OBJS) $(IMG_OBJ)/kreloc/kreloc.o
	@$(KRELOC_TOOL) -check -in $(IMG_OBJ)/kreloc/pass2.elf
	@$(IMG_LD) $(IMG_LDFLAGS) -T kernel/linker.ld -o $@ $(KERNEL_OBJS) $(IMG_OBJ)/kreloc/kreloc.o

images-clean:
	rm -rf $(IMG_OBJ) $(IMG_BIN)/drivers $(IMG_BIN)/programs $(IMG_BIN)/initrd.tar $(IMG_BIN)/kernel.elf
