//go:build unix

package app

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user + system) the process has used: on a busy
// machine it varies less than wall time, so benchmarks report it per op too.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
