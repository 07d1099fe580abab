// Package mmu translates guest-virtual addresses (Intel SDM Vol. 3A ch. 4)
// and holds guest physical memory: RAM as one []byte, MMIO ranges dispatched
// to devices, a TLB, and per-page "holds decoded code" marks so that every
// write path invalidates the CPU's decode cache.
//
// # Paging modes
//
// ModeOf picks the mode from Control as SDM 4.1.1 does: none (CR0.PG=0,
// linear = physical), 32-bit paging (4 KiB pages, and 4 MiB pages with
// CR4.PSE using PSE-36), PAE paging (4 KiB and 2 MiB pages; the four PDPTEs
// are registers loaded on CR3 writes, see PAEPDPTEsValid) and 4-level
// paging (4 KiB, 2 MiB and 1 GiB pages). 5-level paging, PCIDs and
// protection keys are not implemented: CPUID must not advertise LA57, PCID
// or PKU.
//
// MAXPHYADDR is MaxPhysAddrBits (40) and the linear-address width 48;
// CPUID.80000008H:EAX must report CPUIDAddressSizes (0x3028). Address bits at or above
// MAXPHYADDR in a paging-structure entry are reserved and fault with RSVD=1.
// The CPU is expected to advertise PSE, PAE, PGE, PSE-36, NX, Page1GB, SMEP
// and SMAP, all of which are implemented here.
//
// # Access rights and faults
//
// Rights follow SDM 4.6: R/W and U/S are combined over all levels, XD (with
// EFER.NXE) from any level; CR0.WP governs supervisor writes, CR4.SMEP
// supervisor fetches from user pages, CR4.SMAP supervisor data accesses to
// user pages unless the access is explicit and RFLAGS.AC=1. Callers pass
// user=true for CPL 3 accesses and user=false, ac=false for implicit
// supervisor accesses (GDT/IDT/TSS, and their stack pushes while delivering
// an event). A failed translation returns a *Fault whose Code is the #PF
// error code (SDM 4.7: P, W/R, U/S, RSVD, and I/D for fetches when NXE or
// SMEP is on) and whose Addr is the value for CR2. The MMU does not check
// canonicality (a #GP, not a #PF): the CPU must.
//
// # Accessed and dirty bits
//
// As hardware does (SDM 4.8), a walk sets A in each non-leaf entry it uses
// as it goes, and A in the leaf, plus D on a write, only when the access is
// permitted (so a protection fault leaves the leaf untouched, as QEMU does).
// A and D are set with a one-byte write, never clearing other bits.
//
// # TLB
//
// The TLB is split by access kind (read, write, execute) and privilege
// class (supervisor, supervisor with SMAP overridden by RFLAGS.AC, user),
// so an entry exists only for accesses already checked. Each of the nine
// arrays has 256 direct-mapped sets, by the page number's low bits: a hit
// is one tag compare, and the fast paths (Read8..Read128, Write8..Write128,
// Fetch) then index a pointer to the RAM page. Behind each array is a
// victim buffer of 8 entries, fully associative and filled round robin
// with the entries its sets give up; a miss looks there before walking
// and swaps a hit back into its set. A write
// entry is only filled by a write walk, which has set D; a page read before
// it is written therefore walks again on the first write. Stale entries
// survive page-table writes until INVLPG, a CR3 write (globals kept when
// CR4.PGE) or a change of paging-control bits (SDM 4.10.4), exactly as
// software must expect; a #PF drops the entries of its page.
//
// # Code marks
//
// MarkCode(pfn) marks a RAM page as holding decoded instructions; write
// entries for it lose their fast-path pointer. Any later write to the page
// (virtual writes, WritePhys, A/D-bit updates of page tables living there)
// calls the invalidator set by SetCodeInvalidator with the page frame number
// and the offset and length of the bytes written in that page, after the
// bytes are written (so anything the invalidator re-decodes is already the
// new code), and clears the mark unless the invalidator keeps it (the write
// touched none of the code it decoded there). MMIO and unbacked addresses
// are never marked.
//
// # Physical space
//
// RAM occupies [0, len(RAM())). MMIO ranges (AttachMMIO) must lie above it
// and below 2^MaxPhysAddrBits and may not overlap; accesses spanning range
// boundaries are split, each device seeing its own offset and width.
// Everything else is unbacked: reads return 0xFF bytes, writes are dropped.
//
// The MMU is not goroutine-safe: the CPU, devices and host pokes run on one
// goroutine. It has no unsafe code; nothing it does allocates on the fast
// paths.
package mmu
