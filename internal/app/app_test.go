package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/alexedwards/argon2id"

	"github.com/estatedesk/estatedesk/internal/config"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
	"github.com/estatedesk/estatedesk/internal/rbac"
)

// dbArgs points a command at a fresh database of the dialect under test.
func dbArgs(t testing.TB) []string {
	t.Helper()
	if dbtest.Dialect() == "postgres" {
		return []string{"--data-dir", t.TempDir(), "--database-url", dbtest.Options(t).URL}
	}
	return []string{"--data-dir", t.TempDir(), "--database-url="}
}

func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
	if err != nil {
		t.Logf("%v: %v\n%s", args, err, errOut.String())
	}
	return out.String(), err
}

func TestMigrateCommands(t *testing.T) {
	opts := dbtest.Empty(t)
	db := []string{"--data-dir", opts.DataDir, "--database-url=" + opts.URL}
	out, err := runCmd(t, append([]string{"migrate", "status"}, db...)...)
	if err != nil || !strings.Contains(out, "pending") {
		t.Fatalf("status before: %q %v", out, err)
	}
	out, err = runCmd(t, append([]string{"migrate"}, append(db, "up")...)...)
	if err != nil || !strings.Contains(out, "applied") {
		t.Fatalf("up: %q %v", out, err)
	}
	out, err = runCmd(t, append([]string{"migrate"}, append(db, "up")...)...)
	if err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("second up: %q %v", out, err)
	}
	out, err = runCmd(t, append([]string{"migrate"}, append(db, "status")...)...)
	if err != nil || strings.Contains(out, "pending") || !strings.Contains(out, "applied") {
		t.Fatalf("status after: %q %v", out, err)
	}
	if _, err := runCmd(t, append([]string{"migrate"}, append(db, "sideways")...)...); err == nil {
		t.Error("unknown migrate action accepted")
	}
}

const manifestV1 = `company:
  slug: acme
  name: Acme 物业
  plan: starter
estates:
  - name: 东区
staff:
  - email: boss@acme.example.com
    name: Boss
    roles: [manager]
  - email: desk@acme.example.com
    roles: [clerk]
    estates: [东区]
`

