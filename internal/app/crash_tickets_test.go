package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// EnvCrashTickets tunes TestCrashTicketCreates for .ci/bench/tickets_crash.sh:
// space-separated key=value settings, e.g. "clients=16 tickets=200 kills=3".
//
//	clients=8      clients creating at once, each with its own keys
//	tickets=25     tickets each client creates
//	kills=1        times the server is killed with SIGKILL under load
//	after=300ms    load before each kill (at most: a kill comes sooner once
//	               the clients have done their share of the keys)
//	down=300ms     time the server stays down, the clients retrying
const EnvCrashTickets = "ESTATEDESK_CRASH_TICKETS"

type crashSettings struct {
	clients, tickets, kills int
	after, down             time.Duration
}

func parseCrashSettings(s string) (crashSettings, error) {
	st := crashSettings{clients: 8, tickets: 25, kills: 1, after: 300 * time.Millisecond, down: 300 * time.Millisecond}
	for _, kv := range strings.Fields(s) {
		k, v, _ := strings.Cut(kv, "=")
		var err error
		switch k {
		case "clients":
			st.clients, err = strconv.Atoi(v)
		case "tickets":
			st.tickets, err = strconv.Atoi(v)
		case "kills":
			st.kills, err = strconv.Atoi(v)
		case "after":
			st.after, err = time.ParseDuration(v)
		case "down":
			st.down, err = time.ParseDuration(v)
		default:
			err = fmt.Errorf("unknown setting")
		}
		if err != nil {
			return st, fmt.Errorf("%s: %w", kv, err)
		}
	}
	return st, nil
}

