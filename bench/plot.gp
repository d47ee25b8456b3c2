# SPDX-License-Identifier: GPL-2.0
# psock-bench's charts of one kind of point (bench/run calls it):
#   gnuplot -e "dat='DIR/capture.dat'; outdir='DIR'; kind='capture'; sub='machine, kernel, run'" bench/plot.gp
# writes DIR/KIND_fps.svg (frames/s per method and frame size, the offered
# rate marked on each bar) and DIR/KIND_cpu.svg (CPU time per frame).
# DAT has one row per method: "label", frames/s at 64, 512, 1500 bytes, CPU ns
# per frame at the same sizes, offered frames/s at the same sizes.

set terminal svg size 1100,620 dynamic enhanced font 'Helvetica,13' background rgb 'white'
set datafile missing 'NaN'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border rgb 'black'
set boxwidth 0.95 relative
set xtics rotate by 25 right scale 0 nomirror
set ytics nomirror
set grid ytics
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set key outside right top box title 'frame size' samplen 2
set bmargin 6
set linetype 1 lc rgb '#4477aa'
set linetype 2 lc rgb '#ee7733'
set linetype 3 lc rgb '#228833'

noun = kind eq 'capture' ? 'captured' : 'forwarded (counted at psk3)'
what = kind eq 'capture' ? 'capture method' : 'forwarding method'
threads = kind eq 'capture' ? 'capturing thread(s)' : 'forwarding thread'
# Bars of a cluster of 3 (gap 1) stand at -0.25, 0, +0.25 around the row.
bar(j) = (j - 1) * 0.25

set output outdir.'/'.kind.'_fps.svg'
set title sprintf("psock-bench: %s frames per second by method and frame size\n{/*0.8 %s}", noun, sub)
set xlabel what
set ylabel sprintf('%s frames/s (millions)', kind eq 'capture' ? 'captured' : 'forwarded')
plot dat using ($2/1e6):xtic(1) title '64 bytes', \
     '' using ($3/1e6) title '512 bytes', \
     '' using ($4/1e6) title '1500 bytes', \
     '' using ($0 + bar(0)):($8/1e6) with points pt 9 ps 1.2 lc rgb 'black' title 'offered by the sender', \
     '' using ($0 + bar(1)):($9/1e6) with points pt 9 ps 1.2 lc rgb 'black' notitle, \
     '' using ($0 + bar(2)):($10/1e6) with points pt 9 ps 1.2 lc rgb 'black' notitle

set output outdir.'/'.kind.'_cpu.svg'
set title sprintf("psock-bench: CPU time of the %s per %s frame\n{/*0.8 %s}", threads, kind eq 'capture' ? 'captured' : 'forwarded', sub)
set ylabel 'CPU time per frame (ns, user + system)'
plot dat using 5:xtic(1) title '64 bytes', \
     '' using 6 title '512 bytes', \
     '' using 7 title '1500 bytes'
