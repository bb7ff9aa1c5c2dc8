package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/estatedesk/estatedesk/internal/estate/importer"
	"github.com/estatedesk/estatedesk/internal/i18n"
	"github.com/estatedesk/estatedesk/internal/logging"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

const estatesUsage = "usage: estatedesk estates import FILE --tenant SLUG --estate NAME [--dry-run] [--existing-buildings] [--lang zh-CN|en]"

// estatesCmd imports buildings, units and people into an estate from a CSV
// or XLSX file, in-process: the same check and all-or-nothing apply as the
// web's jobs, with a progress bar on stderr. A file with problems prints
// them by row and column and fails the command; nothing is changed.
func estatesCmd(ctx context.Context, args []string, stdio IO) error {
	if len(args) == 0 || args[0] != "import" {
		return errors.New(estatesUsage)
	}
	var slug, estateName, lang string
	var dryRun, existing bool
	cfg, rest, err := parseConfig("estates import", args[1:], stdio, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "tenant", "", "the company's workspace slug")
		fs.StringVar(&estateName, "estate", "", "the estate's name (or ID)")
		fs.BoolVar(&dryRun, "dry-run", false, "check the file and print the report; change nothing")
		fs.BoolVar(&existing, "existing-buildings", false, "refuse buildings the estate does not have yet instead of creating them")
		fs.StringVar(&lang, "lang", i18n.Default, "language of the report: zh-CN or en")
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 || slug == "" || estateName == "" {
		return errors.New(estatesUsage)
	}
	setMemoryLimit(cfg, os.Getenv)
	if !i18n.Supported(lang) {
		return fmt.Errorf("--lang %q: want zh-CN or en", lang)
	}
	content, err := os.ReadFile(rest[0])
	if err != nil {
		return err
	}
	svc, err := open(ctx, cfg, logging.New(stdio.Err, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer svc.db.Close()
	t, err := tenant.BySlug(ctx, svc.db.Reader(), slug)
	if err != nil {
		return fmt.Errorf("tenant %q: %w", slug, err)
	}
	e, err := svc.imports.FindEstate(ctx, t.ID, estateName)
	if err != nil {
		return fmt.Errorf("estate %q: %w", estateName, err)
	}
	tr := func(id string, data map[string]any) string { return svc.catalog.T(lang, id, data) }

	// Checking 100,000 rows takes a few seconds before any row is written.
	fmt.Fprintln(stdio.Err, tr("import.checking", nil))
	var bar *progressbar.ProgressBar
	res, err := svc.imports.Run(ctx, t, e.ID, importer.Run{Filename: filepath.Base(rest[0]), Content: content,
		Options: importer.Options{ExistingBuildings: existing}, DryRun: dryRun, Lang: lang,
		Progress: func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(stdio.Err),
					progressbar.OptionSetDescription(tr("import.status.applying", nil)), progressbar.OptionShowCount(),
					progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
					progressbar.OptionOnCompletion(func() { fmt.Fprintln(stdio.Err) }))
			}
			_ = bar.Set(done)
		}})
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return err
	}
	if n := res.Report.Count(); n > 0 {
		for _, p := range res.Report.Problems {
			reason := tr(p.MessageID(), p.MessageData())
			if p.Row == 0 {
				fmt.Fprintln(stdio.Out, tr("import.cli.file_problem", map[string]any{"Reason": reason}))
			} else {
				fmt.Fprintln(stdio.Out, tr("import.cli.problem", map[string]any{"Row": p.Row, "Column": p.Column, "Reason": reason}))
			}
		}
		if res.Report.More > 0 {
			fmt.Fprintln(stdio.Out, tr("import.more", map[string]any{"More": res.Report.More}))
		}
		return errors.New(tr("import.cli.invalid", map[string]any{"Count": n}))
	}
	for _, c := range res.Summary.Counts() {
		fmt.Fprintf(stdio.Out, "%s\t%d\n", tr("import.summary."+c.Key, nil), c.N)
	}
	if dryRun {
		fmt.Fprintln(stdio.Out, tr("import.cli.dry_run", nil))
	} else {
		fmt.Fprintln(stdio.Out, tr("import.cli.applied", nil))
	}
	return nil
}
