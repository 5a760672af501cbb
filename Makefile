# SPDX-License-Identifier: GPL-2.0
#
# panic-shutdown: the patch series and its QEMU/kdump harness.
# See README.md.  Everything built or downloaded goes to $(PSH_CACHE)
# (default ~/.cache/panic-shutdown), never into this repo.

ARCH ?= x86_64
VARIANT ?= series
H := harness

.PHONY: demo check check-full lint cross bench tree reset-tree export build run deps unit help

help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## demo        build the series kernel, boot it, panic it, capture and summarise (ARCH=)
demo:
	@$(H)/demo.sh $(ARCH) $(VARIANT)

## check       all tests: host unit tests + QEMU kdump scenarios, KTAP
check:
	@$(H)/check.sh --suite check

## check-full  check plus the long scenarios
check-full:
	@$(H)/check.sh --suite full

## lint        checkpatch --strict, git am and a build at every patch
lint:
	@$(H)/lint.sh

## cross       compile the touched files for the arches QEMU does not boot (W=1);
##             T='NAME...' picks targets (harness/cross.sh --list); T=loongarch
##             gets its gcc from a Debian 13 root, set up once (harness/trixie-cross.sh)
cross:
	@$(H)/cross.sh $(T)

## bench       base versus series: handoff and CPU-stop latency (docs/bench.md)
bench:
	@$(H)/deps.sh && $(H)/tree.sh init && $(H)/bench.sh $(BENCH_ARGS)

## tree        create the kernel work tree (base + patches/) in the cache
tree:
	@$(H)/deps.sh && $(H)/tree.sh init

## reset-tree  recreate the work tree's series branch from patches/
reset-tree:
	@$(H)/tree.sh reset

## export      write the work tree's commits back to patches/
export:
	@$(H)/tree.sh export

## build       build one kernel (ARCH=x86_64|arm64 VARIANT=series|base)
build:
	@$(H)/deps.sh && $(H)/tree.sh init && $(H)/build.sh $(ARCH) $(VARIANT)

## run         run scenarios by name or glob: make run T='x86_64.kdump-sysrq.*'
run:
	@$(H)/run.sh --variant $(VARIANT) $(T)

## unit        host unit tests of the C tools only
unit:
	@$(MAKE) -s -C tools check
