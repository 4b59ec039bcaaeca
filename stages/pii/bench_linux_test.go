//go:build linux

package pii

import (
	"runtime"
	"syscall"
	"testing"
)

// BenchmarkDetectCPU reports throughput per second of thread CPU time
// ("MB/cpu-s"), which does not depend on how loaded the machine is (the
// wall-clock MB/s of BenchmarkDetect does).
func BenchmarkDetectCPU(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	text := benchText(b)
	var d Detector
	var dst []Entity
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	start := threadCPU(b)
	n := 0
	for b.Loop() {
		dst = d.Detect(text, dst)
		n++
	}
	cpu := threadCPU(b) - start
	if cpu > 0 {
		b.ReportMetric(float64(n)*float64(len(text))/1e6/cpu, "MB/cpu-s")
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
