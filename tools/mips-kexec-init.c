// SPDX-License-Identifier: GPL-2.0
/*
 * mips-kexec-init - PID 1 of the mips64el kexec -e test guest
 *
 * QEMU -M malta -cpu I6400 is MIPS64 Release 6, for which Debian ships no
 * userland (no busybox, no kexec-tools).  This is psh-init's kexec path
 * alone, built with the kernel's nolibc, speaking psh-init's console
 * protocol, so that harness/judge.sh decides the run (expect=kexec):
 *
 *   psh: first kernel up | psh: kexec kernel up
 *   psh: online cpus: <list>
 *   psh: kexec kernel loaded
 *   psh: step=setup rc=<n>
 *   psh: armed online=<list> trigger=kexec ...   (via /dev/kmsg)
 *   psh: FAIL step=<name>: <why>
 *
 * FIRST mode: read /etc/psh.conf, load /boot/vmlinuz (the ELF vmlinux)
 * and /boot/initrd.img with kexec_load(), run the setup, write
 * reboot_cpu to /sys/kernel/reboot/cpu if set, write the marker and
 * reboot(LINUX_REBOOT_CMD_KEXEC).
 *
 * KEXEC mode (psh.kexec=1 on the command line): print the online CPUs
 * and reboot.
 *
 * The next kernel's command line: MIPS kexec starts the new kernel with
 * kexec_args[] in a0-a3, which Malta leaves 0 (no argc/argv, no
 * environment), and Malta takes its device tree from the image, so a DTB
 * segment carries nothing either.  The command line is therefore written
 * into the loaded copy of the image, into arcs_cmdline, the __initdata
 * buffer that fw_init_cmdline() appends the firmware arguments to (none
 * here): /proc/cmdline without rd_start=, rd_size= and psh.* words, plus
 * rd_start=/rd_size= for the initrd, which is loaded after the kernel,
 * and psh.kexec=1.  memsize= on the command line gives Malta the memory
 * size that the firmware environment no longer does.
 *
 * /etc/psh.conf is the file run.sh writes for every arch; a key this
 * agent cannot honour fails the run (step=config).  setup= is a list of
 * "echo VALUE >FILE" commands joined by "&&": there is no shell.
 *
 * Build: mips64el-linux-gnuabi64-gcc -static -nostdlib -nostdinc
 *        -I<tools/include/nolibc> -I<kernel build>/usr/include ... -lgcc
 * (make -C tools guest ARCH=mips64el NOLIBC=... UAPI=...).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>

#include <asm/ioctls.h>

#include <linux/elf.h>
#include <linux/kexec.h>
#include <linux/reboot.h>

#define CONF_PATH		"/etc/psh.conf"
#define KERNEL_PATH		"/boot/vmlinuz"
#define INITRD_PATH		"/boot/initrd.img"
#define ONLINE_CPUS_PATH	"/sys/devices/system/cpu/online"
#define REBOOT_CPU_PATH		"/sys/kernel/reboot/cpu"
#define KEXEC_MARK		"psh.kexec=1"
#define CMDLINE_SYMBOL		"arcs_cmdline"

#define CKSEG0			0xffffffff80000000UL
#define CKSEG0_SIZE		0x20000000UL	/* 512 MiB, unmapped, cached */
#define INITRD_ALIGN		(1UL << 20)
#define CMDLINE_MAX		4096
#define CONF_MAX		16384

static char kernel_file[32 << 20];	/* the ELF vmlinux as read */
static char kernel_seg[32 << 20];	/* its PT_LOAD segments, as loaded */
static char initrd_file[16 << 20];

struct conf {
	int reboot_cpu;			/* -1: leave the default */
	char setup[1024];
};

/* ------------------------------------------------------------------ */
/* Console, files and words                                           */
/* ------------------------------------------------------------------ */

/* One "psh: " line, written with a single write() on the console. */
static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	char line[1024] = "psh: ";
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(line + 5, sizeof(line) - 6, fmt, ap);
	va_end(ap);
	n = strlen(line);
	line[n++] = '\n';
	if (write(1, line, n) != n)
		return;
}

