package job

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// River's heartbeats are Debug: gone from an Info log, present at Debug;
// its other messages keep their level.
func TestRiverRoutineIsDebug(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var buf bytes.Buffer
		log := riverLogger(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: level}))).With("component", "river")
		log.Info("producer: Producer job counts", "num_jobs_running", 0)
		log.Info("SQLiteNotificationCleaner: Ran successfully", "num_notifications_deleted", 3)
		log.Info("Elector: Gained leadership")
		log.Warn("JobRescuer: Rescued jobs")
		out := buf.String()
		routine := strings.Count(out, `"level":"DEBUG"`)
		if level == slog.LevelInfo && (routine != 0 || strings.Contains(out, "Ran successfully") || strings.Contains(out, "job counts")) {
			t.Errorf("Info log shows the routine: %s", out)
		}
		if level == slog.LevelDebug && routine != 2 {
			t.Errorf("Debug log: %d routine lines at DEBUG: %s", routine, out)
		}
		if !strings.Contains(out, `"level":"INFO","msg":"Elector: Gained leadership"`) || !strings.Contains(out, `"level":"WARN"`) {
			t.Errorf("other messages changed: %s", out)
		}
	}
}