func TestTenantsApplyDryRunApplyReapply(t *testing.T) {
	db := dbArgs(t)
	file := filepath.Join(t.TempDir(), "acme.yaml")
	if err := os.WriteFile(file, []byte(manifestV1), 0o600); err != nil {
		t.Fatal(err)
	}
	apply := func(extra ...string) string {
		t.Helper()
		out, err := runCmd(t, append(append([]string{"tenants", "apply", file}, extra...), db...)...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := apply("--dry-run")
	for _, want := range []string{`+ company acme "Acme 物业"`, `+ estate "东区"`, "+ invite boss@acme.example.com as manager", "dry run: 4 change(s) not applied"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	if out2 := apply("--dry-run"); out2 != out {
		t.Errorf("dry run changed something:\n%s", out2)
	}
	out = apply()
	if !strings.Contains(out, "4 change(s) applied") || !strings.Contains(out, "invitation for desk@acme.example.com: http") {
		t.Errorf("apply:\n%s", out)
	}
	if out := apply(); strings.TrimSpace(out) != "no changes" {
		t.Errorf("second apply changed things:\n%s", out)
	}
	v2 := strings.Replace(manifestV1, "plan: starter", "plan: growth", 1) + "  - email: head@acme.example.com\n    roles: [office_head]\n    estates: [东区, 西区]\n"
	v2 = strings.Replace(v2, "  - name: 东区\n", "  - name: 东区\n  - name: 西区\n", 1)
	if err := os.WriteFile(file, []byte(v2), 0o600); err != nil {
		t.Fatal(err)
	}
	out = apply()
	for _, want := range []string{`~ company acme: plan "starter" → "growth"`, `+ estate "西区"`, "+ invite head@acme.example.com as office_head", "3 change(s) applied"} {
		if !strings.Contains(out, want) {
			t.Errorf("update lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "boss@") {
		t.Errorf("unchanged staff re-invited:\n%s", out)
	}
}

func TestTenantsApplyRejectsBadManifests(t *testing.T) {
	db := dbArgs(t)
	for name, body := range map[string]string{
		"unknown key":    "company:\n  slug: acme\n  name: x\n  colour: red\n",
		"no slug":        "company:\n  name: x\n",
		"bad slug":       "company:\n  slug: A B\n  name: x\n",
		"unknown role":   "company:\n  slug: acme\n  name: x\nstaff:\n  - email: a@example.com\n    roles: [king]\n",
		"unknown estate": "company:\n  slug: acme\n  name: x\nstaff:\n  - email: a@example.com\n    roles: [clerk]\n    estates: [nowhere]\n",
	} {
		file := filepath.Join(t.TempDir(), "m.yaml")
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := runCmd(t, append([]string{"tenants", "apply", file}, db...)...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestAdminCreateAndDemo(t *testing.T) {
	db := dbArgs(t)
	t.Setenv("ESTATEDESK_ADMIN_PASSWORD", "a long secret")
	out, err := runCmd(t, append([]string{"admin", "create", "--email", "root@example.com"}, db...)...)
	if err != nil || !strings.Contains(out, "root@example.com created") {
		t.Fatalf("admin create: %q %v", out, err)
	}
	if _, err := runCmd(t, append([]string{"admin", "create", "--email", "root@example.com"}, db...)...); err == nil {
		t.Error("duplicate admin accepted")
	}
	out, err = runCmd(t, append([]string{"demo"}, db...)...)
	if err != nil || !strings.Contains(out, "change(s) applied") {
		t.Fatalf("demo: %q %v", out, err)
	}
	out, err = runCmd(t, append([]string{"demo"}, db...)...)
	if err != nil || strings.TrimSpace(out) != "no changes" {
		t.Fatalf("second demo: %q %v", out, err)
	}
}

func TestUnknownCommand(t *testing.T) {
	if _, err := runCmd(t, "frobnicate"); err == nil {
		t.Error("unknown command accepted")
	}
}

// The README's roles table and configuration table are the code's own.
func TestReadmeDocumentsRolesAndConfig(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	if !strings.Contains(readme, rbac.MarkdownTable()) {
		t.Errorf("README.md lacks the current roles table; paste this:\n%s", rbac.MarkdownTable())
	}
	for _, row := range config.Table() {
		for _, name := range strings.Split(row[1], " / ") {
			if !strings.Contains(readme, strings.TrimSpace(name)) {
				t.Errorf("README.md does not document %s", name)
			}
		}
	}
}

func TestDemoHashIsTheDemoPassword(t *testing.T) {
	ok, err := argon2id.ComparePasswordAndHash(DemoPassword, demoHash)
	if err != nil || !ok {
		t.Fatalf("demoHash does not match DemoPassword: %v", err)
	}
}

// A manifest can bring an estate's units and owners in from an import
// file next to it; applying again changes nothing.
func TestTenantsApplyWithImportFile(t *testing.T) {
	db := dbArgs(t)
	dir := t.TempDir()
	csv := "楼栋,单元,楼层,房号,类型,面积,状态,业主姓名,业主电话\n8,1,1,101,住宅,88.00,已入住,周杰,13700001111\n8,1,1,102,住宅,88.00,空置,,\n"
	if err := os.WriteFile(filepath.Join(dir, "east.csv"), []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	m := "company: {slug: imp, name: Imp 物业}\nestates:\n  - name: 东区\n    import: east.csv\n"
	file := filepath.Join(dir, "imp.yaml")
	if err := os.WriteFile(file, []byte(m), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(t, append([]string{"tenants", "apply", file}, db...)...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "+ import east.csv into 东区: 2 new unit(s)") {
		t.Fatalf("apply:\n%s", out)
	}
	again, err := runCmd(t, append([]string{"tenants", "apply", file}, db...)...)
	if err != nil || strings.TrimSpace(again) != "no changes" {
		t.Errorf("second apply: %q %v", again, err)
	}
}

// The configured soft memory limit reaches the runtime, unless GOMEMLIMIT
// was set, which the runtime has read already and which wins.
func TestMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	cfg := config.Default()
	if cfg.MemoryLimitMiB <= 0 {
		t.Fatalf("no default memory limit: %d", cfg.MemoryLimitMiB)
	}
	cfg.MemoryLimitMiB = 123
	none := func(string) string { return "" }
	if got := setMemoryLimit(cfg, none); got != 123<<20 || debug.SetMemoryLimit(-1) != 123<<20 {
		t.Errorf("limit %d, want %d", got, 123<<20)
	}
	debug.SetMemoryLimit(1 << 40)
	cfg.MemoryLimitMiB = 99
	gomemlimit := func(k string) string { return map[string]string{"GOMEMLIMIT": "1TiB"}[k] }
	if got := setMemoryLimit(cfg, gomemlimit); got != 1<<40 {
		t.Errorf("GOMEMLIMIT set: limit %d, want it untouched", got)
	}
	cfg.MemoryLimitMiB = 0
	if got := setMemoryLimit(cfg, none); got != 1<<40 {
		t.Errorf("limit 0: %d, want it untouched", got)
	}
}
