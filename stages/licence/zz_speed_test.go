package licence

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestZZSpeed(t *testing.T) {
	goroot, _ := exec.Command("go", "env", "GOROOT").Output()
	root := filepath.Join(strings.TrimSpace(string(goroot)), "src")
	var files [][]byte
	total := 0
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err == nil {
			files = append(files, b)
			total += len(b)
		}
		return nil
	})
	Detect([]byte("Licensed under the MIT License"))
	c0 := cpuSeconds()
	t0 := time.Now()
	classes := map[string]int{}
	for _, b := range files {
		r := Detect(b)
		classes[r.Class]++
	}
	cpu := cpuSeconds() - c0
	t.Logf("%d files %.1f MB cpu %.2fs wall %v => %.1f MB/cpu-s; classes %v cache %d", len(files), float64(total)/1e6, cpu, time.Since(t0), float64(total)/1e6/cpu, classes, len(scanCache.m))
}
