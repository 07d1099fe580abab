# kppemu: build, test and run the emulator and its guest images.
# Set-up on a fresh machine is `make run` (boot the default guest) and
# `make test` (every test); .ci/run installs what the machine lacks first.
# `make run ARGS="--max-time 5s"` passes flags to `kppemu boot`; run, bench
# and campaign execute the built binary, so make reports kppemu's own exit
# status ("Error 3" after a bug check), which `go run` would turn into 1.

GO      ?= go
AS      ?= as
LD      ?= ld
OBJCOPY ?= objcopy

# The guest images (kernel, drivers, programs) and their `images` target
# come from images.mk, which the guest kernel's build owns.
-include images.mk

# True when the tree is a git work tree: the freshness checks compare
# regenerated files with the committed ones and need git for that.
IN_GIT := $(shell git rev-parse --is-inside-work-tree 2>/dev/null)

TESTGUEST_BIN := emu/testdata/guest.elf emu/testdata/timer.bin emu/testdata/xsave.elf emu/testdata/pcprobe.elf \
	emu/testdata/cpuprobe.elf emu/testdata/pkru.elf emu/testdata/x2apic.elf emu/testdata/x87.elf \
	emu/testdata/x87ferr.elf emu/firmware/bios.bin emu/testdata/biosprobe.bin \
	emu/testdata/lowmem.bin emu/testdata/realmode.bin emu/testdata/smp.bin \
	emu/testdata/smpwork.bin emu/testdata/pciprobe.bin emu/testdata/ideprobe.bin emu/testdata/legacyprobe.bin

.PHONY: all build run test unit unit-jit vet fresh fresh-abi fresh-images fresh-testguest \
	images bench bench-check bench-deps pgo gobench lint parity difftest-long difftest-coverage campaign testguest clean \
	fuzz-long binary

# The kppemu binary that run, bench and campaign execute.
KPPEMU := bin/kppemu
# Extra arguments for the kppemu command of run, bench and campaign.
ARGS   ?=

all: build

build: binary
	$(GO) build ./...

# Only the kppemu binary (go's cache makes an unchanged rebuild cheap).
# The commit goes into `kppemu --version`.
binary:
	$(GO) build -ldflags "-X main.buildCommit=$$(git describe --always --dirty 2>/dev/null)" -o $(KPPEMU) ./cmd/kppemu

run: binary
	./$(KPPEMU) boot $(ARGS)

# Every test: vet, the Go tests (in the interpreter, then those that run
# guest code again in the translating tier), and the checks that generated
# and built files (the C view of kernel/abi, the guest images, the test
# guest) match their sources.
test: vet fresh unit unit-jit

vet:
	$(GO) vet ./...

# go test's -timeout is wall time, which a loaded host stretches: the
# packages' own hang guards count CPU time (of a QEMU process, a guest's
# thread, a kppemu command), so this one only catches a test blocked
# without using CPU, and is set far above what the slowest package takes
# on a busy 2-core machine (about 7 minutes at load 15).
TEST_TIMEOUT ?= 60m

# The test suite in the interpreter (KPPEMU_ACCEL picks the tier of every
# machine and CPU the tests build).
unit:
	KPPEMU_ACCEL=interp $(GO) test -timeout $(TEST_TIMEOUT) ./...

# The packages whose tests run guest code on kppemu (machines, the CPU, the
# kppemu binary): unit-jit runs them again in the translating tier. A test
# of cmd/kppemu checks that no such package is missing here.
JIT_PKGS := ./cpu ./emu ./emu/accelcheck ./emu/bench ./emu/debug ./emu/debug/record \
	./emu/gdbstub ./emu/scenario ./vendorapi/vtest ./cmd/kppemu
GOHOST := $(shell $(GO) env GOOS)/$(shell $(GO) env GOARCH)

unit-jit:
ifeq ($(GOHOST),linux/amd64)
	KPPEMU_ACCEL=jit $(GO) test -timeout $(TEST_TIMEOUT) $(JIT_PKGS)
else
	@echo "unit-jit: not run: the translating tier (--accel jit) exists on linux/amd64 hosts only and this is $(GOHOST); unit ran every test in the interpreter"
endif

fresh: fresh-abi fresh-images fresh-testguest

fresh-abi:
	$(GO) generate ./kernel/abi
