package app

import (
	"runtime/debug"

	"github.com/estatedesk/estatedesk/internal/config"
)

// setMemoryLimit gives the Go runtime the configured soft memory limit and
// returns the limit in force, in bytes. Without one the heap may grow to
// twice what is live before the collector runs, and a 100,000-row import
// (over 100 MiB live while it is planned) took the server to 400 MiB; near
// the limit the collector runs more often instead. It is soft: a process
// that truly needs more gets it. GOMEMLIMIT, which the runtime read at
// start, wins over the configuration.
func setMemoryLimit(cfg config.Config, getenv func(string) string) int64 {
	if getenv("GOMEMLIMIT") == "" && cfg.MemoryLimitMiB > 0 {
		debug.SetMemoryLimit(int64(cfg.MemoryLimitMiB) << 20)
	}
	return debug.SetMemoryLimit(-1)
}