// TestCrashTicketCreates: API clients create tickets with an
// Idempotency-Key each and, on a connection error or a 5xx, retry the same
// key until they get 201 or 200; meanwhile the server is killed with
// SIGKILL and started again. Afterwards the database must hold exactly one
// ticket per key — every acknowledged ticket, and no key twice — and each
// key's answer must name that ticket. The server is this test binary
// running TestBenchServe in a child process (the same code as the
// binary's serve), on the dialect under test.
func TestCrashTicketCreates(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a server")
	}
	st, err := parseCrashSettings(os.Getenv(EnvCrashTickets))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dataDir := t.TempDir()
	dbOpts := database.Options{DataDir: dataDir}
	if dbtest.Dialect() == "postgres" {
		dbOpts.URL = dbtest.Options(t).URL
	}
	addr := freeAddr(t)
	base := "http://" + addr
	srv := &crashServer{t: t, args: fmt.Sprintf("--addr %s --demo --log-level warn --data-dir %s --database-url=%s", addr, dataDir, dbOpts.URL)}
	srv.start(base, 90*time.Second) // the first start loads the demo and its ticket history
	defer srv.stop()

	token := crashLogin(t, base)
	db, err := database.Open(ctx, dbOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tn, err := tenant.BySlug(ctx, db.Reader(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	// The demo's first start writes its history, dispatch rules and timers
	// in the background; the load starts once they are there, so that what
	// is tested is the creates.
	for end := time.Now().Add(2 * time.Minute); ; {
		var rules int64
		if err := db.ReadTenant(ctx, tn.ID, func(ctx context.Context, tx bun.Tx) error {
			var err error
			rules, err = tx.NewSelect().Table("dispatch_rules").Where("tenant_id = ?", tn.ID).Count(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if rules > 0 {
			break
		}
		if time.Now().After(end) {
			t.Fatal("the demo's history was not written within 2 minutes")
		}
		time.Sleep(50 * time.Millisecond)
	}
	var estates []estate.Estate
	if err := db.ReadTenant(ctx, tn.ID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		estates, err = estate.List(ctx, tx, tn.ID, false)
		return err
	}); err != nil {
		t.Fatal(err)
	}

	run := uuid.NewString()[:8]
	marker := "崩溃测试 " + run + " "
	var (
		acks      sync.Map // key → crashAck
		acked     atomic.Int64
		retries   atomic.Int64
		replayed  atomic.Int64
		failures  = make(chan error, st.clients)
		wg        sync.WaitGroup
		clientsUp = time.Now()
		deadline  = clientsUp.Add(45*time.Second + time.Duration(st.kills)*(st.after+st.down+5*time.Second))
	)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: st.clients}}
	for c := 0; c < st.clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < st.tickets; i++ {
				key := fmt.Sprintf("crash-%s-c%02d-%05d", run, c, i)
				body, _ := json.Marshal(map[string]any{
					"estate_id": estates[(c+i)%len(estates)].ID, "channel": "api", "type": "repair", "priority": "normal",
					"caller_name": "测试住户", "caller_phone": "13800000000", "description": marker + key + "：厨房水龙头漏水",
				})
				for {
					ack, retry, err := crashCreate(client, base, token, key, body)
					if err != nil {
						failures <- fmt.Errorf("%s: %w", key, err)
						return
					}
					if !retry {
						acks.Store(key, ack)
						acked.Add(1)
						if ack.replayed {
							replayed.Add(1)
						}
						break
					}
					retries.Add(1)
					if time.Now().After(deadline) {
						failures <- fmt.Errorf("%s: no answer before the deadline", key)
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	total := int64(st.clients * st.tickets)
	killedUnderLoad := 0
	for k := 0; k < st.kills; k++ {
		// Each kill comes after `after` of load, or sooner on a fast machine,
		// before the clients could be done.
		due, share := time.Now().Add(st.after), total*int64(k+1)/int64(st.kills+1)
		for time.Now().Before(due) && acked.Load() < share {
			time.Sleep(2 * time.Millisecond)
		}
		if acked.Load() < total {
			killedUnderLoad++
		}
		srv.kill()
		time.Sleep(st.down)
		srv.start(base, 60*time.Second)
	}
	wg.Wait()
	close(failures)
	for err := range failures {
		t.Error(err)
	}
	srv.stop()

	// What the database holds, read after the server is gone.
	type row struct {
		ID          uuid.UUID `bun:"id"`
		Description string    `bun:"description"`
	}
	var tickets []row
	var keys []struct {
		Key      string    `bun:"key"`
		TicketID uuid.UUID `bun:"ticket_id"`
	}
	if err := db.ReadTenant(ctx, tn.ID, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Table("tickets").Column("id", "description").
			Where("tenant_id = ? AND description LIKE ?", tn.ID, marker+"%").Scan(ctx, &tickets); err != nil {
			return err
		}
		return tx.NewSelect().Table("ticket_idempotency").Column("key", "ticket_id").
			Where("tenant_id = ? AND key LIKE ?", tn.ID, "crash-"+run+"-%").Scan(ctx, &keys)
	}); err != nil {
		t.Fatal(err)
	}
	byKey := map[string][]uuid.UUID{}
	for _, r := range tickets {
		key, _, _ := strings.Cut(strings.TrimPrefix(r.Description, marker), "：")
		byKey[key] = append(byKey[key], r.ID)
	}
	missing, duplicates, mismatched := 0, 0, 0
	acks.Range(func(k, v any) bool {
		got := byKey[k.(string)]
		switch {
		case len(got) == 0:
			missing++
			t.Errorf("%s: answered %d with ticket %s, which is not in the database", k, v.(crashAck).status, v.(crashAck).id)
		case got[0] != v.(crashAck).id:
			mismatched++
			t.Errorf("%s: answered with ticket %s, the database has %s", k, v.(crashAck).id, got[0])
		}
		return true
	})
	for k, ids := range byKey {
		if len(ids) > 1 {
			duplicates += len(ids) - 1
			t.Errorf("%s: %d tickets", k, len(ids))
		}
	}
	if len(keys) != len(byKey) {
		t.Errorf("%d idempotency keys recorded for %d keys with tickets", len(keys), len(byKey))
	}
	if int64(len(byKey)) != acked.Load() {
		t.Errorf("%d keys have tickets, %d were acknowledged", len(byKey), acked.Load())
	}
	if killedUnderLoad == 0 {
		t.Error("every kill came after the load had finished: nothing was tested")
	}
	verdict := "PASS"
	if t.Failed() {
		verdict = "FAIL"
	}
	t.Logf("%s crash-tickets db=%s clients=%d keys=%d acknowledged=%d tickets=%d distinct_keys=%d idempotency_rows=%d missing=%d duplicates=%d mismatched=%d replayed=%d retries=%d kills=%d under_load=%d seconds=%.1f",
		verdict, dbtest.Dialect(), st.clients, total, acked.Load(), len(tickets), len(byKey), len(keys), missing, duplicates,
		mismatched, replayed.Load(), retries.Load(), st.kills, killedUnderLoad, time.Since(clientsUp).Seconds())
}

type crashAck struct {
	id       uuid.UUID
	status   int
	replayed bool
}

// crashCreate posts one create. retry is true for the answers a client
// retries: no connection, a cut connection, 5xx.
func crashCreate(client *http.Client, base, token, key string, body []byte) (ack crashAck, retry bool, err error) {
	req, err := http.NewRequest("POST", base+"/api/v1/t/demo/tickets", bytes.NewReader(body))
	if err != nil {
		return ack, false, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := client.Do(req)
	if err != nil {
		return ack, true, nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return ack, true, nil
	}
	switch {
	case resp.StatusCode >= 500:
		return ack, true, nil
	case resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK:
		return ack, false, fmt.Errorf("answered %d: %.300s", resp.StatusCode, b)
	}
	var tk struct {
		ID uuid.UUID `json:"id"`
	}
	if err := json.Unmarshal(b, &tk); err != nil || tk.ID == uuid.Nil {
		return ack, false, fmt.Errorf("answered %d without a ticket: %.300s", resp.StatusCode, b)
	}
	replayed := resp.Header.Get("Idempotent-Replayed") == "true"
	if replayed != (resp.StatusCode == http.StatusOK) {
		return ack, false, fmt.Errorf("answered %d with Idempotent-Replayed %q", resp.StatusCode, resp.Header.Get("Idempotent-Replayed"))
	}
	return crashAck{id: tk.ID, status: resp.StatusCode, replayed: replayed}, false, nil
}

func crashLogin(t *testing.T, base string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": "manager@demo.estatedesk.test", "password": DemoPassword})
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		t.Fatalf("sign-in: %d %v", resp.StatusCode, err)
	}
	return out.Token
}

// freeAddr is a loopback address with a port nothing listens on now; the
// server is restarted on the same one, as clients would find it again.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// crashServer is `serve` in a child process of this test binary.
type crashServer struct {
	t      *testing.T
	args   string
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
	log    bytes.Buffer
}

func (s *crashServer) start(base string, within time.Duration) {
	s.t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestBenchServe$")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, dbtest.EnvPostgres+"=") && !strings.HasPrefix(kv, "ESTATEDESK_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, EnvBenchServeArgs+"="+s.args)
	cmd.Stdout, cmd.Stderr = &s.log, &s.log
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited
	end := time.Now().Add(within)
	for time.Now().Before(end) {
		select {
		case <-exited:
			s.cmd = nil
			s.t.Fatalf("server exited at start:\n%s", s.log.String())
		default:
		}
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.kill()
	s.t.Fatalf("server not ready within %s:\n%s", within, s.log.String())
}

func (s *crashServer) kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
	s.cmd = nil
}

func (s *crashServer) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.exited
	}
	s.cmd = nil
}
