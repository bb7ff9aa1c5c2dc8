package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/kpi"
	"github.com/estatedesk/estatedesk/internal/pdf"
	"github.com/estatedesk/estatedesk/internal/report"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// BenchmarkMonthlyReport is the monthly report of the demo company — the
// largest there is: 988 units in two estates, a year of tickets with
// their call-backs and a year of fees — for last month: computed from the
// rollups and the fee module (Generate), then rendered as PDF and XLSX in
// Chinese, as the archive's downloads do. The demo is loaded once (a few
// minutes), so the benchmark runs only when ESTATEDESK_BENCH_REPORT is
// set:
//
//	ESTATEDESK_BENCH_REPORT=1 go test ./internal/app -run '^$' -bench BenchmarkMonthlyReport -benchtime 5x
func BenchmarkMonthlyReport(b *testing.B) {
	if os.Getenv("ESTATEDESK_BENCH_REPORT") == "" {
		b.Skip("set ESTATEDESK_BENCH_REPORT=1: it loads the whole demo")
	}
	ctx := context.Background()
	cfg, _, err := parseConfig("demo", dbArgs(b), IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}, nil)
	if err != nil {
		b.Fatal(err)
	}
	svc, err := open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer svc.db.Close()
	started := time.Now()
	if _, err := loadDemo(ctx, svc); err != nil {
		b.Fatal(err)
	}
	n, err := demoTickets(ctx, svc)
	if err != nil {
		b.Fatal(err)
	}
	p, err := demoFees(ctx, svc)
	if err != nil {
		b.Fatal(err)
	}
	t, err := tenant.BySlug(ctx, svc.db.Reader(), demoSlug)
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.kpis.RefreshTenant(ctx, t); err != nil {
		b.Fatal(err)
	}
	b.Logf("demo: %d tickets, %d payments, loaded in %v", n, p, time.Since(started).Round(time.Second))
	month := kpi.MonthOf(time.Now(), t.Location()).Add(-1).String()
	tr := func(id string, data map[string]any) string { return svc.catalog.T("zh-CN", id, data) }
	all := estate.Scope{All: true}
	render := func(b *testing.B, r *report.Report) {
		var pb, xb bytes.Buffer
		if err := pdf.RenderReport(&pb, r.Data, pdf.ReportMeta{Generated: month, Commentary: "本月满意率未达标，已约谈维保单位。"}, tr); err != nil {
			b.Fatal(err)
		}
		if err := report.WriteXLSX(&xb, r, tr); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(pb.Len()), "pdf-bytes")
		b.ReportMetric(float64(xb.Len()), "xlsx-bytes")
	}
	// generate: computed from the rollups and the fee module, then
	// rendered, as POST /reports and the downloads that follow.
	b.Run("generate", func(b *testing.B) {
		for b.Loop() {
			r, err := svc.reports.Generate(ctx, t, all, nil, nil, month)
			if err != nil {
				b.Fatal(err)
			}
			render(b, r)
		}
	})
	// render: an archived report read and rendered, as a download of it.
	b.Run("render", func(b *testing.B) {
		r, err := svc.reports.Generate(ctx, t, all, nil, nil, month)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			a, err := svc.reports.Get(ctx, t, all, r.ID)
			if err != nil {
				b.Fatal(err)
			}
			render(b, a)
		}
	})
}
