// SPDX-License-Identifier: GPL-2.0
/*
 * mips-kexec-init - PID 1 of the mips64el kexec and kdump test guest
 *
 * QEMU -M malta -cpu I6400 is MIPS64 Release 6, for which Debian ships no
 * userland (no busybox, no kexec-tools, no makedumpfile).  This is
 * psh-init's kexec -e and sysrq kdump paths, built with the kernel's
 * nolibc, speaking psh-init's console protocol, so that harness/judge.sh
 * decides the run (expect=kexec or expect=vmcore):
 *
 *   psh: first kernel up | psh: kexec kernel up | psh: capture kernel up
 *   psh: online cpus: <list>
 *   psh: kexec kernel loaded | psh: crash kernel loaded
 *   psh: step=setup rc=<n>
 *   psh: armed online=<list> trigger=<kexec|sysrq> ... pid=<P>   (via /dev/kmsg)
 *   psh: trigger: pid <P>
 *   psh: trigger: running on cpu <N>
 *   psh: step=<notes|printk-text|write-results> rc=<n>
 *   psh: results written
 *   psh: FAIL step=<name>: <why>
 *
 * FIRST mode: read /etc/psh.conf; with trigger=kexec load /boot/vmlinuz
 * (the ELF vmlinux) and /boot/initrd.img with kexec_load(), run the
 * setup, write reboot_cpu to /sys/kernel/reboot/cpu if set, write the
 * marker and reboot(LINUX_REBOOT_CMD_KEXEC).  With crash_kernel=yes and
 * trigger=sysrq load them as the crash kernel instead (KEXEC_ON_CRASH,
 * into the "Crash kernel" range of /proc/iomem, with an ELF core header
 * made here as kexec-tools would: a PT_NOTE per CPU's crash_notes, one
 * for vmcoreinfo, a PT_LOAD per System RAM range outside the crash
 * kernel), run the setup, write the marker, move to trigger_cpu and
 * write "c" to /proc/sysrq-trigger.
 *
 * KEXEC mode (psh.kexec=1 on the command line): print the online CPUs
 * and reboot.
 *
 * CAPTURE mode (/proc/vmcore exists): save bytes [0, end of PT_NOTE) of
 * /proc/vmcore as vmcore-header.bin and the dead kernel's printk text
 * ring (found through VMCOREINFO: prb, printk_ringbuffer.text_data_ring,
 * prb_data_ring.size_bits and .data) as printk-text.bin, with result.txt
 * (notes_rc=, printk_rc=, vmcore_bytes=, capture_uptime=, capture=ok or
 * capture=failed step=STEP), as a tar archive on /dev/vda.  The host
 * decodes the two files (harness/run.sh: tools/vmcore-notes for
 * notes.txt, the ring's text for dmesg.txt), as psh-init's
 * psh-vmcore-notes and makedumpfile would have in the guest.
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
 * The crash kernel's command line goes into its arcs_cmdline the same
 * way: /proc/cmdline without rd_*=, crashkernel=, memsize= and psh.*
 * words, plus mem=SIZE@START for the crash kernel range (and 64 KiB
 * of low memory, see PFN0_WORKAROUND),
 * elfcorehdr=SIZE@ADDR, rd_start=/rd_size=, the kdump options of
 * Documentation/admin-guide/kdump/kdump.rst and capture_append.
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
#define IOMEM_PATH		"/proc/iomem"
#define CRASH_LOADED_PATH	"/sys/kernel/kexec_crash_loaded"
#define CPU_DIR			"/sys/devices/system/cpu"
#define VMCOREINFO_PATH		"/sys/kernel/vmcoreinfo"
#define SYSRQ_PATH		"/proc/sysrq-trigger"
#define VMCORE_PATH		"/proc/vmcore"
#define RESULTS_DISK		"/dev/vda"
#define KDUMP_OPTS		"1 maxcpus=1 reset_devices"
#define PANIC_WAIT		30	/* seconds the trigger may take */
/*
 * The capture kernel also gets the second page of memory: 7.3's FLATMEM
 * max_mapnr counts from the node's first PFN rounded down to
 * MAX_ORDER_NR_PAGES (mm_init.c, alloc_node_mem_map()) but Malta's
 * pfn_valid() from ARCH_PFN_OFFSET 0, so with memory from 128 MiB alone
 * the upper half of it is "invalid" and vmcore_init()'s vmalloc() WARNs
 * and fails.  64 KiB at 64 KiB move the node's start to PFN 0 (memory at
 * 0 would come back from memblock_phys_alloc() as 0, "no memory"; less
 * than the 64 KiB MAAR granule crashed in maar_init()).  The first kernel
 * kept early allocations there, nothing the judge reads.
 */