/* Wait until the console has sent what was written to it (tcdrain()). */
static void drain_console(void)
{
	if (ioctl(1, TCSBRK, 1))
		say("drain console: %m");
}

/* Read PATH into BUF; its length, or -1 after a FAIL line naming STEP. */
static long read_file(const char *path, char *buf, long size, const char *step)
{
	long got = 0, n = 0;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		say("FAIL step=%s: cannot open %s: %m", step, path);
		return -1;
	}
	while (got < size && (n = read(fd, buf + got, size - got)) > 0)
		got += n;
	if (n < 0) {
		say("FAIL step=%s: cannot read %s: %m", step, path);
		got = -1;
	} else if (got == size && read(fd, buf, 1) > 0) {
		say("FAIL step=%s: %s is larger than %ld bytes", step, path, size);
		got = -1;
	}
	close(fd);
	return got;
}

/* The first line of a small text file, without its newline. */
static int read_line(const char *path, char *buf, long size)
{
	long n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	if (strchr(buf, '\n'))
		*strchr(buf, '\n') = '\0';
	return 0;
}

static int write_file(const char *path, const char *text)
{
	long len = strlen(text);
	int fd, ok;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, text, len) == len;
	return close(fd) || !ok ? -1 : 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Length of the word at *pos, after skipping blanks; 0 at the end. */
static long next_word(const char **pos)
{
	long len = 0;

	while (is_blank(**pos))
		(*pos)++;
	while ((*pos)[len] && !is_blank((*pos)[len]))
		len++;
	return len;
}

static int has_word(const char *text, const char *word)
{
	long len, want = strlen(word);

	for (; (len = next_word(&text)); text += len)
		if (len == want && !strncmp(text, word, len))
			return 1;
	return 0;
}

static void say_online_cpus(char *online, long size)
{
	if (read_line(ONLINE_CPUS_PATH, online, size))
		strcpy(online, "unknown");
	say("online cpus: %s", online);
}

/* ------------------------------------------------------------------ */
/* Configuration and setup                                            */
/* ------------------------------------------------------------------ */

/*
 * One KEY=VALUE line of /etc/psh.conf.  What psh-init does and this
 * agent cannot (a crash kernel, a panic trigger, pinning) is refused.
 */
static int conf_set(struct conf *conf, const char *key, const char *value)
{
	if (!strcmp(key, "trigger")) {
		if (strcmp(value, "kexec"))
			goto unsupported;
	} else if (!strcmp(key, "crash_kernel")) {
		if (strcmp(value, "no"))
			goto unsupported;
	} else if (!strcmp(key, "trigger_cpu")) {
		if (strcmp(value, "0"))	/* nothing runs a trigger */
			goto unsupported;
	} else if (!strcmp(key, "reboot_cpu")) {
		conf->reboot_cpu = atoi(value);
	} else if (!strcmp(key, "setup")) {
		if (strlen(value) >= sizeof(conf->setup))
			goto unsupported;
		strcpy(conf->setup, value);
	} else if (!strcmp(key, "save_vmcore")) {
		/* no vmcore here */
	} else {
		goto unsupported;
	}
	return 0;
unsupported:
	say("FAIL step=config: %s=%s is not supported by mips-kexec-init (kexec -e only, no shell)",
	    key, value);
	return -1;
}

static int conf_load(struct conf *conf)
{
	static char text[CONF_MAX];
	char *line, *next, *eq;
	long n;

	conf->reboot_cpu = -1;
	conf->setup[0] = '\0';
	n = read_file(CONF_PATH, text, sizeof(text) - 1, "config");
	if (n < 0)
		return -1;
	text[n] = '\0';
	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq) {
			say("FAIL step=config: '%s' in %s is not KEY=VALUE", line, CONF_PATH);
			return -1;
		}
		*eq = '\0';
		if (conf_set(conf, line, eq + 1))
			return -1;
	}
	return 0;
}

/*
 * setup=: "echo VALUE >FILE" commands joined by "&&", run in order until
 * one fails, as /bin/sh -c would; anything else is refused.
 */
