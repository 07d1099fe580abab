// Package emu is the kppemu machine: it wires the CPU, the MMU and the
// devices of package emu/dev into a PC, keeps the virtual clock (one
// executed instruction is one nanosecond of guest time; HLT skips to the
// next device deadline), loads Multiboot v1 images the way
// qemu-system-x86_64 -kernel does (Multiboot Specification 0.6.96), runs
// the CPU in slices bounded by device deadlines, publishes the guest's
// event-port records to subscribers and saves and restores the whole
// machine state.
package emu