#define PFN0_WORKAROUND		"mem=64K@64K"
#define MAX_CPUS		64
#define MAX_RAM			8	/* System RAM ranges */

#define CKSEG0			0xffffffff80000000UL
#define CKSEG0_SIZE		0x20000000UL	/* 512 MiB, unmapped, cached */
#define XKPHYS_MASK		((1UL << 59) - 1)	/* under the cache bits */
#define INITRD_ALIGN		(1UL << 20)
#define CMDLINE_MAX		4096
#define CONF_MAX		16384

/*
 * Allocated when a kernel is loaded: as static arrays they would count
 * against the capture kernel's 64 MiB too, and exec() would fail there.
 */
#define KERNEL_MAX		(32 << 20)
#define INITRD_MAX		(16 << 20)
static char *kernel_file;		/* the ELF vmlinux as read */
static char *kernel_seg;		/* its PT_LOAD segments, as loaded */
static char *initrd_file;
static char elfcorehdr[16384];		/* made for the crash kernel */
static char vmcore_head[65536];		/* capture: headers and notes */
static char printk_text[1 << 20];	/* capture: the dead kernel's ring */

struct conf {
	int reboot_cpu;			/* -1: leave the default */
	int crash;			/* crash_kernel=yes: kdump, not kexec */
	int trigger_sysrq;		/* trigger=sysrq, else kexec */
	int trigger_cpu;
	char setup[1024];
	char capture_append[256];
};

