//go:build linux

package aigc

import (
	"runtime"
	"syscall"
	"testing"
)

// BenchmarkExplicitCPU and BenchmarkExplicitShortCPU report throughput per
// second of thread CPU time ("MB/cpu-s"), which does not depend on how
// loaded the machine is (the wall-clock MB/s of BenchmarkExplicit does).
func BenchmarkExplicitCPU(b *testing.B) {
	texts, n := benchTexts(b)
	cpuBench(b, texts, n)
}

func BenchmarkExplicitShortCPU(b *testing.B) {
	var texts []string
	var n int64
	for _, it := range devSet(b) {
		texts = append(texts, it.text)
		n += int64(len(it.text))
	}
	cpuBench(b, texts, n)
}

func cpuBench(b *testing.B, texts []string, n int64) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.SetBytes(n)
	var buf [4]Label
	start := threadCPU(b)
	loops := 0
	for b.Loop() {
		for _, t := range texts {
			_ = Explicit(t, buf[:0])
		}
		loops++
	}
	if cpu := threadCPU(b) - start; cpu > 0 {
		b.ReportMetric(float64(loops)*float64(n)/1e6/cpu, "MB/cpu-s")
	}
}

func threadCPU(b *testing.B) float64 {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		b.Fatal(err)
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkExplicitShortUnlabelledCPU: the dev set's unlabelled short texts
// only (the common case: most records carry no notice).
func BenchmarkExplicitShortUnlabelledCPU(b *testing.B) {
	var texts []string
	var n int64
	for _, it := range devSet(b) {
		if it.start < 0 {
			texts = append(texts, it.text)
			n += int64(len(it.text))
		}
	}
	cpuBench(b, texts, n)
}
