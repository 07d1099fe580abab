// Package srccheck holds the tests that read the repository's sources as a
// whole (comments in every language the project is written in, the QEMU
// runs the tests start), and the comment extraction they use.
package srccheck