/* A physical address range [start, end). */
struct range {
	unsigned long start, end;
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
 * agent cannot (lkdtm and other triggers, init_cpu, a shell) is refused;
 * that trigger= and crash_kernel= fit together is checked after the file.
 */
static int conf_set(struct conf *conf, const char *key, const char *value)
{
	if (!strcmp(key, "trigger")) {
		if (strcmp(value, "kexec") && strcmp(value, "sysrq"))
			goto unsupported;
		conf->trigger_sysrq = !strcmp(value, "sysrq");
	} else if (!strcmp(key, "crash_kernel")) {
		if (strcmp(value, "no") && strcmp(value, "yes"))
			goto unsupported;
		conf->crash = !strcmp(value, "yes");
	} else if (!strcmp(key, "trigger_cpu")) {
		conf->trigger_cpu = atoi(value);
		if (conf->trigger_cpu < 0 || conf->trigger_cpu >= MAX_CPUS)
			goto unsupported;
	} else if (!strcmp(key, "capture_append")) {
		if (strlen(value) >= sizeof(conf->capture_append))
			goto unsupported;
		strcpy(conf->capture_append, value);
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
	say("FAIL step=config: %s=%s is not supported by mips-kexec-init (kexec -e and sysrq kdump only, no shell)",
	    key, value);
	return -1;
}

static int conf_load(struct conf *conf)
{
	static char text[CONF_MAX];
	char *line, *next, *eq;
	long n;

	memset(conf, 0, sizeof(*conf));
	conf->reboot_cpu = -1;
	conf->crash = 1;		/* psh-init's defaults */
	conf->trigger_sysrq = 1;
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
	if (conf->crash != conf->trigger_sysrq) {
		say("FAIL step=config: crash_kernel=%s with trigger=%s: mips-kexec-init does kexec -e without a crash kernel or a sysrq kdump with one",
		    conf->crash ? "yes" : "no", conf->trigger_sysrq ? "sysrq" : "kexec");
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
	if (hi - lo > KERNEL_MAX) {
		say("FAIL step=kexec-load: the kernel spans %lu bytes, more than %lu",
		    hi - lo, (unsigned long)KERNEL_MAX);
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

/* Words of this kernel's command line that the next one must not get. */
static int dropped_word(const char *word)
{
	static const char *const prefixes[] = {
		"rd_start=", "rd_size=", "crashkernel=", "memsize=", "psh.",
	};
	unsigned int i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(word, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

/*
 * The next kernel's command line: this one's without the dropped words
 * (memsize= is kept for a kexec -e kernel, which needs it), then TAIL,
 * then the new initrd.
 */
static int next_cmdline(char *out, unsigned long size, const char *tail,
			int keep_memsize, unsigned long rd_pa, long rd_size)
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
		if ((dropped_word(pos) &&
		     !(keep_memsize && !strncmp(pos, "memsize=", 8))) ||
		    used + len + 2 > size)
			continue;
		memcpy(out + used, pos, len);
		used += len;
		out[used++] = ' ';
	}
	if (snprintf(out + used, size - used, "%s rd_start=0x%lx rd_size=%ld",
		     tail, CKSEG0 + rd_pa, rd_size) >= (int)(size - used)) {
		say("FAIL step=kexec-load: the next command line is longer than %lu bytes", size);
		return -1;
	}
	return 0;
}

/* The next kernel as read and laid out, with its initrd after it. */
struct next_kernel {
	Elf64_Ehdr *eh;
	long size;			/* of the ELF file */
	unsigned long start, end;	/* physical, page aligned */
	unsigned long entry;		/* physical */
	unsigned long rd_pa;
	long rd_size;
};

static int read_next_kernel(struct next_kernel *nk)
{
	unsigned long page = getpagesize();

	kernel_file = malloc(KERNEL_MAX);
	kernel_seg = calloc(1, KERNEL_MAX);
	initrd_file = malloc(INITRD_MAX);
	if (!kernel_file || !kernel_seg || !initrd_file) {
		say("FAIL step=kexec-load: no memory for the kernel and initrd buffers");
		return -1;
	}
	nk->size = read_file(KERNEL_PATH, kernel_file, KERNEL_MAX, "kexec-load");
	nk->rd_size = read_file(INITRD_PATH, initrd_file, INITRD_MAX, "kexec-load");
	if (nk->size < 0 || nk->rd_size < 0)
		return -1;
	nk->eh = image_header(nk->size);
	if (!nk->eh || image_layout(nk->eh, nk->size, page, &nk->start, &nk->end))
		return -1;
	if (ckseg0_phys(nk->eh->e_entry, &nk->entry)) {
		say("FAIL step=kexec-load: entry point %llx is not in CKSEG0",
		    (unsigned long long)nk->eh->e_entry);
		return -1;
	}
	nk->rd_pa = (nk->end + INITRD_ALIGN - 1) & ~(INITRD_ALIGN - 1);
	return 0;
}

/* Write CMDLINE into the loaded image's arcs_cmdline. */
static int set_image_cmdline(struct next_kernel *nk, const char *cmdline)
{
	unsigned long slot_len;
	char *slot;

	slot = image_symbol(nk->eh, nk->size, nk->start, CMDLINE_SYMBOL, &slot_len);
	if (!slot || slot_len <= strlen(cmdline)) {
		say("FAIL step=kexec-load: %s has no file-backed %s to hold %ld bytes (symbols stripped?)",
		    KERNEL_PATH, CMDLINE_SYMBOL, (long)strlen(cmdline) + 1);
		return -1;
	}
	strcpy(slot, cmdline);
	say("next kernel: %lx-%lx, entry %lx, initrd %lx+%lx, cmdline: %s",
	    nk->start, nk->end, nk->entry, nk->rd_pa, (unsigned long)nk->rd_size,
	    cmdline);
	return 0;
}

/* The kernel image and initrd as kexec segments; the number used. */
static int image_segments(struct next_kernel *nk, struct kexec_segment *seg)
{
	unsigned long page = getpagesize();

	seg[0] = (struct kexec_segment){ .buf = kernel_seg, .bufsz = nk->end - nk->start,
					 .mem = (void *)nk->start,
					 .memsz = nk->end - nk->start };
	seg[1] = (struct kexec_segment){ .buf = initrd_file, .bufsz = nk->rd_size,
					 .mem = (void *)nk->rd_pa,
					 .memsz = (nk->rd_size + page - 1) & ~(page - 1) };
	return 2;
}

/* kexec_load() this kernel image and the initrd, with a command line. */
static int load_next_kernel(void)
{
	struct kexec_segment seg[2];
	char cmdline[CMDLINE_MAX];
	struct next_kernel nk;
	int n;

	if (read_next_kernel(&nk) ||
	    next_cmdline(cmdline, sizeof(cmdline), KEXEC_MARK, 1, nk.rd_pa, nk.rd_size) ||
	    set_image_cmdline(&nk, cmdline))
		return -1;
	/*
	 * Not inside the syscall() arguments: nolibc loads them into register
	 * variables, and a call among them clobbers v0, the syscall number.
	 */
	n = image_segments(&nk, seg);
	if (syscall(__NR_kexec_load, nk.entry, n, seg, KEXEC_ARCH_DEFAULT)) {
		say("FAIL step=kexec-load: kexec_load(): %m");
		return -1;
	}
	say("kexec kernel loaded");
	return 0;
}

/* ------------------------------------------------------------------ */
/* The crash kernel                                                   */
/* ------------------------------------------------------------------ */

/* A hex number file such as crash_notes; 0 if it is there. */
static int read_hex(const char *path, unsigned long *value)
{
	char text[64];

	if (read_line(path, text, sizeof(text)))
		return -1;
	*value = strtoul(text, NULL, 16);
	return 0;
}

/*
 * The System RAM ranges (top-level lines of /proc/iomem) and the "Crash
 * kernel" range inside them.
 */
static int read_iomem(struct range *ram, int *nr_ram, struct range *crash)
{
	static char text[CONF_MAX];
	char *line, *next, *name;
	unsigned long lo, hi;
	long n;

	n = read_file(IOMEM_PATH, text, sizeof(text) - 1, "kexec-load");
	if (n < 0)
		return -1;
	text[n] = '\0';
	*nr_ram = 0;
	crash->start = crash->end = 0;
	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		name = strstr(line, " : ");
		if (!name || !strchr(line, '-'))
			continue;
		lo = strtoul(line, NULL, 16);	/* skips the indent */
		hi = strtoul(strchr(line, '-') + 1, NULL, 16) + 1;
		if (!strcmp(name + 3, "Crash kernel")) {
			crash->start = lo;
			crash->end = hi;
		} else if (line[0] != ' ' && !strcmp(name + 3, "System RAM") &&
			   *nr_ram < MAX_RAM) {
			ram[*nr_ram].start = lo;
			ram[(*nr_ram)++].end = hi;
		}
	}
	if (!crash->end || !*nr_ram) {
		say("FAIL step=kexec-load: %s has no %s range (crashkernel= missing or refused?)",
		    IOMEM_PATH, crash->end ? "System RAM" : "Crash kernel");
		return -1;
	}
	return 0;
}

/* Append one program header to the ELF core header being made. */
static Elf64_Phdr *core_phdr(Elf64_Ehdr *eh, Elf64_Word type, unsigned long pa,
			     unsigned long len)
{
	Elf64_Phdr *ph = (Elf64_Phdr *)(elfcorehdr + sizeof(*eh)) + eh->e_phnum;

	if ((char *)(ph + 1) > elfcorehdr + sizeof(elfcorehdr))
		return NULL;
	eh->e_phnum++;
	*ph = (Elf64_Phdr){ .p_type = type, .p_offset = pa, .p_paddr = pa,
			    .p_filesz = len, .p_memsz = len };
	if (type == PT_LOAD) {
		ph->p_flags = PF_R | PF_W | PF_X;
		if (pa + len <= CKSEG0_SIZE)
			ph->p_vaddr = CKSEG0 + pa;
	}
	return ph;
}

/* A PT_LOAD for [lo, hi) if that is not empty; 0 if the header is full. */
static int core_load(Elf64_Ehdr *eh, unsigned long lo, unsigned long hi)
{
	return hi <= lo || core_phdr(eh, PT_LOAD, lo, hi - lo);
}

/*
 * The ELF core header of this kernel, as kexec-tools makes it for MIPS:
 * a PT_NOTE per CPU's crash_notes and one for vmcoreinfo, a PT_LOAD per
 * System RAM range less the crash kernel's.  Its size, or -1.
 */
static long make_elfcorehdr(const struct range *ram, int nr_ram,
			    const struct range *crash)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)elfcorehdr;
	unsigned long addr, size, lo, hi;
	char path[96], text[64];
	int cpu, cpus = 0, i;

	memset(elfcorehdr, 0, sizeof(elfcorehdr));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_CORE;
	eh->e_machine = EM_MIPS;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);

	for (cpu = 0; cpu < MAX_CPUS; cpu++) {
		snprintf(path, sizeof(path), CPU_DIR "/cpu%d/crash_notes", cpu);
		if (read_hex(path, &addr))
			continue;
		snprintf(path, sizeof(path), CPU_DIR "/cpu%d/crash_notes_size", cpu);
		if (read_line(path, text, sizeof(text)) ||
		    !core_phdr(eh, PT_NOTE, addr, strtoul(text, NULL, 10)))
			goto full;
		cpus++;
	}
	if (!cpus || read_line(VMCOREINFO_PATH, text, sizeof(text))) {
		say("FAIL step=kexec-load: no %s", cpus ? VMCOREINFO_PATH : "crash_notes of any CPU");
		return -1;
	}
	addr = strtoul(text, NULL, 16);
	size = strtoul(strchr(text, ' ') ? strchr(text, ' ') + 1 : "0", NULL, 16);
	if (!core_phdr(eh, PT_NOTE, addr, size))
		goto full;

	for (i = 0; i < nr_ram; i++) {
		lo = ram[i].start;
		hi = ram[i].end;
		if (crash->start < hi && crash->end > lo) {
			/* the pieces below and above the crash kernel's range */
			if (!core_load(eh, lo, crash->start) ||
			    !core_load(eh, crash->end, hi))
				goto full;
		} else if (!core_load(eh, lo, hi)) {
			goto full;
		}
	}
	return sizeof(*eh) + eh->e_phnum * sizeof(Elf64_Phdr);
full:
	say("FAIL step=kexec-load: more program headers than the %lu-byte ELF core header holds",
	    (unsigned long)sizeof(elfcorehdr));
	return -1;
}

/*
 * kexec_load(KEXEC_ON_CRASH) /boot/vmlinuz (linked inside the crash
 * kernel range) with the initrd and an ELF core header after it.
 */
static int load_crash_kernel(const struct conf *conf)
{
	unsigned long page = getpagesize(), hdr_pa;
	char cmdline[CMDLINE_MAX], tail[512];
	struct range ram[MAX_RAM], crash;
	struct kexec_segment seg[3];
	struct next_kernel nk;
	long hdr_size;
	int n;

	if (read_iomem(ram, &n, &crash) || read_next_kernel(&nk))
		return -1;
	hdr_size = make_elfcorehdr(ram, n, &crash);
	if (hdr_size < 0)
		return -1;
	hdr_pa = (nk.rd_pa + nk.rd_size + page - 1) & ~(page - 1);
	if (nk.start < crash.start || hdr_pa + page > crash.end) {
		say("FAIL step=kexec-load: %s (%lx-%lx) with initrd and core header (to %lx) does not fit the crash kernel range %lx-%lx (built for another crashkernel=?)",
		    KERNEL_PATH, nk.start, nk.end, hdr_pa + page, crash.start, crash.end);
		return -1;
	}
	snprintf(tail, sizeof(tail), "%s mem=%luK@%luK elfcorehdr=%luK@%luK %s %s",
		 PFN0_WORKAROUND,
		 (crash.end - crash.start) >> 10, crash.start >> 10, page >> 10,
		 hdr_pa >> 10, KDUMP_OPTS, conf->capture_append);
	if (next_cmdline(cmdline, sizeof(cmdline), tail, 0, nk.rd_pa, nk.rd_size) ||
	    set_image_cmdline(&nk, cmdline))
		return -1;
	n = image_segments(&nk, seg);
	seg[n++] = (struct kexec_segment){ .buf = elfcorehdr, .bufsz = hdr_size,
					   .mem = (void *)hdr_pa, .memsz = page };
	if (syscall(__NR_kexec_load, nk.entry, n, seg,
		    KEXEC_ON_CRASH | KEXEC_ARCH_DEFAULT)) {
		say("FAIL step=kexec-load: kexec_load(KEXEC_ON_CRASH): %m");
		return -1;
	}
	if (read_line(CRASH_LOADED_PATH, tail, sizeof(tail)) || strcmp(tail, "1")) {
		say("FAIL step=kexec-load: %s does not read 1 after kexec_load()",
		    CRASH_LOADED_PATH);
		return -1;
	}
	say("crash kernel loaded");
	return 0;
}

/* Move to CPU and panic through sysrq; returns only if it did not. */
static void trigger_sysrq(int cpu)
{
	unsigned long mask[MAX_CPUS / (8 * sizeof(long))] = { 0 };
	unsigned int on = -1;

	mask[cpu / (8 * sizeof(long))] = 1UL << (cpu % (8 * sizeof(long)));
	if (syscall(__NR_sched_setaffinity, 0, sizeof(mask), mask) ||
	    syscall(__NR_getcpu, &on, NULL, NULL) || (int)on != cpu) {
		say("FAIL step=trigger: cannot move to cpu %d (on cpu %d): %m", cpu, (int)on);
		return;
	}
	say("trigger: pid %d", getpid());
	say("trigger: running on cpu %d", cpu);
	say("trigger: writing \"c\" to %s", SYSRQ_PATH);
	drain_console();
	if (write_file(SYSRQ_PATH, "c")) {
		say("FAIL step=trigger: cannot write c to %s: %m", SYSRQ_PATH);
		return;
	}
	sleep(PANIC_WAIT);
	say("FAIL step=panic: still alive %d s after the trigger", PANIC_WAIT);
}

/* ------------------------------------------------------------------ */
/* The modes                                                          */
/* ------------------------------------------------------------------ */

/* Put the "armed" marker line into the kernel log (or on the console). */
static void write_marker(const char *online, const struct conf *conf)
{
	char line[512];
	int fd, n;

	n = snprintf(line, sizeof(line),
		     "<5>psh: armed online=%.64s trigger=%s trigger_cpu=%d crash_kernel=%s pid=%d\n",
		     online, conf->crash ? "sysrq" : "kexec", conf->trigger_cpu,
		     conf->crash ? "yes" : "no", getpid());
	fd = open("/dev/kmsg", O_WRONLY);
	if (fd >= 0 && write(fd, line, n) == n) {
		close(fd);
		return;
	}
	say("write /dev/kmsg: %m");
	if (fd >= 0)
		close(fd);
	say("%.*s", n - 4, line + 3);
}

static void first_kernel(void)
{
	char online[256], cpu[16];
	struct conf conf;

	if (conf_load(&conf))
		return;
	say_online_cpus(online, sizeof(online));
	if (conf.crash ? load_crash_kernel(&conf) : load_next_kernel())
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
	write_marker(online, &conf);
	drain_console();
	if (conf.crash) {
		trigger_sysrq(conf.trigger_cpu);
		return;
	}
	reboot(LINUX_REBOOT_CMD_KEXEC);
	say("FAIL step=kexec-exec: reboot(LINUX_REBOOT_CMD_KEXEC): %m");
}

/* ------------------------------------------------------------------ */
/* CAPTURE mode                                                       */
/* ------------------------------------------------------------------ */

/* /proc/vmcore, its headers and notes in vmcore_head. */
struct vmcore {
	int fd;
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
	long head_len;		/* bytes [0, end of the PT_NOTE segments) */
	long long bytes;	/* size of /proc/vmcore */
};

static int vmcore_open(struct vmcore *vc)
{
	unsigned long end;
	long got;
	int i;

	vc->fd = open(VMCORE_PATH, O_RDONLY);
	if (vc->fd < 0) {
		say("FAIL step=notes: cannot open %s: %m", VMCORE_PATH);
		return -1;
	}
	vc->bytes = lseek(vc->fd, 0, SEEK_END);
	got = lseek(vc->fd, 0, SEEK_SET) ? -1 :
	      read(vc->fd, vmcore_head, sizeof(vmcore_head));
	vc->eh = (Elf64_Ehdr *)vmcore_head;
	vc->ph = (Elf64_Phdr *)(vmcore_head + vc->eh->e_phoff);
	if (got < (long)sizeof(*vc->eh) || memcmp(vc->eh->e_ident, ELFMAG, SELFMAG) ||
	    vc->eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    vc->eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    vc->eh->e_phoff + vc->eh->e_phnum * sizeof(Elf64_Phdr) > (unsigned long)got) {
		say("FAIL step=notes: %s does not start with ELF64 headers (read %ld bytes)",
		    VMCORE_PATH, got);
		return -1;
	}
	vc->head_len = vc->eh->e_phoff + vc->eh->e_phnum * sizeof(Elf64_Phdr);
	for (i = 0; i < vc->eh->e_phnum; i++) {
		if (vc->ph[i].p_type != PT_NOTE)
			continue;
		end = vc->ph[i].p_offset + vc->ph[i].p_filesz;
		if (end > (unsigned long)got) {
			say("FAIL step=notes: %s: notes end at %lu, past the %ld bytes read",
			    VMCORE_PATH, end, got);
			return -1;
		}
		if ((long)end > vc->head_len)
			vc->head_len = end;
	}
	return 0;
}

/* Read LEN bytes of the dead kernel's memory at kernel address VADDR. */
static int vmcore_read(struct vmcore *vc, unsigned long vaddr, void *buf,
		       unsigned long len)
{
	unsigned long pa;
	int i;

	if (ckseg0_phys(vaddr, &pa)) {
		if (vaddr >> 62 != 2)	/* not XKPHYS either */
			return -1;
		pa = vaddr & XKPHYS_MASK;
	}
	for (i = 0; i < vc->eh->e_phnum; i++) {
		const Elf64_Phdr *ph = &vc->ph[i];

		if (ph->p_type != PT_LOAD || pa < ph->p_paddr ||
		    pa + len > ph->p_paddr + ph->p_filesz)
			continue;
		if (lseek(vc->fd, ph->p_offset + (pa - ph->p_paddr), SEEK_SET) < 0)
			return -1;
		return read(vc->fd, buf, len) == (long)len ? 0 : -1;
	}
	return -1;
}

/* The number after "KEY=" in the VMCOREINFO note (BASE 16 or 10). */
static int vmcoreinfo_number(struct vmcore *vc, const char *key, int base,
			     unsigned long *value)
{
	static char text[8192];
	unsigned long off, namesz, descsz;
	const Elf64_Nhdr *nh;
	char *at;
	int i;

	for (i = 0; i < vc->eh->e_phnum; i++) {
		if (vc->ph[i].p_type != PT_NOTE)
			continue;
		for (off = vc->ph[i].p_offset;
		     off + sizeof(*nh) <= vc->ph[i].p_offset + vc->ph[i].p_filesz;
		     off += sizeof(*nh) + namesz + descsz) {
			nh = (const Elf64_Nhdr *)(vmcore_head + off);
			namesz = (nh->n_namesz + 3) & ~3UL;
			descsz = (nh->n_descsz + 3) & ~3UL;
			if (!nh->n_namesz && !nh->n_descsz)
				break;
			if (strcmp(vmcore_head + off + sizeof(*nh), "VMCOREINFO") ||
			    nh->n_descsz >= sizeof(text))
				continue;
			memcpy(text, vmcore_head + off + sizeof(*nh) + namesz,
			       nh->n_descsz);
			text[nh->n_descsz] = '\0';
			at = strstr(text, key);
			if (!at || (at != text && at[-1] != '\n'))
				return -1;
			*value = strtoul(at + strlen(key), NULL, base);
			return 0;
		}
	}
	return -1;
}

/*
 * The text data ring of the dead kernel's printk buffer: *prb, then its
 * text_data_ring's data pointer and size_bits.  Its length, or -1.
 */
static long read_printk_text(struct vmcore *vc)
{
	unsigned long prb_sym, tdr, size_bits_off, data_off, rb, data;
	unsigned int size_bits = 0;

	if (vmcoreinfo_number(vc, "SYMBOL(prb)=", 16, &prb_sym) ||
	    vmcoreinfo_number(vc, "OFFSET(printk_ringbuffer.text_data_ring)=", 10, &tdr) ||
	    vmcoreinfo_number(vc, "OFFSET(prb_data_ring.size_bits)=", 10, &size_bits_off) ||
	    vmcoreinfo_number(vc, "OFFSET(prb_data_ring.data)=", 10, &data_off)) {
		say("FAIL step=printk-text: VMCOREINFO lacks the printk ring buffer's symbol or offsets");
		return -1;
	}
	if (vmcore_read(vc, prb_sym, &rb, sizeof(rb)) ||
	    vmcore_read(vc, rb + tdr + size_bits_off, &size_bits, sizeof(size_bits)) ||
	    vmcore_read(vc, rb + tdr + data_off, &data, sizeof(data))) {
		say("FAIL step=printk-text: cannot read the ring buffer at %lx in %s",
		    prb_sym, VMCORE_PATH);
		return -1;
	}
	if (size_bits >= 32 || (1UL << size_bits) > sizeof(printk_text) ||
	    vmcore_read(vc, data, printk_text, 1UL << size_bits)) {
		say("FAIL step=printk-text: cannot read the %s-byte text ring at %lx",
		    size_bits >= 32 ? "?" : "2^size_bits", data);
		return -1;
	}
	return 1L << size_bits;
}

/* One ustar member: header, data, padding to 512 bytes. */
static int tar_member(int fd, const char *name, const char *data, unsigned long len)
{
	static const char zeros[512];
	char hdr[512] = { 0 };
	unsigned long sum = 0;
	int i;

	strcpy(hdr, name);
	memcpy(hdr + 100, "0000644", 8);	/* mode */
	memcpy(hdr + 108, "0000000", 8);	/* uid */
	memcpy(hdr + 116, "0000000", 8);	/* gid */
	for (i = 10; i >= 0; i--)		/* size, 11 octal digits */
		hdr[124 + i] = '0' + ((len >> (3 * (10 - i))) & 7);
	memcpy(hdr + 136, "00000000000", 12);	/* mtime */
	memset(hdr + 148, ' ', 8);		/* chksum, while summing */
	hdr[156] = '0';				/* regular file */
	memcpy(hdr + 257, "ustar", 6);
	memcpy(hdr + 263, "00", 2);
	for (i = 0; i < 512; i++)
		sum += (unsigned char)hdr[i];
	for (i = 5; i >= 0; i--, sum >>= 3)	/* 6 octal digits, NUL, ' ' */
		hdr[148 + i] = '0' + (sum & 7);
	hdr[154] = '\0';
	if (write(fd, hdr, 512) != 512 || write(fd, data, len) != (long)len)
		return -1;
	len = (512 - len % 512) % 512;
	return write(fd, zeros, len) == (long)len ? 0 : -1;
}

/* The results as a tar archive on the results disk. */
static int write_results(const char *result, long head_len, long text_len)
{
	static const char zeros[1024];
	int fd, i, bad;

	for (i = 0; i < 50 && access(RESULTS_DISK, F_OK); i++)
		usleep(100000);	/* a disk probed late */
	fd = open(RESULTS_DISK, O_WRONLY);
	if (fd < 0) {
		say("FAIL step=write-results: cannot open %s: %m", RESULTS_DISK);
		return -1;
	}
	bad = tar_member(fd, "result.txt", result, strlen(result)) ||
	      (head_len > 0 &&
	       tar_member(fd, "vmcore-header.bin", vmcore_head, head_len)) ||
	      (text_len > 0 &&
	       tar_member(fd, "printk-text.bin", printk_text, text_len)) ||
	      write(fd, zeros, sizeof(zeros)) != sizeof(zeros);
	bad = close(fd) || bad;	/* the last close writes the disk back */
	say("step=write-results rc=%d", bad);
	if (bad) {
		say("FAIL step=write-results: cannot write %s: %m", RESULTS_DISK);
		return -1;
	}
	say("results written");
	return 0;
}

static void capture_kernel(void)
{
	char result[512], uptime[64];
	const char *failed = NULL;
	struct vmcore vc = { .fd = -1 };
	long text_len = -1;
	int notes_rc, printk_rc = 1;

	if (read_line("/proc/uptime", uptime, sizeof(uptime)))
		strcpy(uptime, "unknown");
	if (strchr(uptime, ' '))
		*strchr(uptime, ' ') = '\0';
	notes_rc = vmcore_open(&vc) ? 1 : 0;
	say("step=notes rc=%d", notes_rc);
	if (!notes_rc) {
		text_len = read_printk_text(&vc);
		printk_rc = text_len < 0;
		say("step=printk-text rc=%d", printk_rc);
	}
	if (notes_rc)
		failed = "notes";
	else if (printk_rc)
		failed = "printk-text";
	snprintf(result, sizeof(result),
		 "notes_rc=%d\nprintk_rc=%d\nvmcore_bytes=%lld\ncapture_uptime=%s\ncapture=%s%s\n",
		 notes_rc, printk_rc, vc.bytes, uptime, failed ? "failed step=" : "ok",
		 failed ? failed : "");
	say("vmcore: %lld bytes, %ld of headers and notes, %ld of printk text",
	    vc.bytes, notes_rc ? 0L : vc.head_len, text_len);
	write_results(result, notes_rc ? 0 : vc.head_len, text_len);
	if (failed)
		say("FAIL step=%s rc=1", failed);
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
	if (!access(VMCORE_PATH, F_OK)) {
		say("capture kernel up");
		say_online_cpus(online, sizeof(online));
		capture_kernel();
		goto out;
	}
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
