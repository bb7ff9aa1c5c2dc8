// Package kpi computes the service center's figures (统计分析): 客户满意率,
// 回访率, 零修及时率, 投诉处理及时率, first-response times, one-time fixes,
// complaints per 100 units, 重大投诉, workload and receiver credit, and the
// fee module's 收缴率 and 清欠率; their targets; and the queries behind each
// figure. Figures are read from daily rollups that a periodic job keeps up
// to date from the tickets (rollup.go). docs/kpis.md defines every figure.
package kpi

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/fee"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// Options configures the service.
type Options struct {
	// Now replaces the clock, for tests.
	Now func() time.Time
	// Every is how often the rollup job runs; 0 leaves it to the caller,
	// as tests do.
	Every time.Duration
	Log   *slog.Logger
}

// Service is the use cases of the figures. Permissions are the caller's
// (report:read, report:manage); the service applies the tenant and the
// estate scope.
type Service struct {
	db      *database.DB
	tickets *ticket.Service
	fees    *fee.Service
	opt     Options
}

// NewService wires the service and registers the rollup job on jobs,
// which must not have started yet.
func NewService(db *database.DB, jobs *job.Client, tickets *ticket.Service, fees *fee.Service, opt Options) (*Service, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: db, tickets: tickets, fees: fees, opt: opt}
	if err := job.AddWorker(jobs, &rollupWorker{s: s}); err != nil {
		return nil, err
	}
	if opt.Every > 0 {
		jobs.Every(opt.Every, rollupArgs{})
	}
	return s, nil
}

func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Microsecond) }

// rollupArgs is the periodic job that brings every company's rollups up
// to date.
type rollupArgs struct{}

func (rollupArgs) Kind() string { return "kpi_rollup" }

type rollupWorker struct {
	river.WorkerDefaults[rollupArgs]
	s *Service
}

func (w *rollupWorker) Work(ctx context.Context, _ *river.Job[rollupArgs]) error {
	return w.s.Refresh(ctx)
}
