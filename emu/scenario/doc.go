// Package scenario reads attack and baseline scenarios (HCL files,
// hashicorp/hcl/v2 native syntax), runs them on emu machines and judges
// the outcome; `kppemu run` is its command line. The language is described
// for users in docs/scenarios.md; the attacks in docs/patchguard.md.
//
// The host only drives, pokes and observes: every detection is the guest
// PatchGuard's, seen as its bug-check event. The runner adds two
// observations of its own: the detection latency (guest time from the
// attack step to the bug check) and, for a 0x109, who last wrote the
// corrupted address (parameter 3), tracked for every byte of the memory
// regions the guest announced with pg-region events.
//
// # Language
//
// A file holds one or more scenario blocks:
//
//	scenario "a01_service_table" {
//	  description = "A1: overwrite a service table entry"
//	  kernel   = "embedded"              # or a Multiboot file (relative to this file)
//	  drivers  = ["initrd", "hello a b"] # boot modules: "initrd" (the embedded archive),
//	                                     # an embedded driver name or a file, then arguments
//	                                     # (default ["initrd"] with the embedded kernel)
//	  programs = ["spin"]                # programs it starts: a missing one makes it SKIP
//	  append   = "pg.profile=test"       # kernel command line
//	  mem      = "128M"
//	  seed     = 7                       # or seeds = "1..20" / "1,5,9"; one run per seed
//	  max_time = "30s"                   # guest time limit (default 30s, raised to cover
//	                                     # every `at` step and no_bugcheck_for)
//	  requires = ["driver:attack_a1"]    # driver:, program:, symbol: (kernel symbol);
//	                                     # a missing one makes the run SKIP, not fail
//
//	  step { ... }   # any number, see below
//	  expect { ... } # at least one, see below
//	}
//
// A step happens at a guest time or after an event, and does one thing:
//
//	step {
//	  at     = "2s"                       # guest time since boot, or
//	  after  = "pg-armed + 5ms"           # the first event of that type (+ delay)
//	  after_text = "^hello$"              #   whose text matches (optional)
//	  jitter = "20ms"                     # add U[0, jitter) drawn from the run's seed
//	  attack = true                       # latency is measured from this step (default:
//	                                      # the last step before the bug check)
//
//	  type  = "lsmod"                     # type a shell command (after the first prompt)
//	  load  = "attack_a1 args"            # = type "load attack_a1 args"
//	  start = "svc"                       # = type "start svc": a program in the background
//	                                      #   (SKIP if it is not built; type = "run X" waits)
//	  poke {                              # write guest memory (as the host: attributed
//	    symbol = "service_table"          #   to "host (scenario step N)"); where: a kernel
//	    offset = 8                        #   symbol, "driver!symbol", addr = "0x..." (virtual)
//	    value  = "0x4141"                 #   or phys = "0x..."; what: value (size bytes,
//	    size   = 8                        #   a number or a SYMBOL[+OFF] address),
//	    restore_after = ["1ms", "5ms"]    #   bytes = "e9 00 00 00 00" or xor = "0x1";
//	  }                                   #   restore_after puts the old bytes back; a list
//	                                      #   makes one variant per duration (A19)
//	  flip {                              # flip a random bit (mode = "byte": XOR a random
//	    region_type = "any"               #   byte value) at a random offset of a random
//	    mode        = "bit"               #   announced memory region of that type
//	  }                                   #   ("0x1", "0x0|0x1" or "any"); type, region,
//	                                      #   offset and bit come from the run's seed
//	  msr {                               # write an MSR (value, or set/clear bit masks)
//	    index = "0xC0000082"
//	    value = "0xffffffffa0001000"
//	  }
//	  reg {                               # set a register: rax..r15, rip, rflags,
//	    name  = "cr4"                     #   cr0, cr2, cr3, cr4, cr8, dr0-dr3, dr6, dr7
//	    clear = "0x100000"                #   (value, or set/clear bit masks)
//	  }
//	}
//
// An expectation block states one thing:
//
//	expect {
//	  bugcheck    = "0x109"
//	  region_type = "0xa"        # parameter 4: "0x4|0x5", "flipped" (the type the flip
//	                             # step hit), "flipped|0x101"
//	  within      = "150ms"      # of the attack step
//	  measure     = true         # record detection and latency, never fail on a miss (A19)
//	  crash_ok    = true         # the machine going down another way first (another bug
//	}                            # check, a triple fault) passes too, counted as "crashed
//	                             # first", never as a detection (A23: a flip in hot code)
//	expect { no_bugcheck_for = "60s" }            # since boot
//	expect {
//	  event = "api-denial"                        # seen (any time, or within of the attack)
//	  args  = ["0x3", "*"]                        # optional, "*" matches anything
//	  text  = "vendor"                            # optional regexp on the event text
//	}
//	expect { serial = "(?m)^attack_a1: .*" }      # a regexp over the serial transcript (\r removed)
//
// Every diagnostic names file:line:column; a broken scenario (or file) is
// an ERROR row and never stops the others.
//
// # Runs
//
// A job is (scenario, seed, variant). RunJob builds a machine, boots it,
// runs it with emu.Machine.Run up to the next step's time (events that
// trigger `after` steps stop the slice so the step runs on time), and ends
// at max_time, when the machine stops (a bug check ends in isa-debug-exit),
// or once every step has run and the expectations with deadlines can no
// longer change. RunAll runs jobs on parallel goroutines, one machine each;
// each machine is single-threaded and deterministic, so a run depends only
// on its scenario, seed and variant.
//
// # Attribution
//
// The runner chains onto the MMU's code-page invalidator and marks the
// physical pages of every announced memory region (kinds memory and
// sealed): every write to such a page, from the CPU or from the host,
// reaches the invalidator after the bytes change, and the runner diffs the
// region bytes on that page against a shadow copy, recording the writer of
// each changed byte (guest time, RIP of the writing instruction, CPL;
// resolved to kernel!symbol+off or driver!symbol+off with the kernel's
// ELF symbols and the drivers' layouts at the bases of their module-loaded
// events). Register regions (MSRs, CR0/CR4, the local APIC, the
// descriptor-table registers) are not memory: the CPU has no hook on WRMSR
// or MOV to CR, so the runner samples those registers before every run
// slice (slices end at each I/O write and device deadline) and reports the
// last change with its time window, where the CPU was and the driver return
// addresses on the kernel stack. List cross-walks and pool objects (driver
// objects, checker contexts) are not announced as memory and are reported
// as such.
//
// # Reports
//
// A run's result has the outcome, the expectations and what was observed,
// the detection latency, the bug check with its attribution, every step's
// time and effect, the flip's target, the guest time each serial
// expectation first matched (for timings such as the spin overhead
// baselines), PatchGuard's telemetry when pg.telemetry=1 (passes and
// instructions: its share of the 10^9 instructions of a guest second), and
// the instructions and wall time of the run. Runs of one scenario are
// summarised: detection rate, "crashed first" count, latency median, p99
// (nearest rank) and maximum per flipped region type or per variant, and
// a latency histogram.
package scenario