ifeq ($(IN_GIT),true)
	@git diff --exit-code -- kernel/include || \
	  { echo "kernel/include is stale: run 'go generate ./kernel/abi' and commit it" >&2; exit 1; }
endif

# -B: rebuild even when a fresh checkout's timestamps make the outputs look
# up to date, so that the comparison means something.
fresh-images:
ifneq ($(wildcard images.mk),)
	$(MAKE) -B images
ifeq ($(IN_GIT),true)
	@git diff --exit-code -- images/bin && test -z "$$(git status --porcelain -- images/bin)" || \
	  { echo "images/bin does not match its sources: run 'make images' and commit it" >&2; \
	    git status --short -- images/bin >&2; exit 1; }
endif
else
	@echo "fresh-images: no images.mk yet, nothing to check"
endif

fresh-testguest:
	$(MAKE) -B testguest
ifeq ($(IN_GIT),true)
	@git diff --exit-code -- $(TESTGUEST_BIN) && test -z "$$(git status --porcelain -- $(TESTGUEST_BIN))" || \
	  { echo "$(TESTGUEST_BIN) is stale: run 'make testguest' and commit it" >&2; exit 1; }
endif

ifeq ($(wildcard images.mk),)
images:
	@echo "images: no images.mk yet (the guest kernel's build provides it)"
endif

# The test guests of package emu (committed, rebuilt here); timer.bin is
# a flat a.out-kludge image for the run-loop tests.
testguest: $(TESTGUEST_BIN)

TG_LDFLAGS := -nostdlib --build-id=none --no-warn-rwx-segments -z max-page-size=0x1000

# The machine's real-mode BIOS services (package emu/firmware embeds them):
# 16-bit code linked at offset 0x6000 of segment 0xF000.
emu/firmware/bios.bin: firmware/bios.S firmware/bios.ld
	$(AS) --32 -o emu/firmware/bios.o $<
	$(LD) -m elf_i386 -nostdlib --build-id=none -T firmware/bios.ld -o emu/firmware/bios.elf emu/firmware/bios.o
	$(OBJCOPY) -O binary -j .text emu/firmware/bios.elf $@
	rm -f emu/firmware/bios.o emu/firmware/bios.elf

# The long-mode test guests share probe64.inc (start-up, serial output,
# fault handling). guest.elf proves the boot path without the real kernel;
# xsave.elf probes CPUID/XCR0/OSXSAVE rules and an XSAVE/XRSTOR round trip.
# Each is 64-bit code assembled and linked as ELF64, then converted to
# ELF32 because QEMU's Multiboot loader refuses ELF64 files.
GUEST64 := guest xsave pcprobe cpuprobe pkru x2apic x87
$(patsubst %,emu/testdata/%.elf,$(GUEST64)): emu/testdata/%.elf: emu/testdata/%.S emu/testdata/probe64.inc emu/testdata/guest.ld
	$(AS) --64 -I emu/testdata -o emu/testdata/$*.o $<
	$(LD) -m elf_x86_64 $(TG_LDFLAGS) -T emu/testdata/guest.ld -o emu/testdata/$*64.elf emu/testdata/$*.o
	$(OBJCOPY) -O elf32-i386 emu/testdata/$*64.elf $@
	rm -f emu/testdata/$*.o emu/testdata/$*64.elf

# x87ferr.elf: the x87 probe with its CR0.NE=0 (FERR#, IRQ 13, IGNNE#) part.
emu/testdata/x87ferr.elf: emu/testdata/x87.S emu/testdata/probe64.inc emu/testdata/guest.ld
	$(AS) --64 -I emu/testdata --defsym FERR=1 -o emu/testdata/x87ferr.o $<
	$(LD) -m elf_x86_64 $(TG_LDFLAGS) -T emu/testdata/guest.ld -o emu/testdata/x87ferr64.elf emu/testdata/x87ferr.o
	$(OBJCOPY) -O elf32-i386 emu/testdata/x87ferr64.elf $@
	rm -f emu/testdata/x87ferr.o emu/testdata/x87ferr64.elf

emu/testdata/timer.bin: emu/testdata/timer.S emu/testdata/timer.ld
	$(AS) --32 -o emu/testdata/timer.o $<
	$(LD) -m elf_i386 $(TG_LDFLAGS) -T emu/testdata/timer.ld -o emu/testdata/timer.elf emu/testdata/timer.o
	$(OBJCOPY) -O binary -j .text emu/testdata/timer.elf $@
	rm -f emu/testdata/timer.o emu/testdata/timer.elf

