/* The serial shell (shell.c): runs the autorun= script, then reads lines
 * from COM1 with simple line editing. */
#ifndef KPP_SHELL_H
#define KPP_SHELL_H

void shell_run(const char *autorun) __attribute__((noreturn));
/* Run one command line; returns false if the command was unknown. */
bool shell_exec(char *line);

#endif
