# SPDX-License-Identifier: GPL-2.0
#
# bench.gp: the plot of harness/bench.sh.
#   gnuplot -c harness/bench.gp OUT "ARCH..." "ARCH WITH STOP DATA..."
# Reads OUT/plot/ARCH-VARIANT.dat (VARIANT base and series; one line per
# vCPU count of the idle workload: vcpus, handoff min median max, CPU stop
# min median max or NaN; a file may be empty) and writes OUT/bench.png: per
# arch, the median handoff against vCPUs with min..max as error bars, base
# and series side by side; if any arch has CPU-stop figures, a second row
# with the CPU-stop latency (an "n/a" panel for an arch without).  Every
# arch named must have handoff figures.

dir = ARG1
arches = ARG2
stopped = " " . ARG3 . " "
stop = strlen(ARG3) > 0
n = words(arches)
rows = stop ? 2 : 1

set terminal pngcairo size 600 * n, 420 * rows + 40 noenhanced font ",10"
set output dir . "/bench.png"
set multiplot layout rows, n title \
	"panic -> kdump, idle guest: median and min..max\nQEMU TCG: compare base with series, not absolute times"

set logscale x 2
set xrange [1.5:45]
set xtics (2, 4, 8, 16, 32)
set yrange [0:*]
set offsets 0, 0, graph 0.05, 0
set grid
set key top left
set xlabel "vCPUs"
set pointsize 1.2
# Base and series side by side, nudged apart on the x axis.
base(a) = dir . "/plot/" . a . "-base.dat"
series(a) = dir . "/plot/" . a . "-series.dat"

do for [i = 1:n] {
	a = word(arches, i)
	set title a . ": panic line to capture kernel (host clock)"
	set ylabel "handoff (s)"
	plot base(a) using ($1 * 0.96):3:2:4 with yerrorlines lw 2 pt 7 \
		lc rgb "#1f77b4" title "base", \
	     series(a) using ($1 * 1.04):3:2:4 with yerrorlines lw 2 pt 5 \
		lc rgb "#d62728" title "series"
}
if (stop) {
	do for [i = 1:n] {
		a = word(arches, i)
		set title a . ": secondary CPUs stopped (guest, smp: stopped ...)"
		set ylabel "CPU stop (us)"
		if (strstrt(stopped, " " . a . " ") > 0) {
			plot base(a) using ($1 * 0.96):6:5:7 with yerrorlines lw 2 pt 7 \
				lc rgb "#1f77b4" title "base", \
			     series(a) using ($1 * 1.04):6:5:7 with yerrorlines lw 2 pt 5 \
				lc rgb "#d62728" title "series"
		} else {
			# Nothing to draw: an empty panel that says so.
			set label 1 "n/a: no 'smp: stopped' line" at graph 0.5, 0.5 center
			plot [] [0:1] -1 notitle
			unset label 1
		}
	}
}
unset multiplot
