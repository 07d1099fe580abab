# images.mk — build the guest images in images/bin from source, byte for
# byte reproducibly. Included by the root Makefile; `make -f images.mk images`
# works on its own too.

IMG_CC      ?= gcc
IMG_LD      ?= ld
IMG_OBJ     := images/obj
IMG_BIN     := images/bin
IMG_PREFIX  := -ffile-prefix-map=$(CURDIR)=. -ffile-prefix-map=$(CURDIR)/=

# Flags shared by the kernel and drivers: no FPU/SSE/AVX, no CET, no red
# zone, kernel code model, freestanding, reproducible.
IMG_CFLAGS  := -std=gnu11 -O2 -g0 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fno-common -fno-ident \
	-mcmodel=kernel -mno-red-zone -mgeneral-regs-only -mno-mmx -mno-sse -mno-sse2 \
	-mno-avx -mno-80387 -fcf-protection=none -fno-jump-tables \
	-Wall -Wextra -Wno-unused-parameter -Werror \
	-nostdlib -nostdinc -isystem $(shell $(IMG_CC) -print-file-name=include) \
	-Ikernel/include $(IMG_PREFIX)
IMG_ASFLAGS := -D__ASSEMBLER__ -Ikernel/include $(IMG_PREFIX)
IMG_LDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack --build-id=none -static

KERNEL_C    := $(sort $(wildcard kernel/*.c))
KERNEL_S    := $(sort $(wildcard kernel/*.S))
KERNEL_OBJS := $(patsubst kernel/%.c,$(IMG_OBJ)/kernel/%.o,$(KERNEL_C)) \
	$(patsubst kernel/%.S,$(IMG_OBJ)/kernel/%.o,$(KERNEL_S))
KERNEL_HDRS := $(wildcard kernel/include/kpp/*.h)

.PHONY: images images-clean
images: $(IMG_BIN)/kernel.elf

$(IMG_OBJ)/kernel/%.o: kernel/%.c $(KERNEL_HDRS) images.mk
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(IMG_CC) $(IMG_CFLAGS) -c $< -o $@

$(IMG_OBJ)/kernel/%.o: kernel/%.S $(KERNEL_HDRS) images.mk
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(IMG_CC) $(IMG_ASFLAGS) -c $< -o $@

$(IMG_BIN)/kernel.elf: $(KERNEL_OBJS) kernel/linker.ld
	@mkdir -p $(dir $@)
	@echo "  LD $@"; $(IMG_LD) $(IMG_LDFLAGS) -T kernel/linker.ld -o $@ $(KERNEL_OBJS)

images-clean:
	rm -rf $(IMG_OBJ)