# The QEMU-parity probe images: flat a.out-kludge Multiboot images, each
# with its own linker script, sharing the Multiboot header and the serial
# helpers of probe.inc; those that run 16-bit code share probe16.inc's, the
# SMP probes their start-up (smp.inc).
emu/testdata/%.bin: emu/testdata/%.S emu/testdata/%.ld emu/testdata/probe.inc
	$(AS) --32 -I emu/testdata -o emu/testdata/$*.o $<
	$(LD) -m elf_i386 $(TG_LDFLAGS) -T emu/testdata/$*.ld -o emu/testdata/$*.elf emu/testdata/$*.o
	$(OBJCOPY) -O binary -j .text emu/testdata/$*.elf $@
	rm -f emu/testdata/$*.o emu/testdata/$*.elf
emu/testdata/biosprobe.bin emu/testdata/realmode.bin: emu/testdata/probe16.inc
emu/testdata/smp.bin emu/testdata/smpwork.bin: emu/testdata/smp.inc

# MIPS on the standard guest workloads (kppemu bench: the embedded kernel
# runs images/programs/bench) and, when QEMU is installed, QEMU TCG's MIPS
# on the same image and the ratio. The Go micro-benchmarks are gobench.
bench: binary
	./$(KPPEMU) bench $(ARGS)
	$(GO) test -run '^$$' -bench SMPAggregate -benchtime 3x ./emu/

# What kppemu bench needs to measure Bochs too (Debian packages; CI does not
# install them): Bochs with its BIOS, VGA BIOS and terminal display, and
# grub-mkrescue with xorriso and mtools for the GRUB boot ISO.
bench-deps:
	apt-get install -y --no-install-recommends bochs bochsbios bochs-term vgabios \
		grub-pc-bin grub-common xorriso mtools

# The kppemu/QEMU ratios (CPU time) against the committed baseline
# emu/bench/baseline.json, a `kppemu bench --json` report: fails when a
# workload's ratio is more than 15% below the baseline's. A new baseline:
# ./bin/kppemu bench --accel interp --cpu-time --runs 5 --json > emu/bench/baseline.json
# (the baseline measures the interpreter; a report of another tier is refused)
bench-check: binary
	./$(KPPEMU) bench --accel interp --cpu-time --runs 5 --check emu/bench/baseline.json $(ARGS)

# The profile that go build uses for kppemu (profile-guided optimisation:
# cmd/kppemu/default.pgo): a CPU profile of the interpreter on every standard
# workload. Rebuilding it after large changes to the run loop keeps it
# representative; a stale profile only optimises less.
pgo: binary
	./$(KPPEMU) bench --accel interp --runs 1 --qemu=false --bochs=false --cpu-time --quiet \
		--cpuprofile cmd/kppemu/default.pgo

gobench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	  if [ -n "$$out" ]; then echo "gofmt -l:" >&2; echo "$$out" >&2; exit 1; fi
	$(GO) vet ./...

# Boot parity with QEMU (KPPEMU_REQUIRE_QEMU=1 turns a missing QEMU into a failure).
parity:
	$(GO) test -count=1 -run 'Parity' -v ./emu/

# The long attack campaigns (A23 over 1,000 flips, A19 against patch
# duration, the clean soak): minutes, so not part of `make test`.
campaign: binary
	./$(KPPEMU) run scenarios/campaign $(ARGS)

# The CPU's differential test against the host CPU at ten times the default
# number of cases (about 2.5 million).
difftest-long:
	$(GO) test -count=1 -timeout 30m -run 'TestDiff$$' ./cpu/ -args -long

# The differential test's coverage report: every implemented ring-3 instruction form
# (enumerated from the decoder) and addressing form, and which no case ran (must be none).
difftest-coverage:
	cd cpu && $(GO) test -count=1 -timeout 10m -run 'TestDiff$$' -args -coverage

# Every fuzz target for FUZZTIME each (`make test` runs only their seed
# corpora, testdata/fuzz/<target>, as ordinary tests). New failing inputs
# land in the package's testdata/fuzz: commit them with the fix.
FUZZTIME ?= 10m
fuzz-long:
	@set -e; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' .); do \
	  pkg=./$$(dirname $$f); \
	  for t in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
	    echo "== $$pkg $$t ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

clean:
	rm -rf bin