static int run_setup(char *setup)
{
	char *cmd, *next, *gt, *value, *file, *end;
	char text[256];

	for (cmd = setup; cmd; cmd = next) {
		next = strstr(cmd, "&&");
		if (next) {
			*next = '\0';
			next += 2;
		}
		while (is_blank(*cmd))
			cmd++;
		gt = strchr(cmd, '>');
		if (strncmp(cmd, "echo ", 5) || !gt) {
			say("FAIL step=setup: '%s' is not 'echo VALUE >FILE' (no shell here)", cmd);
			return -1;
		}
		*gt = '\0';
		value = cmd + 5;
		file = gt + 1;
		next_word((const char **)&value);
		next_word((const char **)&file);
		for (end = value + strlen(value); end > value && is_blank(end[-1]); )
			*--end = '\0';
		for (end = file; *end && !is_blank(*end); end++)
			;
		*end = '\0';
		snprintf(text, sizeof(text), "%s\n", value);
		if (write_file(file, text)) {
			say("FAIL step=setup: echo %s >%s: %m", value, file);
			return -1;
		}
		say("setup: echo %s >%s", value, file);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The next kernel                                                    */
/* ------------------------------------------------------------------ */

/* Physical address of a CKSEG0 address (the kernel links at CKSEG0). */
static int ckseg0_phys(unsigned long addr, unsigned long *phys)
{
	if (addr < CKSEG0 || addr - CKSEG0 >= CKSEG0_SIZE)
		return -1;
	*phys = addr - CKSEG0;
	return 0;
}

/* ELF header and program headers of the image, checked; NULL if bad. */
static Elf64_Ehdr *image_header(long size)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)kernel_file;

	if (size < (long)sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_MIPS) {
		say("FAIL step=kexec-load: %s is not an ELF64 MIPS kernel", KERNEL_PATH);
		return NULL;
	}
	if (eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phoff + (unsigned long)eh->e_phnum * sizeof(Elf64_Phdr) > (unsigned long)size ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    eh->e_shoff + (unsigned long)eh->e_shnum * sizeof(Elf64_Shdr) > (unsigned long)size) {
		say("FAIL step=kexec-load: %s: program or section headers out of the file",
		    KERNEL_PATH);
		return NULL;
	}
	return eh;
}

/*
 * Lay out the PT_LOAD segments in kernel_seg as they will sit in memory,
 * from *start (physical, page aligned) to *end.
 */
static int image_layout(Elf64_Ehdr *eh, long size, unsigned long page,
			unsigned long *start, unsigned long *end)
{
	Elf64_Phdr *ph = (Elf64_Phdr *)(kernel_file + eh->e_phoff);
	unsigned long lo = -1UL, hi = 0, pa;
	int i;

	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
			continue;
		if (ckseg0_phys(ph[i].p_paddr, &pa) ||
		    ph[i].p_filesz > ph[i].p_memsz ||
		    ph[i].p_offset + ph[i].p_filesz > (unsigned long)size) {
			say("FAIL step=kexec-load: segment %d (paddr %llx) is not a CKSEG0 segment inside the file",
			    i, (unsigned long long)ph[i].p_paddr);
			return -1;
		}
		if (pa < lo)
			lo = pa;
		if (pa + ph[i].p_memsz > hi)
			hi = pa + ph[i].p_memsz;
	}
	if (!hi) {
		say("FAIL step=kexec-load: %s has no PT_LOAD segment", KERNEL_PATH);
		return -1;
	}
	lo &= ~(page - 1);
	hi = (hi + page - 1) & ~(page - 1);
	if (hi - lo > sizeof(kernel_seg)) {
		say("FAIL step=kexec-load: the kernel spans %lu bytes, more than %lu",
		    hi - lo, (unsigned long)sizeof(kernel_seg));
		return -1;
	}
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
			continue;
		ckseg0_phys(ph[i].p_paddr, &pa);
		memcpy(kernel_seg + (pa - lo), kernel_file + ph[i].p_offset, ph[i].p_filesz);
	}
	*start = lo;
	*end = hi;
	return 0;
}

