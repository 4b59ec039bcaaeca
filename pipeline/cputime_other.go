//go:build !unix

package pipeline

import "time"

// processCPU is not read on this platform.
func processCPU() time.Duration { return 0 }
