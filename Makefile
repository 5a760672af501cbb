# SPDX-License-Identifier: GPL-2.0
#
# panic-shutdown: the patch series and its QEMU/kdump harness.
# See README.md.  Everything built or downloaded goes to $(PSH_CACHE)
# (default ~/.cache/panic-shutdown), never into this repo.

ARCH ?= x86_64
VARIANT ?= series
H := harness

.PHONY: demo check check-full check-debug lint lint-full send-dry-run cross bench tree reset-tree export build run deps unit help

help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## demo        build the series kernel, boot it, panic it, capture and summarise (ARCH=)
demo:
	@$(H)/demo.sh $(ARCH) $(VARIANT)

## check       all tests: host unit tests + QEMU kdump scenarios, KTAP
check:
	@$(H)/check.sh --suite check

## check-full  check plus the long scenarios, and the debug flavour's
##             scenarios on series and base (PSH_FLAVOUR=debug)
check-full:
	@$(H)/check.sh --suite full

## check-debug the debug flavour's scenarios alone (VARIANT=series|base)
check-debug:
	@$(H)/deps.sh && $(H)/tree.sh init && PSH_FLAVOUR=debug $(H)/run.sh --variant $(VARIANT) --suite debug

## lint        each posting on its own base: git am, checkpatch --strict (with
##             and without the tree) and an x86_64 build at every patch,
##             MIPS kdump under QEMU at every patch that touches arch/mips/,
##             then the whole stack; SERIES=NAME judges one posting
lint:
	@$(H)/deps.sh --suite full && $(H)/lint.sh $(SERIES)

## lint-full   at each posting's top, on its own base: kernel-doc, gcc W=1,
##             sparse and clang 19 on the touched files, x86_64 and arm64,
##             nothing new over the base (SERIES=NAME: one posting); then its
##             self-test: a probe patch that every check must catch
lint-full:
	@$(H)/deps.sh && $(H)/lint-full.sh $(SERIES) && $(H)/lint-full.sh --self-test

## send-dry-run  git send-email --dry-run on each posting (SERIES=NAME: one):
##             the recipients each patch would go to
send-dry-run:
	@$(H)/deps.sh && $(H)/send.sh $(SERIES)

## cross       compile the touched files for the arches QEMU does not boot (W=1);
##             T='NAME...' picks targets (harness/cross.sh --list); T=loongarch
##             gets its gcc from a Debian 13 root, set up once (harness/trixie-cross.sh)
cross:
	@$(H)/deps.sh && $(H)/tree.sh init && PSH_AUTO_INSTALL=1 $(H)/cross.sh $(T)

## bench       base versus series: handoff and CPU-stop latency (docs/bench.md)
bench:
	@$(H)/deps.sh && $(H)/tree.sh init && $(H)/bench.sh $(BENCH_ARGS)

## tree        create the kernel work tree (base + the postings) in the cache
tree:
	@$(H)/deps.sh && $(H)/tree.sh init

## reset-tree  recreate the work tree's stack from patches/ (P=NAME: that
##             posting and the ones after it)
reset-tree:
	@$(H)/tree.sh reset $(P)

## export      write the work tree's postings back to patches/ (P=NAME: one)
export:
	@$(H)/tree.sh export $(P)

## build       build one kernel (ARCH=x86_64|arm64 VARIANT=series|base|POSTING)
build:
	@$(H)/deps.sh && $(H)/tree.sh init && $(H)/build.sh $(ARCH) $(VARIANT)

## run         run scenarios by name or glob: make run T='x86_64.kdump-sysrq.*'
run:
	@$(H)/deps.sh && $(H)/tree.sh init && $(H)/run.sh --variant $(VARIANT) $(T)

## unit        host unit tests of the C tools only
unit:
	@$(MAKE) -s -C tools check
