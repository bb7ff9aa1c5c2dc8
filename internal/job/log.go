package job

import (
	"context"
	"log/slog"
	"strings"
)

// routine are the endings of River's Info messages that report that all is
// well: a producer's job counts (every few seconds while jobs run) and a
// maintenance service's round (the job cleaner, the SQLite notification
// cleaner every minute…). They are Debug here, so an Info log shows what
// happened, not the heartbeat.
var routine = []string{": Producer job counts", ": Ran successfully"}

// quietRoutine wraps River's log handler to demote its routine messages to
// Debug.
type quietRoutine struct{ slog.Handler }

func (h quietRoutine) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelInfo {
		for _, suffix := range routine {
			if strings.HasSuffix(r.Message, suffix) {
				if !h.Handler.Enabled(ctx, slog.LevelDebug) {
					return nil
				}
				r.Level = slog.LevelDebug
				break
			}
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h quietRoutine) WithAttrs(as []slog.Attr) slog.Handler {
	return quietRoutine{h.Handler.WithAttrs(as)}
}

func (h quietRoutine) WithGroup(name string) slog.Handler {
	return quietRoutine{h.Handler.WithGroup(name)}
}

// riverLogger is the logger River gets: the application's, with the
// routine demoted; nil keeps River's default.
func riverLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return nil
	}
	return slog.New(quietRoutine{l.Handler()})
}