/*
 * Where NAME's bytes sit in kernel_seg (from the image's .symtab), and how
 * many there are; NULL if the symbol is missing or not file-backed data
 * (the new kernel clears its BSS).
 */
static char *image_symbol(Elf64_Ehdr *eh, long size, unsigned long start,
			  const char *name, unsigned long *len)
{
	Elf64_Shdr *sh = (Elf64_Shdr *)(kernel_file + eh->e_shoff);
	Elf64_Phdr *ph = (Elf64_Phdr *)(kernel_file + eh->e_phoff);
	unsigned long n, k, pa;
	Elf64_Sym *sym;
	const char *str;
	int i, j;

	for (i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum ||
		    sh[i].sh_offset + sh[i].sh_size > (unsigned long)size ||
		    sh[sh[i].sh_link].sh_offset + sh[sh[i].sh_link].sh_size > (unsigned long)size)
			continue;
		sym = (Elf64_Sym *)(kernel_file + sh[i].sh_offset);
		str = kernel_file + sh[sh[i].sh_link].sh_offset;
		n = sh[i].sh_size / sizeof(*sym);
		for (k = 0; k < n; k++) {
			if (sym[k].st_name >= sh[sh[i].sh_link].sh_size ||
			    strcmp(str + sym[k].st_name, name))
				continue;
			for (j = 0; j < eh->e_phnum; j++) {
				if (ph[j].p_type == PT_LOAD &&
				    sym[k].st_value >= ph[j].p_vaddr &&
				    sym[k].st_value + sym[k].st_size <=
				    ph[j].p_vaddr + ph[j].p_filesz &&
				    !ckseg0_phys(sym[k].st_value, &pa)) {
					*len = sym[k].st_size;
					return kernel_seg + (pa - start);
				}
			}
			return NULL;
		}
	}
	return NULL;
}

/*
 * The next kernel's command line: this one's without rd_start=, rd_size=
 * and psh.* words, plus the new initrd and the kexec mark.
 */
static int next_cmdline(char *out, unsigned long size, unsigned long rd_pa,
			long rd_size)
{
	char running[CMDLINE_MAX];
	unsigned long used = 0;
	const char *pos = running;
	long len;

	if (read_line("/proc/cmdline", running, sizeof(running))) {
		say("FAIL step=kexec-load: cannot read /proc/cmdline: %m");
		return -1;
	}
	for (; (len = next_word(&pos)); pos += len) {
		if (!strncmp(pos, "rd_start=", 9) || !strncmp(pos, "rd_size=", 8) ||
		    !strncmp(pos, "psh.", 4) || used + len + 2 > size)
			continue;
		memcpy(out + used, pos, len);
		used += len;
		out[used++] = ' ';
	}
	if (snprintf(out + used, size - used, "rd_start=0x%lx rd_size=%ld %s",
		     CKSEG0 + rd_pa, rd_size, KEXEC_MARK) >= (int)(size - used)) {
		say("FAIL step=kexec-load: the next command line is longer than %lu bytes", size);
		return -1;
	}
	return 0;
}

