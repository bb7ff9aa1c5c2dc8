package importer

import (
	"context"
	"testing"
	"time"
	"os"
	"runtime/pprof"
)

func TestZZProf(t *testing.T) {
	rows := benchRows(100000)
	content := csvOf(t, rows)
	f := setup(t, "enterprise")
	ctx := context.Background()
	start := time.Now()
	_, err := f.svc.Run(ctx, f.t, f.estate.ID, Run{Content: content})
	must(t, err)
	t.Logf("first %s", time.Since(start))
	pf, _ := os.Create("/tmp/cpu2.out")
	pprof.StartCPUProfile(pf)
	start = time.Now()
	_, err = f.svc.Run(ctx, f.t, f.estate.ID, Run{Content: content})
	must(t, err)
	pprof.StopCPUProfile()
	t.Logf("again %s", time.Since(start))
}
