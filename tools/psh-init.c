// SPDX-License-Identifier: GPL-2.0
/*
 * psh-init - PID 1 of the kdump test guest
 *
 * The same static binary is /init of both initramfs images: the first
 * kernel's and the kdump capture kernel's.  It mounts proc, sysfs,
 * devtmpfs, tmpfs on /tmp and /out and (if possible) debugfs, sets
 * PATH=/usr/sbin:/usr/bin:/sbin:/bin, reads /etc/psh.conf and then runs in
 * one of two modes:
 *
 * FIRST mode (no /proc/vmcore): pin itself to init_cpu if set, load the
 * capture kernel with
 *   kexec -p /boot/vmlinuz --initrd=/boot/initrd.img --append="<cmdline>"
 * where <cmdline> is /proc/cmdline without its crashkernel=* and psh.*
 * words, plus the kdump options of Documentation/admin-guide/kdump/
 * kdump.rst for this arch, plus capture_append (with kexec_loader=syscall,
 * the default on riscv64, whose Debian userland has no kexec-tools: the
 * same files and command line through kexec_file_load(2) with
 * KEXEC_FILE_ON_CRASH, the kernel's own loader); check that
 * /sys/kernel/kexec_crash_loaded reads 1; run setup; write the "armed"
 * marker to /dev/kmsg; fork a child that pins itself to trigger_cpu,
 * checks sched_getcpu(), sync()s and writes the trigger.  The kernel is
 * then expected to panic and boot the capture kernel; if it is still
 * alive after panic_wait seconds the run failed.
 *
 * With trigger=kexec, FIRST mode instead loads the same kernel and the
 * capture initrd as the next kernel with
 *   kexec -l /boot/vmlinuz --initrd=/boot/initrd.img --append="<cmdline>"
 * (<cmdline>: /proc/cmdline without crashkernel=* and psh.*, plus
 * psh.kexec=1), writes reboot_cpu to /sys/kernel/reboot/cpu if set, and
 * runs "kexec -e"; nothing panics.  (kexec_loader=syscall: kexec_file_load
 * with no flags, then reboot(LINUX_REBOOT_CMD_KEXEC), which is what
 * "kexec -e" does.)
 *
 * KEXEC mode (psh.kexec=1 on the command line: the kernel that kexec -e
 * started): report the online CPUs and, on x86_64, the APIC ID of each
 * CPU, then reboot.
 *
 * CAPTURE mode (/proc/vmcore exists): run capture_setup, then in /out
 *   psh-vmcore-notes --header-out /out/vmcore-header.bin /proc/vmcore
 *                                        > /out/notes.txt
 *   makedumpfile -l -d DUMP_LEVEL /proc/vmcore /out/vmcore
 *                                        > /out/makedumpfile.log 2>&1
 *   makedumpfile --dump-dmesg /proc/vmcore /out/dmesg.txt
 *                                        >> /out/makedumpfile.log 2>&1
 * write /out/result.txt (KEY=VALUE lines: [capture_setup_rc=,] notes_rc=,
 * makedumpfile_rc=, dmesg_rc=, vmcore_bytes=, save_vmcore=,
 * capture_uptime=, and last "capture=ok" or "capture=failed step=STEP"),
 * then "busybox tar -cf /dev/vda -C /out ." and sync().  The host reads
 * the results back with "tar -xf disk.img".  All steps run even if an
 * earlier one failed, to save as much as possible.
 *
 * Both modes end with sync() and reboot(RB_AUTOBOOT); QEMU runs with
 * -no-reboot, so this ends the run.  With shell=yes, an interactive
 * /bin/sh is started on the console right after mounting instead, and
 * exiting it reboots.  Run other than as PID 1, psh-init refuses to start.
 *
 * /etc/psh.conf: KEY=VALUE lines; blank lines and lines starting with '#'
 * are ignored; blanks around KEY and VALUE are ignored; VALUE is the rest
 * of the line, verbatim (no quoting, a '#' inside it is kept).  An absent
 * file means all defaults; an unknown key or a bad value fails the run.
 *   crash_kernel=yes|no       (yes)    load the capture kernel
 *   capture_append=WORDS      ("")     appended to the capture cmdline
 *   trigger=sysrq|lkdtm:NAME|none|reboot|kexec (sysrq)
 *                             none: the setup panics by itself;
 *                             reboot: no panic wanted (e.g. KUnit runs);
 *                             kexec: no panic, kexec -e into the kernel
 *   reboot_cpu=N              (unset)  written to /sys/kernel/reboot/cpu
 *                                      before kexec -e
 *   trigger_cpu=N             (0)      CPU the trigger runs on
 *   init_cpu=N                (unset)  CPU init is pinned to (first kernel)
 *   setup=SHELL COMMAND       ("")     /bin/sh -c, first kernel
 *   capture_setup=SHELL COMMAND ("")   /bin/sh -c, capture kernel
 *   panic_wait=SECONDS        (30)
 *   save_vmcore=yes|no        (yes)    keep /out/vmcore in the results
 *   dump_level=N              (23)     makedumpfile -d N (0-31: the
 *                                      page classes it leaves out; 23
 *                                      keeps user pages, see conf_init())
 *   shell=yes|no              (no)     debug shell instead of the test
 *   kexec_loader=tools|syscall (riscv64: syscall, else tools)
 *                             tools: run kexec-tools' kexec (kexec_load
 *                             or whatever it picks); syscall: load with
 *                             kexec_file_load(2) from this program
 *
 * Console protocol: every line psh-init prints starts with "psh: " and is
 * written with one write(2) on the console; children's own output is not
 * prefixed.  The lines a host can rely on (<...> are values):
 *   psh: first kernel up
 *   psh: capture kernel up
 *   psh: kexec kernel up
 *   psh: online cpus: <list>
 *   psh: apicids: <APIC ID of CPU 0> <of CPU 1> ...  (x86_64 only)
 *   psh: harts: <hart ID of CPU 0> <of CPU 1> ...    (riscv64 only)
 *   psh: run: <command as executed>
 *   psh: step=<name> rc=<status>
 *        (name: kexec-load, setup, capture-setup, notes, makedumpfile,
 *         dmesg, write-results, kexec-exec; status: exit code,
 *         128+signal if killed,
 *         -1 if it could not be started; kexec_loader=syscall's
 *         kexec-load: 0 or the errno of kexec_file_load)
 *   psh: crash kernel loaded
 *   psh: trigger: running on cpu <N>
 *   psh: trigger: writing "<data>" to <file>
 *   psh: armed online=<list> trigger=<trigger> trigger_cpu=<N>
 *        crash_kernel=<yes|no>          (one line, via /dev/kmsg, so it
 *                                        appears with a kernel timestamp)
 *   psh: <line of notes.txt>, psh: <line of result.txt>  (capture mode)
 *   psh: results written
 *   psh: FAIL step=<name> ...
 *        (name: mount, config, init-cpu, kexec-load, setup, trigger,
 *         reboot-cpu, kexec-exec,
 *         panic, capture-setup, notes, makedumpfile, dmesg, result-file,
 *         write-results; the first capture step that failed is repeated
 *         last as "psh: FAIL step=<name> rc=<n>")
 *   psh: rebooting
 *
 * Build with -DPSH_INIT_NO_MAIN to include this file in a unit test of the
 * pure functions conf_parse(), build_capture_cmdline() and
 * cmdline_has_word().
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

/*
 * KDUMP_ARCH_OPTS: the capture kernel's extra options (kdump.rst);
 * DEFAULT_KEXEC_LOADER: how this arch's guest loads a kernel, by default
 * (riscv64: Debian 13 builds no kexec-tools for it, so the kernel's own
 * kexec_file_load() loader, KEXEC_FILE on riscv; docs/guests-riscv64.md).
 */