/* kexec_load() this kernel image and the initrd, with a command line. */
static int load_next_kernel(void)
{
	unsigned long page = getpagesize(), start, end, rd_pa, slot_len;
	struct kexec_segment seg[2];
	char cmdline[CMDLINE_MAX];
	long size, rd_size, ret;
	unsigned long entry;
	Elf64_Ehdr *eh;
	char *slot;

	size = read_file(KERNEL_PATH, kernel_file, sizeof(kernel_file), "kexec-load");
	rd_size = read_file(INITRD_PATH, initrd_file, sizeof(initrd_file), "kexec-load");
	if (size < 0 || rd_size < 0)
		return -1;
	eh = image_header(size);
	if (!eh || image_layout(eh, size, page, &start, &end))
		return -1;
	if (ckseg0_phys(eh->e_entry, &entry)) {
		say("FAIL step=kexec-load: entry point %llx is not in CKSEG0",
		    (unsigned long long)eh->e_entry);
		return -1;
	}
	rd_pa = (end + INITRD_ALIGN - 1) & ~(INITRD_ALIGN - 1);
	if (next_cmdline(cmdline, sizeof(cmdline), rd_pa, rd_size))
		return -1;
	slot = image_symbol(eh, size, start, CMDLINE_SYMBOL, &slot_len);
	if (!slot || slot_len <= strlen(cmdline)) {
		say("FAIL step=kexec-load: %s has no file-backed %s to hold %ld bytes (symbols stripped?)",
		    KERNEL_PATH, CMDLINE_SYMBOL, (long)strlen(cmdline) + 1);
		return -1;
	}
	strcpy(slot, cmdline);
	say("next kernel: %lx-%lx, entry %lx, initrd %lx+%lx, cmdline: %s",
	    start, end, entry, rd_pa, (unsigned long)rd_size, cmdline);

	seg[0] = (struct kexec_segment){ .buf = kernel_seg, .bufsz = end - start,
					 .mem = (void *)start, .memsz = end - start };
	seg[1] = (struct kexec_segment){ .buf = initrd_file, .bufsz = rd_size,
					 .mem = (void *)rd_pa,
					 .memsz = (rd_size + page - 1) & ~(page - 1) };
	ret = syscall(__NR_kexec_load, entry, 2, seg, KEXEC_ARCH_DEFAULT);
	if (ret) {
		say("FAIL step=kexec-load: kexec_load(): %m");
		return -1;
	}
	say("kexec kernel loaded");
	return 0;
}

/* ------------------------------------------------------------------ */
/* The modes                                                          */
/* ------------------------------------------------------------------ */

/* Put the "armed" marker line into the kernel log (or on the console). */
static void write_marker(const char *online)
{
	char line[512];
	int fd, n;

	n = snprintf(line, sizeof(line),
		     "<5>psh: armed online=%.64s trigger=kexec trigger_cpu=0 crash_kernel=no\n",
		     online);
	fd = open("/dev/kmsg", O_WRONLY);
	if (fd >= 0 && write(fd, line, n) == n) {
		close(fd);
		return;
	}
	say("write /dev/kmsg: %m");
	if (fd >= 0)
		close(fd);
	say("%.*s", n - 9, line + 8);
}

static void first_kernel(void)
{
	char online[256], cpu[16];
	struct conf conf;

	if (conf_load(&conf))
		return;
	say_online_cpus(online, sizeof(online));
	if (load_next_kernel())
		return;
	if (conf.setup[0]) {
		drain_console();
		if (run_setup(conf.setup))
			return;
		say("step=setup rc=0");
	}
	if (conf.reboot_cpu >= 0) {
		snprintf(cpu, sizeof(cpu), "%d", conf.reboot_cpu);
		if (write_file(REBOOT_CPU_PATH, cpu)) {
			say("FAIL step=reboot-cpu: cannot write %s to %s: %m",
			    cpu, REBOOT_CPU_PATH);
			return;
		}
		say("reboot cpu: %s", cpu);
	}
	write_marker(online);
	drain_console();
	reboot(LINUX_REBOOT_CMD_KEXEC);
	say("FAIL step=kexec-exec: reboot(LINUX_REBOOT_CMD_KEXEC): %m");
}

int main(void)
{
	char cmdline[CMDLINE_MAX], online[256];
	static const char *const dirs[] = { "/proc", "/sys", "/dev" };
	int i, kexeced;

	for (i = 0; i < 3; i++)
		mkdir(dirs[i], 0755);
	if (mount("proc", "/proc", "proc", 0, NULL) ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL) ||
	    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL)) {
		say("FAIL step=mount: %m");
		goto out;
	}
	kexeced = !read_line("/proc/cmdline", cmdline, sizeof(cmdline)) &&
		  has_word(cmdline, KEXEC_MARK);
	say("%s", kexeced ? "kexec kernel up" : "first kernel up");
	if (kexeced)
		say_online_cpus(online, sizeof(online));
	else
		first_kernel();
out:
	say("rebooting");
	reboot(LINUX_REBOOT_CMD_RESTART);
	return 1;
}
