package fee_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// envPayer carries the child's orders (payerOrders as JSON): when set,
// TestKillPayerChild is the child process that pays until it is killed.
const envPayer = "ESTATEDESK_TEST_KILL_PAYER"

type payerOrders struct {
	Options database.Options `json:"options"`
	Tenant  uuid.UUID        `json:"tenant"`
	Units   []uuid.UUID      `json:"units"`
	Clerk   uuid.UUID        `json:"clerk"`
}

// TestKillPayerChild is not a test of its own: run by
// TestReceiptsSurviveKill as a child process, it pays prepayments of one
// fen from 8 goroutines at once and prints "paid <receipt> <payment>" for
// each payment Pay acknowledged, until it is killed.
func TestKillPayerChild(t *testing.T) {
	raw := os.Getenv(envPayer)
	if raw == "" {
		t.Skip("the child of TestReceiptsSurviveKill")
	}
	var o payerOrders
	must(t, json.Unmarshal([]byte(raw), &o))
	ctx := context.Background()
	db, err := database.Open(ctx, o.Options)
	must(t, err)
	jobs, err := job.New(db, job.Options{Logger: quiet})
	must(t, err)
	svc, err := fee.NewService(db, jobs, fee.Options{})
	must(t, err)
	var tn *tenant.Tenant
	must(t, db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		tn, err = tenant.ByID(ctx, tx, o.Tenant)
		return err
	}))
	clerk := fee.Actor{UserID: o.Clerk, Scope: estate.Scope{All: true}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				rc, err := svc.Pay(ctx, tn, clerk, fee.PayInput{UnitID: o.Units[(g+i)%len(o.Units)], Method: fee.Cash, PrepayFen: 1}, "")
				if err != nil {
					fmt.Fprintln(os.Stderr, "payer:", err)
					continue
				}
				mu.Lock()
				fmt.Fprintf(os.Stdout, "paid %s %s\n", rc.Payment.ReceiptNo, rc.Payment.ID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// Payments from another process, killed with SIGKILL in the middle of
// concurrent payments, twice, then payments again: the receipt numbers
// are 1…N with no gap and none twice, and every payment the killed
// process was told had succeeded is there with its number.
func TestReceiptsSurviveKill(t *testing.T) {
	if os.Getenv(envPayer) != "" {
		t.Skip("in the child")
	}
	ctx := context.Background()
	opts := dbtest.Options(t)
	db, err := database.Open(ctx, opts)
	must(t, err)
	f := &fixture{ctx: ctx, db: db, units: map[string]*estate.Unit{}}
	f.alpha = f.tenant(t, "alpha")
	e := f.estate(t, f.alpha, "东区")
	b := f.building(t, f.alpha, e, "1", 1)
	var units []uuid.UUID
	for i := range 8 {
		units = append(units, f.unit(t, f.alpha, b, fmt.Sprintf("1%02d", i), estate.Home, 9000, estate.Occupied).ID)
	}
	clerk := uuid.Must(uuid.NewV7())
	db.Close()
	orders, err := json.Marshal(payerOrders{Options: opts, Tenant: f.alpha.ID, Units: units, Clerk: clerk})
	must(t, err)

	acked := map[string]string{} // payment ID → receipt number
	for round := range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillPayerChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), envPayer+"="+string(orders))
		out, err := cmd.StdoutPipe()
		must(t, err)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		must(t, cmd.Start())
		sc := bufio.NewScanner(out)
		n := 0
		killed := false
		deadline := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
		for sc.Scan() {
			var no, id string
			if _, err := fmt.Sscanf(sc.Text(), "paid %s %s", &no, &id); err != nil {
				continue
			}
			acked[id] = no
			// Killed while its payments are in flight; what it printed
			// before it died was acknowledged, and is read to the end.
			if n++; n == 60 && !killed {
				killed = true
				must(t, cmd.Process.Kill()) // SIGKILL
			}
		}
		deadline.Stop()
		_ = cmd.Wait()
		if !killed {
			t.Fatalf("round %d: the child stopped after %d payments: %s", round, n, stderr.String())
		}
	}

	db, err = database.Open(ctx, opts)
	must(t, err)
	defer db.Close()
	jobs, err := job.New(db, job.Options{Logger: quiet})
	must(t, err)
	svc, err := fee.NewService(db, jobs, fee.Options{})
	must(t, err)
	// After the kills the numbers go on from the last one committed.
	for range 3 {
		_, err := svc.Pay(ctx, f.alpha, fee.Actor{UserID: clerk, Scope: estate.Scope{All: true}}, fee.PayInput{UnitID: units[0], Method: fee.Cash, PrepayFen: 1}, "")
		must(t, err)
	}
	var pays []fee.Payment
	must(t, db.ReadTenant(ctx, f.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&pays).Where("tenant_id = ?", f.alpha.ID).Scan(ctx)
	}))
	byID := map[string]string{}
	var nums []string
	for _, p := range pays {
		byID[p.ID.String()] = p.ReceiptNo
		nums = append(nums, p.ReceiptNo)
	}
	slices.Sort(nums)
	for i, no := range nums {
		if !strings.HasSuffix(no, fmt.Sprintf("-%06d", i+1)) {
			t.Fatalf("receipt %d is %s: a gap or a duplicate in %v", i+1, no, nums)
		}
	}
	for id, no := range acked {
		if byID[id] != no {
			t.Errorf("acknowledged payment %s (%s) is %q in the database", id, no, byID[id])
		}
	}
	if len(acked) < 120 || len(pays) < len(acked)+3 {
		t.Errorf("%d acknowledged, %d stored", len(acked), len(pays))
	}
	t.Logf("%d payments acknowledged before two kills, %d stored, numbers 1…%d", len(acked), len(pays), len(nums))
}