#if defined(__x86_64__)
#define KDUMP_ARCH_OPTS		"1 irqpoll nr_cpus=1 reset_devices"
#define DEFAULT_KEXEC_LOADER	LOADER_TOOLS
#elif defined(__aarch64__)
#define KDUMP_ARCH_OPTS		"1 nr_cpus=1 reset_devices"
#define DEFAULT_KEXEC_LOADER	LOADER_TOOLS
#elif defined(__powerpc64__)
#define KDUMP_ARCH_OPTS		"1 maxcpus=1 noirqdistrib reset_devices"
#define DEFAULT_KEXEC_LOADER	LOADER_TOOLS
#elif defined(__riscv) && __riscv_xlen == 64
#define KDUMP_ARCH_OPTS		"1 nr_cpus=1 reset_devices"
#define DEFAULT_KEXEC_LOADER	LOADER_SYSCALL
#else
#error "psh-init supports x86_64, arm64, ppc64 and riscv64 only"
#endif

/* <linux/kexec.h> and <linux/reboot.h>, spelt out: the values are ABI. */
#ifndef KEXEC_FILE_ON_CRASH
#define KEXEC_FILE_ON_CRASH	0x00000002
#endif
#ifndef LINUX_REBOOT_CMD_KEXEC
#define LINUX_REBOOT_CMD_KEXEC	0x45584543
#endif

#define GUEST_PATH		"/usr/sbin:/usr/bin:/sbin:/bin"
#define CONF_PATH		"/etc/psh.conf"
#define VMCORE_PATH		"/proc/vmcore"
#define OUT_DIR			"/out"
#define RESULTS_DISK		"/dev/vda"
#define RESULTS_DISK_WAIT	5	/* seconds for RESULTS_DISK to appear */
#define CAPTURE_KERNEL		"/boot/vmlinuz"
#define CAPTURE_INITRD		"/boot/initrd.img"
#define KEXEC_MARK		"psh.kexec=1"	/* on the kexec'd kernel's cmdline */
#define REBOOT_CPU_PATH		"/sys/kernel/reboot/cpu"
#define CRASH_LOADED_PATH	"/sys/kernel/kexec_crash_loaded"
#define ONLINE_CPUS_PATH	"/sys/devices/system/cpu/online"
#define SYSRQ_PATH		"/proc/sysrq-trigger"
#define LKDTM_PATH		"/sys/kernel/debug/provoke-crash/DIRECT"

#define CMDLINE_MAX		4096
#define CONF_FILE_MAX		16384
#define CONF_LINE_MAX		4096
#define RUN_NOT_STARTED		(-1)	/* run() status: fork/wait failed */

/* ------------------------------------------------------------------ */
/* Console output                                                     */
/* ------------------------------------------------------------------ */

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;	/* the console itself failed: nowhere to say so */
		}
		buf += n;
		len -= n;
	}
}

/* Print one "psh: " line on fd with a single write(). */
static void __attribute__((format(printf, 2, 0)))
vsay_fd(int fd, const char *fmt, va_list ap)
{
	static const char prefix[] = "psh: ";
	char buf[8192];
	size_t room = sizeof(buf) - (sizeof(prefix) - 1) - 1;	/* '\n' */
	size_t len;
	int n;

	memcpy(buf, prefix, sizeof(prefix) - 1);
	n = vsnprintf(buf + sizeof(prefix) - 1, room, fmt, ap);
	if (n < 0)
		n = 0;
	len = (size_t)n < room ? (size_t)n : room - 1;	/* truncated */
	len += sizeof(prefix) - 1;
	buf[len++] = '\n';
	write_all(fd, buf, len);
}

static void __attribute__((format(printf, 2, 3)))
say_fd(int fd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay_fd(fd, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay_fd(STDOUT_FILENO, fmt, ap);
	va_end(ap);
}

/* Print each line of text as its own "psh: " line. */
static void say_lines(const char *text)
{
	while (*text) {
		size_t len = strcspn(text, "\n");

		say("%.*s", (int)len, text);
		text += len;
		if (*text)
			text++;
	}
}

/*
 * Wait until everything written to the console has left the UART: the
 * next thing that happens may be a panic or a reboot, and QEMU exits on
 * reboot.  Not being a tty (ENOTTY, EINVAL) is fine.
 */
static void drain_console(void)
{
	if (tcdrain(STDOUT_FILENO) && errno != ENOTTY && errno != EINVAL)
		say("tcdrain console: %s", strerror(errno));
}

/* ------------------------------------------------------------------ */
/* Small file helpers                                                 */
/* ------------------------------------------------------------------ */

/*
 * Read a whole small file into buf and NUL-terminate it.  Returns its
 * length, or -1 with errno set (EFBIG if it does not fit).
 */
static ssize_t read_text_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	int fd, err;
	char extra;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t n;

		if (len < size - 1)
			n = read(fd, buf + len, size - 1 - len);
		else
			n = read(fd, &extra, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		if (len == size - 1) {
			errno = EFBIG;
			goto fail;
		}
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return len;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/* Strip trailing blanks and newlines in place. */
static void chomp(char *s)
{
	size_t len = strlen(s);

	while (len && strchr(" \t\r\n", s[len - 1]))
		s[--len] = '\0';
}

/* Read the first line of a small /proc or /sys file, chomped. */
static int read_line_file(const char *path, char *buf, size_t size)
{
	if (read_text_file(path, buf, size) < 0) {
		say("read %s: %s", path, strerror(errno));
		return -1;
	}
	buf[strcspn(buf, "\n")] = '\0';
	chomp(buf);
	return 0;
}

static int write_text_file(const char *path, const char *text)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		say("open %s: %s", path, strerror(errno));
		return -1;
	}
	write_all(fd, text, strlen(text));
	if (close(fd)) {
		say("close %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Configuration: /etc/psh.conf                                       */
/* ------------------------------------------------------------------ */

enum trigger_kind {
	TRIGGER_SYSRQ,
	TRIGGER_LKDTM,
	TRIGGER_NONE,
	TRIGGER_REBOOT,
	TRIGGER_KEXEC,
};

#define LKDTM_PREFIX		"lkdtm:"

/* How a kernel is loaded for kdump and for kexec -e. */
enum kexec_loader {
	LOADER_TOOLS,		/* kexec-tools' kexec -p / -l / -e */
	LOADER_SYSCALL,		/* kexec_file_load(2), reboot(2) */
};

struct psh_conf {
	bool crash_kernel;
	bool save_vmcore;
	bool shell;
	enum trigger_kind trigger_kind;
	char trigger[64];		/* as configured; lkdtm:NAME keeps NAME */
	int trigger_cpu;
	int init_cpu;			/* -1: do not pin init */
	int reboot_cpu;			/* -1: leave the reboot CPU alone */
	int panic_wait;			/* seconds */
	int dump_level;			/* makedumpfile -d */
	enum kexec_loader kexec_loader;
	char capture_append[1024];
	char setup[2048];
	char capture_setup[2048];
};

static void conf_init(struct psh_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->crash_kernel = true;
	conf->save_vmcore = true;
	conf->shell = false;
	conf->trigger_kind = TRIGGER_SYSRQ;
	strcpy(conf->trigger, "sysrq");
	conf->trigger_cpu = 0;
	conf->init_cpu = -1;
	conf->reboot_cpu = -1;
	conf->panic_wait = 30;
	/*
	 * 31 less 8 (user pages): Debian 13's makedumpfile 1.7.6, which
	 * does not know Linux 7.3 ("The kernel version is not supported"),
	 * takes the tail pages of slab folios for user pages and leaves
	 * them out with -d 31: task_structs then cannot be read from the
	 * dump (found by drgn, harness/check_vmcore.py).
	 */
	conf->dump_level = 23;
	conf->kexec_loader = DEFAULT_KEXEC_LOADER;
}

static const char *loader_name(enum kexec_loader loader)
{
	return loader == LOADER_SYSCALL ? "syscall" : "tools";
}

static int parse_loader(const char *value, enum kexec_loader *out)
{
	if (!strcmp(value, "tools"))
		*out = LOADER_TOOLS;
	else if (!strcmp(value, "syscall"))
		*out = LOADER_SYSCALL;
	else
		return -1;
	return 0;
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static int parse_bool(const char *value, bool *out)
{
	if (!strcmp(value, "yes"))
		*out = true;
	else if (!strcmp(value, "no"))
		*out = false;
	else
		return -1;
	return 0;
}

static int parse_int(const char *value, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (errno || end == value || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int copy_value(char *dst, size_t size, const char *value)
{
	if (strlen(value) >= size)
		return -1;
	strcpy(dst, value);
	return 0;
}

static int parse_trigger(struct psh_conf *conf, const char *value)
{
	const char *name = value + strlen(LKDTM_PREFIX);

	if (!strcmp(value, "sysrq")) {
		conf->trigger_kind = TRIGGER_SYSRQ;
	} else if (!strcmp(value, "none")) {
		conf->trigger_kind = TRIGGER_NONE;
	} else if (!strcmp(value, "reboot")) {
		conf->trigger_kind = TRIGGER_REBOOT;
	} else if (!strcmp(value, "kexec")) {
		conf->trigger_kind = TRIGGER_KEXEC;
	} else if (!strncmp(value, LKDTM_PREFIX, strlen(LKDTM_PREFIX)) &&
		   *name && !strpbrk(name, " \t")) {
		conf->trigger_kind = TRIGGER_LKDTM;
	} else {
		return -1;
	}
	return copy_value(conf->trigger, sizeof(conf->trigger), value);
}

/* Apply one KEY=VALUE.  On error, describe it in err and return -1. */
static int conf_set(struct psh_conf *conf, const char *key, const char *value,
		    char *err, size_t errlen)
{
	const char *expect;
	int bad;

	if (!strcmp(key, "crash_kernel")) {
		expect = "yes or no";
		bad = parse_bool(value, &conf->crash_kernel);
	} else if (!strcmp(key, "save_vmcore")) {
		expect = "yes or no";
		bad = parse_bool(value, &conf->save_vmcore);
	} else if (!strcmp(key, "shell")) {
		expect = "yes or no";
		bad = parse_bool(value, &conf->shell);
	} else if (!strcmp(key, "trigger")) {
		expect = "sysrq, lkdtm:NAME, none, reboot or kexec (at most 63 characters)";
		bad = parse_trigger(conf, value);
	} else if (!strcmp(key, "trigger_cpu")) {
		expect = "a CPU number";
		bad = parse_int(value, 0, CPU_SETSIZE - 1, &conf->trigger_cpu);
	} else if (!strcmp(key, "init_cpu")) {
		expect = "a CPU number";
		bad = parse_int(value, 0, CPU_SETSIZE - 1, &conf->init_cpu);
	} else if (!strcmp(key, "reboot_cpu")) {
		expect = "a CPU number";
		bad = parse_int(value, 0, CPU_SETSIZE - 1, &conf->reboot_cpu);
	} else if (!strcmp(key, "panic_wait")) {
		expect = "seconds, 0 to 86400";
		bad = parse_int(value, 0, 86400, &conf->panic_wait);
	} else if (!strcmp(key, "dump_level")) {
		expect = "a makedumpfile dump level, 0 to 31";
		bad = parse_int(value, 0, 31, &conf->dump_level);
	} else if (!strcmp(key, "kexec_loader")) {
		expect = "tools or syscall";
		bad = parse_loader(value, &conf->kexec_loader);
	} else if (!strcmp(key, "capture_append")) {
		expect = "a shorter value";
		bad = copy_value(conf->capture_append,
				 sizeof(conf->capture_append), value);
	} else if (!strcmp(key, "setup")) {
		expect = "a shorter command";
		bad = copy_value(conf->setup, sizeof(conf->setup), value);
	} else if (!strcmp(key, "capture_setup")) {
		expect = "a shorter command";
		bad = copy_value(conf->capture_setup,
				 sizeof(conf->capture_setup), value);
	} else {
		snprintf(err, errlen, "unknown key '%.64s'", key);
		return -1;
	}
	if (bad)
		snprintf(err, errlen, "%s: bad value '%.64s', expected %s",
			 key, value, expect);
	return bad ? -1 : 0;
}

/* Trim blanks at both ends of s in place; returns the new start. */
static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	chomp(s);
	return s;
}

/* Parse one line of the file (without its '\n'). */
static int conf_parse_line(struct psh_conf *conf, char *line,
			   char *err, size_t errlen)
{
	char *key = trim(line);
	char *eq;

	if (!*key || *key == '#')
		return 0;
	eq = strchr(key, '=');
	if (!eq) {
		snprintf(err, errlen, "expected KEY=VALUE, got '%.64s'", key);
		return -1;
	}
	*eq = '\0';
	return conf_set(conf, trim(key), trim(eq + 1), err, errlen);
}

/*
 * Parse the text of /etc/psh.conf into conf, which must hold the defaults
 * (conf_init()).  Every line is applied, a later key overriding an earlier
 * one.  Returns the number of bad lines; the first one is described in err
 * as "line N: ...".
 */
static int conf_parse(struct psh_conf *conf, const char *text,
		      char *err, size_t errlen)
{
	char line[CONF_LINE_MAX], msg[256];
	int lineno = 0, errors = 0;

	err[0] = '\0';
	while (*text) {
		size_t len = strcspn(text, "\n");
		int bad;

		lineno++;
		if (len >= sizeof(line)) {
			snprintf(msg, sizeof(msg), "line longer than %zu bytes",
				 sizeof(line) - 1);
			bad = -1;
		} else {
			memcpy(line, text, len);
			line[len] = '\0';
			bad = conf_parse_line(conf, line, msg, sizeof(msg));
		}
		if (bad && !errors++)
			snprintf(err, errlen, "line %d: %.200s", lineno, msg);
		text += len;
		if (*text)
			text++;
	}
	return errors;
}

/* Load CONF_PATH into conf; returns the number of errors, described in err. */
static int conf_load(struct psh_conf *conf, char *err, size_t errlen)
{
	char text[CONF_FILE_MAX], msg[384];
	int errors;

	conf_init(conf);
	err[0] = '\0';
	if (read_text_file(CONF_PATH, text, sizeof(text)) < 0) {
		if (errno == ENOENT) {
			say("config: %s absent, using defaults", CONF_PATH);
			return 0;
		}
		snprintf(err, errlen, "read %s: %s", CONF_PATH, strerror(errno));
		return 1;
	}
	errors = conf_parse(conf, text, msg, sizeof(msg));
	if (errors)
		snprintf(err, errlen, "%s %s", CONF_PATH, msg);
	return errors;
}

static void conf_print(const struct psh_conf *conf)
{
	char init_cpu[16] = "unset";

	if (conf->init_cpu >= 0)
		snprintf(init_cpu, sizeof(init_cpu), "%d", conf->init_cpu);
	if (conf->reboot_cpu >= 0)
		say("config: reboot_cpu=%d", conf->reboot_cpu);
	say("config: crash_kernel=%s trigger=%s trigger_cpu=%d init_cpu=%s panic_wait=%d save_vmcore=%s kexec_loader=%s",
	    yes_no(conf->crash_kernel), conf->trigger, conf->trigger_cpu,
	    init_cpu, conf->panic_wait, yes_no(conf->save_vmcore),
	    loader_name(conf->kexec_loader));
	if (conf->capture_append[0])
		say("config: capture_append=%s", conf->capture_append);
	if (conf->setup[0])
		say("config: setup=%s", conf->setup);
	if (conf->capture_setup[0])
		say("config: capture_setup=%s", conf->capture_setup);
}

/* ------------------------------------------------------------------ */
/* Capture kernel command line                                        */
/* ------------------------------------------------------------------ */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Find the next word of a kernel command line at *pos and advance *pos
 * past it.  As in the kernel's next_arg(), blanks between double quotes
 * do not end a word.  Returns the word's length, 0 at the end.
 */
static size_t next_word(const char **pos, const char **word)
{
	const char *p = *pos;
	bool quoted = false;

	while (is_blank(*p))
		p++;
	*word = p;
	for (; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && is_blank(*p))
			break;
	}
	*pos = p;
	return p - *word;
}

static bool word_has_prefix(const char *word, size_t len, const char *prefix)
{
	size_t plen = strlen(prefix);

	if (len && *word == '"') {	/* "param=a b" is param */
		word++;
		len--;
	}
	return len >= plen && !strncmp(word, prefix, plen);
}

/* Words of the running command line that the capture kernel must not get. */
static bool capture_drops_word(const char *word, size_t len)
{
	return word_has_prefix(word, len, "crashkernel=") ||
	       word_has_prefix(word, len, "psh.");
}

static bool is_dashes(const char *word, size_t len)
{
	return len == 2 && !strncmp(word, "--", 2);
}

struct strbuf {
	char *buf;
	size_t size;
	size_t len;
	bool overflow;
};

static void sb_add_word(struct strbuf *sb, const char *word, size_t len)
{
	size_t sep = sb->len ? 1 : 0;

	if (sb->len + sep + len >= sb->size) {
		sb->overflow = true;
		return;
	}
	if (sep)
		sb->buf[sb->len++] = ' ';
	memcpy(sb->buf + sb->len, word, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

/*
 * Copy the words of *pos into sb up to the end or up to a "--" word (which
 * is consumed; returns true if one was found).  With drop, leave out the
 * words capture_drops_word() matches.
 */
static bool sb_add_words(struct strbuf *sb, const char **pos, bool drop)
{
	const char *word;
	size_t len;

	while ((len = next_word(pos, &word))) {
		if (is_dashes(word, len))
			return true;
		if (!drop || !capture_drops_word(word, len))
			sb_add_word(sb, word, len);
	}
	return false;
}

/*
 * Build the capture kernel's command line into out: the words of running
 * (the first kernel's /proc/cmdline) minus crashkernel=* and psh.*, then
 * arch_opts, then append.  Words after a "--" (arguments for init) stay
 * after it.  Returns 0, or -1 if out is too small.
 */
static int build_capture_cmdline(const char *running, const char *arch_opts,
				 const char *append, char *out, size_t size)
{
	struct strbuf sb = { .buf = out, .size = size };
	bool init_args;

	if (!size)
		return -1;
	out[0] = '\0';
	init_args = sb_add_words(&sb, &running, true);
	sb_add_words(&sb, &arch_opts, false);
	sb_add_words(&sb, &append, false);
	if (init_args) {
		sb_add_word(&sb, "--", 2);
		while (sb_add_words(&sb, &running, true))
			sb_add_word(&sb, "--", 2);
	}
	return sb.overflow ? -1 : 0;
}

/* Is want one of the words of the command line cmdline? */
static bool cmdline_has_word(const char *cmdline, const char *want)
{
	const char *word;
	size_t len;

	while ((len = next_word(&cmdline, &word)))
		if (len == strlen(want) && !strncmp(word, want, len))
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* Running programs                                                   */
/* ------------------------------------------------------------------ */

struct redirect {
	const char *path;	/* NULL: stdout and stderr stay on the console */
	bool append;
	bool stderr_too;	/* also send stderr to path */
};

/* Print "run: argv..." with arguments containing blanks quoted. */
static void say_command(char *const argv[])
{
	char line[CMDLINE_MAX + 512];
	struct strbuf sb = { .buf = line, .size = sizeof(line) };
	char quoted[CMDLINE_MAX + 16];

	line[0] = '\0';
	for (; *argv; argv++) {
		const char *arg = *argv;
		const char *eq = strchr(arg, '=');

		if (*arg && !strpbrk(arg, " \t")) {
			sb_add_word(&sb, arg, strlen(arg));
			continue;
		}
		if (!strncmp(arg, "--", 2) && eq)	/* --opt="a b" */
			snprintf(quoted, sizeof(quoted), "%.*s\"%s\"",
				 (int)(eq + 1 - arg), arg, eq + 1);
		else
			snprintf(quoted, sizeof(quoted), "\"%s\"", arg);
		sb_add_word(&sb, quoted, strlen(quoted));
	}
	say("run: %s%s", line, sb.overflow ? " ...(truncated)" : "");
}

/* In a child: point stdout (and maybe stderr) at redir->path. */
static int redirect_output(int console, const struct redirect *redir)
{
	int flags = O_WRONLY | O_CREAT | (redir->append ? O_APPEND : O_TRUNC);
	int fd;

	fd = open(redir->path, flags, 0644);
	if (fd < 0) {
		say_fd(console, "open %s: %s", redir->path, strerror(errno));
		return -1;
	}
	if (dup2(fd, STDOUT_FILENO) < 0 ||
	    (redir->stderr_too && dup2(fd, STDERR_FILENO) < 0)) {
		say_fd(console, "dup2 %s: %s", redir->path, strerror(errno));
		return -1;
	}
	if (close(fd)) {
		say_fd(console, "close %s: %s", redir->path, strerror(errno));
		return -1;
	}
	return 0;
}

static void __attribute__((noreturn))
exec_child(char *const argv[], const struct redirect *redir)
{
	/* Our own errors go to the console even after redirecting. */
	int console = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);

	if (console < 0)
		console = STDERR_FILENO;
	if (redir && redir->path && redirect_output(console, redir))
		_exit(127);
	execvp(argv[0], argv);
	say_fd(console, "exec %s: %s", argv[0], strerror(errno));
	_exit(127);
}

/*
 * Wait for child pid.  Returns its exit status, 128 + the signal number if
 * it was killed, or RUN_NOT_STARTED if waiting failed.
 */
static int wait_child(pid_t pid, const char *name)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			say("waitpid %s: %s", name, strerror(errno));
			return RUN_NOT_STARTED;
		}
	}
	if (WIFSIGNALED(status)) {
		say("%s killed by signal %d", name, WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

/* Run argv (PATH lookup, no shell), print it, wait; see wait_child(). */
static int run(char *const argv[], const struct redirect *redir)
{
	pid_t pid;

	say_command(argv);
	pid = fork();
	if (pid < 0) {
		say("fork for %s: %s", argv[0], strerror(errno));
		return RUN_NOT_STARTED;
	}
	if (pid == 0)
		exec_child(argv, redir);
	return wait_child(pid, argv[0]);
}

static int run_shell_command(const char *command)
{
	char *argv[] = { "/bin/sh", "-c", (char *)command, NULL };

	return run(argv, NULL);
}

/* ------------------------------------------------------------------ */
/* Basic system setup, shell and reboot                               */
/* ------------------------------------------------------------------ */

struct mount_spec {
	const char *source;
	const char *target;
	const char *type;
	unsigned long flags;
	const char *data;
	bool optional;
};

static const struct mount_spec mounts[] = {
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", false },
	{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, false },
	{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, false },
	{ "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", false },
	{ "tmpfs", OUT_DIR, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", false },
	{ "debugfs", "/sys/kernel/debug", "debugfs",
	  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, true },
};

/* Mount m; EBUSY (already mounted) counts as success. */
static int mount_one(const struct mount_spec *m)
{
	if (mkdir(m->target, 0755) && errno != EEXIST) {
		say("mkdir %s: %s", m->target, strerror(errno));
		return -1;
	}
	if (mount(m->source, m->target, m->type, m->flags, m->data) &&
	    errno != EBUSY) {
		say("mount %s on %s: %s%s", m->type, m->target, strerror(errno),
		    m->optional ? " (ignored)" : "");
		return m->optional ? 0 : -1;
	}
	return 0;
}

/* Give PID 1 a stdin/stdout/stderr on /dev/console if it has none. */
static void open_console(void)
{
	int fd = -1, i;

	for (i = 0; i <= STDERR_FILENO; i++) {
		if (fcntl(i, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (fd < 0)
			fd = open("/dev/console", O_RDWR | O_NOCTTY);
		if (fd < 0)
			return;		/* no console: nothing can be reported */
		if (fd != i && dup2(fd, i) < 0)
			say_fd(fd, "dup2 /dev/console: %s", strerror(errno));
	}
	if (fd > STDERR_FILENO)
		close(fd);
}

/* Mount everything, set up the console and PATH.  Returns 0 or -1. */
static int setup_system(void)
{
	int ret = 0;
	size_t i;

	/* /dev first: the console may only exist once devtmpfs is there. */
	if (mount_one(&mounts[0]))
		ret = -1;
	open_console();
	for (i = 1; i < sizeof(mounts) / sizeof(mounts[0]); i++)
		if (mount_one(&mounts[i]))
			ret = -1;
	if (setenv("PATH", GUEST_PATH, 1)) {
		say("setenv PATH: %s", strerror(errno));
		ret = -1;
	}
	return ret;
}

static void run_debug_shell(void)
{
	char *argv[] = { "/bin/sh", NULL };
	pid_t pid;

	say("shell=yes: starting /bin/sh on the console; exit it to reboot");
	pid = fork();
	if (pid < 0) {
		say("fork for /bin/sh: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		if (setsid() < 0)
			say("setsid: %s", strerror(errno));
		else if (ioctl(STDIN_FILENO, TIOCSCTTY, 1))
			say("TIOCSCTTY console (no job control): %s",
			    strerror(errno));
		exec_child(argv, NULL);
	}
	say("/bin/sh exited with %d", wait_child(pid, "/bin/sh"));
}

static void __attribute__((noreturn)) finish(void)
{
	say("rebooting");
	drain_console();
	sync();
	if (reboot(RB_AUTOBOOT))
		say("reboot: %s; stopping here", strerror(errno));
	for (;;)
		pause();
}

/*
 * The test kernels have no RTC, so the real-time clock starts at 0 and a
 * panic within its first second records CRASHTIME=0 in VMCOREINFO, which
 * makedumpfile rejects ("Invalid data ... CRASHTIME=0").  Wait until it
 * reads at least 2 s (a fraction of a second at most).  Setting the clock
 * instead would IPI every CPU to retrigger its timers.
 */
static void wait_for_clock(void)
{
	const struct timespec tick = { .tv_nsec = 50 * 1000 * 1000 };
	int i;

	for (i = 0; i < 60 && time(NULL) < 2; i++)
		nanosleep(&tick, NULL);
}

/* Pin the calling task to cpu and check it runs there. */
static int pin_to_cpu(int cpu, const char *who)
{
	cpu_set_t set;
	int now;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		say("%s: sched_setaffinity(cpu %d): %s", who, cpu,
		    strerror(errno));
		return -1;
	}
	now = sched_getcpu();
	if (now < 0) {
		say("%s: sched_getcpu: %s", who, strerror(errno));
		return -1;
	}
	if (now != cpu) {
		say("%s: pinned to cpu %d but running on cpu %d", who, cpu, now);
		return -1;
	}
	say("%s: running on cpu %d", who, now);
	return 0;
}

/* ------------------------------------------------------------------ */
/* FIRST mode                                                         */
/* ------------------------------------------------------------------ */

/*
 * kexec_loader=syscall: load /boot/vmlinuz and /boot/initrd.img with
 * cmdline through kexec_file_load(2), flags KEXEC_FILE_ON_CRASH for the
 * capture kernel (kexec -p), 0 for the next kernel of kexec -e (kexec
 * -l).  The kernel's own loader parses the image (riscv64 and arm64:
 * Image; x86_64: bzImage) and, for a capture kernel, makes the ELF core
 * header and puts elfcorehdr= on the command line itself.  Returns 0, or
 * the errno (RUN_NOT_STARTED if a file could not be opened).
 */
static int kexec_file_load_self(bool crash, const char *cmdline)
{
	unsigned long flags = crash ? KEXEC_FILE_ON_CRASH : 0;
	int kfd, ifd = -1, rc = 0;

	kfd = open(CAPTURE_KERNEL, O_RDONLY | O_CLOEXEC);
	if (kfd >= 0)
		ifd = open(CAPTURE_INITRD, O_RDONLY | O_CLOEXEC);
	if (kfd < 0 || ifd < 0) {
		say("open %s: %s", kfd < 0 ? CAPTURE_KERNEL : CAPTURE_INITRD,
		    strerror(errno));
		rc = RUN_NOT_STARTED;
		goto out;
	}
	say("run: kexec_file_load(%s, %s, \"%s\", %s)", CAPTURE_KERNEL,
	    CAPTURE_INITRD, cmdline, crash ? "KEXEC_FILE_ON_CRASH" : "0");
	/* cmdline_len counts the terminating NUL (kexec_file_load(2)). */
	if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1,
		    cmdline, flags)) {
		rc = errno;
		say("kexec_file_load: %s", strerror(rc));
	}
out:
	if (ifd >= 0)
		close(ifd);
	if (kfd >= 0)
		close(kfd);
	return rc;
}

/*
 * Load /boot/vmlinuz with /boot/initrd.img as the capture kernel (crash:
 * kexec -p) or as the next kernel of kexec -e (kexec -l), with
 * /proc/cmdline minus crashkernel=* and psh.* plus opts and append as its
 * command line: through kexec-tools' "kexec -p|-l", or with
 * kexec_loader=syscall through kexec_file_load(2).  Returns kexec's
 * status (RUN_NOT_STARTED if it did not run), or the syscall's errno.
 */
static int kexec_load_self(const struct psh_conf *conf, bool crash,
			   const char *opts, const char *append)
{
	const char *mode = crash ? "-p" : "-l";
	char running[CMDLINE_MAX], cmdline[CMDLINE_MAX];
	char arg[CMDLINE_MAX + 16];
	char *argv[] = { "kexec", (char *)mode, CAPTURE_KERNEL,
			 "--initrd=" CAPTURE_INITRD, arg, NULL };
	int rc;

	if (read_line_file("/proc/cmdline", running, sizeof(running)))
		return RUN_NOT_STARTED;
	if (build_capture_cmdline(running, opts, append, cmdline,
				  sizeof(cmdline))) {
		say("kexec %s command line longer than %d bytes", mode,
		    CMDLINE_MAX - 1);
		return RUN_NOT_STARTED;
	}
	if (conf->kexec_loader == LOADER_SYSCALL) {
		rc = kexec_file_load_self(crash, cmdline);
	} else {
		snprintf(arg, sizeof(arg), "--append=%s", cmdline);
		rc = run(argv, NULL);
	}
	say("step=kexec-load rc=%d", rc);
	return rc;
}

static int load_crash_kernel(const struct psh_conf *conf)
{
	char loaded[16];
	int rc;

	rc = kexec_load_self(conf, true, KDUMP_ARCH_OPTS, conf->capture_append);
	if (rc)
		goto fail;
	if (read_line_file(CRASH_LOADED_PATH, loaded, sizeof(loaded)))
		goto fail;
	if (strcmp(loaded, "1")) {
		say("%s is '%s', expected 1", CRASH_LOADED_PATH, loaded);
		goto fail;
	}
	say("crash kernel loaded");
	return 0;
fail:
	say("FAIL step=kexec-load rc=%d", rc);
	return -1;
}

/*
 * trigger=kexec: load this kernel and the capture initrd (core + this
 * run's config) as the next kernel, marked with psh.kexec=1.
 */
static int load_kexec_kernel(const struct psh_conf *conf)
{
	int rc = kexec_load_self(conf, false, "", KEXEC_MARK);

	if (rc) {
		say("FAIL step=kexec-load rc=%d", rc);
		return -1;
	}
	say("kexec kernel loaded");
	return 0;
}

/* trigger=kexec: set the reboot CPU if asked, then kexec -e. */
static void kexec_reboot(const struct psh_conf *conf)
{
	char *argv[] = { "kexec", "-e", NULL };
	char cpu[16];
	int rc;

	if (conf->reboot_cpu >= 0) {
		snprintf(cpu, sizeof(cpu), "%d", conf->reboot_cpu);
		if (write_text_file(REBOOT_CPU_PATH, cpu)) {
			say("FAIL step=reboot-cpu: cannot write %s to %s",
			    cpu, REBOOT_CPU_PATH);
			return;
		}
		say("reboot cpu: %s", cpu);
	}
	drain_console();
	if (conf->kexec_loader == LOADER_SYSCALL) {
		/* What "kexec -e" does: no shutdown, straight into the image. */
		say("run: reboot(LINUX_REBOOT_CMD_KEXEC)");
		drain_console();
		sync();
		reboot(LINUX_REBOOT_CMD_KEXEC);
		rc = errno;
		say("FAIL step=kexec-exec rc=%d: reboot(LINUX_REBOOT_CMD_KEXEC): %s",
		    rc, strerror(rc));
		return;
	}
	rc = run(argv, NULL);
	say("FAIL step=kexec-exec rc=%d: kexec -e returned", rc);
}

/*
 * The value of every /proc/cpuinfo line whose key (the text before ':',
 * trailing blanks dropped) is exactly @key, in order, blank-separated,
 * into @out: x86's "apicid" but not "initial apicid", riscv's "hart" but
 * not "hart isa".
 */
static void __attribute__((unused))
cpuinfo_ids(const char *text, const char *key, char *out, size_t size)
{
	struct strbuf sb = { .buf = out, .size = size };
	size_t klen = strlen(key);
	const char *line;

	out[0] = '\0';
	for (line = text; line && *line; line = strchr(line, '\n')) {
		const char *val, *end;

		if (*line == '\n')
			line++;
		val = strchr(line, ':');
		if (!val || memchr(line, '\n', val - line))
			continue;
		for (end = val; end > line && is_blank(end[-1]); end--)
			;
		if ((size_t)(end - line) != klen || strncmp(line, key, klen))
			continue;
		val++;
		while (*val == ' ' || *val == '\t')
			val++;
		sb_add_word(&sb, val, strcspn(val, "\n"));
	}
}

/*
 * Print the hardware ID of every online CPU, in CPU order, from
 * /proc/cpuinfo, so that the host can tell which physical CPU a kernel
 * runs on as CPU 0: x86_64's APIC IDs, riscv64's hart IDs.  arm64 and
 * ppc64 print their boot CPU's ID themselves.
 */
static void say_apicids(void)
{
#if defined(__x86_64__) || defined(__riscv)
#if defined(__x86_64__)
	const char *key = "apicid", *label = "apicids";
#else
	const char *key = "hart", *label = "harts";
#endif
	static char text[1 << 20];
	char ids[1024];

	if (read_text_file("/proc/cpuinfo", text, sizeof(text)) < 0) {
		say("read /proc/cpuinfo: %s", strerror(errno));
		return;
	}
	cpuinfo_ids(text, key, ids, sizeof(ids));
	say("%s: %s", label, ids);
#endif
}

/* Put the "armed" marker line into the kernel log. */
static void write_marker(const struct psh_conf *conf, const char *online)
{
	char line[512];
	int fd, n;

	n = snprintf(line, sizeof(line),
		     "<5>psh: armed online=%.64s trigger=%s trigger_cpu=%d crash_kernel=%s\n",
		     online, conf->trigger, conf->trigger_cpu,
		     yes_no(conf->crash_kernel));
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		say("open /dev/kmsg: %s", strerror(errno));
		goto console;
	}
	if (write(fd, line, n) != n) {	/* one record per write() */
		say("write /dev/kmsg: %s", strerror(errno));
		close(fd);
		goto console;
	}
	if (close(fd))
		say("close /dev/kmsg: %s", strerror(errno));
	return;
console:
	say("%.*s", n - 9, line + 8);	/* without "<5>psh: " and '\n' */
}

static void trigger_target(const struct psh_conf *conf,
			   const char **path, const char **data)
{
	if (conf->trigger_kind == TRIGGER_LKDTM) {
		*path = LKDTM_PATH;
		*data = conf->trigger + strlen(LKDTM_PREFIX);
	} else {
		*path = SYSRQ_PATH;
		*data = "c";
	}
}

/*
 * The trigger child.  Returns its exit status: 0 if the write returned,
 * 2 if it could not be pinned, 3 if the trigger file failed.
 */
static int trigger_child(const struct psh_conf *conf)
{
	const char *path, *data;
	ssize_t n;
	int fd;

	if (pin_to_cpu(conf->trigger_cpu, "trigger"))
		return 2;
	trigger_target(conf, &path, &data);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		say("trigger: open %s: %s", path, strerror(errno));
		return 3;
	}
	say("trigger: writing \"%s\" to %s", data, path);
	drain_console();
	sync();
	n = write(fd, data, strlen(data));
	if (n < 0) {
		say("trigger: write %s: %s", path, strerror(errno));
		close(fd);
		return 3;
	}
	if (close(fd))
		say("trigger: close %s: %s", path, strerror(errno));
	say("trigger: write to %s returned %zd", path, n);
	return 0;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	if (clock_gettime(CLOCK_MONOTONIC, &now))
		return 1e9;	/* cannot happen; end the wait */
	return (now.tv_sec - start->tv_sec) +
	       (now.tv_nsec - start->tv_nsec) / 1e9;
}

/*
 * Wait up to panic_wait seconds for the panic that should end this kernel;
 * pid is the trigger child or -1.  Returns only if there was none (or the
 * trigger failed); the reason has been printed as a FAIL line.
 */
static void wait_for_panic(const struct psh_conf *conf, pid_t pid)
{
	const struct timespec tick = { .tv_nsec = 100 * 1000 * 1000 };
	bool returned = false;
	struct timespec start;
	int status;

	if (clock_gettime(CLOCK_MONOTONIC, &start)) {
		say("clock_gettime: %s", strerror(errno));
		say("FAIL step=panic: cannot time the wait");
		return;
	}
	while (seconds_since(&start) < conf->panic_wait) {
		pid_t r = pid > 0 && !returned ?
			  waitpid(pid, &status, WNOHANG) : 0;

		if (r < 0 && errno != EINTR) {
			say("waitpid trigger: %s", strerror(errno));
			pid = -1;
		} else if (r == pid && pid > 0) {
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				say("FAIL step=trigger rc=%d",
				    WIFEXITED(status) ? WEXITSTATUS(status) :
				    128 + WTERMSIG(status));
				return;
			}
			returned = true;
		}
		if (nanosleep(&tick, NULL) && errno != EINTR)
			say("nanosleep: %s", strerror(errno));
	}
	if (conf->trigger_kind == TRIGGER_NONE)
		say("FAIL step=panic: trigger=none and no panic happened within %d s",
		    conf->panic_wait);
	else if (returned)
		say("FAIL step=panic: the trigger returned and no panic happened within %d s",
		    conf->panic_wait);
	else
		say("FAIL step=panic: the trigger did not return and no panic happened within %d s",
		    conf->panic_wait);
}

static void trigger_and_wait(const struct psh_conf *conf)
{
	pid_t pid = -1;

	if (conf->trigger_kind == TRIGGER_REBOOT) {
		say("trigger=reboot: no panic wanted, done");
		return;
	} else if (conf->trigger_kind == TRIGGER_KEXEC) {
		kexec_reboot(conf);
		return;
	} else if (conf->trigger_kind == TRIGGER_NONE) {
		say("trigger=none: waiting %d s for a panic", conf->panic_wait);
	} else {
		pid = fork();
		if (pid < 0) {
			say("fork for the trigger: %s", strerror(errno));
			say("FAIL step=trigger rc=%d", RUN_NOT_STARTED);
			return;
		}
		if (pid == 0)
			_exit(trigger_child(conf));
	}
	wait_for_panic(conf, pid);
}

static void first_kernel(const struct psh_conf *conf)
{
	char online[256];
	int rc;

	wait_for_clock();
	if (conf->init_cpu >= 0 && pin_to_cpu(conf->init_cpu, "init")) {
		say("FAIL step=init-cpu cpu=%d", conf->init_cpu);
		return;
	}
	if (read_line_file(ONLINE_CPUS_PATH, online, sizeof(online)))
		strcpy(online, "unknown");
	say("online cpus: %s", online);
	say_apicids();

	if (conf->crash_kernel) {
		if (load_crash_kernel(conf))
			return;
	} else {
		say("crash kernel: not loaded (crash_kernel=no)");
	}
	if (conf->trigger_kind == TRIGGER_KEXEC && load_kexec_kernel(conf))
		return;
	if (conf->setup[0]) {
		rc = run_shell_command(conf->setup);
		say("step=setup rc=%d", rc);
		if (rc) {
			say("FAIL step=setup rc=%d", rc);
			return;
		}
		/*
		 * The setup may have taken CPUs offline or brought them
		 * online: the marker names the CPUs online when the scenario
		 * is armed, which is what the judge expects notes for.
		 */
		if (read_line_file(ONLINE_CPUS_PATH, online, sizeof(online)))
			strcpy(online, "unknown");
		say("online cpus after setup: %s", online);
	}
	write_marker(conf, online);
	trigger_and_wait(conf);
}

/* ------------------------------------------------------------------ */
/* KEXEC mode                                                         */
/* ------------------------------------------------------------------ */

/* The kernel that kexec -e started: which CPUs came back. */
static void kexec_kernel(void)
{
	char online[256];

	if (read_line_file(ONLINE_CPUS_PATH, online, sizeof(online)))
		strcpy(online, "unknown");
	say("online cpus: %s", online);
	say_apicids();
}

/* ------------------------------------------------------------------ */
/* CAPTURE mode                                                       */
/* ------------------------------------------------------------------ */

#define NOTES_TXT		OUT_DIR "/notes.txt"
#define RESULT_TXT		OUT_DIR "/result.txt"
#define VMCORE_OUT		OUT_DIR "/vmcore"
#define MAKEDUMPFILE_LOG	OUT_DIR "/makedumpfile.log"

struct capture {
	char uptime[32];
	bool setup_ran;
	int setup_rc;
	int notes_rc;
	int makedumpfile_rc;
	int dmesg_rc;
	long long vmcore_bytes;
	const char *failed_step;	/* first failing step, or NULL */
	int failed_rc;
};

static int capture_step(struct capture *cap, const char *step, int rc)
{
	say("step=%s rc=%d", step, rc);
	if (rc && !cap->failed_step) {
		cap->failed_step = step;
		cap->failed_rc = rc;
	}
	return rc;
}

static void capture_read_uptime(struct capture *cap)
{
	if (read_line_file("/proc/uptime", cap->uptime, sizeof(cap->uptime))) {
		strcpy(cap->uptime, "unknown");
		return;
	}
	cap->uptime[strcspn(cap->uptime, " ")] = '\0';
}

static void capture_dump(struct capture *cap, const struct psh_conf *conf)
{
	char level[8];
	char *notes[] = { "psh-vmcore-notes", "--header-out",
			  OUT_DIR "/vmcore-header.bin", VMCORE_PATH, NULL };
	char *dump[] = { "makedumpfile", "-l", "-d", level, VMCORE_PATH,
			 VMCORE_OUT, NULL };
	char *dmesg[] = { "makedumpfile", "--dump-dmesg", VMCORE_PATH,
			  OUT_DIR "/dmesg.txt", NULL };
	const struct redirect to_notes = { .path = NOTES_TXT };
	const struct redirect to_log = { .path = MAKEDUMPFILE_LOG,
					 .stderr_too = true };
	const struct redirect append_log = { .path = MAKEDUMPFILE_LOG,
					     .append = true,
					     .stderr_too = true };

	snprintf(level, sizeof(level), "%d", conf->dump_level);
	cap->notes_rc = capture_step(cap, "notes", run(notes, &to_notes));
	cap->makedumpfile_rc = capture_step(cap, "makedumpfile",
					    run(dump, &to_log));
	cap->dmesg_rc = capture_step(cap, "dmesg", run(dmesg, &append_log));
}

static void capture_vmcore_size(struct capture *cap, bool keep)
{
	struct stat st;

	if (stat(VMCORE_OUT, &st)) {
		say("stat %s: %s", VMCORE_OUT, strerror(errno));
		return;
	}
	cap->vmcore_bytes = st.st_size;
	say("%s: %lld bytes", VMCORE_OUT, cap->vmcore_bytes);
	if (keep)
		return;
	if (unlink(VMCORE_OUT))
		say("unlink %s: %s", VMCORE_OUT, strerror(errno));
	else
		say("save_vmcore=no: removed %s", VMCORE_OUT);
}

static void capture_write_result(struct capture *cap,
				 const struct psh_conf *conf)
{
	char text[1024], setup_line[64] = "";
	char final[96] = "capture=ok";

	if (cap->setup_ran)
		snprintf(setup_line, sizeof(setup_line),
			 "capture_setup_rc=%d\n", cap->setup_rc);
	if (cap->failed_step)
		snprintf(final, sizeof(final), "capture=failed step=%s",
			 cap->failed_step);
	snprintf(text, sizeof(text),
		 "%snotes_rc=%d\nmakedumpfile_rc=%d\ndmesg_rc=%d\n"
		 "vmcore_bytes=%lld\nsave_vmcore=%s\ncapture_uptime=%s\n%s\n",
		 setup_line, cap->notes_rc, cap->makedumpfile_rc,
		 cap->dmesg_rc, cap->vmcore_bytes, yes_no(conf->save_vmcore),
		 cap->uptime, final);
	if (write_text_file(RESULT_TXT, text))
		say("FAIL step=result-file");
	say("--- %s ---", RESULT_TXT);
	say_lines(text);
}

static void capture_print_notes(void)
{
	char text[65536];

	say("--- %s ---", NOTES_TXT);
	if (read_text_file(NOTES_TXT, text, sizeof(text)) < 0) {
		say("read %s: %s", NOTES_TXT, strerror(errno));
		return;
	}
	say_lines(text);
}

/* Wait up to seconds for path to exist (a late-probed disk). */
static int wait_for_path(const char *path, int seconds)
{
	const struct timespec tick = { .tv_nsec = 100 * 1000 * 1000 };
	struct stat st;
	int i;

	for (i = 0; i < seconds * 10; i++) {
		if (!stat(path, &st))
			return 0;
		if (errno != ENOENT)
			break;
		if (nanosleep(&tick, NULL) && errno != EINTR)
			say("nanosleep: %s", strerror(errno));
	}
	if (stat(path, &st)) {
		say("stat %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void capture_write_disk(void)
{
	char *tar[] = { "busybox", "tar", "-cf", RESULTS_DISK, "-C", OUT_DIR,
			".", NULL };
	int rc;

	if (wait_for_path(RESULTS_DISK, RESULTS_DISK_WAIT)) {
		say("FAIL step=write-results: no %s", RESULTS_DISK);
		return;
	}
	rc = run(tar, NULL);
	sync();
	say("step=write-results rc=%d", rc);
	if (rc)
		say("FAIL step=write-results rc=%d", rc);
	else
		say("results written");
}

static void capture_kernel(const struct psh_conf *conf)
{
	struct capture cap = { .vmcore_bytes = 0 };

	capture_read_uptime(&cap);
	if (conf->capture_setup[0]) {
		cap.setup_ran = true;
		cap.setup_rc = run_shell_command(conf->capture_setup);
		capture_step(&cap, "capture-setup", cap.setup_rc);
	}
	if (chdir(OUT_DIR))
		say("chdir %s: %s", OUT_DIR, strerror(errno));
	capture_dump(&cap, conf);
	capture_vmcore_size(&cap, conf->save_vmcore);
	capture_print_notes();
	capture_write_result(&cap, conf);
	capture_write_disk();
	if (cap.failed_step)
		say("FAIL step=%s rc=%d", cap.failed_step, cap.failed_rc);
}

/* ------------------------------------------------------------------ */

#ifndef PSH_INIT_NO_MAIN
int main(void)
{
	struct psh_conf conf;
	char conf_err[512];
	char cmdline[CMDLINE_MAX];
	struct stat st;
	bool capture, kexeced;
	int errors;

	if (getpid() != 1) {
		fprintf(stderr, "psh-init: not PID 1; refusing to mount filesystems and reboot\n");
		return 2;
	}
	if (setup_system()) {
		say("FAIL step=mount");
		finish();
	}
	errors = conf_load(&conf, conf_err, sizeof(conf_err));
	if (conf.shell) {
		run_debug_shell();
		finish();
	}

	capture = !stat(VMCORE_PATH, &st);
	kexeced = !read_line_file("/proc/cmdline", cmdline, sizeof(cmdline)) &&
		  cmdline_has_word(cmdline, KEXEC_MARK);
	say("%s", capture ? "capture kernel up" :
		  kexeced ? "kexec kernel up" : "first kernel up");
	if (errors) {
		say("FAIL step=config: %s (%d error%s)", conf_err, errors,
		    errors == 1 ? "" : "s");
		finish();
	}
	conf_print(&conf);
	if (capture)
		capture_kernel(&conf);
	else if (kexeced)
		kexec_kernel();
	else
		first_kernel(&conf);
	finish();
}
#endif
